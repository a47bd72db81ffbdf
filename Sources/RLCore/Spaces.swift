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

/// The actions an environment accepts.
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
