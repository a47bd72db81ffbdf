#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libm's `pow`, called as such. NumPy's `x ** 2` and Python's `math.pow(x, 2)` call libm's
/// `pow`, which is not correctly rounded and sometimes differs from `x * x` in the last bit; an
/// optimising build folds `pow(x, 2)` into `x * x` (LLVM assumes the two agree), which broke
/// bit-exactness with Gymnasium in release builds. Unoptimised and never inlined, this stays a
/// real call to libm.
@usableFromInline @_optimize(none) @inline(never)
func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

@usableFromInline @_optimize(none) @inline(never)
func libmPowf(_ x: Float, _ y: Float) -> Float { powf(x, y) }
