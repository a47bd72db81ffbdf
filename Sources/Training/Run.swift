import Cluster
import Foundation
import Networks
import PolicyGradient
import RLCore

/// Settings of a training run, apart from the algorithm's own config (both families).
public struct RunConfig: Sendable, Equatable, Codable {
  /// The run seed; every random draw derives from it (`SeedDerivation`).
  public var seed: UInt64 = 0
  /// Worker threads. Results do not depend on it.
  public var threads: Int = 1
  /// Convolutions in front of the dense layers, for envs with grid observations (MinAtar), as
  /// `conv(16,3x3)` texts; nil or empty: an MLP over the flat observation.
  public var convolutions: [Convolution]? = nil
  /// Hidden dense layer sizes of the policy (after the convolutions, if any).
  public var hidden: [Int] = [16]
  public var activation: Activation = .tanh
  /// Norm of each output unit's initial weights (normc; OpenAI-ES uses 0.01). A larger value
  /// starts from policies that already act strongly, which helps sparse-reward envs.
  public var outputInitScale: Float = 0.01
  /// Stop after this many generations.
  public var maxGenerations: Int = 300
  /// Stop once training episodes have taken this many env steps (nil: no step budget).
  public var maxEnvSteps: Int? = nil
  /// Episodes per member; a member's fitness is its mean return.
  public var episodesPerMember: Int = 1
  /// Episodes used each generation to evaluate the current mean policy (greedy actions).
  public var evaluationEpisodes: Int = 20
  /// Episodes of the confirming evaluation once the quick one reaches the threshold, and of the
  /// final evaluation.
  public var confirmationEpisodes: Int = 100
  /// Stop as soon as the confirming evaluation reaches the target return.
  public var stopAtThreshold: Bool = true
  /// The return that counts as solved; nil means the env's reward threshold (Pendulum has none).
  public var targetReturn: Double? = nil
  /// How observations are scaled before the network sees them.
  public var observationNormalization: ObservationScaling = .running
  /// Probability that a training rollout adds its observations to the statistics (reference: 0.01).
  public var statisticsProbability: Double = 0.01
  /// Write a checkpoint every this many generations…
  public var checkpointEveryGenerations: Int = 100
  /// …and whenever this many seconds have passed since the last one (at most ~30 s of work lost).
  public var checkpointEverySeconds: Double = 30
  /// Policy-gradient runs: evaluate the policy every this many env steps (ES evaluates every
  /// generation).
  public var evaluateEverySteps: Int = 5000

  public init() {}

  /// A generation limit that never binds (finite, so config files round-trip it exactly).
  public static let unlimited = 1_000_000_000

  /// Every setting, the unset optional ones as null: a config file may set any key that
  /// `--print-config` shows (files are checked against those keys).
  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(seed, forKey: .seed)
    try container.encode(threads, forKey: .threads)
    try container.encode(convolutions, forKey: .convolutions)
    try container.encode(hidden, forKey: .hidden)
    try container.encode(activation, forKey: .activation)
    try container.encode(outputInitScale, forKey: .outputInitScale)
    try container.encode(maxGenerations, forKey: .maxGenerations)
    try container.encode(maxEnvSteps, forKey: .maxEnvSteps)
    try container.encode(episodesPerMember, forKey: .episodesPerMember)
    try container.encode(evaluationEpisodes, forKey: .evaluationEpisodes)
    try container.encode(confirmationEpisodes, forKey: .confirmationEpisodes)
    try container.encode(stopAtThreshold, forKey: .stopAtThreshold)
    try container.encode(targetReturn, forKey: .targetReturn)
    try container.encode(observationNormalization, forKey: .observationNormalization)
    try container.encode(statisticsProbability, forKey: .statisticsProbability)
    try container.encode(checkpointEveryGenerations, forKey: .checkpointEveryGenerations)
    try container.encode(checkpointEverySeconds, forKey: .checkpointEverySeconds)
    try container.encode(evaluateEverySteps, forKey: .evaluateEverySteps)
  }

  /// The layers in words, as `--network` takes them.
  public var network: NetworkDescription {
    get { NetworkDescription(convolutions: convolutions ?? [], hidden: hidden) }
    set {
      convolutions = newValue.convolutions.isEmpty ? nil : newValue.convolutions
      hidden = newValue.hidden
    }
  }

  /// A network with these layers reading `spec`'s observations, with `outputs` outputs (the
  /// policy's by default); one line when convolutions meet an env without grid observations or a
  /// kernel does not fit its grid.
  public func network(for spec: EnvSpec, outputs: Int? = nil) throws -> Network {
    let outputs = outputs ?? spec.actionSpace.policyOutputCount
    let convolutions = convolutions ?? []
    guard !convolutions.isEmpty else {
      return Network(inputs: spec.observationSpace.count, hidden: hidden, outputs: outputs, activation: activation)
    }
    guard let shape = spec.observationShape else {
      throw RolloutError(
        "\(spec.id) observations are a flat vector of \(spec.observationSpace.count), not a grid: convolutions need a grid env (MinAtar)")
    }
    guard let network = Network(observation: spec, convolutions: convolutions, hidden: hidden, outputs: outputs, activation: activation)
    else {
      throw RolloutError(
        "\(network.description) does not fit \(spec.id)'s \(shape) grid: a convolution's kernel is larger than the grid it reads")
    }
    return network
  }
}

