import Cluster
import Dispatch
import Environments
import Evaluation
import Evolution
import Foundation
import Networks
import PolicyGradient
import RLCore

/// Settings of an evolution-strategy training run, apart from the strategy's own config.
public struct EvolutionRunConfig: Sendable, Equatable, Codable {
  /// The run seed; every random draw derives from it (`SeedDerivation`).
  public var seed: UInt64 = 0
  /// Worker threads. Results do not depend on it.
  public var threads: Int = 1
  /// Hidden layer sizes of the MLP policy.
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
  public var parameters: [Float]
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

/// Everything an evolution run needs to carry on exactly where it stopped: the strategy's state,
/// the observation statistics, the counters and the best policy. Random streams need no saving:
/// every draw is derived from (seed, generation, member, episode).
public struct EvolutionProgress<State: Sendable & Codable>: Sendable, Codable {
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

extension EvolutionProgress: Equatable where State: Equatable {}

/// Hooks the caller gives a training run. Each receives only what it needs.
public struct TrainingHooks<State: Sendable & Codable> {
  /// After every generation.
  public var onGeneration: (GenerationReport) throws -> Void = { _ in }
  /// When a checkpoint is due (see `EvolutionRunConfig.checkpointEvery…`) and when interrupted.
  public var onCheckpoint: (EvolutionProgress<State>) throws -> Void = { _ in }
  /// Polled after every generation; true stops the run cleanly (`TrainingInterrupted`).
  public var shouldStop: () -> Bool = { false }
  /// The behaviour descriptors training produced since the last call (every member's, or every
  /// finished training episode's): what `rollout compare` draws as a heat map.
  public var onBehaviors: ([[Float]]) -> Void = { _ in }

