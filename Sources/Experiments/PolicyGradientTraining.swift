import Cluster
import Dispatch
import Environments
import Evaluation
import Foundation
import Networks
import PolicyGradient
import RLCore

/// What a policy-gradient run carries from one update to the next, besides what every run
/// carries (`EvolutionProgress`: observation statistics, counters, best policy): the network and
/// optimiser moments, the evaluation schedule, and every env mid-episode with its action stream.
/// A run resumed from it ends with the same weights as one that never stopped.
public struct PolicyGradientState<E: Environment & Codable>: Sendable, Codable {
  /// Actor | critic | log σ.
  public var parameters: [Float]
  public var optimizer: GradientOptimizer.State
  /// Evaluations made so far (they key the evaluation episodes' seeds), and the env step at or
  /// after which the next one is due.
  public var evaluations: Int
  public var nextEvaluation: Int
  public var lastEvaluation: Double
  /// The last 100 finished training episodes' returns (the progress line's mean and max).
  public var recentReturns: [Double]
  public var envs: [CollectorEnvState<E>]
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
  environment: E, method: M, config: EvolutionRunConfig, resume: EvolutionProgress<PolicyGradientState<E>>? = nil,
  hooks: TrainingHooks<PolicyGradientState<E>> = TrainingHooks(), cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  let start = DispatchTime.now().uptimeNanoseconds
  let previousTime = resume?.elapsedSeconds ?? 0
  func elapsed() -> Double { previousTime + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
  let spec = environment.spec
  let target = config.targetReturn ?? spec.rewardThreshold
  guard let budget = config.maxEnvSteps, budget > 0 else {
    throw RolloutError("policy-gradient runs need a step budget (max_env_steps): it sets the schedules")
  }
  guard method.envs > 0, method.rolloutSteps > 0 else { throw RolloutError("envs and steps must be positive") }
  let space = spec.observationSpace
  try config.observationNormalization.check(spec)
  let model = ActorCritic(
    observationCount: space.count, actionSpace: spec.actionSpace, hidden: config.hidden, activation: config.activation)
  // One pool for the rollouts, the minibatches and the evaluations: its workers stay awake
  // from one section to the next.
  let pool = WorkerPool(threads: config.threads)
  let collector = RolloutCollector(
    environment: environment, model: model, envs: method.envs, pool: pool, gamma: method.gamma, seed: config.seed)
  let learner = ActorCriticLearner(model: model, pool: pool, cluster: cluster)
  let buffer = RolloutBuffer(
    envs: method.envs, steps: method.rolloutSteps, observationCount: space.count, actionWidth: model.actionWidth)
  let evaluator = Evaluator(environment: environment, network: model.actor, pool: pool)

  func normalizer(_ statistics: RunningStatistics) -> ObservationNormalizer {
    config.observationNormalization.normalizer(space: space, statistics: statistics)
  }
  func evaluate(_ actor: [Float], _ normalizer: ObservationNormalizer, episodes: Int, tag: Int, round: Int) -> EvaluationResults {
    let seed = config.seed
    let plan = EvaluationPlan(
      members: episodes, episodesPerMember: 1, mode: .greedy, normalizer: normalizer,
      episodeSeed: { m, _ in
        SeedDerivation.seed(run: seed, purpose: .evaluationEpisode, iteration: round, member: tag, episode: m)
      })
    return evaluator.evaluate(plan, cluster: cluster) { _, buffer in _ = buffer.update(fromContentsOf: actor) }
  }
  func summary(_ results: EvaluationResults) -> EvaluationSummary {
    EvaluationSummary(
      env: spec.id, seed: config.seed, returns: results.episodeReturns, lengths: results.episodeLengths,
      threshold: target, finalBehavior: results.meanBehaviorOverAll)
  }
  func policy(_ best: BestPolicy) -> Policy {
    Policy(network: model.actor, parameters: best.parameters, normalizer: best.normalizer, head: evaluator.head)
  }

  // Evaluations at the first update past every multiple of `evaluateEverySteps` (SB3's
  // EvalCallback cadence), so "steps to reach the threshold" reads the same across methods.
  let every = max(config.evaluateEverySteps, 1)
  var progress: EvolutionProgress<PolicyGradientState<E>>
  if let resume {
    guard resume.strategyState.parameters.count == model.parameterCount,
      resume.strategyState.optimizer.m.count == model.parameterCount,
      resume.strategyState.envs.count == method.envs, resume.statistics.dimension == space.count,
      resume.strategyState.envs.allSatisfy({ $0.observation.count == space.count })
    else {
      throw RolloutError("the checkpoint does not match this env, network and method")
    }
    progress = resume
    collector.restore(resume.strategyState.envs)
  } else {
    let parameters = model.initialParameters(seed: config.seed)
    let statistics = RunningStatistics(dimension: space.count)
    // The initial policy's evaluation: the curve's first point and the value reported until the
    // next evaluation.
    let initial = evaluate(
      model.actorParameters(parameters), normalizer(statistics), episodes: config.evaluationEpisodes, tag: 0, round: 0)
    progress = EvolutionProgress(
      strategyState: PolicyGradientState(
        parameters: parameters, optimizer: GradientOptimizer.State(count: model.parameterCount), evaluations: 1,
        nextEvaluation: every, lastEvaluation: initial.meanReturns.reduce(0, +) / Double(config.evaluationEpisodes),
        recentReturns: [], envs: []),
      statistics: statistics, generation: 0, envSteps: 0, evaluationSteps: initial.totalSteps, elapsedSeconds: 0,
      best: nil)
  }
  func checkpoint() throws {
    progress.strategyState.envs = try collector.states(cluster: cluster)
    progress.elapsedSeconds = elapsed()
    try hooks.onCheckpoint(progress)
    progress.strategyState.envs = []
  }

  var stopReason = "env-steps"
  var lastCheckpoint = DispatchTime.now().uptimeNanoseconds
  while progress.envSteps < budget {
    if config.stopAtThreshold, let threshold = target, let confirmed = progress.best?.confirmed,
      confirmed.return.mean >= threshold
    {
      stopReason = "threshold"
      break
    }
    if progress.generation >= config.maxGenerations {
      stopReason = "generations"
      break
    }
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
    buffer.computeAdvantages(gamma: method.gamma, lambda: method.gaeLambda)

    // MARK: Update
    // Moved out and back in: two inout accesses to one captured variable would overlap.
    var parameters = progress.strategyState.parameters, moments = progress.strategyState.optimizer
    progress.strategyState.parameters = []
    let update = method.update(
      learner: learner, buffer: buffer, parameters: &parameters, optimizerState: &moments,
      progress: Double(progress.envSteps) / Double(budget), seed: config.seed, iteration: progress.generation)
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
      let quick = evaluate(actor, current, episodes: config.evaluationEpisodes, tag: 0, round: round)
      progress.strategyState.evaluations += 1
      progress.evaluationSteps += quick.totalSteps
      let quickMean = quick.meanReturns.reduce(0, +) / Double(config.evaluationEpisodes)
      progress.strategyState.lastEvaluation = quickMean
      if progress.best == nil || quickMean > progress.best!.evaluation {
        progress.best = BestPolicy(parameters: actor, normalizer: current, evaluation: quickMean, confirmed: nil)
      }
      if let threshold = target, quickMean >= threshold, progress.best?.confirmed == nil || config.stopAtThreshold {
        let confirm = evaluate(actor, current, episodes: config.confirmationEpisodes, tag: 1, round: round + 1)
        progress.evaluationSteps += confirm.totalSteps
        let confirmed = summary(confirm)
        if confirmed.return.mean >= threshold {
          progress.best = BestPolicy(parameters: actor, normalizer: current, evaluation: quickMean, confirmed: confirmed)
        }
      }
    }
    let now = elapsed()
    let recent = progress.strategyState.recentReturns
    try hooks.onGeneration(
      GenerationReport(
        generation: progress.generation,
        // Over the last 100 finished training episodes (0 until one finishes).
        meanReturn: recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count),
        maxReturn: recent.max() ?? 0, evaluationReturn: progress.strategyState.lastEvaluation,
        bestEvaluation: progress.best?.evaluation, envSteps: progress.envSteps,
        evaluationSteps: progress.evaluationSteps, elapsedSeconds: now,
        stepsPerSecond: now > 0 ? Double(progress.envSteps) / now : 0, update: update))

