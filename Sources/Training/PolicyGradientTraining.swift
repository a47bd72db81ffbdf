import Cluster
import Dispatch
import Environments
import Evaluation
import Evolution
import Foundation
import Networks
import PolicyGradient
import RLCore

/// What a policy-gradient run carries from one update to the next, besides what every run
/// carries (`RunProgress`: observation statistics, counters, best policy): the network and
/// optimiser moments, the evaluation schedule, and every env mid-episode with its action stream.
/// A run resumed from it ends with the same weights as one that never stopped.
public struct PolicyGradientState<E: Environment & Codable>: Sendable, Codable {
  /// Actor | critic | log σ.
  @Packed public var parameters: [Float]
  public var optimizer: GradientOptimizer.State
  /// Evaluations made so far (they key the evaluation episodes' seeds), and the env step at or
  /// after which the next one is due.
  public var evaluations: Int
  public var nextEvaluation: Int
  public var lastEvaluation: Double
  /// The last 100 finished training episodes' returns (the progress line's mean and max).
  public var recentReturns: [Double]
  public var envs: [CollectorEnvState<E>]
  /// The behaviours of every finished episode so far, when the method pays a novelty bonus.
  public var archive: NoveltyArchive? = nil
  /// RND's predictor, intrinsic critic and statistics, when the method explores with it.
  public var rnd: RandomNetworkDistillation.State? = nil
}

