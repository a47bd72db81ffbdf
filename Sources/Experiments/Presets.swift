import Evolution

/// The training algorithms `rollout train --algo` accepts.
public enum Algorithm: String, Sendable, CaseIterable, Codable {
  case openAIES = "openai-es"

  /// The algorithm for a command-line name, or an error listing the valid names.
  public static func named(_ name: String) throws -> Algorithm {
    guard let algorithm = Algorithm(rawValue: name.lowercased()) else {
      throw RolloutError(
        "unknown algorithm '\(name)'; valid names: \(allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return algorithm
  }
}

/// Typed training defaults for one (env, algorithm) pair.
public struct EvolutionPreset: Sendable, Equatable {
  public var strategy: OpenAIES.Config
  public var run: EvolutionRunConfig

  /// The preset for an env; envs without a tuned one get the generic defaults.
  public static func openAIES(env: String) -> EvolutionPreset {
    var run = EvolutionRunConfig()
    var strategy = OpenAIES.Config()
    switch env {
    case "cartpole":
      // Measured: 5/5 seeds pass the 100-episode check (see README, "Figures").
      strategy = OpenAIES.Config(
        populationSize: 64, noiseStd: 0.1, learningRate: 0.05, l2Coefficient: 0.005)
      run.hidden = [16]
      run.maxGenerations = 300
      run.evaluationEpisodes = 20
    default:
      break
    }
    return EvolutionPreset(strategy: strategy, run: run)
  }
}
