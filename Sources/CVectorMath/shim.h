// rollout's network kernels, compiled once per instruction set and chosen at run time.
//
// kernels.inc holds every kernel once, written over a vector of RK_W floats; this header
// includes it once per instruction set with that set's target attribute, so one binary carries
// an AVX-512, an AVX2 + FMA, an SSE2 and a scalar version on x86-64 (NEON and scalar on arm64), and
// Sources/Networks/Kernels.swift picks one when the program starts. Every version computes the
// same bits (kernels.inc says how). Header-only, like every C shim here: SwiftPM compiles it
// into the Swift module that imports it, so no C target is needed. SwiftPM does not see edits to
// these two files: after one, touch Sources/Networks/Kernels.swift so Networks is rebuilt.
#ifndef ROLLOUT_CVECTORMATH_SHIM_H
#define ROLLOUT_CVECTORMATH_SHIM_H

typedef float rk_f1 __attribute__((ext_vector_type(1), aligned(4)));
typedef float rk_f4 __attribute__((ext_vector_type(4), aligned(4)));
typedef float rk_f8 __attribute__((ext_vector_type(8), aligned(4)));
typedef float rk_f16 __attribute__((ext_vector_type(16), aligned(4)));

/// One path's kernels (kernels.inc documents each); Sources/Networks/Kernels.swift calls them.
typedef struct {
  float *(*mlp_forward)(const long *sizes, long layers, int activation, const float *parameters, const float *input,
    float *workspace);
  void (*dense_rows)(const float *x, long rows, long in, const float *w, const float *b, long out, float *y,
    const float *wt);
  void (*dense_row)(const float *x, long in, const float *w, const float *b, long out, float *y);
  void (*outer)(const float *x, const float *delta, long rows, long in, long out, float *dW, int overwriting);
  void (*activate)(float *y, long n, int activation);
  void (*activation_gradient)(float *delta, const float *y, long n, int activation);
  void (*sum_rows)(const float *x, long rows, long width, float *sums);
  void (*adam)(float *p, const float *g, float *m, float *v, long n, float scale, float beta1, float beta2,
    float epsilon, float c1, float c2, float learningRate);
  void (*rmsprop)(float *p, const float *g, float *v, long n, float scale, float alpha, float epsilon,
    float learningRate);
} rollout_kernel_table;

#define RK_CAT2(a, b) a##_##b
#define RK_CAT(a, b) RK_CAT2(a, b)
#define RK(name) RK_CAT(name, RK_SUFFIX)

// Scalar: one float per "vector", a·b + c through libm's fmaf where the CPU has no FMA unit
// (slow, and the same bits: fmaf is exact by definition).
#define RK_SUFFIX scalar
#define RK_TARGET
#define RK_W 1
#define VEC rk_f1
#include "kernels.inc"
#undef RK_SUFFIX
#undef RK_TARGET
#undef RK_W
#undef VEC

#if defined(__x86_64__)
#define RK_SUFFIX avx2
#define RK_TARGET __attribute__((target("avx2,fma")))
#define RK_W 8
#define VEC rk_f8
#include "kernels.inc"
#undef RK_SUFFIX
#undef RK_TARGET
#undef RK_W
#undef VEC

#define RK_SUFFIX avx512
#define RK_TARGET __attribute__((target("avx512f,avx2,fma")))
#define RK_W 16
#define VEC rk_f16
#include "kernels.inc"
#undef RK_SUFFIX
#undef RK_TARGET
#undef RK_W
#undef VEC

// SSE2 (every x86-64 CPU): four lanes, and a fused multiply-add computed exactly in double
// precision. a·b is exact in a double (24 + 24 bits < 53); the sum is rounded to odd (Boldo &
// Melquiond: round to nearest, recover the rounding error with TwoSum, and where it is not zero
// make the last bit 1 on the side of the exact value), and rounding that to float gives the
// correctly rounded a·b + c, the same bits as an FMA instruction, without libm's call per lane.
typedef double rk_d4 __attribute__((ext_vector_type(4)));
typedef long rk_l4 __attribute__((ext_vector_type(4)));
static inline rk_f4 rk_fma_sse2(rk_f4 a, rk_f4 b, rk_f4 c) {
  const rk_d4 p = __builtin_convertvector(a, rk_d4) * __builtin_convertvector(b, rk_d4);
  const rk_d4 z = __builtin_convertvector(c, rk_d4);
  const rk_d4 s = p + z;
  const rk_d4 v = s - p;
  const rk_d4 e = (p - (s - v)) + (z - v);
  const rk_l4 bits = (rk_l4)s;
  // e · s < 0: the exact sum lies between s and zero, so truncating it gives s's predecessor.
  // (e · s cannot underflow to zero: a nonzero |e| is at least 2⁻³⁵¹ and |s| at least 2⁻²⁹⁸.)
  // Infinite and NaN sums are left alone.
  const rk_l4 inexact = (e != 0) & (s - s == 0);
  const rk_l4 odd = ((e * s < 0) ? bits - 1 : bits) | 1;
  return __builtin_convertvector((rk_d4)(inexact ? odd : bits), rk_f4);
}
static inline float rk_fmaf_sse2(float a, float b, float c) { return rk_fma_sse2((rk_f4)a, (rk_f4)b, (rk_f4)c)[0]; }
static inline rk_f1 rk_fma1_sse2(rk_f1 a, rk_f1 b, rk_f1 c) {
  rk_f1 r;
  r[0] = rk_fmaf_sse2(a[0], b[0], c[0]);
  return r;
}

#define RK_SUFFIX sse2
#define RK_TARGET
#define RK_W 4
#define VEC rk_f4
#define RK_FMA(a, b, c) _Generic((a), rk_f4: rk_fma_sse2, rk_f1: rk_fma1_sse2)((a), (b), (c))
#define RK_FMAF(a, b, c) rk_fmaf_sse2((a), (b), (c))
#include "kernels.inc"
#undef RK_SUFFIX
#undef RK_TARGET
#undef RK_W
#undef VEC

/// Whether this CPU (and the OS, which must save the wider registers) runs the AVX2 + FMA and
/// the AVX-512F kernels.
static inline int rollout_cpu_has_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static inline int rollout_cpu_has_avx512f(void) {
  __builtin_cpu_init();
  return rollout_cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f");
}
#endif

#if defined(__aarch64__)
// NEON is part of every arm64 CPU: no target attribute, four lanes, fused multiply-adds in
// hardware.
#define RK_SUFFIX neon
#define RK_TARGET
#define RK_W 4
#define VEC rk_f4
#include "kernels.inc"
#undef RK_SUFFIX
#undef RK_TARGET
#undef RK_W
#undef VEC
#endif

#undef RK
#undef RK_CAT
#undef RK_CAT2

#endif
