import RLCore

/// Checks that an environment keeps the `Environment` contract (after Gymnasium's `check_env`).
///
/// Over random rollouts it checks: a sane spec; `reset(seed:)` is deterministic and seeds matter;
/// observations are finite and inside the declared space; rewards are finite; the same seed and
/// actions give the same trajectory; `truncated` is false before the time limit and true exactly
/// on it; stepping past the end is defined (finite observations, truncation stays reported).
/// Returns one line per problem found; an empty list means the env passed. Allocation-freedom is
/// checked separately, by `rollout bench allocations` under a counting malloc.
public enum EnvironmentChecker {
  public static func check<E: Environment>(_ environment: E, episodes: Int = 20, seed: UInt64 = 1)
    -> [String]
  {
    var problems: [String] = []
    let spec = environment.spec
    let id = spec.id
    func fail(_ message: String) { problems.append("\(id): \(message)") }

    let dimension = spec.observationSpace.count
    if dimension == 0 { fail("observation space is empty") }
    if zip(spec.observationSpace.low, spec.observationSpace.high).contains(where: { !($0 <= $1) }) {
      fail("observation space has low > high")
    }
    if spec.maxEpisodeSteps <= 0 { fail("time limit must be positive") }
    switch spec.actionSpace {
    case .discrete(let n) where n <= 0: fail("discrete action space needs at least one action")
    case .box(let box) where box.count == 0 || box.count > Action.maxContinuousCount:
      fail("box action space must have 1 to \(Action.maxContinuousCount) dimensions")
    case .box(let box) where zip(box.low, box.high).contains(where: { !($0 <= $1 && $0.isFinite && $1.isFinite) }):
      fail("box action space needs finite bounds with low <= high")
    default: break
    }
    guard problems.isEmpty else { return problems }

    var a = [Float](repeating: 0, count: dimension)
    var b = a
    var env = environment, twin = environment

    // Reset determinism, and seeds that matter.
    var firstObservations: [[Float]] = []
    for s in 0..<5 {
      a.withUnsafeMutableBufferPointer { env.reset(seed: seed &+ UInt64(s), observation: $0) }
      b.withUnsafeMutableBufferPointer { twin.reset(seed: seed &+ UInt64(s), observation: $0) }
      if a != b { fail("reset(seed: \(seed &+ UInt64(s))) gave two different observations") }
      firstObservations.append(a)
    }
    let distinctStarts = Set(firstObservations.map { $0.map(\.bitPattern) }).count
    if spec.randomStart && distinctStarts == 1 {
      fail("five different reset seeds gave the same first observation (spec says the start is random)")
    }
    if !spec.randomStart && distinctStarts > 1 {
      fail("reset seeds changed the first observation, but the spec says the start is fixed")
    }

    let actions = RandomActions(space: spec.actionSpace)
    for episode in 0..<episodes {
      let episodeSeed = SeedDerivation.seed(run: seed, purpose: .trainingEpisode, episode: episode)
      var rng = SplitMix64(seed: episodeSeed)
      a.withUnsafeMutableBufferPointer { env.reset(seed: episodeSeed, observation: $0) }
      b.withUnsafeMutableBufferPointer { twin.reset(seed: episodeSeed, observation: $0) }
      if !a.withUnsafeBufferPointer({ spec.observationSpace.contains($0) }) {
        fail("first observation \(a) of episode \(episode) is outside \(spec.observationSpace)")
        break
      }
      var t = 0
      var ended: Step?
      while ended == nil {
        let action = actions.next(&rng)
        let step = a.withUnsafeMutableBufferPointer { env.step(action, observation: $0) }
        let stepTwin = b.withUnsafeMutableBufferPointer { twin.step(action, observation: $0) }
        t += 1
        if step != stepTwin || a != b {
          fail("episode \(episode) step \(t): the same seed and actions gave different results")
          return problems
        }
        if !step.reward.isFinite { fail("episode \(episode) step \(t): reward \(step.reward)") }
        if !a.withUnsafeBufferPointer({ spec.observationSpace.contains($0) }) {
          fail("episode \(episode) step \(t): observation \(a) is outside \(spec.observationSpace)")
          return problems
        }
        if step.truncated != (t >= spec.maxEpisodeSteps) {
          fail("episode \(episode) step \(t): truncated is \(step.truncated) with time limit \(spec.maxEpisodeSteps)")
          return problems
        }
        if step.isDone { ended = step }
        if t > spec.maxEpisodeSteps {
          fail("episode \(episode) ran past its time limit")
          return problems
        }
      }
      // Past the end: defined, finite, and truncation keeps being reported.
      for extra in 1...3 {
        let step = a.withUnsafeMutableBufferPointer { env.step(actions.next(&rng), observation: $0) }
        if !a.allSatisfy(\.isFinite) || !step.reward.isFinite {
          fail("episode \(episode): step \(extra) after the end gave non-finite values")
          return problems
        }
        if ended!.truncated && !step.truncated {
          fail("episode \(episode): truncated went back to false after the time limit")
          return problems
        }
      }
    }
    return problems
  }
}
