import Networks
import RLCore

/// The scratch memory one thread needs to run episodes: allocated once, reused for every episode.
public final class EpisodeScratch: @unchecked Sendable {
  public let observation: UnsafeMutableBufferPointer<Float>
  public let input: UnsafeMutableBufferPointer<Float>
  public let workspace: UnsafeMutableBufferPointer<Float>
  public let parameters: UnsafeMutableBufferPointer<Float>
  /// The normaliser's means then standard deviations, copied here once per episode.
  public let normalization: UnsafeMutableBufferPointer<Float>
  /// The behaviour descriptor of the last episode run.
  public let behavior: UnsafeMutableBufferPointer<Float>
  /// Per-dimension sums of the raw observations seen while collecting statistics.
  public let statisticsSum: UnsafeMutableBufferPointer<Double>
  public let statisticsSumOfSquares: UnsafeMutableBufferPointer<Double>
  /// The network kernels, looked up once: a step's forward pass then costs no global lookup.
  public let kernels: KernelTable

  public init(observationCount: Int, network: Network, behaviorCount: Int = 0, kernels: KernelTable = Kernels.active) {
    self.kernels = kernels
    behavior = .allocate(capacity: max(behaviorCount, 1))
    behavior.initialize(repeating: 0)
    observation = .allocate(capacity: observationCount)
    input = .allocate(capacity: network.inputCount)
    workspace = .allocate(capacity: network.workspaceCount)
    parameters = .allocate(capacity: network.parameterCount)
    normalization = .allocate(capacity: 2 * network.inputCount)
    statisticsSum = .allocate(capacity: observationCount)
    statisticsSumOfSquares = .allocate(capacity: observationCount)
    observation.initialize(repeating: 0)
    input.initialize(repeating: 0)
    workspace.initialize(repeating: 0)
    parameters.initialize(repeating: 0)
    normalization.initialize(repeating: 0)
    statisticsSum.initialize(repeating: 0)
    statisticsSumOfSquares.initialize(repeating: 0)
  }

  deinit {
    observation.deallocate()
    input.deallocate()
    workspace.deallocate()
    parameters.deallocate()
    normalization.deallocate()
    behavior.deallocate()
    statisticsSum.deallocate()
    statisticsSumOfSquares.deallocate()
  }
}

extension EpisodeScratch {
  /// The policy's action for the current `observation`: normalise with the values in
  /// `normalization` (see `ObservationNormalizer.write(into:)`), run the network on `parameters`,
  /// apply the head. Allocates nothing.
  @inlinable @inline(__always)
  public func policyAction(
    network: Network, head: ActionHead, mode: ActionMode, clip: Float, rng: inout PhiloxStream
  ) -> Action {
    ObservationNormalizer.apply(
      observation.baseAddress!, into: input.baseAddress!, values: normalization.baseAddress!,
      dimension: observation.count, clip: clip)
    let outputs = network.forward(
      parameters: parameters.baseAddress!, input: input.baseAddress!, workspace: workspace.baseAddress!,
      kernels: kernels)
    return head.action(outputs: outputs, mode: mode, rng: &rng)
  }
}

/// What one episode gave.
public struct EpisodeOutcome: Sendable, Equatable {
  public var totalReward: Double
  public var length: Int
  public var terminated: Bool

  public init(totalReward: Double, length: Int, terminated: Bool) {
    self.totalReward = totalReward
    self.length = length
    self.terminated = terminated
  }
}

/// Runs one episode of a policy whose weights are in `scratch.parameters`, from `reset(seed:)` to
/// termination or truncation. Allocates nothing.
///
/// At the end, the env's behaviour descriptor goes into `scratch.behavior`.
/// With `collectStatistics`, the raw observations (the first one included) are added to
/// `scratch.statisticsSum` / `statisticsSumOfSquares`, and the returned count says how many.
@inlinable
public func runEpisode<E: Environment>(
  _ env: inout E, seed: UInt64, network: Network, normalizer: ObservationNormalizer, head: ActionHead,
  mode: ActionMode, scratch: EpisodeScratch, collectStatistics: Bool = false
) -> (outcome: EpisodeOutcome, statisticsCount: Int) {
  var observer = NoStepObserver()
  return runEpisode(
    &env, seed: seed, network: network, normalizer: normalizer, head: head, mode: mode, scratch: scratch,
    collectStatistics: collectStatistics, observer: &observer)
}

/// Sees every step of an episode: the raw observation the policy acted on, and its action.
public protocol StepObserver {
  mutating func observe(observation: UnsafeBufferPointer<Float>, action: Action)
}

/// The observer of runs that record nothing (compiled away).
public struct NoStepObserver: StepObserver {
  @inlinable public init() {}
  @inlinable @inline(__always)
  public func observe(observation: UnsafeBufferPointer<Float>, action: Action) {}
}

/// `runEpisode`, telling `observer` each step (`rollout eval --record`).
@inlinable
public func runEpisode<E: Environment, O: StepObserver>(
  _ env: inout E, seed: UInt64, network: Network, normalizer: ObservationNormalizer, head: ActionHead,
  mode: ActionMode, scratch: EpisodeScratch, collectStatistics: Bool = false, observer: inout O
) -> (outcome: EpisodeOutcome, statisticsCount: Int) {
  let observation = scratch.observation
  let dimension = observation.count
  var actionRNG = PhiloxStream(seed: SplitMix64.mix(seed ^ RandomPurpose.actionSampling.rawValue))
  normalizer.write(into: scratch.normalization)
  let clip = normalizer.clip
  env.reset(seed: seed, observation: observation)
  var total = 0.0
  var length = 0
  var counted = 0
  while true {
    if collectStatistics {
      for i in 0..<dimension {
        let o = Double(observation[i])
        scratch.statisticsSum[i] += o
        scratch.statisticsSumOfSquares[i] += o * o
      }
      counted += 1
    }
    let action = scratch.policyAction(
      network: network, head: head, mode: mode, clip: clip, rng: &actionRNG)
    observer.observe(observation: UnsafeBufferPointer(observation), action: action)
    let step = env.step(action, observation: observation)
    total += step.reward
    length += 1
    if step.isDone {
      if scratch.behavior.count >= env.behaviorCount {
        env.writeBehavior(
          into: UnsafeMutableBufferPointer(rebasing: scratch.behavior[0..<env.behaviorCount]),
          finalObservation: UnsafeBufferPointer(observation))
      }
      return (EpisodeOutcome(totalReward: total, length: length, terminated: step.terminated), counted)
    }
  }
}
