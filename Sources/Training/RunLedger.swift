import Cluster
import Dispatch
import Evaluation
import Networks
import RLCore

/// What both training loops share around their own step (an evolution strategy's generation, a
/// policy-gradient update): greedy evaluations keyed by the run seed, the best policy kept and
/// confirmed, when the run is over, reports, checkpoints and interrupts, and the outcome.
struct RunLedger<E: Environment, State: Sendable & Codable> {
  let config: RunConfig
  let spec: EnvSpec
  /// The return that counts as solved: the run's target, else the env's threshold.
  let target: Double?
  let network: Network
  let evaluator: Evaluator<E>
  let hooks: TrainingHooks<State>
  let cluster: any Communicator
  private let start = DispatchTime.now().uptimeNanoseconds
  /// Training time spent before this process (a resumed run's clock carries on).
  private let previousTime: Double
  private var lastCheckpoint = DispatchTime.now().uptimeNanoseconds

  init(
    config: RunConfig, spec: EnvSpec, network: Network, evaluator: Evaluator<E>, hooks: TrainingHooks<State>,
    cluster: any Communicator, previousTime: Double
  ) {
    self.config = config
    self.spec = spec
    target = config.targetReturn ?? spec.rewardThreshold
    self.network = network
    self.evaluator = evaluator
    self.hooks = hooks
    self.cluster = cluster
    self.previousTime = previousTime
  }

