import RLCore

/// How a policy turns its outputs into an action.
public enum ActionMode: String, Sendable, Codable, CaseIterable {
  /// The most likely action: argmax of the logits, or the squashed mean for continuous actions.
  case greedy
  /// A draw from the policy's distribution: softmax over the logits. Continuous ES policies are
  /// deterministic, so for them this is the same as `greedy`.
  case sampled
}

/// Maps network outputs to an `Action` for one action space, without allocating.
///
/// Discrete spaces take the outputs as logits. Box spaces squash each output with tanh into its
/// bounds: `a = low + (tanh(o) + 1) / 2 · (high − low)` (documented in docs/policy-format.md).
public struct ActionHead: Sendable, Equatable {
  public let space: ActionSpace
  @usableFromInline let discreteCount: Int
  @usableFromInline let boxCount: Int
  @usableFromInline let low: SIMD8<Float>
  @usableFromInline let high: SIMD8<Float>

  public init(space: ActionSpace) {
    self.space = space
    switch space {
    case .discrete(let count):
      discreteCount = count
      boxCount = 0
      low = .zero
      high = .zero
    case .box(let box):
      precondition(box.count <= Action.maxContinuousCount, "at most 8 continuous action values")
      discreteCount = 0
      boxCount = box.count
      var lo = SIMD8<Float>.zero, hi = SIMD8<Float>.zero
      for i in 0..<box.count {
        lo[i] = box.low[i]
        hi[i] = box.high[i]
      }
      low = lo
      high = hi
    }
  }

  /// Chooses an action; `rng` is used only by `.sampled` on discrete spaces.
  @inlinable
  public func action(
    outputs: UnsafePointer<Float>, mode: ActionMode, rng: inout PhiloxStream
  ) -> Action {
    if discreteCount > 0 {
      return Action(
        index: mode == .greedy
          ? argmax(outputs, discreteCount) : sampleSoftmax(outputs, discreteCount, &rng))
    }
    var o = SIMD8<Float>.zero
    for i in 0..<boxCount { o[i] = outputs[i] }
    // The hidden layers' tanh kernel, so a squash has the same bits on every CPU.
    withUnsafeMutableBytes(of: &o) { activate($0.baseAddress!.assumingMemoryBound(to: Float.self), 8, .tanh) }
    return Action(values: low + (o + 1) * 0.5 * (high - low))
  }
}

/// The index of the largest value; the first one on ties (NumPy's `argmax`).
@inlinable
public func argmax(_ values: UnsafePointer<Float>, _ count: Int) -> Int {
  var best = 0
  var bestValue = values[0]
  for i in 1..<max(count, 1) where values[i] > bestValue {
    best = i
    bestValue = values[i]
  }
  return best
}

/// A draw from softmax(logits) by inverse CDF on one uniform in [0, 1).
@inlinable
public func sampleSoftmax(_ logits: UnsafePointer<Float>, _ count: Int, _ rng: inout PhiloxStream)
  -> Int
{
  var maxLogit = logits[0]
  for i in 1..<count where logits[i] > maxLogit { maxLogit = logits[i] }
  var total: Float = 0
  for i in 0..<count { total += expf(logits[i] - maxLogit) }
  var threshold = rng.nextUnitFloat() * total
  for i in 0..<(count - 1) {
    threshold -= expf(logits[i] - maxLogit)
    if threshold < 0 { return i }
  }
  return count - 1
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
