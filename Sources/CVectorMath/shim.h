// Lane-wise square root of eight floats as one vector instruction (vsqrtps; two sqrtps on SSE).
// Swift's SIMD8<Float>.squareRoot() calls libm's sqrtf once per lane (C's errno rules), which
// made Adam's step a loop of scalar calls. IEEE square roots are correctly rounded, so the
// results are the same bits as sqrtf's.
#ifndef ROLLOUT_CVECTORMATH_SHIM_H
#define ROLLOUT_CVECTORMATH_SHIM_H

typedef float rollout_float8 __attribute__((ext_vector_type(8)));

static inline rollout_float8 rollout_sqrt8(rollout_float8 x) { return __builtin_elementwise_sqrt(x); }

// MARK: AVX-512 kernels (the AVX512 trait)
//
// The network's wide kernels as 16-lane fused multiply-adds. Swift never fuses a·b + c and its
// SIMD16 types are split into 256-bit halves, so these few loops are written with intrinsics.
// Each function carries its own target attribute: the rest of the build stays whatever it is,
// and nothing here runs unless the AVX512 trait is on (rollout refuses to start on a CPU without
// AVX-512F, see rollout_cpu_has_avx512f).
//
// Every output lane follows one recurrence, whatever the tiling: a dense unit is
// b, then fma(x_i, w_ij, ·) for i in order; a weight-gradient element is 0, then
// fma(x_ri, δ_rj, ·) for rows r in order, added to ∂W. So a row gives the same bits alone as in
// a four-row tile, and the learner's batched passes agree with the rollouts' single rows.
#if defined(__x86_64__)
#include <immintrin.h>

static inline int rollout_cpu_has_avx512f(void) { return __builtin_cpu_supports("avx512f"); }

#define ROLLOUT_AVX512 __attribute__((target("avx512f,fma")))

/// y[r, j] = b[j] + Σ_i x[r, i]·W[i, j] for units j < outCount − outCount % 16; returns that
/// count (the caller computes the rest). x: rows × inCount, W: inCount × outCount input-major.
ROLLOUT_AVX512 static long rollout_dense_fma16(
  const float *x, long rows, long inCount, const float *w, const float *b, long outCount, float *y) {
  const long wide = outCount - outCount % 16;
  long r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float *x0 = x + r * inCount, *x1 = x0 + inCount, *x2 = x1 + inCount, *x3 = x2 + inCount;
    float *y0 = y + r * outCount;
    long j = 0;
    // Four rows × 32 units: eight chains, enough to keep both FMA pipes busy.
    for (; j + 32 <= wide; j += 32) {
      __m512 a0 = _mm512_loadu_ps(b + j), c0 = _mm512_loadu_ps(b + j + 16);
      __m512 a1 = a0, a2 = a0, a3 = a0, c1 = c0, c2 = c0, c3 = c0;
      const float *row = w + j;
      for (long i = 0; i < inCount; i++, row += outCount) {
        const __m512 wl = _mm512_loadu_ps(row), wh = _mm512_loadu_ps(row + 16);
        const __m512 v0 = _mm512_set1_ps(x0[i]), v1 = _mm512_set1_ps(x1[i]);
        const __m512 v2 = _mm512_set1_ps(x2[i]), v3 = _mm512_set1_ps(x3[i]);
        a0 = _mm512_fmadd_ps(v0, wl, a0); c0 = _mm512_fmadd_ps(v0, wh, c0);
        a1 = _mm512_fmadd_ps(v1, wl, a1); c1 = _mm512_fmadd_ps(v1, wh, c1);
        a2 = _mm512_fmadd_ps(v2, wl, a2); c2 = _mm512_fmadd_ps(v2, wh, c2);
        a3 = _mm512_fmadd_ps(v3, wl, a3); c3 = _mm512_fmadd_ps(v3, wh, c3);
      }
      _mm512_storeu_ps(y0 + j, a0); _mm512_storeu_ps(y0 + j + 16, c0);
      _mm512_storeu_ps(y0 + outCount + j, a1); _mm512_storeu_ps(y0 + outCount + j + 16, c1);
      _mm512_storeu_ps(y0 + 2 * outCount + j, a2); _mm512_storeu_ps(y0 + 2 * outCount + j + 16, c2);
      _mm512_storeu_ps(y0 + 3 * outCount + j, a3); _mm512_storeu_ps(y0 + 3 * outCount + j + 16, c3);
    }
    for (; j < wide; j += 16) {
      __m512 a0 = _mm512_loadu_ps(b + j), a1 = a0, a2 = a0, a3 = a0;
      const float *row = w + j;
      for (long i = 0; i < inCount; i++, row += outCount) {
        const __m512 wi = _mm512_loadu_ps(row);
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(x0[i]), wi, a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(x1[i]), wi, a1);
        a2 = _mm512_fmadd_ps(_mm512_set1_ps(x2[i]), wi, a2);
        a3 = _mm512_fmadd_ps(_mm512_set1_ps(x3[i]), wi, a3);
      }
      _mm512_storeu_ps(y0 + j, a0); _mm512_storeu_ps(y0 + outCount + j, a1);
      _mm512_storeu_ps(y0 + 2 * outCount + j, a2); _mm512_storeu_ps(y0 + 3 * outCount + j, a3);
    }
  }
  for (; r < rows; r++) {
    const float *xr = x + r * inCount;
    float *yr = y + r * outCount;
    long j = 0;
    // One row: 64 units at a time, four chains.
    for (; j + 64 <= wide; j += 64) {
      __m512 a0 = _mm512_loadu_ps(b + j), a1 = _mm512_loadu_ps(b + j + 16);
      __m512 a2 = _mm512_loadu_ps(b + j + 32), a3 = _mm512_loadu_ps(b + j + 48);
      const float *row = w + j;
      for (long i = 0; i < inCount; i++, row += outCount) {
        const __m512 v = _mm512_set1_ps(xr[i]);
        a0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row), a0);
        a1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 16), a1);
        a2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 32), a2);
        a3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + 48), a3);
      }
      _mm512_storeu_ps(yr + j, a0); _mm512_storeu_ps(yr + j + 16, a1);
      _mm512_storeu_ps(yr + j + 32, a2); _mm512_storeu_ps(yr + j + 48, a3);
    }
    for (; j < wide; j += 16) {
      __m512 a = _mm512_loadu_ps(b + j);
      const float *row = w + j;
      for (long i = 0; i < inCount; i++, row += outCount) a = _mm512_fmadd_ps(_mm512_set1_ps(xr[i]), _mm512_loadu_ps(row), a);
      _mm512_storeu_ps(yr + j, a);
    }
  }
  return wide;
}

