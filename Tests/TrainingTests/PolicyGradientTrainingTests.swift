import Environments
import Evolution
@testable import Training
import Foundation
import PolicyGradient
import RLCore
import Testing

/// Trains with a policy-gradient preset and records the env steps at which the 20-episode
/// evaluation (every 5,000 steps) first reached `threshold`.
private func firstReaching(
  _ threshold: Double, _ trainer: Trainer, environment: any ConfigurableEnvironment, run: RunConfig
) throws -> (outcome: TrainingOutcome, firstReached: Int?) {
  var first: Int?
  let outcome = try trainer.train(
    environment: environment, config: run,
    hooks: TrainingHooks(onGeneration: { report in
      if first == nil, report.evaluationReturn >= threshold { first = report.envSteps }
    }))
  return (outcome, first)
}

@Suite("Policy-gradient training")
struct PolicyGradientTrainingTests {
  func train(_ algorithm: Algorithm, env: String, seed: UInt64, threads: Int = 2, budget: Int? = nil, earlyStop: Bool = true, threshold: Double = 475)
    throws -> (outcome: TrainingOutcome, firstReached: Int?)
  {
    let preset = try algorithm.preset(env: env)
    var run = preset.run
    run.seed = seed
    run.threads = threads
    run.stopAtThreshold = earlyStop
    if let budget { run.maxEnvSteps = budget }
    let environment = try EnvironmentSetup.make(EnvironmentSetup.entry(named: env))
    return try firstReaching(threshold, algorithm.make(config: preset.strategy), environment: environment, run: run)
  }

  /// SB3 with the same zoo config on this machine first reached 500 at 20–25 k steps on every seed;
  /// rollout's seeds 1–5: see the README's policy-gradient table.
  @Test("PPO, zoo CartPole config: every seed of 1–5 reaches 475, median ≤ 30 k env steps")
  func ppoCartPole() throws {
    var reached: [Int] = []
    for seed in UInt64(1)...5 {
      let (outcome, first) = try train(.ppo, env: "cartpole", seed: seed)
      #expect(first != nil, "seed \(seed) never reached 475 (best \(outcome.finalEvaluation.return.mean))")
      reached.append(first ?? .max)
    }
    reached.sort()
    #expect(reached[2] <= 30_000, "steps to 475: \(reached)")
  }

  @Test("A2C, zoo CartPole config: at least 4 of seeds 1–5 reach 475 within 100 k steps")
  func a2cCartPole() throws {
    let reached = try (UInt64(1)...5).filter { try train(.a2c, env: "cartpole", seed: $0, budget: 100_000).firstReached != nil }
    #expect(reached.count >= 4, "reached on seeds \(reached)")
  }

  @Test("REINFORCE with baseline: at least 4 of seeds 1–5 solve CartPole within 500 k steps")
  func reinforceCartPole() throws {
    let solved = try (UInt64(1)...5).filter {
      let (outcome, _) = try train(.reinforce, env: "cartpole", seed: $0)
      return outcome.stopReason == "threshold" && outcome.finalEvaluation.return.mean >= 475
    }
    #expect(solved.count >= 4, "solved seeds \(solved)")
  }

  @Test("PPO on Pendulum (continuous actions) reaches −250 within 300 k steps", arguments: [UInt64(2)])
  func ppoPendulum(seed: UInt64) throws {
    let (outcome, first) = try train(.ppo, env: "pendulum", seed: seed, threshold: -250)
    #expect(first != nil && first! <= 300_000, "best \(outcome.finalEvaluation.return.mean)")
  }

  @Test("1, 2 and 3 threads give byte-identical weights", arguments: Algorithm.policyGradientMethods)
  func threadDeterminism(algorithm: Algorithm) throws {
    // Two threads give each network a thread of its own; three share out whole norm blocks.
    let one = try train(algorithm, env: "cartpole", seed: 3, threads: 1, budget: 6_000, earlyStop: false)
    for threads in [2, 3] {
      let many = try train(algorithm, env: "cartpole", seed: 3, threads: threads, budget: 6_000, earlyStop: false)
      #expect(one.outcome.policy.parameters.map(\.bitPattern) == many.outcome.policy.parameters.map(\.bitPattern))
      #expect(one.outcome.envSteps == many.outcome.envSteps)
    }
    let other = try train(algorithm, env: "cartpole", seed: 4, threads: 1, budget: 6_000, earlyStop: false)
    #expect(other.outcome.policy.parameters != one.outcome.policy.parameters)
  }
}

