import Evolution
import Networks
import PolicyGradient
import Foundation

/// The training algorithms `rollout train --algo` accepts.
public enum Algorithm: String, Sendable, CaseIterable, Codable {
  case openAIES = "openai-es"
  case nsES = "ns-es"
  case nsrES = "nsr-es"
  case nsraES = "nsra-es"
  case ga = "ga"
  case cmaES = "cma-es"
  case sepCMAES = "sep-cma-es"
  case ars = "ars"
  case ppo = "ppo"
  case a2c = "a2c"
  case reinforce = "reinforce"

  /// The algorithm for a command-line name, or an error listing the valid names.
  public static func named(_ name: String) throws -> Algorithm {
    guard let algorithm = Algorithm(rawValue: name.lowercased()) else {
      throw RolloutError("unknown algorithm '\(name)'; valid names: \(namesList)")
    }
    return algorithm
  }

  public static var namesList: String { allCases.map(\.rawValue).joined(separator: ", ") }

  /// One line for `rollout train --help`.
  public var summary: String {
    switch self {
    case .openAIES: "OpenAI-ES (Salimans et al. 2017): mirrored Gaussian perturbations, centred ranks, Adam"
    case .nsES: "NS-ES (Conti et al. 2018): a meta-population following the novelty gradient"
    case .nsrES: "NSR-ES: NS-ES on the mean of the reward and novelty ranks"
    case .nsraES: "NSRA-ES: NS-ES with an adaptive reward/novelty weight"
    case .ga: "Deep GA (Such et al. 2017): truncation selection, Gaussian mutation, seed chains"
    case .cmaES: "CMA-ES (Hansen): full covariance; for linear policies and small networks"
    case .sepCMAES: "sep-CMA-ES (Ros & Hansen 2008): diagonal covariance, O(n) per sample"
    case .ars: "ARS (Mania et al. 2018): random search over linear policies, top-b directions"
    case .ppo: "PPO (Schulman et al. 2017): clipped surrogate, GAE, minibatch epochs (SB3 defaults)"
    case .a2c: "A2C (Mnih et al. 2016): n-step advantage actor-critic, RMSprop (SB3 defaults)"
    case .reinforce: "REINFORCE with a value baseline (Williams 1992): Monte-Carlo returns"
    }
  }

  public static var evolutionStrategies: [Algorithm] { allCases.filter { !$0.isPolicyGradient } }
  public static var policyGradientMethods: [Algorithm] { allCases.filter(\.isPolicyGradient) }

  /// Whether the algorithm is a policy-gradient method (trained by `runPolicyGradient`).
  public var isPolicyGradient: Bool { [.ppo, .a2c, .reinforce].contains(self) }

  /// Whether the algorithm uses the env's behaviour descriptors.
  public var usesNovelty: Bool { [.nsES, .nsrES, .nsraES].contains(self) }

  /// The config key a common command-line setting maps to, or nil where it does not apply.
  public func configKey(for setting: CommonSetting) -> String? {
    switch (self, setting) {
    case (.openAIES, .population), (.nsES, .population), (.nsrES, .population), (.nsraES, .population),
      (.ga, .population), (.cmaES, .population), (.sepCMAES, .population):
      "population_size"
    case (.ars, .population): "directions"
    case (.openAIES, .sigma), (.nsES, .sigma), (.nsrES, .sigma), (.nsraES, .sigma), (.ars, .sigma): "noise_std"
    case (.ga, .sigma): "mutation_std"
    case (.cmaES, .sigma), (.sepCMAES, .sigma): "initial_sigma"
    case (.openAIES, .learningRate), (.nsES, .learningRate), (.nsrES, .learningRate), (.nsraES, .learningRate):
      "learning_rate"
    case (.ars, .learningRate): "step_size"
    case (.ppo, .learningRate), (.a2c, .learningRate), (.reinforce, .learningRate): "learning_rate"
    case (.openAIES, .l2), (.nsES, .l2), (.nsrES, .l2), (.nsraES, .l2): "l2_coefficient"
    default: nil
    }
  }

  /// Settings that several algorithms share under different names.
  public enum CommonSetting: String, Sendable {
    case population, sigma
    case learningRate = "learning-rate"
    case l2
  }

