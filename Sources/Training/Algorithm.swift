import Cluster
import Environments
import Evolution
import Networks
import PolicyGradient
import RLCore
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
  public var summary: String { description.summary }

  public static var evolutionStrategies: [Algorithm] { allCases.filter { !$0.isPolicyGradient } }
  public static var policyGradientMethods: [Algorithm] { allCases.filter(\.isPolicyGradient) }

  /// Whether the algorithm is a policy-gradient method (trained by `runPolicyGradient`).
  public var isPolicyGradient: Bool { description.family == .policyGradient }

  /// Whether the algorithm uses the env's behaviour descriptors.
  public var usesNovelty: Bool { description.usesNovelty }

  /// The config key a common command-line setting maps to, or nil where it does not apply.
  public func configKey(for setting: CommonSetting) -> String? { description.settingKeys[setting] }

  /// Settings that several algorithms share under different names.
  public enum CommonSetting: String, Sendable {
    case population, sigma
    case learningRate = "learning-rate"
    case l2
  }

  /// The preset for an env: the algorithm's settings (JSON, as in config files) and the run's.
  public func preset(env: String) throws -> (strategy: JSONValue, run: RunConfig) {
    try description.preset(env)
  }

  /// Builds the strategy or method from its config (JSON, as in config files): a partial config
  /// is laid over the defaults; an unknown key or a bad value is a one-line error, never a crash.
  public func make(config: JSONValue) throws -> Trainer {
    try description.make(rawValue, config)
  }

  /// Everything rollout knows about each algorithm. A new case does not compile until it is
  /// described here: its summary, family, the keys of the shared flags, its preset and its type.
  public var description: AlgorithmDescription {
    let es: [CommonSetting: String] = [
      .population: "population_size", .sigma: "noise_std", .learningRate: "learning_rate", .l2: "l2_coefficient",
    ]
    let cma: [CommonSetting: String] = [.population: "population_size", .sigma: "initial_sigma"]
    let pg: [CommonSetting: String] = [.learningRate: "learning_rate"]
    switch self {
    case .openAIES:
      return .evolution(
        OpenAIES.self, "OpenAI-ES (Salimans et al. 2017): mirrored Gaussian perturbations, centred ranks, Adam",
        keys: es, preset: Presets.openAIES)
    case .nsES:
      return .evolution(
        NoveltySearchES.self, "NS-ES (Conti et al. 2018): a meta-population following the novelty gradient",
        keys: es, novelty: true, preset: { Presets.noveltySearch(env: $0, variant: .ns) }, fixed: { $0.variant = .ns })
    case .nsrES:
      return .evolution(
        NoveltySearchES.self, "NSR-ES: NS-ES on the mean of the reward and novelty ranks",
        keys: es, novelty: true, preset: { Presets.noveltySearch(env: $0, variant: .nsr) }, fixed: { $0.variant = .nsr })
    case .nsraES:
      return .evolution(
        NoveltySearchES.self, "NSRA-ES: NS-ES with an adaptive reward/novelty weight",
        keys: es, novelty: true, preset: { Presets.noveltySearch(env: $0, variant: .nsra) }, fixed: { $0.variant = .nsra })
    case .ga:
      return .evolution(
        DeepGA.self, "Deep GA (Such et al. 2017): truncation selection, Gaussian mutation, seed chains",
        keys: [.population: "population_size", .sigma: "mutation_std"], preset: Presets.ga)
    case .cmaES:
      return .evolution(
        CMAES.self, "CMA-ES (Hansen): full covariance; for linear policies and small networks", keys: cma,
        preset: Presets.cma)
    case .sepCMAES:
      return .evolution(
        SepCMAES.self, "sep-CMA-ES (Ros & Hansen 2008): diagonal covariance, O(n) per sample", keys: cma,
        preset: Presets.cma)
    case .ars:
      return .evolution(
        ARS.self, "ARS (Mania et al. 2018): random search over linear policies, top-b directions",
        keys: [.population: "directions", .sigma: "noise_std", .learningRate: "step_size"], preset: Presets.ars)
    case .ppo:
      return .policyGradient(
        PPO.self, "PPO (Schulman et al. 2017): clipped surrogate, GAE, minibatch epochs (SB3 defaults)", keys: pg,
        preset: Presets.ppo)
    case .a2c:
      return .policyGradient(
        A2C.self, "A2C (Mnih et al. 2016): n-step advantage actor-critic, RMSprop (SB3 defaults)", keys: pg,
        preset: Presets.a2c)
    case .reinforce:
      return .policyGradient(
        REINFORCE.self, "REINFORCE with a value baseline (Williams 1992): Monte-Carlo returns", keys: pg,
        preset: Presets.reinforce)
    }
  }
}