@Suite("PPO + behaviour novelty")
struct NoveltyBonusTests {
  @Test("each finished episode's last reward gets w × its novelty against the archive, then joins it")
  func bonus() {
    let buffer = RolloutBuffer(envs: 2, steps: 4, observationCount: 1, actionWidth: 1)
    buffer.rewards = [1, 1, 1, 1, 2, 2, 2, 2]
    // Env 0 ends an episode at t = 2; env 1 at t = 0 and t = 3.
    buffer.dones = [false, false, true, false, true, false, false, true]
    var archive = NoveltyArchive(dimension: 2)
    archive.add([0, 0])
    let episodes = [
      EpisodeRecord(env: 0, totalReward: 0, length: 3, finalBehavior: [0, 0]),
      EpisodeRecord(env: 1, totalReward: 0, length: 1, finalBehavior: [3, 4]),
      EpisodeRecord(env: 1, totalReward: 0, length: 3, finalBehavior: [6, 8]),
    ]
    let mean = NoveltyBonus.apply(weight: 0.5, neighbours: 1, episodes: episodes, to: buffer, archive: &archive)
    // Novelty against the archive before this rollout: 0, 5 and 10; half of each is paid.
    #expect(buffer.rewards == [1, 1, 1, 1, 4.5, 2, 2, 7])
    #expect(mean == 2.5)
    #expect(archive.count == 4)
    // The same place again pays nothing now that it is archived.
    buffer.rewards = [Double](repeating: 0, count: 8)
    _ = NoveltyBonus.apply(
      weight: 0.5, neighbours: 1, episodes: [EpisodeRecord(env: 0, totalReward: 0, length: 3, finalBehavior: [3, 4])],
      to: buffer, archive: &archive)
    #expect(buffer.rewards[2] == 0)
  }

  @Test("PPO with the bonus on the medium maze: the same weights on 1 and 2 threads, and other weights than plain PPO")
  func determinism() throws {
    let bonus: [String: JSONValue] = ["novelty_weight": .number(1)]
    let one = try mediumMazeWeights(.ppo, threads: 1, seed: 3, steps: 40_000, settings: bonus)
    #expect(one == (try mediumMazeWeights(.ppo, threads: 2, seed: 3, steps: 40_000, settings: bonus)))
    #expect(one != (try mediumMazeWeights(.ppo, threads: 2, seed: 3, steps: 40_000, settings: [:])), "the bonus changes what PPO learns")
  }
}

/// Final weights of `algorithm` on the medium maze with `settings` laid over its preset.
func mediumMazeWeights(
  _ algorithm: Algorithm, threads: Int, seed: UInt64, steps: Int, settings: [String: JSONValue]
) throws -> [UInt32] {
  let preset = try algorithm.preset(env: "medium-maze")
  var run = preset.run
  run.seed = seed
  run.threads = threads
  run.maxEnvSteps = steps
  run.stopAtThreshold = false
  guard case .object(var fields) = preset.strategy else { throw RolloutError("no strategy") }
  for (key, value) in settings { fields[key] = value }
  let trainer = try algorithm.make(config: .object(fields))
  let outcome = try trainer.train(environment: EnvironmentSetup.make(EnvironmentSetup.entry(named: "medium-maze")), config: run)
  return outcome.policy.parameters.map(\.bitPattern)
}

@Suite("PPO + RND")
struct RandomNetworkDistillationTrainingTests {
  @Test("on the medium maze, reading observations or positions: the same weights on 1 and 2 threads, other weights than plain PPO")
  func determinism() throws {
    let plain = try mediumMazeWeights(.ppo, threads: 2, seed: 5, steps: 32_000, settings: [:])
    for input in ["observation", "behavior"] {
      let settings: [String: JSONValue] = ["rnd_input": .string(input), "extrinsic_coefficient": .number(0.01)]
      let one = try mediumMazeWeights(.ppoRND, threads: 1, seed: 5, steps: 32_000, settings: settings)
      #expect(one == (try mediumMazeWeights(.ppoRND, threads: 2, seed: 5, steps: 32_000, settings: settings)), "\(input)")
      #expect(one != plain, "the bonus changes what PPO learns (\(input))")
    }
  }

  @Test("bad RND settings are one-line errors")
  func badSettings() throws {
    let cases: [(String, JSONValue, String)] = [
      ("rnd_input", .string("pixels"), "rnd_input': expected observation or behavior"),
      ("rnd_features", .number(0), "rnd_features 1-4096"),
      ("rnd_update_proportion", .number(0), "rnd_update_proportion in (0, 1]"),
      ("intrinsic_coefficient", .number(-1), "intrinsic_coefficient"),
    ]
    for (key, value, message) in cases {
      #expect {
        _ = try Algorithm.ppoRND.make(config: .object([key: value]))
      } throws: { error in
        let text = (error as? RolloutError)?.message ?? ""
        return text.hasPrefix("invalid ppo-rnd settings:") && text.contains(message) && !text.contains("\n")
      }
    }
  }
}
