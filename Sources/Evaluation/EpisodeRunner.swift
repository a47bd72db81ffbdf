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
    behavior = Self.buffer(max(behaviorCount, 1))
    observation = Self.buffer(observationCount)
    input = Self.buffer(network.inputCount)
    workspace = Self.buffer(network.workspaceCount)
    parameters = Self.buffer(network.parameterCount)
    normalization = Self.buffer(2 * network.inputCount)
    statisticsSum = Self.buffer(observationCount)
    statisticsSumOfSquares = Self.buffer(observationCount)
  }

  /// A zeroed buffer on cache lines of its own (128 bytes: a line and the one the prefetcher pairs
  /// with it). Each evaluator thread writes its scratch every step; sharing a line with another
  /// thread's scratch would send that line back and forth between the cores.
  static func buffer<T: BinaryFloatingPoint>(_ count: Int) -> UnsafeMutableBufferPointer<T> {
    let bytes = (max(count, 1) * MemoryLayout<T>.stride + lineBytes - 1) / lineBytes * lineBytes
    let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: lineBytes)
    let start = raw.initializeMemory(as: T.self, repeating: 0, count: bytes / MemoryLayout<T>.stride)
    return UnsafeMutableBufferPointer(start: start, count: count)
  }
  static let lineBytes = 128

  deinit {
    for raw in [
      UnsafeMutableRawPointer(observation.baseAddress!), UnsafeMutableRawPointer(input.baseAddress!),
      UnsafeMutableRawPointer(workspace.baseAddress!), UnsafeMutableRawPointer(parameters.baseAddress!),
      UnsafeMutableRawPointer(normalization.baseAddress!), UnsafeMutableRawPointer(behavior.baseAddress!),
      UnsafeMutableRawPointer(statisticsSum.baseAddress!), UnsafeMutableRawPointer(statisticsSumOfSquares.baseAddress!),
    ] {
      raw.deallocate()
    }
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
  var episode = RunningEpisode()
  episode.begin(&env, seed: seed, normalizer: normalizer, scratch: scratch, collectStatistics: collectStatistics)
  while true {
    if let outcome = episode.step(&env, network: network, head: head, mode: mode, scratch: scratch, observer: &observer) {
      return (outcome, episode.counted)
    }
  }
}

/// An episode played one step at a time: what `runEpisode` keeps between steps, so that an
/// evaluator worker can interleave the steps of several episodes (`Evaluator`). Each episode's
/// steps depend only on its seed and its policy, so interleaving changes no result.
public struct RunningEpisode {
  @usableFromInline var actionRNG = PhiloxStream(seed: 0)
  @usableFromInline var clip: Float = 0
  @usableFromInline var collectStatistics = false
  public var total = 0.0
  public var length = 0
  /// Observations added to the scratch's statistics sums.
  public var counted = 0

  @inlinable public init() {}

  /// Resets `env` with `seed` (the first observation into `scratch.observation`) and copies the
  /// normaliser into `scratch`.
  @inlinable
  public mutating func begin<E: Environment>(
    _ env: inout E, seed: UInt64, normalizer: ObservationNormalizer, scratch: EpisodeScratch, collectStatistics: Bool
  ) {
    actionRNG = PhiloxStream(seed: SplitMix64.mix(seed ^ RandomPurpose.actionSampling.rawValue))
    normalizer.write(into: scratch.normalization)
    clip = normalizer.clip
    self.collectStatistics = collectStatistics
    total = 0
    length = 0
    counted = 0
    env.reset(seed: seed, observation: scratch.observation)
  }

  /// Acts on the current observation and steps `env`; at the episode's end returns its outcome,
  /// with the env's behaviour descriptor in `scratch.behavior`. Allocates nothing.
  @inlinable @inline(__always)
  public mutating func step<E: Environment, O: StepObserver>(
    _ env: inout E, network: Network, head: ActionHead, mode: ActionMode, scratch: EpisodeScratch,
    observer: inout O
  ) -> EpisodeOutcome? {
    let observation = scratch.observation
    if collectStatistics {
      for i in 0..<observation.count {
        let o = Double(observation[i])
        scratch.statisticsSum[i] += o
        scratch.statisticsSumOfSquares[i] += o * o
      }
      counted += 1
    }
    let action = scratch.policyAction(network: network, head: head, mode: mode, clip: clip, rng: &actionRNG)
    observer.observe(observation: UnsafeBufferPointer(observation), action: action)
    let step = env.step(action, observation: observation)
    total += step.reward
    length += 1
    guard step.isDone else { return nil }
    if scratch.behavior.count >= env.behaviorCount {
      env.writeBehavior(
        into: UnsafeMutableBufferPointer(rebasing: scratch.behavior[0..<env.behaviorCount]),
        finalObservation: UnsafeBufferPointer(observation))
    }
    return EpisodeOutcome(totalReward: total, length: length, terminated: step.terminated)
  }
}
