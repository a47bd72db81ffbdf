/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator used for seeding and for
/// environment start states.
///
/// Each `next()` adds the golden gamma `0x9E3779B97F4A7C15` to the state and returns the mixed
/// state. This is the generator the golden traces' action streams were drawn from.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable, Codable {
  public var state: UInt64

  @inlinable
  public init(seed: UInt64) {
    state = seed
  }

  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return SplitMix64.mix(state)
  }

  /// SplitMix64's output function: a bijective avalanche of 64 bits.
  @inlinable
  public static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in [0, 1) with 53 random bits: `(next() >> 11) * 2^-53`.
  @inlinable
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A uniform double in [low, high), computed as `low + (high - low) * u` (NumPy's `uniform`).
  @inlinable
  public mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * nextUnit()
  }
}
