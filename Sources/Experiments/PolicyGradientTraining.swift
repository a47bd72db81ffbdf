import Cluster
import Dispatch
import Environments
import Evaluation
import Foundation
import Networks
import PolicyGradient
import RLCore

/// Trains an actor-critic with a policy-gradient method: collect a rollout on the worker threads,
/// compute GAE advantages, update, repeat until the step budget (`config.maxEnvSteps`, which also
/// drives the linear schedules) or the update limit (`config.maxGenerations`) is reached.
///
/// Every `config.evaluateEverySteps` env steps the actor is evaluated greedily over
/// `evaluationEpisodes` episodes; the best evaluation is kept, and when it reaches the target a
/// `confirmationEpisodes` evaluation confirms it and (with `stopAtThreshold`) ends the run.
/// Observation scaling is frozen within a rollout (`running` updates it from every observation of
/// the rollout afterwards). The result is the same for any `config.threads`.
public func runPolicyGradient<E: Environment, M: PolicyGradientMethod>(
  environment: E, method: M, config: EvolutionRunConfig, hooks: TrainingHooks<Int> = TrainingHooks(),
  cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  let start = DispatchTime.now().uptimeNanoseconds
  func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
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
  var parameters = model.initialParameters(seed: config.seed)
  var optimizerState = GradientOptimizer.State(count: model.parameterCount)
  var statistics = RunningStatistics(dimension: space.count)
  // One pool for the rollouts, the minibatches and the evaluations: its workers stay awake
  // from one section to the next.
  let pool = WorkerPool(threads: config.threads)
  let collector = RolloutCollector(
    environment: environment, model: model, envs: method.envs, pool: pool, gamma: method.gamma, seed: config.seed)
  let learner = ActorCriticLearner(model: model, pool: pool, cluster: cluster)
  let buffer = RolloutBuffer(
    envs: method.envs, steps: method.rolloutSteps, observationCount: space.count, actionWidth: model.actionWidth)
  let evaluator = Evaluator(environment: environment, network: model.actor, pool: pool)

  func normalizer() -> ObservationNormalizer {
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

  var envSteps = 0, evaluationSteps = 0, updates = 0, evaluations = 0
  // Evaluations at the first update past every multiple of `evaluateEverySteps` (SB3's
  // EvalCallback cadence), so "steps to reach the threshold" reads the same across methods.
  let every = max(config.evaluateEverySteps, 1)
  var nextEvaluation = every
  var best: BestPolicy?
  // The initial policy's evaluation: the curve's first point and the value reported until the
  // next evaluation.
  var lastEvaluation: Double = {
    let initial = evaluate(
      model.actorParameters(parameters), normalizer(), episodes: config.evaluationEpisodes, tag: 0, round: 0)
    evaluationSteps += initial.totalSteps
    return initial.meanReturns.reduce(0, +) / Double(config.evaluationEpisodes)
  }()
  evaluations = 1
  var recentReturns: [Double] = []
  var stopReason = "env-steps"
  while envSteps < budget {
    if updates >= config.maxGenerations {
      stopReason = "generations"
      break
    }
    // MARK: Rollout
    let frozen = normalizer()
    let collected = collector.collect(
      parameters: parameters, normalizer: frozen, into: buffer, collectStatistics: config.observationNormalization == .running,
      cluster: cluster)
    if config.observationNormalization == .running, collected.statistics.count > 0 {
      statistics.add(sum: collected.statistics.sum, sumOfSquares: collected.statistics.sumOfSquares, count: collected.statistics.count)
    }
    envSteps += buffer.count
    buffer.computeAdvantages(gamma: method.gamma, lambda: method.gaeLambda)

    // MARK: Update
    let progress = Double(envSteps) / Double(budget)
    let update = method.update(
      learner: learner, buffer: buffer, parameters: &parameters, optimizerState: &optimizerState,
      progress: progress, seed: config.seed, iteration: updates)
    updates += 1
    if let bad = parameters.firstIndex(where: { !$0.isFinite }) {
      throw RolloutError("training diverged: parameter \(bad) became \(parameters[bad]) in update \(updates)")
    }
    recentReturns = (recentReturns + collected.episodes.map(\.totalReward)).suffix(100)
    hooks.onBehaviors(collected.episodes.map(\.finalBehavior))

    // MARK: Evaluate
    if envSteps >= nextEvaluation || envSteps >= budget {
      nextEvaluation = (envSteps / every + 1) * every
      let current = normalizer()
      let actor = model.actorParameters(parameters)
      let quick = evaluate(actor, current, episodes: config.evaluationEpisodes, tag: 0, round: evaluations)
      evaluations += 1
      evaluationSteps += quick.totalSteps
      lastEvaluation = quick.meanReturns.reduce(0, +) / Double(config.evaluationEpisodes)
      if best == nil || lastEvaluation > best!.evaluation {
        best = BestPolicy(parameters: actor, normalizer: current, evaluation: lastEvaluation, confirmed: nil)
      }
      if let threshold = target, lastEvaluation >= threshold, best?.confirmed == nil || config.stopAtThreshold {
        let confirm = evaluate(actor, current, episodes: config.confirmationEpisodes, tag: 1, round: evaluations)
        evaluationSteps += confirm.totalSteps
        let confirmed = summary(confirm)
        if confirmed.return.mean >= threshold {
          best = BestPolicy(parameters: actor, normalizer: current, evaluation: lastEvaluation, confirmed: confirmed)
        }
      }
    }
    let now = elapsed()
    try hooks.onGeneration(
      GenerationReport(
        generation: updates,
        // Over the last 100 finished training episodes (0 until one finishes).
        meanReturn: recentReturns.isEmpty ? 0 : recentReturns.reduce(0, +) / Double(recentReturns.count),
        maxReturn: recentReturns.max() ?? 0, evaluationReturn: lastEvaluation, bestEvaluation: best?.evaluation,
        envSteps: envSteps,
        evaluationSteps: evaluationSteps, elapsedSeconds: now, stepsPerSecond: now > 0 ? Double(envSteps) / now : 0,
        update: update))
    if config.stopAtThreshold, let threshold = target, let confirmed = best?.confirmed, confirmed.return.mean >= threshold {
      stopReason = "threshold"
      break
    }
    if cluster.any(hooks.shouldStop()) {
      throw TrainingInterrupted(
        policy: best.map { Policy(network: model.actor, parameters: $0.parameters, normalizer: $0.normalizer, head: evaluator.head) },
        generation: updates, envSteps: envSteps, evaluationSteps: evaluationSteps, elapsedSeconds: elapsed())
    }
  }
  guard var chosen = best else { throw RolloutError("no update ran (the budget is smaller than one rollout)") }
  if chosen.confirmed == nil {
    let final = evaluate(chosen.parameters, chosen.normalizer, episodes: config.confirmationEpisodes, tag: 2, round: evaluations)
    evaluationSteps += final.totalSteps
    chosen.confirmed = summary(final)
  }
  return TrainingOutcome(
    policy: Policy(network: model.actor, parameters: chosen.parameters, normalizer: chosen.normalizer, head: evaluator.head),
    generations: updates, envSteps: envSteps, evaluationSteps: evaluationSteps, wallTimeSeconds: elapsed(),
    finalEvaluation: chosen.confirmed!, stopReason: stopReason)
}

/// `runPolicyGradient` for an env known only at run time (opened as its concrete type).
public func trainPolicyGradient<M: PolicyGradientMethod>(
  environment: any ConfigurableEnvironment, method: M, config: EvolutionRunConfig,
  hooks: TrainingHooks<Int> = TrainingHooks(), cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  try EnvironmentRegistry.open(
    environment, with: PolicyGradientEnvironmentVisitor(method: method, config: config, hooks: hooks, cluster: cluster))
}

private struct PolicyGradientEnvironmentVisitor<M: PolicyGradientMethod>: EnvironmentVisitor {
  let method: M
  let config: EvolutionRunConfig
  let hooks: TrainingHooks<Int>
  let cluster: any Communicator
  func visit<E: ConfigurableEnvironment>(_ environment: E) throws -> TrainingOutcome {
    try runPolicyGradient(environment: environment, method: method, config: config, hooks: hooks, cluster: cluster)
  }
}
