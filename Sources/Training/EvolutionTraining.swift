import Cluster
import Dispatch
import Environments
import Evaluation
import Evolution
import Foundation
import Networks
import PolicyGradient
import RLCore


/// Trains a policy with an evolution strategy: ask → evaluate on the worker pool → tell, once per
/// generation, with the mean policy evaluated after every update.
///
/// Observation statistics are frozen within a generation and updated from that generation's
/// sampled rollouts in member order. The result is the same for any `config.threads`, and a run
/// resumed from any checkpoint ends with the same weights as one that never stopped.
public func runEvolution<E: Environment, S: EvolutionStrategy>(
  environment: E, strategy: S, config: RunConfig,
  resume: RunProgress<S.State>? = nil, hooks: TrainingHooks<S.State> = TrainingHooks(),
  cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  let spec = environment.spec
  let network = try config.network(for: spec)
  let evaluator = Evaluator(environment: environment, network: network, threads: config.threads)
  var ledger = RunLedger(
    config: config, spec: spec, network: network, evaluator: evaluator, hooks: hooks, cluster: cluster,
    previousTime: resume?.elapsedSeconds ?? 0)
  let seed = config.seed
  let space = spec.observationSpace
  try config.observationNormalization.check(spec)
  if let problem = strategy.problem(parameterCount: network.parameterCount) { throw RolloutError(problem) }
  var progress: RunProgress<S.State>
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
    progress = RunProgress(
      strategyState: initialState,
      statistics: RunningStatistics(dimension: space.count), generation: 0, envSteps: 0,
      evaluationSteps: 0, elapsedSeconds: 0, best: nil)
  }
  func normalizer() -> ObservationNormalizer {
    config.observationNormalization.normalizer(space: space, statistics: progress.statistics)
  }
  let shouldStop = hooks.shouldStop

  var stopReason = ledger.stopReason(progress)
  while stopReason == nil {
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
      },
      isCancelled: shouldStop)
    let results = evaluator.evaluate(plan, cluster: cluster) { m, buffer in population.write(member: m, into: buffer) }
    if results.cancelled { try ledger.abandon(&progress) }
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
    let quick = ledger.evaluate(parameters, current, episodes: config.evaluationEpisodes, tag: 0, round: g)
    progress.evaluationSteps += quick.totalSteps
    let quickMean = ledger.mean(quick)
    progress.strategyState = strategy.observe(
      progress.strategyState, solutionReturn: quickMean, behavior: quick.meanBehaviorOverAll)
    var candidate = (parameters: parameters, evaluation: quickMean)
    // A member that beat every evaluation so far gets one of its own: the policy kept is the best
    // seen, whichever strategy found it (NS-ES returns its best-rewarded policy; a GA's child or
    // an ES perturbation may reach the maze's goal before the mean does).
    let bestMember = fitness.indices.max { (a: Int, b: Int) -> Bool in fitness[a] < fitness[b] || (fitness[a] == fitness[b] && a > b) }!
    if fitness[bestMember] > max(quickMean, progress.best?.evaluation ?? -.infinity) {
      var memberParameters = [Float](repeating: 0, count: parameters.count)
      memberParameters.withUnsafeMutableBufferPointer { population.write(member: bestMember, into: $0) }
      let check = ledger.evaluate(memberParameters, current, episodes: config.evaluationEpisodes, tag: 3, round: g)
      progress.evaluationSteps += check.totalSteps
      let checkMean = ledger.mean(check)
      if checkMean > quickMean { candidate = (memberParameters, checkMean) }
    }
    ledger.keep(candidate.parameters, evaluation: candidate.evaluation, normalizer: current, round: g, in: &progress)

    let now = ledger.elapsed()
    try ledger.finishStep(
      &progress,
      report: GenerationReport(
        generation: progress.generation, meanReturn: fitness.reduce(0, +) / Double(fitness.count),
        maxReturn: fitness.max()!, evaluationReturn: quickMean, bestEvaluation: progress.best?.evaluation,
        envSteps: progress.envSteps, evaluationSteps: progress.evaluationSteps, elapsedSeconds: now,
        stepsPerSecond: now > 0 ? Double(progress.envSteps) / now : 0))
    stopReason = ledger.stopReason(progress)
  }
  return try ledger.outcome(&progress, stopReason: stopReason!, round: progress.generation)
}

/// Trains with an evolution strategy in an environment known only at run time: opens it as its
/// concrete type so the training loop (`runEvolution`) is specialised for it.
public func trainEvolution<S: EvolutionStrategy>(
  environment: any ConfigurableEnvironment, strategy: S, config: RunConfig,
  resume: RunProgress<S.State>? = nil, hooks: TrainingHooks<S.State> = TrainingHooks(),
  cluster: any Communicator = SingleProcess()
) throws -> TrainingOutcome {
  try EnvironmentRegistry.open(
    environment,
    with: EvolutionVisitor(strategy: strategy, config: config, resume: resume, hooks: hooks, cluster: cluster))
}

/// `trainEvolution` with its checkpoints in `checkpoints` (read first when `resuming`).
public func trainEvolution<S: EvolutionStrategy>(
  environment: any ConfigurableEnvironment, strategy: S, config: RunConfig,
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
  environment: any ConfigurableEnvironment, strategy: S, config: RunConfig,
  onGeneration: @escaping (GenerationReport) throws -> Void
) throws -> TrainingOutcome {
  try trainEvolution(
    environment: environment, strategy: strategy, config: config,
    hooks: TrainingHooks(onGeneration: onGeneration))
}

private struct EvolutionVisitor<S: EvolutionStrategy>: EnvironmentVisitor {
  let strategy: S
  let config: RunConfig
  let resume: RunProgress<S.State>?
  let hooks: TrainingHooks<S.State>
  let cluster: any Communicator

  func visit<E: ConfigurableEnvironment>(_ environment: E) throws -> TrainingOutcome {
    try runEvolution(
      environment: environment, strategy: strategy, config: config, resume: resume, hooks: hooks, cluster: cluster)
  }
}