  func elapsed() -> Double { previousTime + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  /// A greedy evaluation of one policy over `episodes` episodes whose seeds are keyed by
  /// (`round`, `tag`): tag 0 the quick evaluation, 1 the confirmation, 2 the final one, 3 a
  /// population member's.
  func evaluate(_ parameters: [Float], _ normalizer: ObservationNormalizer, episodes: Int, tag: Int, round: Int)
    -> EvaluationResults
  {
    let seed = config.seed
    let plan = EvaluationPlan(
      members: episodes, episodesPerMember: 1, mode: .greedy, normalizer: normalizer,
      episodeSeed: { m, _ in
        SeedDerivation.seed(run: seed, purpose: .evaluationEpisode, iteration: round, member: tag, episode: m)
      })
    return evaluator.evaluate(plan, cluster: cluster) { _, buffer in _ = buffer.update(fromContentsOf: parameters) }
  }

  /// The mean return of a quick evaluation.
  func mean(_ results: EvaluationResults) -> Double {
    results.meanReturns.reduce(0, +) / Double(results.meanReturns.count)
  }

  func summary(_ results: EvaluationResults) -> EvaluationSummary {
    EvaluationSummary(
      env: spec.id, seed: config.seed, returns: results.episodeReturns, lengths: results.episodeLengths,
      threshold: target, finalBehavior: results.meanBehaviorOverAll)
  }

  func policy(_ best: BestPolicy) -> Policy {
    Policy(network: network, parameters: best.parameters, normalizer: best.normalizer, head: evaluator.head)
  }

  /// Why the run is over before another step (`threshold`, `generations`, `env-steps`), or nil.
  func stopReason(_ progress: RunProgress<State>) -> String? {
    if config.stopAtThreshold, let threshold = target, let confirmed = progress.best?.confirmed,
      confirmed.return.mean >= threshold
    {
      return "threshold"
    }
    if progress.generation >= config.maxGenerations { return "generations" }
    if let budget = config.maxEnvSteps, progress.envSteps >= budget { return "env-steps" }
    return nil
  }

  /// Keeps a candidate policy as the best if its quick evaluation beats the best so far. When it
  /// reaches the target of a run that stops there, it counts as solved only if two further
  /// evaluations of `confirmationEpisodes` each, on independent episode seeds (tags 1 and 4,
  /// keyed by `round`), reach the target too: a policy kept because one evaluation crossed the bar
  /// is the luckiest of many, and a second, fresh one is what tells whether it is really there
  /// (the winner's curse). The kept policy is the one that passed both; its record is the second.
  func keep(
    _ parameters: [Float], evaluation: Double, normalizer: ObservationNormalizer, round: Int,
    in progress: inout RunProgress<State>
  ) {
    if progress.best == nil || evaluation > progress.best!.evaluation {
      progress.best = BestPolicy(parameters: parameters, normalizer: normalizer, evaluation: evaluation, confirmed: nil)
    }
    guard config.stopAtThreshold, let threshold = target, evaluation >= threshold else { return }
    var confirmed: EvaluationSummary?
    for tag in [1, 4] {
      let confirm = evaluate(parameters, normalizer, episodes: config.confirmationEpisodes, tag: tag, round: round)
      progress.evaluationSteps += confirm.totalSteps
      confirmed = summary(confirm)
      if confirmed!.return.mean < threshold { return }
    }
    progress.best = BestPolicy(parameters: parameters, normalizer: normalizer, evaluation: evaluation, confirmed: confirmed)
  }

  /// After a step: hands the report on, writes a checkpoint when one is due (every
  /// `checkpointEveryGenerations` steps or `checkpointEverySeconds`) or a stop was asked, and
  /// throws `TrainingInterrupted` on a stop. `complete` adds what the step's state lacks (a
  /// policy-gradient run's envs) before the checkpoint is written; every rank calls it.
  mutating func finishStep(
    _ progress: inout RunProgress<State>, report: GenerationReport,
    complete: (inout RunProgress<State>) throws -> Void = { _ in }
  ) throws {
    try hooks.onGeneration(report)
    // Every rank decides together: it keeps the ranks in step, and completing may be collective.
    let stopping = cluster.any(hooks.shouldStop())
    let sinceCheckpoint = Double(DispatchTime.now().uptimeNanoseconds - lastCheckpoint) / 1e9
    if stopping || progress.generation % max(config.checkpointEveryGenerations, 1) == 0
      || cluster.any(sinceCheckpoint >= config.checkpointEverySeconds)
    {
      try checkpoint(&progress, complete: complete)
    }
    if stopping { throw interrupted(progress) }
  }

  /// Stops at once for a stop asked mid-step: the step is abandoned, and the checkpoint holds
  /// the last complete one (`progress` as it was before the step).
  mutating func abandon(
    _ progress: inout RunProgress<State>, complete: (inout RunProgress<State>) throws -> Void = { _ in }
  ) throws -> Never {
    try checkpoint(&progress, complete: complete)
    throw interrupted(progress)
  }

  /// The end of the run: the final checkpoint (so a finished run can be extended), then the kept
  /// policy's final `confirmationEpisodes` evaluation (keyed by `round`) unless it was confirmed.
  mutating func outcome(
    _ progress: inout RunProgress<State>, stopReason: String, round: Int,
    complete: (inout RunProgress<State>) throws -> Void = { _ in }
  ) throws -> TrainingOutcome {
    guard var chosen = progress.best else {
      throw RolloutError("nothing was trained: the budget ends before the first generation or update")
    }
    try checkpoint(&progress, complete: complete)
    var evaluationSteps = progress.evaluationSteps
    if chosen.confirmed == nil {
      let final = evaluate(chosen.parameters, chosen.normalizer, episodes: config.confirmationEpisodes, tag: 2, round: round)
      evaluationSteps += final.totalSteps
      chosen.confirmed = summary(final)
    }
    return TrainingOutcome(
      policy: policy(chosen), generations: progress.generation, envSteps: progress.envSteps,
      evaluationSteps: evaluationSteps, wallTimeSeconds: elapsed(), finalEvaluation: chosen.confirmed!,
      stopReason: stopReason)
  }

  private mutating func checkpoint(
    _ progress: inout RunProgress<State>, complete: (inout RunProgress<State>) throws -> Void
  ) throws {
    var saved = progress
    try complete(&saved)
    saved.elapsedSeconds = elapsed()
    try hooks.onCheckpoint(saved)
    progress.elapsedSeconds = saved.elapsedSeconds
    lastCheckpoint = DispatchTime.now().uptimeNanoseconds
  }

  private func interrupted(_ progress: RunProgress<State>) -> TrainingInterrupted {
    TrainingInterrupted(
      policy: progress.best.map(policy), generation: progress.generation, envSteps: progress.envSteps,
      evaluationSteps: progress.evaluationSteps, elapsedSeconds: progress.elapsedSeconds)
  }
}
