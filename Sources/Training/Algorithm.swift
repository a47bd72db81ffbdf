import Cluster
import Environments
import Evolution
import Networks
import PolicyGradient
import RLCore
import Foundation

/// A training algorithm `rollout train --algo` accepts, by its command-line name. What rollout
/// knows about each one is its entry in `Algorithm.registry`.
public struct Algorithm: Hashable, Sendable, Codable, CaseIterable, RawRepresentable {
  public let rawValue: String

  /// The registered algorithm with this name (exact, lower case), or nil.
  public init?(rawValue: String) {
    guard Self.registry.contains(where: { $0.name == rawValue }) else { return nil }
    self.rawValue = rawValue
  }

  private init(registered name: String) { rawValue = name }

  public static var allCases: [Algorithm] { registry.map { Algorithm(registered: $0.name) } }

  /// Every algorithm, in the order help lists them: one entry each, with its name, summary, the
  /// keys the shared flags map to, its preset and its type. Adding an algorithm is adding its entry.
  static let registry: [AlgorithmDescription] = {
    let es: [CommonSetting: String] = [
      .population: "population_size", .sigma: "noise_std", .learningRate: "learning_rate", .l2: "l2_coefficient",
    ]
    let cma: [CommonSetting: String] = [.population: "population_size", .sigma: "initial_sigma"]
    let pg: [CommonSetting: String] = [.learningRate: "learning_rate"]
    return [
      .evolution(
        "openai-es", OpenAIES.self, "OpenAI-ES (Salimans et al. 2017): mirrored Gaussian perturbations, centred ranks, Adam",
        keys: es, preset: Presets.openAIES),
      .evolution(
        "ns-es", NoveltySearchES.self, "NS-ES (Conti et al. 2018): a meta-population following the novelty gradient",
        keys: es, novelty: true, preset: { Presets.noveltySearch(env: $0, variant: .ns) }, fixed: { $0.variant = .ns }),
      .evolution(
        "nsr-es", NoveltySearchES.self, "NSR-ES: NS-ES on the mean of the reward and novelty ranks",
        keys: es, novelty: true, preset: { Presets.noveltySearch(env: $0, variant: .nsr) }, fixed: { $0.variant = .nsr }),
      .evolution(
        "nsra-es", NoveltySearchES.self, "NSRA-ES: NS-ES with an adaptive reward/novelty weight",
        keys: es, novelty: true, preset: { Presets.noveltySearch(env: $0, variant: .nsra) }, fixed: { $0.variant = .nsra }),
      .evolution(
        "ga", DeepGA.self, "Deep GA (Such et al. 2017): truncation selection, Gaussian mutation, seed chains",
        keys: [.population: "population_size", .sigma: "mutation_std"], preset: Presets.ga),
      .evolution(
        "cma-es", CMAES.self, "CMA-ES (Hansen): full covariance; for linear policies and small networks", keys: cma,
        preset: { Presets.cma(env: $0) }),
      .evolution(
        "sep-cma-es", SepCMAES.self, "sep-CMA-ES (Ros & Hansen 2008): diagonal covariance, O(n) per sample", keys: cma,
        preset: { Presets.cma(env: $0, separable: true) }),
      .evolution(
        "ars", ARS.self, "ARS (Mania et al. 2018): random search over linear policies, top-b directions",
        keys: [.population: "directions", .sigma: "noise_std", .learningRate: "step_size"], preset: Presets.ars),
      .policyGradient(
        "ppo", PPO.self, "PPO (Schulman et al. 2017): clipped surrogate, GAE, minibatch epochs (SB3 defaults)", keys: pg,
        preset: Presets.ppo),
      .policyGradient(
        "ppo-rnd", PPO.self, "PPO + RND (Burda et al. 2018): an intrinsic reward for observations the agent rarely sees",
        keys: pg, preset: Presets.ppoRND),
      .policyGradient(
        "ppo-novelty", PPO.self, "PPO + behaviour novelty: each episode's end paid by its k-NN novelty (NS-ES's twin)",
        keys: pg, preset: Presets.ppoNovelty),
      .policyGradient(
        "a2c", A2C.self, "A2C (Mnih et al. 2016): n-step advantage actor-critic, RMSprop (SB3 defaults)", keys: pg,
        preset: Presets.a2c),
      .policyGradient(
        "reinforce", REINFORCE.self, "REINFORCE with a value baseline (Williams 1992): Monte-Carlo returns", keys: pg,
        preset: Presets.reinforce),
    ]
  }()