/// Trains an actor-critic with a policy-gradient method: collect a rollout on the worker threads,
/// compute GAE advantages, update, repeat until the step budget (`config.maxEnvSteps`, which also
/// drives the linear schedules) or the update limit (`config.maxGenerations`) is reached.
///
/// Every `config.evaluateEverySteps` env steps the actor is evaluated greedily over
/// `evaluationEpisodes` episodes; the best evaluation is kept, and when it reaches the target a
/// `confirmationEpisodes` evaluation confirms it and (with `stopAtThreshold`) ends the run.
/// Observation scaling is frozen within a rollout (`running` updates it from every observation of
/// the rollout afterwards). The result is the same for any `config.threads`, and a run resumed
/// from any checkpoint (written at update boundaries, as `config.checkpointEvery…` says, when
/// stopped, and at the end) ends with the same weights as one that never stopped.
public func runPolicyGradient<E: Environment & Codable, M: PolicyGradientMethod>(
  environment: E, method: M, config: RunConfig, resume: RunProgress<PolicyGradientState<E>>? = nil,
  hooks: TrainingHooks<PolicyGradientState<E>> = TrainingHooks(), cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  let spec = environment.spec
  guard let budget = config.maxEnvSteps, budget > 0 else {
    throw RolloutError("policy-gradient runs need a step budget (max_env_steps): it sets the schedules")
  }
  guard method.envs > 0, method.rolloutSteps > 0 else { throw RolloutError("envs and steps must be positive") }
  let space = spec.observationSpace
  try config.observationNormalization.check(spec)
  let model = ActorCritic(
    actor: try config.network(for: spec), critic: try config.network(for: spec, outputs: 1), actionSpace: spec.actionSpace)
  // One pool for the rollouts, the minibatches and the evaluations: its workers stay awake
  // from one section to the next.
  let pool = WorkerPool(threads: config.threads)
  let collector = RolloutCollector(
    environment: environment, model: model, envs: method.envs, pool: pool, gamma: method.gamma, seed: config.seed)
  let learner = ActorCriticLearner(model: model, pool: pool, cluster: cluster)
  let buffer = RolloutBuffer(
    envs: method.envs, steps: method.rolloutSteps, observationCount: space.count, actionWidth: model.actionWidth,
    behaviorCount: method.rnd?.config.input == .behavior ? environment.behaviorCount : 0)
  let rnd = try method.rnd.map { settings in
    // The predictor one dense layer deeper than the target (the paper gives it more capacity).
    var shallow = config
    shallow.hidden = settings.config.hidden ?? config.hidden
    var deeper = shallow
    deeper.hidden = shallow.hidden + [shallow.hidden.last ?? 64]
    func network(_ run: RunConfig) throws -> Network {
      guard settings.config.input == .behavior else { return try run.network(for: spec, outputs: settings.config.features) }
      return Network(
        inputs: environment.behaviorCount, hidden: run.hidden, outputs: settings.config.features, activation: run.activation)
    }
    return RandomNetworkDistillation(
      config: settings.config, training: settings.training, target: try network(shallow), predictor: try network(deeper),
      critic: try config.network(for: spec, outputs: 1), pool: pool, seed: config.seed)
  }
  var ledger = RunLedger(
    config: config, spec: spec, network: model.actor,
    evaluator: Evaluator(environment: environment, network: model.actor, pool: pool), hooks: hooks, cluster: cluster,
    previousTime: resume?.elapsedSeconds ?? 0)
  func normalizer(_ statistics: RunningStatistics) -> ObservationNormalizer {
    config.observationNormalization.normalizer(space: space, statistics: statistics)
  }

  // Evaluations at the first update past every multiple of `evaluateEverySteps` (SB3's
  // EvalCallback cadence), so "steps to reach the threshold" reads the same across methods.
  let every = max(config.evaluateEverySteps, 1)
  var progress: RunProgress<PolicyGradientState<E>>
  if let resume {
    guard resume.strategyState.parameters.count == model.parameterCount,
      resume.strategyState.optimizer.m.count == model.parameterCount,
      resume.strategyState.envs.count == method.envs, resume.statistics.dimension == space.count,
      resume.strategyState.envs.allSatisfy({ $0.observation.count == space.count }),
      rnd.map({ rnd in resume.strategyState.rnd.map { rnd.fits($0, envs: method.envs) } ?? false })
        ?? (resume.strategyState.rnd == nil)
    else {
      throw RolloutError("the checkpoint does not match this env, network and method")
    }
    progress = resume
    progress.strategyState.envs = []
    collector.restore(resume.strategyState.envs)
  } else {
    let parameters = model.initialParameters(seed: config.seed)
    let statistics = RunningStatistics(dimension: space.count)
    // The initial policy's evaluation: the curve's first point and the value reported until the
    // next evaluation.
    let initial = ledger.evaluate(
      model.actorParameters(parameters), normalizer(statistics), episodes: config.evaluationEpisodes, tag: 0, round: 0)
    progress = RunProgress(
      strategyState: PolicyGradientState(
        parameters: parameters, optimizer: GradientOptimizer.State(count: model.parameterCount), evaluations: 1,
        nextEvaluation: every, lastEvaluation: ledger.mean(initial), recentReturns: [], envs: [],
        rnd: rnd?.initialState(envs: method.envs)),
      statistics: statistics, generation: 0, envSteps: 0, evaluationSteps: initial.totalSteps, elapsedSeconds: 0,
      best: nil)
  }
  /// A checkpoint holds every env mid-episode, each from the rank that steps it.
  func withEnvs(_ saved: inout RunProgress<PolicyGradientState<E>>) throws {
    saved.strategyState.envs = try gathered(collector.states(), cluster: cluster)
  }

  var stopReason = ledger.stopReason(progress)
  while stopReason == nil {
    // MARK: Rollout
    let frozen = normalizer(progress.statistics)
    let collected = collector.collect(
      parameters: progress.strategyState.parameters, normalizer: frozen, into: buffer,
      collectStatistics: config.observationNormalization == .running, cluster: cluster)
    if config.observationNormalization == .running, collected.statistics.count > 0 {
      progress.statistics.add(
        sum: collected.statistics.sum, sumOfSquares: collected.statistics.sumOfSquares, count: collected.statistics.count)
    }
    progress.envSteps += buffer.count
    var intrinsicReward: Double? = nil
    if let novelty = method.novelty {
      var archive = progress.strategyState.archive ?? NoveltyArchive(dimension: environment.behaviorCount)
      intrinsicReward = NoveltyBonus.apply(
        weight: novelty.weight, neighbours: novelty.neighbours, episodes: collected.episodes, to: buffer,
        archive: &archive)
      progress.strategyState.archive = archive
    }
    buffer.computeAdvantages(gamma: method.gamma, lambda: method.gaeLambda)
    var rndState = progress.strategyState.rnd
    let intrinsic = rnd.map { $0.advantages(for: buffer, state: &rndState!) }

    // MARK: Update
    var parameters = progress.strategyState.parameters, moments = progress.strategyState.optimizer
    let fraction = Double(progress.envSteps) / Double(budget)
    var update = method.update(
      learner: learner, buffer: buffer, parameters: &parameters, optimizerState: &moments,
      progress: fraction, seed: config.seed, iteration: progress.generation)
    if let rnd, let intrinsic {
      rnd.train(on: intrinsic, state: &rndState!, progress: fraction, iteration: progress.generation)
      progress.strategyState.rnd = rndState
      intrinsicReward = intrinsic.meanError
    }
    update.intrinsicReward = intrinsicReward
    progress.strategyState.parameters = parameters
    progress.strategyState.optimizer = moments
    progress.generation += 1
    if let bad = parameters.firstIndex(where: { !$0.isFinite }) {
      throw RolloutError("training diverged: parameter \(bad) became \(parameters[bad]) in update \(progress.generation)")
    }
    progress.strategyState.recentReturns = Array(
      (progress.strategyState.recentReturns + collected.episodes.map(\.totalReward)).suffix(100))
    hooks.onBehaviors(collected.episodes.map(\.finalBehavior))

    // MARK: Evaluate
    if progress.envSteps >= progress.strategyState.nextEvaluation || progress.envSteps >= budget {
      progress.strategyState.nextEvaluation = (progress.envSteps / every + 1) * every
      let current = normalizer(progress.statistics)
      let actor = model.actorParameters(parameters)
      let round = progress.strategyState.evaluations
      let quick = ledger.evaluate(actor, current, episodes: config.evaluationEpisodes, tag: 0, round: round)
      progress.strategyState.evaluations += 1
      progress.evaluationSteps += quick.totalSteps
      progress.strategyState.lastEvaluation = ledger.mean(quick)
      ledger.keep(actor, evaluation: ledger.mean(quick), normalizer: current, round: round + 1, in: &progress)
    }
    let now = ledger.elapsed()
    let recent = progress.strategyState.recentReturns
    try ledger.finishStep(
      &progress,
      report: GenerationReport(
        generation: progress.generation,
        // Over the last 100 finished training episodes (0 until one finishes).
        meanReturn: recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count),
        maxReturn: recent.max() ?? 0, evaluationReturn: progress.strategyState.lastEvaluation,
        bestEvaluation: progress.best?.evaluation, envSteps: progress.envSteps,
        evaluationSteps: progress.evaluationSteps, elapsedSeconds: now,
        stepsPerSecond: now > 0 ? Double(progress.envSteps) / now : 0, update: update),
      complete: withEnvs)
    stopReason = ledger.stopReason(progress)
  }
  return try ledger.outcome(
    &progress, stopReason: stopReason!, round: progress.strategyState.evaluations, complete: withEnvs)
}