/// ∂W[i, j] (+)= Σ_r x[r, i]·δ[r, j] for units j < outCount − outCount % 16 (overwriting: ∂W
/// = 0 + the sum, the bits adding to zeros gives); returns that count.
ROLLOUT_AVX512 static long rollout_outer_fma16(
  const float *x, const float *delta, long rows, long inCount, long outCount, float *dW, int overwriting) {
  const long wide = outCount - outCount % 16;
#define ROLLOUT_PUT(acc, p) _mm512_storeu_ps((p), _mm512_add_ps(overwriting ? _mm512_setzero_ps() : _mm512_loadu_ps(p), (acc)))
  long i = 0;
  for (; i + 4 <= inCount; i += 4) {
    long j = 0;
    // Four inputs × 32 units: eight chains down the rows.
    for (; j + 32 <= wide; j += 32) {
      __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
      const float *d = delta + j, *xr = x + i;
      for (long r = 0; r < rows; r++, d += outCount, xr += inCount) {
        const __m512 dl = _mm512_loadu_ps(d), dh = _mm512_loadu_ps(d + 16);
        const __m512 v0 = _mm512_set1_ps(xr[0]), v1 = _mm512_set1_ps(xr[1]);
        const __m512 v2 = _mm512_set1_ps(xr[2]), v3 = _mm512_set1_ps(xr[3]);
        a0 = _mm512_fmadd_ps(v0, dl, a0); c0 = _mm512_fmadd_ps(v0, dh, c0);
        a1 = _mm512_fmadd_ps(v1, dl, a1); c1 = _mm512_fmadd_ps(v1, dh, c1);
        a2 = _mm512_fmadd_ps(v2, dl, a2); c2 = _mm512_fmadd_ps(v2, dh, c2);
        a3 = _mm512_fmadd_ps(v3, dl, a3); c3 = _mm512_fmadd_ps(v3, dh, c3);
      }
      float *p = dW + i * outCount + j;
      ROLLOUT_PUT(a0, p); ROLLOUT_PUT(c0, p + 16);
      ROLLOUT_PUT(a1, p + outCount); ROLLOUT_PUT(c1, p + outCount + 16);
      ROLLOUT_PUT(a2, p + 2 * outCount); ROLLOUT_PUT(c2, p + 2 * outCount + 16);
      ROLLOUT_PUT(a3, p + 3 * outCount); ROLLOUT_PUT(c3, p + 3 * outCount + 16);
    }
    for (; j < wide; j += 16) {
      __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      const float *d = delta + j, *xr = x + i;
      for (long r = 0; r < rows; r++, d += outCount, xr += inCount) {
        const __m512 dl = _mm512_loadu_ps(d);
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(xr[0]), dl, a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(xr[1]), dl, a1);
        a2 = _mm512_fmadd_ps(_mm512_set1_ps(xr[2]), dl, a2);
        a3 = _mm512_fmadd_ps(_mm512_set1_ps(xr[3]), dl, a3);
      }
      float *p = dW + i * outCount + j;
      ROLLOUT_PUT(a0, p); ROLLOUT_PUT(a1, p + outCount); ROLLOUT_PUT(a2, p + 2 * outCount); ROLLOUT_PUT(a3, p + 3 * outCount);
    }
  }
  for (; i < inCount; i++) {
    for (long j = 0; j < wide; j += 16) {
      __m512 a = _mm512_setzero_ps();
      const float *d = delta + j, *xr = x + i;
      for (long r = 0; r < rows; r++, d += outCount, xr += inCount) a = _mm512_fmadd_ps(_mm512_set1_ps(xr[0]), _mm512_loadu_ps(d), a);
      ROLLOUT_PUT(a, dW + i * outCount + j);
    }
  }