/// A strategy or method ready to train, as its family's protocol (a generic function called with
/// it opens it as its concrete type, so the training loop is specialised for it).
public enum Trainer: Sendable {
  case evolution(any EvolutionStrategy)
  case policyGradient(any PolicyGradientMethod)
}

extension Trainer {
  /// Trains in an env known only at run time (opened as its concrete type, so the loop is
  /// specialised for it), with checkpoints in `checkpoints` (read first when `resuming`).
  public func train(
    environment: any ConfigurableEnvironment, config: RunConfig, hooks: TrainingHooks<Int> = TrainingHooks(),
    checkpoints: CheckpointStore? = nil, resuming: Bool = false, cluster: any Communicator = SingleProcess()
  ) throws -> TrainingOutcome {
    switch self {
    case .evolution(let strategy):
      try trainEvolution(
        environment: environment, strategy: strategy, config: config, hooks: hooks, checkpoints: checkpoints,
        resuming: resuming, cluster: cluster)
    case .policyGradient(let method):
      try trainPolicyGradient(
        environment: environment, method: method, config: config, hooks: hooks, checkpoints: checkpoints,
        resuming: resuming, cluster: cluster)
    }
  }
}

/// One algorithm, described: what `Algorithm.description` returns.
public struct AlgorithmDescription: Sendable {
  public enum Family: Sendable { case evolution, policyGradient }
  public let summary: String
  public let family: Family
  public let usesNovelty: Bool
  /// Config keys of the flags several algorithms share (`--population` is ARS's `directions`).
  public let settingKeys: [Algorithm.CommonSetting: String]
  let preset: @Sendable (String) throws -> (strategy: JSONValue, run: RunConfig)
  let make: @Sendable (_ name: String, JSONValue) throws -> Trainer

  /// An evolution strategy; `fixed` sets what the name decides (NS-ES's variant), whatever the
  /// config says.
  static func evolution<S: EvolutionStrategy>(
    _ type: S.Type, _ summary: String, keys: [Algorithm.CommonSetting: String], novelty: Bool = false,
    preset: @escaping @Sendable (String) -> TrainingPreset<S.Config>,
    fixed: @escaping @Sendable (inout S.Config) -> Void = { _ in }
  ) -> AlgorithmDescription {
    AlgorithmDescription(
      summary: summary, family: .evolution, usesNovelty: novelty, settingKeys: keys,
      preset: { env in
        let p = preset(env)
        return (try JSONValue(encoding: p.strategy), p.run)
      },
      make: { name, json in
        var config: S.Config = try decode(name, json)
        fixed(&config)
        return .evolution(S(config: config))
      })
  }

  static func policyGradient<M: PolicyGradientMethod>(
    _ type: M.Type, _ summary: String, keys: [Algorithm.CommonSetting: String],
    preset: @escaping @Sendable (String) -> TrainingPreset<M.Config>
  ) -> AlgorithmDescription {
    AlgorithmDescription(
      summary: summary, family: .policyGradient, usesNovelty: false, settingKeys: keys,
      preset: { env in
        let p = preset(env)
        return (try JSONValue(encoding: p.strategy), p.run)
      },
      make: { name, json in .policyGradient(M(config: try decode(name, json))) })
  }
}

/// The config laid over the type's defaults (so a partial config is complete, and an unknown key
/// is an error naming the valid ones), then checked.
private func decode<C: AlgorithmConfig>(_ name: String, _ json: JSONValue) throws -> C {
  let config: C
  do {
    config = try JSONValue(encoding: C.defaults).merging(json, path: "").decode(as: C.self)
  } catch let error as RolloutError {
    throw RolloutError("invalid \(name) settings: \(error.message)")
  } catch {
    throw RolloutError("invalid \(name) settings: \(describe(error))")
  }
  if let problem = config.problem { throw RolloutError("invalid \(name) settings: \(problem)") }
  return config
}
