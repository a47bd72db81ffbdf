import ArgumentParser
import Environments
import Evaluation
import Training
import Foundation
import Networks
import RLCore

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Evaluate a saved policy (or a uniformly random one) over many episodes.",
    discussion: """
      Prints mean ± std of the episode return and length. `rollout eval random --env cartpole` \
      evaluates uniformly random actions. With --json, prints one object: env, episodes, seed, \
      return and length (each {mean, std, min, max}, std with ddof 0), threshold, solved and \
      final_behavior (the mean behaviour descriptor: the final (x, y) in a maze); with \
      --per-episode also episode_returns and episode_lengths, every episode in order.

      --record FILE writes the evaluated episodes' steps as JSON Lines, one per step: \
      {"episode": e, "observation": [...], "action": a}, with the raw observation the policy saw and \
      the action it took (an index, or a list of values for continuous actions); --record-steps \
      stops recording after that many steps.
      """)

  @Argument(help: "A .policy file, or `random`.", completion: Completions.policies)
  var policy: String

  @Option(
    help: "The environment (required for `random`; for a policy, must match its env).",
    completion: Completions.environments)
  var env: String?

  @Option(parsing: .unconditional, help: "Number of episodes.")
  var episodes: Int = 100

  @OptionGroup var options: RunOptions

  @Flag(help: "Sample actions from the policy's distribution instead of taking the most likely one.")
  var stochastic = false

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @Flag(help: "With --json, list every episode's return and length.")
  var perEpisode = false

  @Option(help: "Write each step's observation and action to this JSON Lines file.", completion: .file(extensions: ["jsonl"]))
  var record: String?

  @Option(name: .customLong("record-steps"), parsing: .unconditional, help: "With --record, the steps to record (default: all).")
  var recordSteps: Int?

  func validate() throws {
    guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
    guard episodes <= 10_000_000 else {
      throw ValidationError("--episodes must be at most 10000000, got \(episodes)")
    }
    if perEpisode && !json { throw ValidationError("--per-episode needs --json") }
    if let recordSteps, recordSteps <= 0 { throw ValidationError("--record-steps must be positive, got \(recordSteps)") }
    if recordSteps != nil && record == nil { throw ValidationError("--record-steps needs --record FILE") }
    if record != nil && policy == "random" { throw ValidationError("--record needs a policy file, not `random`") }
    if policy == "random" && env == nil {
      throw ValidationError("`rollout eval random` needs --env (see `rollout envs`)")
    }
  }

  func run() throws {
    let summary: EvaluationSummary
    let behaviorNames: [String]?
    if policy == "random" {
      let entry = try EnvironmentSetup.entry(named: env!)
      let environment = EnvironmentSetup.make(entry)
      behaviorNames = environment.behaviorNames
      summary = try evaluateRandom(environment)
    } else {
      let (policyFile, environment) = try PolicyFile.load(path: policy, expecting: env)
      behaviorNames = environment.behaviorNames
      summary = try evaluatePolicy(environment, policyFile.policy)
      if let record { try write(recording: environment, policyFile.policy, to: record) }
    }
    if json {
      let encoder = JSONEncoder()
      // Env ids such as MinAtar/Breakout-v0 print as they are written, not as MinAtar\/Breakout-v0.
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      encoder.keyEncodingStrategy = .convertToSnakeCase
      print(String(decoding: try encoder.encode(summary), as: UTF8.self))
    } else {
      print(
        String(
          format: "%@: %d episodes, return %.2f ± %.2f (min %.2f, max %.2f), length %.1f ± %.1f",
          summary.env, summary.episodes, summary.return.mean, summary.return.std,
          summary.return.min, summary.return.max, summary.length.mean, summary.length.std))
      if let behavior = summary.finalBehavior, summary.env.hasSuffix("Maze-v0") {
        print(String(format: "mean final position: (%.1f, %.1f)", behavior[0], behavior[1]))
      } else if let behavior = summary.finalBehavior, let names = behaviorNames, names.count == behavior.count {
        // A game's named descriptor (Seaquest's surfacings): what its episodes ended like.
        print("mean at the end: " + zip(names, behavior).map { String(format: "%@ %.2f", $0, $1) }.joined(separator: ", "))
      }
      if let threshold = summary.threshold {
        print("threshold \(threshold): \(summary.solved == true ? "solved" : "not solved")")
      }
    }
  }

  private func evaluatePolicy(_ environment: any ConfigurableEnvironment, _ policy: Policy) throws
    -> EvaluationSummary
  {
    struct Visitor: EnvironmentVisitor {
      let policy: Policy, seed: UInt64, threads: Int, episodes: Int, mode: ActionMode, listing: Bool
      func visit<E: ConfigurableEnvironment>(_ env: E) -> EvaluationSummary {
      let evaluator = Evaluator(environment: env, network: policy.network, threads: threads)
      let seed = self.seed
      let plan = EvaluationPlan(
        members: episodes, episodesPerMember: 1, mode: mode,
        normalizer: policy.normalizer,
        episodeSeed: { m, _ in
          SeedDerivation.seed(run: seed, purpose: .userEvaluation, episode: m)
        })
      let parameters = policy.parameters
      let results = evaluator.evaluate(plan) { _, buffer in
        _ = buffer.update(fromContentsOf: parameters)
      }
      return EvaluationSummary(
        env: env.spec.id, seed: seed, returns: results.episodeReturns,
        lengths: results.episodeLengths, threshold: env.spec.rewardThreshold,
        finalBehavior: results.meanBehaviorOverAll, listingEpisodes: listing)
      }
    }
    return try EnvironmentRegistry.open(
      environment,
      with: Visitor(
        policy: policy, seed: options.seed, threads: options.threads, episodes: episodes,
        mode: stochastic ? .sampled : .greedy, listing: perEpisode))
  }

  /// Runs the evaluated episodes again one by one (greedy and sampled actions depend only on each
  /// episode's seed, so they are the same episodes) and writes their steps.
  private func write(recording environment: any ConfigurableEnvironment, _ policy: Policy, to path: String) throws {
    struct Visitor: EnvironmentVisitor {
      let policy: Policy, seed: UInt64, episodes: Int, mode: ActionMode, limit: Int
      func visit<E: ConfigurableEnvironment>(_ env: E) -> [RecordedStep] {
        let seed = self.seed
        return recordEpisodes(env, policy: policy, episodes: episodes, mode: mode, maxSteps: limit) {
          SeedDerivation.seed(run: seed, purpose: .userEvaluation, episode: $0)
        }
      }
    }
    let steps = try EnvironmentRegistry.open(
      environment,
      with: Visitor(
        policy: policy, seed: options.seed, episodes: episodes, mode: stochastic ? .sampled : .greedy,
        limit: recordSteps ?? .max))
    let space = environment.spec.actionSpace
    var text = ""
    for step in steps {
      let action: String
      switch space {
      case .discrete: action = "\(step.action.index)"
      case .box(let box): action = "[" + (0..<box.count).map { "\(step.action.values[$0])" }.joined(separator: ",") + "]"
      }
      text += "{\"episode\":\(step.episode),\"observation\":[" + step.observation.map { "\($0)" }.joined(separator: ",")
        + "],\"action\":\(action)}\n"
    }
    try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
  }

  private func evaluateRandom(_ environment: any ConfigurableEnvironment) throws -> EvaluationSummary {
    struct Visitor: EnvironmentVisitor {
      let seed: UInt64, episodes: Int, listing: Bool
      func visit<E: ConfigurableEnvironment>(_ env: E) -> EvaluationSummary {
      var env = env
      let observation = UnsafeMutableBufferPointer<Float>.allocate(
        capacity: env.spec.observationSpace.count)
      defer { observation.deallocate() }
      var returns: [Double] = [], lengths: [Int] = []
      var behavior = [Float](repeating: 0, count: env.behaviorCount)
      var behaviorSum = behavior
      for e in 0..<episodes {
        let outcome = behavior.withUnsafeMutableBufferPointer {
          runRandomEpisode(
            &env, seed: SeedDerivation.seed(run: seed, purpose: .userEvaluation, episode: e),
            observation: observation, behavior: $0)
        }
        returns.append(outcome.totalReward)
        lengths.append(outcome.length)
        for i in behavior.indices { behaviorSum[i] += behavior[i] }
      }
      return EvaluationSummary(
        env: env.spec.id, seed: seed, returns: returns, lengths: lengths,
        threshold: env.spec.rewardThreshold, finalBehavior: behaviorSum.map { $0 / Float(episodes) },
        listingEpisodes: listing)
      }
    }
    return try EnvironmentRegistry.open(environment, with: Visitor(seed: options.seed, episodes: episodes, listing: perEpisode))
  }
}
