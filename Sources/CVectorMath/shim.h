// Lane-wise square root of eight floats as one vector instruction (vsqrtps; two sqrtps on SSE).
// Swift's SIMD8<Float>.squareRoot() calls libm's sqrtf once per lane (C's errno rules), which
// made Adam's step a loop of scalar calls. IEEE square roots are correctly rounded, so the
// results are the same bits as sqrtf's.
#ifndef ROLLOUT_CVECTORMATH_SHIM_H
#define ROLLOUT_CVECTORMATH_SHIM_H

typedef float rollout_float8 __attribute__((ext_vector_type(8)));

static inline rollout_float8 rollout_sqrt8(rollout_float8 x) { return __builtin_elementwise_sqrt(x); }

#endif
