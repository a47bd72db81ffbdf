import Evolution
import Foundation
import RLCore
import Testing
import Training

/// One-step episodes whose return is looked up by the episode's seed (0 for seeds not listed):
/// a test can decide what each evaluation of a run sees, whatever the policy.
private struct SeedLookup: Environment {
  let returns: [UInt64: Double]
  var spec = EnvSpec(
    id: "SeedLookup-v0", name: "seed-lookup", observationSpace: BoxSpace(low: [0], high: [1]),
    actionSpace: .discrete(count: 2), maxEpisodeSteps: 1, rewardThreshold: nil)
  var reward = 0.0
  mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    reward = seed.flatMap { returns[$0] } ?? 0
    observation[0] = 0
  }
  mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    Step(reward: reward, terminated: true, truncated: false)
  }
}

@Suite("Solved means solved")
struct ConfirmationTests {
  /// The episode seeds of evaluation `tag` in generation 0 of a run with seed 9.
  func seeds(tag: Int, episodes: Int) -> [UInt64] {
    (0..<episodes).map { SeedDerivation.seed(run: 9, purpose: .evaluationEpisode, iteration: 0, member: tag, episode: $0) }
  }

  func run(passing tags: [Int]) throws -> TrainingOutcome {
    var returns: [UInt64: Double] = [:]
    for tag in tags { for seed in seeds(tag: tag, episodes: 4) { returns[seed] = 10 } }
    var config = RunConfig()
    config.seed = 9
    config.hidden = []
    config.maxGenerations = 1
    config.evaluationEpisodes = 4
    config.confirmationEpisodes = 4
    config.targetReturn = 5
    config.observationNormalization = .off
    return try runEvolution(
      environment: SeedLookup(returns: returns), strategy: OpenAIES(config: .init(populationSize: 2)), config: config)
  }

  @Test("a policy whose quick evaluation and first confirmation pass but whose second fails is not solved")
  func secondConfirmationFails() throws {
    let outcome = try run(passing: [0, 1])
    #expect(outcome.stopReason == "generations")
    #expect(outcome.finalEvaluation.return.mean == 0, "the final evaluation (tag 2) of the kept policy")
  }

  @Test("a policy that passes both confirmations is solved, and its record is the second")
  func bothConfirmationsPass() throws {
    let outcome = try run(passing: [0, 1, 4])
    #expect(outcome.stopReason == "threshold")
    #expect(outcome.finalEvaluation.return.mean == 10)
    #expect(outcome.finalEvaluation.episodes == 4)
  }

  @Test("a first confirmation that fails stops the check there")
  func firstConfirmationFails() throws {
    let outcome = try run(passing: [0, 4])
    #expect(outcome.stopReason == "generations")
  }
}
