import Environments
import Evolution
@testable import Training
import Foundation
import Networks
import RLCore
import Testing

@Suite("Evolution training")
struct TrainingTests {
  func train(seed: UInt64, threads: Int, generations: Int? = nil) throws -> TrainingOutcome {
    var preset = Presets.openAIES(env: "cartpole")
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

  @Test(
    "the presets of Acrobot, MountainCar and MountainCarContinuous reach their thresholds",
    arguments: [("acrobot", 1), ("acrobot", 2), ("acrobot", 3), ("mountaincar", 1),
      ("mountaincar-continuous", 1), ("mountaincar-continuous", 2), ("mountaincar-continuous", 3)])
  func classicControlPresets(env: String, seed: UInt64) throws {
    // Pendulum's preset needs ~15 s of release-build training per seed: Benchmarks/presets.sh
    // checks it (and all of these) on seeds 1–3.
    var preset = Presets.openAIES(env: env)
    preset.run.seed = seed
    preset.run.threads = 2
    let environment = try EnvironmentSetup.make(EnvironmentSetup.entry(named: env))
    let outcome = try trainEvolution(
      environment: environment, strategy: OpenAIES(config: preset.strategy), config: preset.run)
    #expect(outcome.stopReason == "threshold", "\(env) seed \(seed): \(outcome.finalEvaluation.return.mean)")
    #expect(outcome.finalEvaluation.return.mean >= environment.spec.rewardThreshold!)
  }

  @Test("bounds scaling maps each observation bound to ±1 and refuses unbounded spaces")
  func boundsScaling() throws {
    var preset = Presets.openAIES(env: "mountaincar")
    preset.run.observationNormalization = .bounds
    preset.run.maxGenerations = 1
    preset.run.stopAtThreshold = false
    let outcome = try trainEvolution(
      environment: MountainCar(), strategy: OpenAIES(config: preset.strategy), config: preset.run)
    #expect(outcome.policy.normalizer.mean.map { Double($0) } == [Double(Float(-0.3)), 0])
    #expect(outcome.policy.normalizer.std == [0.90000004, 0.07])
    preset.run.observationNormalization = .bounds
    #expect(throws: RolloutError.self) {
      try trainEvolution(environment: CartPole(), strategy: OpenAIES(config: preset.strategy), config: preset.run)
    }
  }

  @Test("1 and 2 threads give bit-identical weights, normaliser and metrics")
  func threadDeterminism() throws {
    var reports: [[GenerationReport]] = [[], []]
    var outcomes: [TrainingOutcome] = []
    for (i, threads) in [1, 2].enumerated() {
      var preset = Presets.openAIES(env: "cartpole")
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

  @Test("with a shared noise table, OpenAI-ES solves CartPole, with the same weights on 1 and 2 threads")
  func noiseTable() throws {
    var outcomes: [TrainingOutcome] = []
    for threads in [1, 2] {
      var preset = Presets.openAIES(env: "cartpole")
      preset.strategy.noiseTableSize = 1 << 20
      preset.run.seed = 4
      preset.run.threads = threads
      outcomes.append(try trainEvolution(environment: CartPole(), strategy: OpenAIES(config: preset.strategy), config: preset.run))
    }
    #expect(outcomes[0].stopReason == "threshold" && outcomes[0].finalEvaluation.return.mean >= 475)
    #expect(outcomes[0].policy.parameters.map(\.bitPattern) == outcomes[1].policy.parameters.map(\.bitPattern))
    #expect(outcomes[0].envSteps == outcomes[1].envSteps)
  }

  @Test("NS-ES with a shared noise table gives the same weights on 1 and 2 threads, and moves its agents")
  func noveltyNoiseTable() throws {
    var weights: [[UInt32]] = []
    for threads in [1, 2] {
      var preset = Presets.noveltySearch(env: "medium-maze", variant: .ns)
      preset.strategy.noiseTableSize = 100_000
      preset.run.seed = 2
      preset.run.threads = threads
      preset.run.maxGenerations = 60
      preset.run.maxEnvSteps = nil
      let outcome = try trainEvolution(
        environment: Maze(config: .init(layout: BuiltinMazes.medium)), strategy: NoveltySearchES(config: preset.strategy), config: preset.run)
      weights.append(outcome.policy.parameters.map(\.bitPattern))
    }
    #expect(weights[0] == weights[1])
    var plain = Presets.noveltySearch(env: "medium-maze", variant: .ns)
    plain.run.seed = 2
    plain.run.maxGenerations = 60
    plain.run.maxEnvSteps = nil
    let streams = try trainEvolution(environment: Maze(config: .init(layout: BuiltinMazes.medium)), strategy: NoveltySearchES(config: plain.strategy), config: plain.run)
    #expect(streams.policy.parameters.map(\.bitPattern) != weights[0], "the table's noise is not the streams'")
  }

  @Test("different seeds give different runs; a step budget stops the run")
  func seedsAndBudgets() throws {
    let a = try train(seed: 1, threads: 1, generations: 3)
    let b = try train(seed: 2, threads: 1, generations: 3)
    #expect(a.policy.parameters != b.policy.parameters)
    var preset = Presets.openAIES(env: "cartpole")
    preset.run.maxEnvSteps = 3000
    preset.run.maxGenerations = RunConfig.unlimited
    let outcome = try trainEvolution(
      environment: CartPole(), strategy: OpenAIES(config: preset.strategy), config: preset.run)
    #expect(outcome.stopReason == "env-steps" || outcome.stopReason == "threshold")
    if outcome.stopReason == "env-steps" {
      #expect(outcome.envSteps >= 3000)
    }
  }
}

@Suite("Comparison figures")
struct ComparisonFigureTests {
  @Test("a heat map's title wraps at spaces to fit the figure, on the narrow hard maze too")
  func titlesFit() {
    let title = "NSRA-ES: where training episodes ended"
    for layout in [BuiltinMazes.medium, BuiltinMazes.hard] {
      let grid = HeatmapGrid(layout: layout)
      let figure = MazeFigure(
        title: title, layout: layout, heatmap: (grid, [Int](repeating: 1, count: grid.columns * grid.rows), "#1f77b4"))
      let svg = figure.svg(scale: 1.4)
      let width = Double(svg.firstMatch(of: /width="(\d+)"/).map { String($0.1) } ?? "0") ?? 0
      let lines = svg.matches(of: /<text x="10" y="\d+" font-size="15">([^<]*)<\/text>/).map { String($0.1) }
      #expect(lines.joined(separator: " ") == title, "no word is lost: \(lines)")
      for line in lines {
        #expect(10 + Double(line.count) * 9 <= width - 10, "'\(line)' is cut off at \(width) px")
      }
    }
  }
}