/// Every rank's block of `states` (`Communicator.block`), exchanged as JSON: the whole list, on
/// every rank.
func gathered<E: Codable>(_ states: [CollectorEnvState<E>], cluster: any Communicator) throws -> [CollectorEnvState<E>] {
  guard cluster.size > 1 else { return states }
  let encoded = try ExactJSON.encoder().encode(Array(states[cluster.block(states.count)]))
  let counts = cluster.allgather([encoded.count], counts: [Int](repeating: 1, count: cluster.size))
  let bytes = cluster.allgather([UInt8](encoded), counts: counts)
  var all: [CollectorEnvState<E>] = []
  var offset = 0
  for count in counts {
    all += try ExactJSON.decoder().decode([CollectorEnvState<E>].self, from: Data(bytes[offset..<(offset + count)]))
    offset += count
  }
  return all
}

/// `runPolicyGradient` for an env known only at run time (opened as its concrete type), with its
/// checkpoints in `checkpoints` (read first when `resuming`).
public func trainPolicyGradient<M: PolicyGradientMethod>(
  environment: any ConfigurableEnvironment, method: M, config: RunConfig,
  hooks: TrainingHooks<Int> = TrainingHooks(), checkpoints: CheckpointStore? = nil, resuming: Bool = false,
  cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  try EnvironmentRegistry.open(
    environment,
    with: PolicyGradientEnvironmentVisitor(
      method: method, config: config, hooks: hooks, checkpoints: checkpoints, resuming: resuming, cluster: cluster))
}

private struct PolicyGradientEnvironmentVisitor<M: PolicyGradientMethod>: EnvironmentVisitor {
  let method: M
  let config: RunConfig
  let hooks: TrainingHooks<Int>
  let checkpoints: CheckpointStore?
  let resuming: Bool
  let cluster: any Communicator
  func visit<E: ConfigurableEnvironment>(_ environment: E) throws -> TrainingOutcome {
    try runPolicyGradient(
      environment: environment, method: method, config: config,
      resume: resuming ? try checkpoints?.read(PolicyGradientState<E>.self) : nil,
      hooks: hooks.storing(in: checkpoints), cluster: cluster)
  }
}
