import RLCore

/// Draws uniformly random actions with the golden traces' rules: `(next() >> 32) % n` for discrete
/// spaces, and `Float(low + (high − low)·u)` in Double per dimension for boxes.
public struct RandomActions: Sendable {
  public let space: ActionSpace
  @usableFromInline let count: Int
  @usableFromInline let low: SIMD8<Float>
  @usableFromInline let width: SIMD8<Float>
  @usableFromInline let dimensions: Int

  public init(space: ActionSpace) {
    self.space = space
    switch space {
    case .discrete(let n):
      count = n
      low = .zero
      width = .zero
      dimensions = 0
    case .box(let box):
      count = 0
      var lo = SIMD8<Float>.zero, w = SIMD8<Float>.zero
      for i in 0..<box.count {
        lo[i] = box.low[i]
        w[i] = box.high[i] - box.low[i]
      }
      low = lo
      width = w
      dimensions = box.count
    }
  }

  @inlinable
  public func next(_ rng: inout SplitMix64) -> Action {
    if count > 0 {
      return Action(index: Int((rng.next() >> 32) % UInt64(count)))
    }
    var values = SIMD8<Float>.zero
    for i in 0..<dimensions {
      values[i] = Float(Double(low[i]) + Double(width[i]) * rng.nextUnit())
    }
    return Action(values: values)
  }
}

/// Runs one episode with uniformly random actions. The env is reset with `seed`; the actions come
/// from SplitMix64 seeded with the mixed seed. With `behavior`, the env's behaviour descriptor is
/// written there at the end.
@inlinable
public func runRandomEpisode<E: Environment>(
  _ env: inout E, seed: UInt64, observation: UnsafeMutableBufferPointer<Float>,
  behavior: UnsafeMutableBufferPointer<Float>? = nil
) -> EpisodeOutcome {
  let actions = RandomActions(space: env.spec.actionSpace)
  var rng = SplitMix64(seed: SplitMix64.mix(seed ^ RandomPurpose.actionSampling.rawValue))
  env.reset(seed: seed, observation: observation)
  var total = 0.0
  var length = 0
  while true {
    let step = env.step(actions.next(&rng), observation: observation)
    total += step.reward
    length += 1
    if step.isDone {
      if let behavior {
        env.writeBehavior(into: behavior, finalObservation: UnsafeBufferPointer(observation))
      }
      return EpisodeOutcome(totalReward: total, length: length, terminated: step.terminated)
    }
  }
}
