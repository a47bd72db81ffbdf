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

  private enum CodingKeys: String, CodingKey {
    case mean, std, clip
  }

  /// `clip` is written as null when there is none (JSON has no infinity).
  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let mean = try container.decode([Float].self, forKey: .mean)
    let std = try container.decode([Float].self, forKey: .std)
    guard mean.count == std.count else {
      throw DecodingError.dataCorruptedError(forKey: .std, in: container, debugDescription: "mean and std differ in length")
    }
    self.init(mean: mean, std: std, clip: try container.decodeIfPresent(Float.self, forKey: .clip) ?? .infinity)
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(mean, forKey: .mean)
    try container.encode(std, forKey: .std)
    try container.encode(clip.isFinite ? clip : nil, forKey: .clip)
  }

  /// Normalises `observation` into `input`, reading the statistics from `values`
  /// (`dimension` means, then `dimension` standard deviations, as `write(into:)` lays them out).
  @inlinable @inline(__always)
  public static func apply(
    _ observation: UnsafePointer<Float>, into input: UnsafeMutablePointer<Float>,
    values: UnsafePointer<Float>, dimension: Int, clip: Float
  ) {
    for i in 0..<dimension {
      let z = (observation[i] - values[i]) / values[dimension &+ i]
      input[i] = z > clip ? clip : (z < -clip ? -clip : z)
    }
  }

  /// Writes the means, then the standard deviations, into `buffer` (`2 · dimension` floats), the
  /// flat layout the per-step `apply` reads.
  public func write(into buffer: UnsafeMutableBufferPointer<Float>) {
    for i in 0..<dimension {
      buffer[i] = mean[i]
      buffer[dimension + i] = std[i]
    }
  }

  /// Normalises one observation (the same arithmetic as the per-step path).
  public func apply(_ observation: UnsafePointer<Float>, into input: UnsafeMutablePointer<Float>) {
    let values = mean + std
    values.withUnsafeBufferPointer {
      Self.apply(observation, into: input, values: $0.baseAddress!, dimension: dimension, clip: clip)
    }
  }
}