/// How a training run scales observations.
public enum ObservationScaling: String, Sendable, Equatable, Codable, CaseIterable {
  /// Running mean and std of sampled rollouts, frozen within a generation (OpenAI-ES; the std is
  /// floored at 0.1 and inputs clipped to ±5).
  case running
  /// Fixed: the observation space's centre and half-width, so each input spans [−1, 1]. Only for
  /// spaces with finite bounds; it suits values far smaller than the running std's 0.1 floor
  /// (MountainCar's velocity).
  case bounds
  /// Raw observations.
  case off

  /// Refuses `bounds` for spaces without finite, non-empty bounds (one line naming the env).
  func check(_ spec: EnvSpec) throws {
    let space = spec.observationSpace
    if self == .bounds,
      !(space.low + space.high).allSatisfy(\.isFinite) || zip(space.low, space.high).contains(where: { $0 >= $1 })
    {
      throw RolloutError("bounds scaling needs finite observation bounds, and \(spec.id) has \(space); use running scaling")
    }
  }

  /// The normaliser this scaling gives for `space`, with `statistics` for `running`.
  func normalizer(space: BoxSpace, statistics: RunningStatistics) -> ObservationNormalizer {
    switch self {
    case .running: ObservationNormalizer(statistics: statistics)
    case .off: .identity(dimension: space.count)
    case .bounds:
      ObservationNormalizer(
        mean: zip(space.low, space.high).map { ($0 + $1) / 2 }, std: zip(space.low, space.high).map { ($1 - $0) / 2 })
    }
  }
}

/// What one generation did; handed to the progress callback and written to the metrics log.
public struct GenerationReport: Sendable, Equatable, Codable {
  public var generation: Int
  /// Mean and best return of the population's members.
  public var meanReturn: Double
  public var maxReturn: Double
  /// Mean greedy return of the current mean policy over `evaluationEpisodes`.
  public var evaluationReturn: Double
  /// The best evaluation so far (of any policy the run kept as its best).
  public var bestEvaluation: Double? = nil
  /// Training env steps so far (cumulative) and evaluation steps so far.
  public var envSteps: Int
  public var evaluationSteps: Int
  /// Seconds since the run began, and training steps per second over the whole run.
  public var elapsedSeconds: Double
  public var stepsPerSecond: Double
  /// Policy-gradient runs: the update's losses, entropy, approx-KL and clip fraction.
  public var update: UpdateStatistics? = nil
}

/// The outcome of a training run.
public struct TrainingOutcome: Sendable {
  /// The best policy found (by evaluation return), with its normaliser.
  public var policy: Policy
  public var generations: Int
  public var envSteps: Int
  public var evaluationSteps: Int
  public var wallTimeSeconds: Double
  /// The confirming (or final) evaluation of `policy`.
  public var finalEvaluation: EvaluationSummary
  /// Why the run stopped: `threshold`, `generations` or `env-steps`.
  public var stopReason: String
}

