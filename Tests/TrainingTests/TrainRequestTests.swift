import Environments
import Foundation
import Networks
import PolicyGradient
import Testing
import Training

/// The library's config resolution: preset, then the config file, then the flags; and what a
/// resumed run may change.
@Suite("Resolving a training request")
struct TrainRequestTests {
  func file(_ json: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("request-\(UUID().uuidString).json")
    try Data(json.utf8).write(to: url)
    return url.path
  }

  @Test("an env alone gives its preset, with the default algorithm and the given thread count")
  func presetOnly() throws {
    var request = TrainRequest()
    request.env = "cartpole"
    let settings = try request.resolved(defaultThreads: 3)
    let preset = try TrainingConfig.preset(env: "cartpole")
    #expect(settings.algorithm == "openai-es")
    #expect(settings.strategy == preset.strategy)
    var run = preset.run
    run.threads = 3
    #expect(settings.run == run)
  }

  @Test("PPO + novelty pays 1 × the novelty on MinAtar's one-point rewards (keeping half its step size) and 10 × on the mazes' hundreds")
  func noveltyWeights() {
    for game in ["asterix", "breakout", "freeway", "seaquest", "space-invaders"] {
      let strategy = Presets.ppoNovelty(env: game).strategy
      #expect(strategy.noveltyWeight == 1, "\(game)")
      #expect(strategy.learningRate == LinearSchedule(start: 1e-3, end: 5e-4), "\(game)")
      #expect(Presets.ppo(env: game).strategy.learningRate == LinearSchedule(start: 1e-3, end: 0), "plain PPO keeps its decay")
    }
    for env in ["medium-maze", "hard-maze", "cartpole"] {
      #expect(Presets.ppoNovelty(env: env).strategy.noveltyWeight == 10, "\(env)")
    }
  }

  @Test("evolution on Asterix searches a small convolutional policy with wide noise for 100 M frames; the other games keep the paper's network")
  func asterixEvolution() throws {
    let asterix = Presets.openAIES(env: "asterix")
    #expect(asterix.run.network == NetworkDescription(parsing: "conv(8,3x3)"))
    #expect(asterix.run.hidden.isEmpty)
    #expect(asterix.run.outputInitScale == 1)
    #expect(asterix.run.maxEnvSteps == 100_000_000)
    #expect(asterix.strategy.populationSize == 256)
    #expect(asterix.strategy.noiseStd == 0.1)
    #expect(asterix.strategy.learningRate == 0.05)
    let spec = EnvironmentSetup.make(try EnvironmentSetup.entry(named: "asterix")).spec
    #expect(try asterix.run.network(for: spec).parameterCount < 6_000)
    // The GA and the novelty family search the same network.
    #expect(Presets.ga(env: "asterix").run.network == asterix.run.network)
    #expect(Presets.noveltySearch(env: "asterix", variant: .nsr).run.network == asterix.run.network)
    for game in ["breakout", "freeway", "seaquest", "space-invaders"] {
      let preset = Presets.openAIES(env: game)
      #expect(preset.run.hidden == [128], "\(game)")
      #expect(preset.run.convolutions?.map(\.filters) == [16], "\(game)")
      #expect(preset.run.maxEnvSteps == 5_000_000, "\(game)")
      #expect(preset.strategy.noiseStd == 0.05, "\(game)")
    }
  }

