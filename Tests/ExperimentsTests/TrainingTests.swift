import Environments
import Evolution
import Experiments
import Foundation
import Networks
import RLCore
import Testing

@Suite("Evolution training")
struct TrainingTests {
  func train(seed: UInt64, threads: Int, generations: Int? = nil) throws -> TrainingOutcome {
    var preset = EvolutionPreset.openAIES(env: "cartpole")
    preset.run.seed = seed
    preset.run.threads = threads
    if let generations {
      preset.run.maxGenerations = generations
      preset.run.stopAtThreshold = false
    }
    return try trainEvolution(
      environment: CartPole(), strategy: OpenAIES(config: preset.strategy), config: preset.run)
  }

  @Test("the CartPole preset solves CartPole (100-episode mean ≥ 475) on 5 of 5 seeds", arguments: 1...5)
  func solvesCartPole(seed: UInt64) throws {
    let outcome = try train(seed: seed, threads: 2)
    #expect(outcome.stopReason == "threshold")
    #expect(outcome.finalEvaluation.episodes == 100)
    #expect(outcome.finalEvaluation.return.mean >= 475)
  }

  @Test("1 and 2 threads give bit-identical weights, normaliser and metrics")
  func threadDeterminism() throws {
    var reports: [[GenerationReport]] = [[], []]
    var outcomes: [TrainingOutcome] = []
    for (i, threads) in [1, 2].enumerated() {
      var preset = EvolutionPreset.openAIES(env: "cartpole")
      preset.run.seed = 11
      preset.run.threads = threads
      preset.run.maxGenerations = 8
      preset.run.stopAtThreshold = false
      preset.run.statisticsProbability = 0.5
      outcomes.append(
        try trainEvolution(
          environment: CartPole(), strategy: OpenAIES(config: preset.strategy), config: preset.run
        ) { reports[i].append($0) })
    }
    #expect(outcomes[0].policy.parameters.map(\.bitPattern) == outcomes[1].policy.parameters.map(\.bitPattern))
    #expect(outcomes[0].policy.normalizer == outcomes[1].policy.normalizer)
    #expect(outcomes[0].policy.normalizer.std != [1, 1, 1, 1], "statistics should have moved")
    #expect(reports[0].map(\.evaluationReturn) == reports[1].map(\.evaluationReturn))
    #expect(reports[0].map(\.envSteps) == reports[1].map(\.envSteps))
    #expect(reports[0].count == 8)
  }

  @Test("different seeds give different runs; a step budget stops the run")
  func seedsAndBudgets() throws {
    let a = try train(seed: 1, threads: 1, generations: 3)
    let b = try train(seed: 2, threads: 1, generations: 3)
    #expect(a.policy.parameters != b.policy.parameters)
    var preset = EvolutionPreset.openAIES(env: "cartpole")
    preset.run.maxEnvSteps = 3000
    preset.run.maxGenerations = .max
    let outcome = try trainEvolution(
      environment: CartPole(), strategy: OpenAIES(config: preset.strategy), config: preset.run)
    #expect(outcome.stopReason == "env-steps" || outcome.stopReason == "threshold")
    if outcome.stopReason == "env-steps" {
      #expect(outcome.envSteps >= 3000)
    }
  }
}
