/* Counts heap allocations for `rollout bench allocations`, loaded with LD_PRELOAD.
 * Build: cc -O2 -shared -fPIC malloc_counter.c -o libmalloc_counter.so -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

static _Atomic uint64_t allocations;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);

/* dlsym may itself call calloc: serve that from a small static buffer. */
static char bootstrap[4096];
static size_t bootstrap_used;
static void *bootstrap_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (bootstrap_used + n > sizeof bootstrap) return NULL;
  void *p = bootstrap + bootstrap_used;
  bootstrap_used += n;
  return p;
}

uint64_t rollout_malloc_count(void) { return allocations; }

void *malloc(size_t n) {
  if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc");
  allocations++;
  return real_malloc(n);
}

void *calloc(size_t c, size_t n) {
  if (!real_calloc) {
    static int resolving;
    if (resolving) return bootstrap_alloc(c * n);
    resolving = 1;
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    resolving = 0;
  }
  allocations++;
  return real_calloc(c, n);
}

void *realloc(void *p, size_t n) {
  if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc");
  allocations++;
  return real_realloc(p, n);
}

int posix_memalign(void **p, size_t a, size_t n) {
  if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  allocations++;
  return real_posix_memalign(p, a, n);
}

void free(void *p) {
  static void (*real_free)(void *);
  if ((char *)p >= bootstrap && (char *)p < bootstrap + sizeof bootstrap) return;
  if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
  real_free(p);
}