  @Test("a config file overrides the preset and the flags override the file")
  func precedence() throws {
    var request = TrainRequest()
    request.configFile = try file(
      #"{"env": "cartpole", "run": {"seed": 5, "hidden": [8], "threads": 1}, "strategy": {"noise_std": 0.2}}"#)
    request.seed = 7
    request.sigma = 0.3
    let settings = try request.resolved(defaultThreads: 4)
    #expect(settings.run.seed == 7)
    #expect(settings.run.hidden == [8])
    #expect(settings.run.threads == 1, "a file's thread count stands when no flag gives one")
    guard case .object(let fields) = settings.strategy else { throw RolloutError("no strategy") }
    #expect(fields["noise_std"] == .number(Double(Float(0.3))))
  }

  @Test("naming another algorithm than the file drops the file's algorithm settings")
  func otherAlgorithm() throws {
    var request = TrainRequest()
    request.configFile = try file(#"{"env": "cartpole", "algorithm": "ga", "strategy": {"mutation_std": 0.5}}"#)
    request.algorithm = .cmaES
    let settings = try request.resolved(defaultThreads: 1)
    #expect(settings.algorithm == "cma-es")
    #expect(settings.strategy == (try Algorithm.cmaES.preset(env: "cartpole")).strategy)
  }

  @Test("shared flags land on each algorithm's own key, or are refused where they do not apply")
  func sharedFlags() throws {
    var request = TrainRequest()
    request.env = "cartpole"
    request.algorithm = .ars
    request.population = 64
    guard case .object(let fields) = try request.resolved(defaultThreads: 1).strategy else { throw RolloutError("none") }
    #expect(fields["directions"] == .number(32), "ARS evaluates two members per direction")
    request.algorithm = .ppo
    request.population = nil
    request.l2 = 0.1
    #expect(throws: RolloutError.self) { try request.resolved(defaultThreads: 1) }
    do {
      _ = try request.resolved(defaultThreads: 1)
    } catch let error as RolloutError {
      #expect(error.message == "--l2 does not apply to ppo")
    }
    // PPO's, A2C's and REINFORCE's learning rates are schedules: --learning-rate makes a constant one.
    request.l2 = nil
    request.learningRate = 0.002
    request.algorithm = .ppo
    #expect(try request.resolved(defaultThreads: 1).strategy.decode(as: PPO.Config.self).learningRate == .constant(Double(Float(0.002))))
    request.algorithm = .a2c
    #expect(try request.resolved(defaultThreads: 1).strategy.decode(as: A2C.Config.self).learningRate == .constant(Double(Float(0.002))))
    request.algorithm = .reinforce
    #expect(try request.resolved(defaultThreads: 1).strategy.decode(as: REINFORCE.Config.self).learningRate == .constant(Double(Float(0.002))))
  }

  @Test("a resumed run takes a new budget, stopping rule and threads, and refuses the rest by name")
  func resumed() throws {
    var new = TrainRequest()
    new.env = "cartpole"
    let settings = try new.resolved(defaultThreads: 2)
    let header = CheckpointHeader(
      env: .init(id: "CartPole-v1", name: "cartpole", config: settings.envConfig, observationSize: 4, actionSpace: .discrete(count: 2)),
      algorithm: settings.algorithm, strategy: settings.strategy, run: settings.run)
    var request = TrainRequest()
    request.maxSteps = 50_000
    request.noEarlyStop = true
    request.threads = 1
    let resumed = try request.resumed(from: header)
    #expect(resumed.run.maxEnvSteps == 50_000 && !resumed.run.stopAtThreshold && resumed.run.threads == 1)
    #expect(resumed.run.seed == settings.run.seed && resumed.strategy == settings.strategy)
    for (flag, change) in [
      ("--seed", { (r: inout TrainRequest) in r.seed = 3 }), ("--algo", { $0.algorithm = .ga }),
      ("--hidden", { $0.hidden = [8] }), ("--population", { $0.population = 8 }), ("the env", { $0.env = "acrobot" }),
    ] {
      var changed = request
      change(&changed)
      do {
        _ = try changed.resumed(from: header)
        Issue.record("\(flag) was accepted")
      } catch let error as RolloutError {
        #expect(error.message.hasPrefix("\(flag) cannot be changed when resuming"), "\(error.message)")
      }
    }
  }

  @Test("the memory estimate follows the measured per-member cost and refuses what cannot fit")
  func memory() throws {
    var request = TrainRequest()
    request.env = "cartpole"
    request.population = 1_000_000
    let settings = try request.resolved(defaultThreads: 2)
    let bytes = try MemoryEstimate.bytes(settings: settings, environment: CartPole())
    // Measured: 212 bytes per member above a ~20 MB base (Benchmarks/results/memory.md).
    #expect(bytes > 1_000_000 * 212 && bytes < 64e6 + 1_000_000 * 300)
    request.population = 100_000_000
    #expect(throws: RolloutError.self) { try request.resolved(defaultThreads: 2) }
  }
}

@Suite("Run settings")
struct RunConfigTests {
  @Test("every run setting is written, the unset optional ones as null, so a config file may set each one")
  func everyKeyEncoded() throws {
    // RunConfig writes its keys by hand (synthesised coding leaves nil out): a property added
    // without its line there would be one a config file cannot set.
    guard case .object(let keys) = try JSONValue(encoding: RunConfig()) else {
      Issue.record("RunConfig must encode as an object")
      return
    }
    #expect(keys.count == Mirror(reflecting: RunConfig()).children.count)
    #expect(keys["target_return"] == .null && keys["convolutions"] == .null, "\(keys.keys.sorted())")
  }
}

@Suite("Preset reliability")
struct PresetReliabilityTests {
  @Test("every preset marked unreliable or unmeasured names a registered env and algorithm, with a rate below its seeds")
  func marks() throws {
    var marked = 0, unmeasured = 0
    for entry in EnvironmentRegistry.entries {
      for algorithm in Algorithm.allCases {
        if let rate = Presets.sweepRate(env: entry.name, algorithm: algorithm) {
          // At least one seed, and below all of them (a sweep stopped at its first failure is 0/1).
          #expect(rate.seeds >= 1 && (0..<rate.seeds).contains(rate.solved))
          marked += 1
        }
        if Presets.unmeasuredPresets.contains("\(entry.name) \(algorithm.rawValue)") {
          #expect(Presets.sweepRate(env: entry.name, algorithm: algorithm) == nil, "measured and unmeasured at once")
          unmeasured += 1
        }
      }
    }
    #expect(marked > 0 && marked == Presets.measuredRates.count, "every key names an env and an algorithm")
    #expect(unmeasured == Presets.unmeasuredPresets.count, "every unmeasured key names an env and an algorithm")
    #expect(Presets.sweepRate(env: "cartpole", algorithm: .cmaES) == nil, "CartPole's presets all solved 20/20")
  }
}