    // MARK: Checkpoints and interrupts
    // Every rank decides together: gathering the envs' states is a collective.
    let stopping = cluster.any(hooks.shouldStop())
    let sinceCheckpoint = Double(DispatchTime.now().uptimeNanoseconds - lastCheckpoint) / 1e9
    if stopping || progress.generation % max(config.checkpointEveryGenerations, 1) == 0
      || cluster.any(sinceCheckpoint >= config.checkpointEverySeconds)
    {
      try checkpoint()
      lastCheckpoint = DispatchTime.now().uptimeNanoseconds
    }
    if stopping {
      throw TrainingInterrupted(
        policy: progress.best.map(policy), generation: progress.generation, envSteps: progress.envSteps,
        evaluationSteps: progress.evaluationSteps, elapsedSeconds: progress.elapsedSeconds)
    }
  }
  if stopReason != "threshold", config.stopAtThreshold, let threshold = target, let confirmed = progress.best?.confirmed,
    confirmed.return.mean >= threshold
  {
    stopReason = "threshold"
  }
  guard var chosen = progress.best else { throw RolloutError("no update ran (the budget is smaller than one rollout)") }
  // The final state too, so a finished run's directory always holds its checkpoint (and can be
  // extended).
  try checkpoint()
  var evaluationSteps = progress.evaluationSteps
  if chosen.confirmed == nil {
    let final = evaluate(
      chosen.parameters, chosen.normalizer, episodes: config.confirmationEpisodes, tag: 2,
      round: progress.strategyState.evaluations)
    evaluationSteps += final.totalSteps
    chosen.confirmed = summary(final)
  }
  return TrainingOutcome(
    policy: policy(chosen), generations: progress.generation, envSteps: progress.envSteps,
    evaluationSteps: evaluationSteps, wallTimeSeconds: elapsed(), finalEvaluation: chosen.confirmed!,
    stopReason: stopReason)
}

/// `runPolicyGradient` for an env known only at run time (opened as its concrete type), with its
/// checkpoints in `checkpoints` (read first when `resuming`).
public func trainPolicyGradient<M: PolicyGradientMethod>(
  environment: any ConfigurableEnvironment, method: M, config: EvolutionRunConfig,
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
  let config: EvolutionRunConfig
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