  // The algorithms rollout's own code names (presets, comparisons, tests).
  public static let openAIES = Algorithm(registered: "openai-es")
  public static let nsES = Algorithm(registered: "ns-es")
  public static let nsrES = Algorithm(registered: "nsr-es")
  public static let nsraES = Algorithm(registered: "nsra-es")
  public static let ga = Algorithm(registered: "ga")
  public static let cmaES = Algorithm(registered: "cma-es")
  public static let sepCMAES = Algorithm(registered: "sep-cma-es")
  public static let ars = Algorithm(registered: "ars")
  public static let ppo = Algorithm(registered: "ppo")
  public static let ppoRND = Algorithm(registered: "ppo-rnd")
  public static let ppoNovelty = Algorithm(registered: "ppo-novelty")
  public static let a2c = Algorithm(registered: "a2c")
  public static let reinforce = Algorithm(registered: "reinforce")

  /// The algorithm for a command-line name, or an error listing the valid names.
  public static func named(_ name: String) throws -> Algorithm {
    guard let algorithm = Algorithm(rawValue: name.lowercased()) else {
      throw RolloutError("unknown algorithm '\(name)'; valid names: \(namesList)")
    }
    return algorithm
  }

  public static var namesList: String { allCases.map(\.rawValue).joined(separator: ", ") }

  /// This algorithm's registry entry.
  public var description: AlgorithmDescription { Self.registry.first { $0.name == rawValue }! }

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

/// One algorithm, described: an entry of `Algorithm.registry`.
public struct AlgorithmDescription: Sendable {
  public enum Family: Sendable { case evolution, policyGradient }
  /// The command-line name (`--algo`).
  public let name: String
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
    _ name: String, _ type: S.Type, _ summary: String, keys: [Algorithm.CommonSetting: String], novelty: Bool = false,
    preset: @escaping @Sendable (String) -> TrainingPreset<S.Config>,
    fixed: @escaping @Sendable (inout S.Config) -> Void = { _ in }
  ) -> AlgorithmDescription {
    AlgorithmDescription(
      name: name, summary: summary, family: .evolution, usesNovelty: novelty, settingKeys: keys,
      preset: { env in
        let p = preset(env)
        return (try encodedWithEveryKey(p.strategy), p.run)
      },
      make: { name, json in
        var config: S.Config = try decode(name, json)
        fixed(&config)
        return .evolution(S(config: config))
      })
  }

  static func policyGradient<M: PolicyGradientMethod>(
    _ name: String, _ type: M.Type, _ summary: String, keys: [Algorithm.CommonSetting: String],
    preset: @escaping @Sendable (String) -> TrainingPreset<M.Config>
  ) -> AlgorithmDescription {
    AlgorithmDescription(
      name: name, summary: summary, family: .policyGradient, usesNovelty: false, settingKeys: keys,
      preset: { env in
        let p = preset(env)
        return (try encodedWithEveryKey(p.strategy), p.run)
      },
      make: { name, json in .policyGradient(M(config: try decode(name, json))) })
  }
}

/// `config` as JSON with its unset optional keys as null (`C.everyKey` names them), so that config
/// files and `--print-config` see every key.
private func encodedWithEveryKey<C: AlgorithmConfig>(_ config: C) throws -> JSONValue {
  guard case .object(var fields) = try JSONValue(encoding: config), case .object(let all) = try JSONValue(encoding: C.everyKey)
  else { return try JSONValue(encoding: config) }
  for key in all.keys where fields[key] == nil { fields[key] = .null }
  return .object(fields)
}

/// The config laid over the type's defaults (so a partial config is complete, and an unknown key
/// is an error naming the valid ones), then checked.
private func decode<C: AlgorithmConfig>(_ name: String, _ json: JSONValue) throws -> C {
  let config: C
  do {
    config = try encodedWithEveryKey(C.defaults).merging(json, path: "").decode(as: C.self)
  } catch let error as RolloutError {
    throw RolloutError("invalid \(name) settings: \(error.message)")
  } catch {
    throw RolloutError("invalid \(name) settings: \(describe(error))")
  }
  if let problem = config.problem { throw RolloutError("invalid \(name) settings: \(problem)") }
  return config
}