#undef ROLLOUT_PUT
  return wide;
}

/// fastTanh's clamped 13/6 rational (Eigen's coefficients) on sixteen lanes, its polynomials
/// evaluated with fused multiply-adds.
ROLLOUT_AVX512 static inline __m512 rollout_tanh_fma16_block(__m512 v) {
  // Operands in the order that lets NaN through (vminps returns its second operand then).
  const __m512 x = _mm512_max_ps(_mm512_set1_ps(-9), _mm512_min_ps(_mm512_set1_ps(9), v));
  const __m512 x2 = _mm512_mul_ps(x, x), x4 = _mm512_mul_ps(x2, x2), x8 = _mm512_mul_ps(x4, x4);
  const __m512 p01 = _mm512_fmadd_ps(x2, _mm512_set1_ps(6.37261928875436e-04f), _mm512_set1_ps(4.89352455891786e-03f));
  const __m512 p23 = _mm512_fmadd_ps(x2, _mm512_set1_ps(5.12229709037114e-08f), _mm512_set1_ps(1.48572235717979e-05f));
  const __m512 p45 = _mm512_fmadd_ps(x2, _mm512_set1_ps(2.00018790482477e-13f), _mm512_set1_ps(-8.60467152213735e-11f));
  const __m512 p6 = _mm512_set1_ps(-2.76076847742355e-16f);
  const __m512 p = _mm512_mul_ps(x, _mm512_fmadd_ps(x8, _mm512_fmadd_ps(x4, p6, p45), _mm512_fmadd_ps(x4, p23, p01)));
  const __m512 q01 = _mm512_fmadd_ps(x2, _mm512_set1_ps(2.26843463243900e-03f), _mm512_set1_ps(4.89352518554385e-03f));
  const __m512 q23 = _mm512_fmadd_ps(x2, _mm512_set1_ps(1.19825839466702e-06f), _mm512_set1_ps(1.18534705686654e-04f));
  const __m512 q = _mm512_fmadd_ps(x4, q23, q01);
  __m512 t = _mm512_max_ps(_mm512_set1_ps(-1), _mm512_min_ps(_mm512_set1_ps(1), _mm512_div_ps(p, q)));
  t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(x, _mm512_set1_ps(9), _CMP_EQ_OQ), _mm512_set1_ps(1));
  return _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-9), _CMP_EQ_OQ), _mm512_set1_ps(-1));
}

/// tanh in place on n floats (the tail through a lane mask, so every value takes the same path).
ROLLOUT_AVX512 static void rollout_tanh_fma16(float *y, long n) {
  long i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = rollout_tanh_fma16_block(_mm512_loadu_ps(y + i));
    const __m512 c = rollout_tanh_fma16_block(_mm512_loadu_ps(y + i + 16));
    _mm512_storeu_ps(y + i, a);
    _mm512_storeu_ps(y + i + 16, c);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, rollout_tanh_fma16_block(_mm512_maskz_loadu_ps(m, y + i)));
  }
}
#endif

#endif
