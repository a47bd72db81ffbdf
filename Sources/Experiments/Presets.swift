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

  /// The preset for an env; envs without a tuned one get the generic defaults. Each tuned preset
  /// was checked to reach its target on seeds 1–3 (README, "Figures").
  public static func openAIES(env: String) -> EvolutionPreset {
    var run = EvolutionRunConfig()
    var strategy = OpenAIES.Config()
    switch env {
    case "cartpole", "acrobot":
      strategy = OpenAIES.Config(
        populationSize: 64, noiseStd: 0.1, learningRate: 0.05, l2Coefficient: 0.005)
      run.hidden = [16]
      run.maxGenerations = 300
    case "mountaincar":
      // The reward is flat (−200) until a member reaches the goal: wide noise finds one early,
      // and no weight decay lets the policy keep the large weights that bang-bang control needs.
      strategy = OpenAIES.Config(
        populationSize: 64, noiseStd: 1.0, learningRate: 0.1, l2Coefficient: 0)
      run.hidden = [32]
      run.episodesPerMember = 2
      run.maxGenerations = 1000
    case "mountaincar-continuous":
      // Doing nothing (return ≈ 0) is a trap; bounds scaling makes the tiny velocity visible, so
      // noisy members find the goal before the mean settles into the trap.
      strategy = OpenAIES.Config(
        populationSize: 64, noiseStd: 1.0, learningRate: 0.1, l2Coefficient: 0)
      run.hidden = [32]
      run.episodesPerMember = 2
      run.outputInitScale = 1
      run.observationNormalization = .bounds
      run.maxGenerations = 1000
    case "pendulum":
      // Gymnasium sets no threshold for Pendulum-v1; −200 is the usual bar.
      strategy = OpenAIES.Config(
        populationSize: 128, noiseStd: 0.1, learningRate: 0.03, l2Coefficient: 0)
      run.hidden = [32, 32]
      run.episodesPerMember = 2
      run.maxGenerations = 3000
      run.targetReturn = -200
    case "medium-maze", "hard-maze", "maze":
      // Deterministic envs: one episode tells all, so evaluations use one episode. With the
      // literature's final-distance reward plain OpenAI-ES is expected to get trapped in the hard
      // maze; the novelty methods are what solve it.
      strategy = OpenAIES.Config(populationSize: 128, noiseStd: 0.1, learningRate: 0.05)
      run.hidden = [16, 16]
      run.maxGenerations = 300
      run.evaluationEpisodes = 1
      run.confirmationEpisodes = 1
    default:
      break
    }
    return EvolutionPreset(strategy: strategy, run: run)
  }
}
