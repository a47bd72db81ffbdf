import Evolution

/// Typed training defaults for one (env, algorithm) pair: the strategy's config and the run's.
public struct EvolutionPreset<StrategyConfig: Sendable & Equatable & Codable>: Sendable, Equatable {
  public var strategy: StrategyConfig
  public var run: EvolutionRunConfig

  public init(strategy: StrategyConfig, run: EvolutionRunConfig) {
    self.strategy = strategy
    self.run = run
  }
}

/// The presets, one function per algorithm. Envs without a tuned preset get the generic defaults.
/// Each tuned preset was checked to reach its target (README, "Figures"; the maze presets'
/// outcomes are the comparison table there).
public enum Presets {
  /// The algorithm `rollout train <env>` uses when none is named.
  public static func defaultAlgorithm(env: String) -> Algorithm {
    isMaze(env) ? .nsES : .openAIES
  }

  static func isMaze(_ env: String) -> Bool { ["medium-maze", "hard-maze", "maze"].contains(env) }

  /// The run settings every maze preset shares: deterministic episodes, so one evaluation episode
  /// tells all; sensors already scaled to [0, 1]; the calibration's 10 → 16 tanh → 2 network,
  /// initialised so that agents start out moving differently.
  static func mazeRun() -> EvolutionRunConfig {
    var run = EvolutionRunConfig()
    run.hidden = [16]
    run.observationNormalization = .off
    run.outputInitScale = 1
    run.evaluationEpisodes = 1
    run.confirmationEpisodes = 1
    run.maxGenerations = .max
    run.maxEnvSteps = 50_000_000
    return run
  }

  public static func openAIES(env: String) -> EvolutionPreset<OpenAIES.Config> {
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
    case _ where isMaze(env):
      // With the literature's final-distance reward plain OpenAI-ES is expected to get trapped;
      // the novelty methods are what solve the hard maze. Same network and budget as NS-ES.
      strategy = OpenAIES.Config(populationSize: 10, noiseStd: 0.1, learningRate: 0.05)
      run = mazeRun()
    default:
      break
    }
    return EvolutionPreset(strategy: strategy, run: run)
  }

  /// NS-ES, NSR-ES and NSRA-ES. On the mazes: the calibration's settings (5 mirrored pairs,
  /// σ 0.1, Adam 0.05, L2 0.005, M = 5, k = 10), which solved the hard maze on 6/10 seeds.
  public static func noveltySearch(env: String, variant: NoveltySearchES.Variant) -> EvolutionPreset<NoveltySearchES.Config> {
    var strategy = NoveltySearchES.Config(variant: variant)
    var run = openAIES(env: env).run
    if isMaze(env) {
      run = mazeRun()
    } else {
      // Elsewhere the novelty family searches with OpenAI-ES's population and step sizes.
      let es = openAIES(env: env).strategy
      strategy.populationSize = es.populationSize
      strategy.noiseStd = es.noiseStd
      strategy.learningRate = es.learningRate
      strategy.l2Coefficient = es.l2Coefficient
      run.maxGenerations *= 2
    }
    return EvolutionPreset(strategy: strategy, run: run)
  }

  public static func ga(env: String) -> EvolutionPreset<DeepGA.Config> {
    var strategy = DeepGA.Config()
    var run = openAIES(env: env).run
    if isMaze(env) {
      // Deterministic: the elite is the best by training fitness (no re-evaluation episodes).
      strategy = DeepGA.Config(populationSize: 100, parents: 20, mutationStd: 0.1, eliteEpisodes: 0)
      run = mazeRun()
    } else {
      // Stochastic starts: the elite is chosen by re-evaluating the top 10 on 5 episodes each.
      strategy = DeepGA.Config(populationSize: 256, parents: 20, mutationStd: 0.05, eliteCandidates: 10, eliteEpisodes: 5)
      run.evaluationEpisodes = 20
    }
    return EvolutionPreset(strategy: strategy, run: run)
  }

  /// CMA-ES and sep-CMA-ES: λ from Hansen's rule unless set.
  public static func cma(env: String) -> EvolutionPreset<CMAConfig> {
    var run = openAIES(env: env).run
    var strategy = CMAConfig(populationSize: 0, initialSigma: 0.5)
    if isMaze(env) {
      run = mazeRun()
      strategy.populationSize = 10
    } else if env == "cartpole" || env == "acrobot" {
      // Full covariance is cheap for a linear policy (10–18 parameters).
      run.hidden = []
      run.outputInitScale = 1
    }
    return EvolutionPreset(strategy: strategy, run: run)
  }

  /// ARS V2-t: linear policy on whitened states (every state counted).
  public static func ars(env: String) -> EvolutionPreset<ARS.Config> {
    var run = openAIES(env: env).run
    run.hidden = []
    run.statisticsProbability = 1
    run.observationNormalization = .running
    run.maxGenerations *= 3
    var strategy = ARS.Config()
    if isMaze(env) {
      run = mazeRun()
      run.hidden = []
      strategy = ARS.Config(directions: 5, topDirections: 5, stepSize: 0.02, noiseStd: 0.03)
    } else if env == "cartpole" || env == "acrobot" {
      strategy = ARS.Config(directions: 8, topDirections: 4, stepSize: 0.02, noiseStd: 0.03)
    }
    return EvolutionPreset(strategy: strategy, run: run)
  }

  /// The preset of any algorithm, its strategy config as JSON (the form config files use).
  public static func evolution(_ algorithm: Algorithm, env: String) throws -> (strategy: JSONValue, run: EvolutionRunConfig) {
    switch algorithm {
    case .openAIES:
      let p = openAIES(env: env)
      return (try JSONValue(encoding: p.strategy), p.run)
    case .nsES, .nsrES, .nsraES:
      let variant: NoveltySearchES.Variant = algorithm == .nsES ? .ns : algorithm == .nsrES ? .nsr : .nsra
      let p = noveltySearch(env: env, variant: variant)
      return (try JSONValue(encoding: p.strategy), p.run)
    case .ga:
      let p = ga(env: env)
      return (try JSONValue(encoding: p.strategy), p.run)
    case .cmaES, .sepCMAES:
      let p = cma(env: env)
      return (try JSONValue(encoding: p.strategy), p.run)
    case .ars:
      let p = ars(env: env)
      return (try JSONValue(encoding: p.strategy), p.run)
    }
  }
}
