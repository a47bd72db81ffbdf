import RLCore

/// Normalises observations before the network sees them: `clip((o − mean) / std, −clip, clip)`,
/// in Float, element by element (OpenAI-ES's observation filter, clip 5).
public struct ObservationNormalizer: Sendable, Equatable, Codable {
  public var mean: [Float]
  public var std: [Float]
  public var clip: Float

  public init(mean: [Float], std: [Float], clip: Float = 5) {
    precondition(mean.count == std.count, "normaliser mean and std differ in length")
    self.mean = mean
    self.std = std
    self.clip = clip
  }

  /// The normaliser that changes nothing (mean 0, std 1, no clipping).
  public static func identity(dimension: Int) -> ObservationNormalizer {
    ObservationNormalizer(
      mean: [Float](repeating: 0, count: dimension), std: [Float](repeating: 1, count: dimension),
      clip: .infinity)
  }

  /// The normaliser for the statistics gathered so far.
  public init(statistics: RunningStatistics, clip: Float = 5) {
    self.init(
      mean: statistics.mean.map { Float($0) }, std: statistics.standardDeviation.map { Float($0) },
      clip: clip)
  }

  public var dimension: Int { mean.count }

  @inlinable
  public func apply(_ observation: UnsafePointer<Float>, into input: UnsafeMutablePointer<Float>) {
    mean.withUnsafeBufferPointer { m in
      std.withUnsafeBufferPointer { s in
        for i in 0..<m.count {
          let z = (observation[i] - m[i]) / s[i]
          input[i] = z > clip ? clip : (z < -clip ? -clip : z)
        }
      }
    }
  }
}
