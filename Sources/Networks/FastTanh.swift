/// Fast tanh: a clamped 13/6 rational approximation (the coefficients of Eigen's
/// `generic_fast_tanh_float`).
///
/// Maximum absolute error against `tanh` in Double: below 5e-7 on [−10, 10] (the tests measure it
/// on a dense grid); the result always lies in [−1, 1]. Cost: about 1 ns per value in SIMD8 lanes,
/// against ~12 ns for libm `tanhf`, which would otherwise dominate small policies.
@inlinable
public func fastTanh(_ value: SIMD8<Float>) -> SIMD8<Float> {
  // `replacing(with:where:)` compiles to blends; `clamped` and pointwiseMin/Max to calls.
  let x = value.replacing(with: 9, where: value .> 9).replacing(with: -9, where: value .< -9)
  let x2 = x * x
  var p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13
  p = x2 * p + -8.60467152213735e-11
  p = x2 * p + 5.12229709037114e-08
  p = x2 * p + 1.48572235717979e-05
  p = x2 * p + 6.37261928875436e-04
  p = x2 * p + 4.89352455891786e-03
  p = x * p
  var q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04
  q = x2 * q + 2.26843463243900e-03
  q = x2 * q + 4.89352518554385e-03
  let t = p / q
  return t.replacing(with: 1, where: t .> 1).replacing(with: -1, where: t .< -1)
}

/// Fast tanh for one value; the same formula as the SIMD8 version, so both agree bit for bit.
@inlinable
public func fastTanh(_ value: Float) -> Float {
  let x = value > 9 ? 9 : (value < -9 ? -9 : value)
  let x2 = x * x
  var p: Float = x2 * -2.76076847742355e-16 + 2.00018790482477e-13
  p = x2 * p + -8.60467152213735e-11
  p = x2 * p + 5.12229709037114e-08
  p = x2 * p + 1.48572235717979e-05
  p = x2 * p + 6.37261928875436e-04
  p = x2 * p + 4.89352455891786e-03
  p = x * p
  var q: Float = x2 * 1.19825839466702e-06 + 1.18534705686654e-04
  q = x2 * q + 2.26843463243900e-03
  q = x2 * q + 4.89352518554385e-03
  let t = p / q
  return t > 1 ? 1 : (t < -1 ? -1 : t)
}