  /// Builds the strategy from its config (JSON, as in config files) and hands it to `visitor`. Bad
  /// values are one-line errors, never crashes.
  public func open<V: StrategyVisitor>(config: JSONValue, with visitor: V) throws -> V.Result {
    switch self {
    case .openAIES:
      let c = try decode(OpenAIES.Config(), config)
      try require(c.populationSize >= 2 && c.populationSize % 2 == 0, "population_size must be even and at least 2")
      try require(c.noiseStd > 0 && c.learningRate > 0 && c.l2Coefficient >= 0, "noise_std and learning_rate must be positive, l2_coefficient >= 0")
      return try visitor.visit(OpenAIES(config: c))
    case .nsES, .nsrES, .nsraES:
      var c = try decode(NoveltySearchES.Config(), config)
      c.variant = self == .nsES ? .ns : self == .nsrES ? .nsr : .nsra
      try require(c.populationSize >= 2 && c.populationSize % 2 == 0, "population_size must be even and at least 2")
      try require(c.noiseStd > 0 && c.learningRate > 0 && c.l2Coefficient >= 0, "noise_std and learning_rate must be positive, l2_coefficient >= 0")
      try require(c.metaPopulation >= 1 && c.neighbours >= 1, "meta_population and neighbours must be at least 1")
      try require((0...1).contains(c.initialWeight) && c.weightDelta >= 0 && c.stallGenerations >= 1,
        "initial_weight must be in [0, 1], weight_delta >= 0, stall_generations >= 1")
      return try visitor.visit(NoveltySearchES(config: c))
    case .ga:
      let c = try decode(DeepGA.Config(), config)
      try require(c.populationSize >= 1 && c.parents >= 1, "population_size and parents must be at least 1")
      try require(c.mutationStd > 0, "mutation_std must be positive")
      try require(c.eliteCandidates >= 1 && c.eliteEpisodes >= 0, "elite_candidates must be at least 1, elite_episodes >= 0")
      return try visitor.visit(DeepGA(config: c))
    case .cmaES, .sepCMAES:
      let c = try decode(CMAConfig(), config)
      try require(c.populationSize == 0 || c.populationSize >= 2, "population_size must be 0 (default) or at least 2")
      try require(c.initialSigma > 0 && c.initialSigma.isFinite, "initial_sigma must be positive")
      return self == .cmaES ? try visitor.visit(CMAES(config: c)) : try visitor.visit(SepCMAES(config: c))
    case .ars:
      let c = try decode(ARS.Config(), config)
      try require(c.directions >= 1 && (1...c.directions).contains(c.topDirections),
        "directions must be at least 1 and top_directions between 1 and directions")
      try require(c.stepSize > 0 && c.noiseStd > 0, "step_size and noise_std must be positive")
      return try visitor.visit(ARS(config: c))
    case .ppo, .a2c, .reinforce:
      throw RolloutError("\(rawValue) is a policy-gradient method, not an evolution strategy")
    }
  }

  /// Builds the policy-gradient method from its config (JSON) and hands it to `visitor`.
  public func openPolicyGradient<V: PolicyGradientVisitor>(config: JSONValue, with visitor: V) throws -> V.Result {
    switch self {
    case .ppo:
      let c = try decode(PPO.Config(), config)
      try requireCommon(envs: c.envs, steps: c.steps, gamma: c.gamma, lambda: c.gaeLambda, learningRate: c.learningRate)
      try require(c.batchSize >= 1 && c.epochs >= 1, "batch_size and epochs must be at least 1")
      try require(c.clipRange.start > 0 && c.clipRange.end >= 0, "clip_range must be positive")
      try require(c.maxGradientNorm > 0 && c.valueCoefficient >= 0 && c.entropyCoefficient >= 0,
        "max_gradient_norm must be positive; value and entropy coefficients >= 0")
      try require(c.targetKL.map { $0 > 0 } ?? true, "target_kl must be positive (or null)")
      return try visitor.visit(PPO(config: c))
    case .a2c:
      let c = try decode(A2C.Config(), config)
      try requireCommon(envs: c.envs, steps: c.steps, gamma: c.gamma, lambda: c.gaeLambda, learningRate: c.learningRate)
      try require(c.maxGradientNorm > 0 && c.valueCoefficient >= 0 && c.entropyCoefficient >= 0,
        "max_gradient_norm must be positive; value and entropy coefficients >= 0")
      return try visitor.visit(A2C(config: c))
    case .reinforce:
      let c = try decode(REINFORCE.Config(), config)
      try requireCommon(envs: c.envs, steps: c.steps, gamma: c.gamma, lambda: 1, learningRate: c.learningRate)
      try require(c.maxGradientNorm > 0 && c.valueCoefficient >= 0, "max_gradient_norm must be positive; value_coefficient >= 0")
      return try visitor.visit(REINFORCE(config: c))
    default:
      throw RolloutError("\(rawValue) is an evolution strategy, not a policy-gradient method")
    }
  }

  private func requireCommon(envs: Int, steps: Int, gamma: Double, lambda: Double, learningRate: LinearSchedule) throws {
    try require(envs >= 1 && envs <= 4096 && steps >= 1, "envs and steps must be at least 1")
    try require((0...1).contains(gamma) && (0...1).contains(lambda), "gamma and gae_lambda must be in [0, 1]")
    try require(learningRate.start > 0 && learningRate.end >= 0, "learning_rate must be positive")
  }

  /// The config laid over the type's defaults (so a partial config is complete, and an unknown
  /// key is an error naming the valid ones).
  private func decode<T: Codable>(_ defaults: T, _ config: JSONValue) throws -> T {
    do {
      return try JSONValue(encoding: defaults).merging(config, path: "").decode(as: T.self)
    } catch let error as RolloutError {
      throw RolloutError("invalid \(rawValue) settings: \(error.message)")
    } catch {
      throw RolloutError("invalid \(rawValue) settings: \(describe(error))")
    }
  }

  private func require(_ condition: Bool, _ message: String) throws {
    if !condition { throw RolloutError("invalid \(rawValue) settings: \(message)") }
  }
}

/// Something to do with a policy-gradient method whose type is known only at run time.
public protocol PolicyGradientVisitor {
  associatedtype Result
  func visit<M: PolicyGradientMethod>(_ method: M) throws -> Result
}

/// Something to do with an evolution strategy whose type is known only at run time (the same
/// pattern as `EnvironmentVisitor`: the work is specialised for the concrete strategy).
public protocol StrategyVisitor {
  associatedtype Result
  func visit<S: EvolutionStrategy>(_ strategy: S) throws -> Result
}
