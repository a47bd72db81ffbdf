/// A box of real values, one interval per dimension (Gymnasium's `Box`, float32).
public struct BoxSpace: Sendable, Equatable, Codable {
  public var low: [Float]
  public var high: [Float]

  public init(low: [Float], high: [Float]) {
    precondition(low.count == high.count, "BoxSpace bounds must have the same length")
    self.low = low
    self.high = high
  }

  /// The number of dimensions.
  public var count: Int { low.count }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let low = try container.decode([Float].self, forKey: .low)
    let high = try container.decode([Float].self, forKey: .high)
    guard low.count == high.count else {
      throw DecodingError.dataCorruptedError(
        forKey: .high, in: container, debugDescription: "low and high differ in length")
    }
    self.init(low: low, high: high)
  }

  private enum CodingKeys: String, CodingKey {
    case low, high
  }

  /// Whether every value lies inside its interval (NaN never does).
  public func contains(_ values: UnsafeBufferPointer<Float>) -> Bool {
    guard values.count == count else { return false }
    for i in 0..<count where !(values[i] >= low[i] && values[i] <= high[i]) {
      return false
    }
    return true
  }
}

extension BoxSpace: CustomStringConvertible {
  public var description: String {
    let lows = Set(low), highs = Set(high)
    if lows.count == 1, highs.count == 1 {
      return "Box(\(formatBound(low[0])), \(formatBound(high[0])), (\(count),))"
    }
    return "Box(\(count))"
  }
}

/// The actions an environment accepts. Encoded as `{"discrete": {"count": n}}` or
/// `{"box": {"low": [...], "high": [...]}}`.
public enum ActionSpace: Sendable, Equatable, Codable {
  /// `count` actions, numbered `0..<count`.
  case discrete(count: Int)
  /// Real-valued actions inside a box.
  case box(BoxSpace)

  /// How many numbers a policy must output to choose an action: logits for `discrete`, one value
  /// per dimension for `box`.
  public var policyOutputCount: Int {
    switch self {
    case .discrete(let count): count
    case .box(let box): box.count
    }
  }
}

extension ActionSpace {
  private enum CodingKeys: String, CodingKey {
    case discrete, box
  }

  private struct DiscreteRecord: Codable {
    var count: Int
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    if let discrete = try container.decodeIfPresent(DiscreteRecord.self, forKey: .discrete) {
      guard discrete.count > 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .discrete, in: container, debugDescription: "a discrete space needs count > 0")
      }
      self = .discrete(count: discrete.count)
    } else if let box = try container.decodeIfPresent(BoxSpace.self, forKey: .box) {
      self = .box(box)
    } else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "expected 'discrete' or 'box'"))
    }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .discrete(let count): try container.encode(DiscreteRecord(count: count), forKey: .discrete)
    case .box(let box): try container.encode(box, forKey: .box)
    }
  }
}

extension ActionSpace: CustomStringConvertible {
  public var description: String {
    switch self {
    case .discrete(let count): "Discrete(\(count))"
    case .box(let box): box.description
    }
  }
}

private func formatBound(_ value: Float) -> String {
  if value == .infinity { return "inf" }
  if value == -.infinity { return "-inf" }
  return "\(value)"
}

/// The shape of a channels-last grid observation: `height × width × channels` floats, the value
/// of channel c at row y, column x at `(y * width + x) * channels + c` (MinAtar's layout).
public struct GridShape: Sendable, Hashable, Codable, CustomStringConvertible {
  public let height: Int
  public let width: Int
  public let channels: Int

  public init(height: Int, width: Int, channels: Int) {
    precondition(height > 0 && width > 0 && channels > 0, "a grid needs positive sides and channels")
    self.height = height
    self.width = width
    self.channels = channels
  }

  public var positions: Int { height * width }
  public var count: Int { height * width * channels }
  public var description: String { "\(height)×\(width)×\(channels)" }
}