/// The best policy seen so far, as a value a checkpoint can hold.
public struct BestPolicy: Sendable, Equatable, Codable {
  @Packed public var parameters: [Float]
  public var normalizer: ObservationNormalizer
  /// Its quick (per-generation) evaluation return.
  public var evaluation: Double
  /// Its confirming evaluation, once it had one.
  public var confirmed: EvaluationSummary?

  public init(parameters: [Float], normalizer: ObservationNormalizer, evaluation: Double, confirmed: EvaluationSummary?) {
    self.parameters = parameters
    self.normalizer = normalizer
    self.evaluation = evaluation
    self.confirmed = confirmed
  }
}

/// Everything a run needs to carry on exactly where it stopped: the algorithm's state (an
/// evolution strategy's, or a policy-gradient run's network, moments and envs), the observation
/// statistics, the counters and the best policy. What a checkpoint holds.
public struct RunProgress<State: Sendable & Codable>: Sendable, Codable {
  public var strategyState: State
  public var statistics: RunningStatistics
  /// Generations completed.
  public var generation: Int
  public var envSteps: Int
  public var evaluationSteps: Int
  /// Training time before this process (a timing field: it differs between runs).
  public var elapsedSeconds: Double
  public var best: BestPolicy?

  public init(
    strategyState: State, statistics: RunningStatistics, generation: Int, envSteps: Int,
    evaluationSteps: Int, elapsedSeconds: Double, best: BestPolicy?
  ) {
    self.strategyState = strategyState
    self.statistics = statistics
    self.generation = generation
    self.envSteps = envSteps
    self.evaluationSteps = evaluationSteps
    self.elapsedSeconds = elapsedSeconds
    self.best = best
  }
}

extension RunProgress: Equatable where State: Equatable {}

/// Hooks the caller gives a training run. Each receives only what it needs.
public struct TrainingHooks<State: Sendable & Codable> {
  /// After every generation.
  public var onGeneration: (GenerationReport) throws -> Void = { _ in }
  /// When a checkpoint is due (see `RunConfig.checkpointEvery…`) and when interrupted.
  public var onCheckpoint: (RunProgress<State>) throws -> Void = { _ in }
  /// Polled after every generation; true stops the run cleanly (`TrainingInterrupted`).
  public var shouldStop: @Sendable () -> Bool = { false }
  /// The behaviour descriptors training produced since the last call (every member's, or every
  /// finished training episode's): what `rollout compare` draws as a heat map.
  public var onBehaviors: ([[Float]]) -> Void = { _ in }

  public init(
    onGeneration: @escaping (GenerationReport) throws -> Void = { _ in },
    onCheckpoint: @escaping (RunProgress<State>) throws -> Void = { _ in },
    shouldStop: @escaping @Sendable () -> Bool = { false },
    onBehaviors: @escaping ([[Float]]) -> Void = { _ in }
  ) {
    self.onGeneration = onGeneration
    self.onCheckpoint = onCheckpoint
    self.shouldStop = shouldStop
    self.onBehaviors = onBehaviors
  }
}

extension TrainingHooks {
  /// These hooks for a run whose progress has the type `Progress`, writing its checkpoints to
  /// `store` (the hooks a command builds before it knows the algorithm's state type).
  public func storing<Progress>(in store: CheckpointStore?) -> TrainingHooks<Progress> {
    TrainingHooks<Progress>(
      onGeneration: onGeneration, onCheckpoint: { try store?.write($0) }, shouldStop: shouldStop,
      onBehaviors: onBehaviors)
  }
}

/// Thrown when `shouldStop` asked a run to stop; the checkpoint has been written by then.
public struct TrainingInterrupted: Error {
  /// The best policy so far, if any generation finished.
  public let policy: Policy?
  public let generation: Int
  /// Training and evaluation steps so far, and the run's time.
  public var envSteps: Int = 0
  public var evaluationSteps: Int = 0
  public var elapsedSeconds: Double = 0
}