  public init(
    onGeneration: @escaping (GenerationReport) throws -> Void = { _ in },
    onCheckpoint: @escaping (EvolutionProgress<State>) throws -> Void = { _ in },
    shouldStop: @escaping () -> Bool = { false },
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

/// Trains a policy with an evolution strategy: ask → evaluate on the worker pool → tell, once per
/// generation, with the mean policy evaluated after every update.
///
/// Observation statistics are frozen within a generation and updated from that generation's
/// sampled rollouts in member order. The result is the same for any `config.threads`, and a run
/// resumed from any checkpoint ends with the same weights as one that never stopped.
public func runEvolution<E: Environment, S: EvolutionStrategy>(
  environment: E, strategy: S, config: EvolutionRunConfig,
  resume: EvolutionProgress<S.State>? = nil, hooks: TrainingHooks<S.State> = TrainingHooks(),
  cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  let start = DispatchTime.now().uptimeNanoseconds
  let previousTime = resume?.elapsedSeconds ?? 0
  func elapsed() -> Double { previousTime + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  let spec = environment.spec
  let target = config.targetReturn ?? spec.rewardThreshold
  let network = MLP(
    inputs: spec.observationSpace.count, hidden: config.hidden,
    outputs: spec.actionSpace.policyOutputCount, activation: config.activation)
  let evaluator = Evaluator(environment: environment, network: network, threads: config.threads)
  let seed = config.seed
  let space = spec.observationSpace
  try config.observationNormalization.check(spec)
  var progress: EvolutionProgress<S.State>
  if let resume {
    guard resume.statistics.dimension == space.count, strategy.isConsistent(resume.strategyState),
      strategy.solution(resume.strategyState).count == network.parameterCount
    else {
      throw RolloutError("the checkpoint does not match this env and network")
    }
    progress = resume
  } else {
    let initialState = strategy.initialState(
      initialize: { i in
        network.normcInitialization(
          seed: SeedDerivation.seed(run: seed, purpose: .initialization, member: i),
          outputScale: config.outputInitScale)
      }, seed: seed)
    progress = EvolutionProgress(
      strategyState: initialState,
      statistics: RunningStatistics(dimension: space.count), generation: 0, envSteps: 0,
      evaluationSteps: 0, elapsedSeconds: 0, best: nil)
  }

  func normalizer() -> ObservationNormalizer {
    config.observationNormalization.normalizer(space: space, statistics: progress.statistics)
  }

  func evaluate(_ parameters: [Float], _ normalizer: ObservationNormalizer, episodes: Int, tag: Int, generation: Int)
    -> EvaluationResults
  {
    let plan = EvaluationPlan(
      members: episodes, episodesPerMember: 1, mode: .greedy, normalizer: normalizer,
      episodeSeed: { m, _ in
        SeedDerivation.seed(
          run: seed, purpose: .evaluationEpisode, iteration: generation, member: tag, episode: m)
      })
    return evaluator.evaluate(plan, cluster: cluster) { _, buffer in
      _ = buffer.update(fromContentsOf: parameters)
    }
  }

  func policy(_ best: BestPolicy) -> Policy {
    Policy(network: network, parameters: best.parameters, normalizer: best.normalizer, head: evaluator.head)
  }

  var stopReason = "generations"
  var lastCheckpoint = DispatchTime.now().uptimeNanoseconds

  while progress.generation < config.maxGenerations {
    if let budget = config.maxEnvSteps, progress.envSteps >= budget {
      stopReason = "env-steps"
      break
    }
    if let confirmed = progress.best?.confirmed, config.stopAtThreshold, let threshold = target,
      confirmed.return.mean >= threshold
    {
      stopReason = "threshold"
      break
    }
    // MARK: Ask and evaluate
    let frozen = normalizer()
    let population = strategy.ask(progress.strategyState)
    let probability = config.statisticsProbability
    let episodes = config.episodesPerMember
    let g = progress.generation
    let plan = EvaluationPlan(
      members: population.count, episodesPerMember: episodes, mode: .greedy, normalizer: frozen,
      episodeSeed: { m, e in
        SeedDerivation.seed(
          run: seed, purpose: .trainingEpisode, iteration: g, member: population.seedGroup(of: m),
          episode: e)
      },
      collectsStatistics: { m in
        var coin = SplitMix64(
          seed: SeedDerivation.seed(run: seed, purpose: .statisticsSampling, iteration: g, member: m))
        return coin.nextUnit() < probability
      })
    let results = evaluator.evaluate(plan, cluster: cluster) { m, buffer in population.write(member: m, into: buffer) }
    let fitness = results.meanReturns
    if let bad = fitness.firstIndex(where: { !$0.isFinite }) {
      throw RolloutError("training diverged: member \(bad) of generation \(g + 1) returned \(fitness[bad])")
    }

    // MARK: Tell
    let evaluations = MemberEvaluations(
      fitness: fitness, behaviors: (0..<population.count).map { results.meanBehavior(of: $0) })
    hooks.onBehaviors(evaluations.behaviors)
    let nextState = strategy.tell(progress.strategyState, population: population, evaluations: evaluations)
    let parameters = strategy.solution(nextState)
    if let bad = parameters.firstIndex(where: { !$0.isFinite }) {
      throw RolloutError(
        "training diverged: parameter \(bad) became \(parameters[bad]) in generation \(g + 1)")
    }
    progress.strategyState = nextState
    progress.envSteps += results.totalSteps
    if config.observationNormalization == .running {
      results.accumulate(into: &progress.statistics)
    }
    progress.generation += 1

    // MARK: Evaluate the mean policy
    let current = normalizer()
    let quick = evaluate(parameters, current, episodes: config.evaluationEpisodes, tag: 0, generation: g)
    progress.evaluationSteps += quick.totalSteps
    let quickMean = quick.meanReturns.reduce(0, +) / Double(config.evaluationEpisodes)
    progress.strategyState = strategy.observe(
      progress.strategyState, solutionReturn: quickMean, behavior: quick.meanBehaviorOverAll)
    var candidate = (parameters: parameters, evaluation: quickMean)
    // A member that beat every evaluation so far gets one of its own: the policy kept is the best
    // seen, whichever strategy found it (NS-ES returns its best-rewarded policy; a GA's child or
    // an ES perturbation may reach the maze's goal before the mean does).
    let bestMember = fitness.indices.max { fitness[$0] < fitness[$1] || (fitness[$0] == fitness[$1] && $0 > $1) }!
    if fitness[bestMember] > max(quickMean, progress.best?.evaluation ?? -.infinity) {
      var memberParameters = [Float](repeating: 0, count: parameters.count)
      memberParameters.withUnsafeMutableBufferPointer { population.write(member: bestMember, into: $0) }
      let check = evaluate(memberParameters, current, episodes: config.evaluationEpisodes, tag: 3, generation: g)
      progress.evaluationSteps += check.totalSteps
      let checkMean = check.meanReturns.reduce(0, +) / Double(config.evaluationEpisodes)
      if checkMean > quickMean { candidate = (memberParameters, checkMean) }
    }
    if progress.best == nil || candidate.evaluation > progress.best!.evaluation {
      progress.best = BestPolicy(
        parameters: candidate.parameters, normalizer: current, evaluation: candidate.evaluation, confirmed: nil)
    }
    if config.stopAtThreshold, let threshold = target, candidate.evaluation >= threshold {
      let parameters = candidate.parameters
      let confirm = evaluate(parameters, current, episodes: config.confirmationEpisodes, tag: 1, generation: g)
      progress.evaluationSteps += confirm.totalSteps
      let summary = EvaluationSummary(
        env: spec.id, seed: seed, returns: confirm.episodeReturns,
        lengths: confirm.episodeLengths, threshold: threshold,
        finalBehavior: confirm.meanBehaviorOverAll)
      if summary.return.mean >= threshold {
        progress.best = BestPolicy(
          parameters: parameters, normalizer: current, evaluation: candidate.evaluation, confirmed: summary)
      }
    }
    let now = elapsed()
    try hooks.onGeneration(
      GenerationReport(
        generation: progress.generation, meanReturn: fitness.reduce(0, +) / Double(fitness.count),
        maxReturn: fitness.max()!, evaluationReturn: quickMean, bestEvaluation: progress.best?.evaluation,
        envSteps: progress.envSteps,
        evaluationSteps: progress.evaluationSteps, elapsedSeconds: now,
        stepsPerSecond: now > 0 ? Double(progress.envSteps) / now : 0))

    // MARK: Checkpoints and interrupts
    // Every rank stops at the same generation, whichever one was asked to.
    let stopping = cluster.any(hooks.shouldStop())
    let sinceCheckpoint = Double(DispatchTime.now().uptimeNanoseconds - lastCheckpoint) / 1e9
    if stopping || progress.generation % max(config.checkpointEveryGenerations, 1) == 0
      || sinceCheckpoint >= config.checkpointEverySeconds
    {
      progress.elapsedSeconds = elapsed()
      try hooks.onCheckpoint(progress)
      lastCheckpoint = DispatchTime.now().uptimeNanoseconds
    }
    if stopping {
      throw TrainingInterrupted(
        policy: progress.best.map(policy), generation: progress.generation, envSteps: progress.envSteps,
        evaluationSteps: progress.evaluationSteps, elapsedSeconds: progress.elapsedSeconds)
    }
  }
  if stopReason == "generations", let confirmed = progress.best?.confirmed, config.stopAtThreshold,
    let threshold = target, confirmed.return.mean >= threshold
  {
    stopReason = "threshold"
  }

  guard var chosen = progress.best else {
    throw RolloutError("no generation ran (max generations is \(config.maxGenerations))")
  }
  // The final state too, so a finished run's directory always holds its checkpoint.
  progress.elapsedSeconds = elapsed()
  try hooks.onCheckpoint(progress)
  if chosen.confirmed == nil {
    let final = evaluate(
      chosen.parameters, chosen.normalizer, episodes: config.confirmationEpisodes,
      tag: 2, generation: progress.generation)
    progress.evaluationSteps += final.totalSteps
    chosen.confirmed = EvaluationSummary(
      env: spec.id, seed: seed, returns: final.episodeReturns, lengths: final.episodeLengths,
      threshold: target, finalBehavior: final.meanBehaviorOverAll)
  }
  return TrainingOutcome(
    policy: policy(chosen), generations: progress.generation, envSteps: progress.envSteps,
    evaluationSteps: progress.evaluationSteps, wallTimeSeconds: elapsed(),
    finalEvaluation: chosen.confirmed!, stopReason: stopReason)
}

/// Trains with an evolution strategy in an environment known only at run time: opens it as its
/// concrete type so the training loop (`runEvolution`) is specialised for it.
public func trainEvolution<S: EvolutionStrategy>(
  environment: any ConfigurableEnvironment, strategy: S, config: EvolutionRunConfig,
  resume: EvolutionProgress<S.State>? = nil, hooks: TrainingHooks<S.State> = TrainingHooks(),
  cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  try EnvironmentRegistry.open(
    environment,
    with: EvolutionVisitor(strategy: strategy, config: config, resume: resume, hooks: hooks, cluster: cluster))
}

/// `trainEvolution` with its checkpoints in `checkpoints` (read first when `resuming`).
public func trainEvolution<S: EvolutionStrategy>(
  environment: any ConfigurableEnvironment, strategy: S, config: EvolutionRunConfig,
  hooks: TrainingHooks<Int>, checkpoints: CheckpointStore?, resuming: Bool,
  cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  let resume = resuming ? try checkpoints?.read(S.State.self) : nil
  let hooks: TrainingHooks<S.State> = hooks.storing(in: checkpoints)
  return try EnvironmentRegistry.open(
    environment,
    with: EvolutionVisitor(strategy: strategy, config: config, resume: resume, hooks: hooks, cluster: cluster))
}

/// `trainEvolution` with only a per-generation callback.
public func trainEvolution<S: EvolutionStrategy>(
  environment: any ConfigurableEnvironment, strategy: S, config: EvolutionRunConfig,
  onGeneration: @escaping (GenerationReport) throws -> Void
) throws -> TrainingOutcome {
  try trainEvolution(
    environment: environment, strategy: strategy, config: config,
    hooks: TrainingHooks(onGeneration: onGeneration))
}

private struct EvolutionVisitor<S: EvolutionStrategy>: EnvironmentVisitor {
  let strategy: S
  let config: EvolutionRunConfig
  let resume: EvolutionProgress<S.State>?
  let hooks: TrainingHooks<S.State>
  let cluster: any Communicator

  func visit<E: ConfigurableEnvironment>(_ environment: E) throws -> TrainingOutcome {
    try runEvolution(
      environment: environment, strategy: strategy, config: config, resume: resume, hooks: hooks, cluster: cluster)
  }
}
