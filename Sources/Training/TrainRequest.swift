import Environments
import Foundation
import Networks
import RLCore

/// What a user asked of `rollout train`, before presets and files fill in the rest: nil (or
/// false) is "not given". `resolved` turns a new run's request into its settings (preset, then
/// the config file, then these); `resumed` applies it to a run being resumed.
public struct TrainRequest: Sendable, Equatable {
  public var env: String?
  public var algorithm: Algorithm?
  /// A JSON config file (any subset of `TrainingConfig`).
  public var configFile: String?
  public var seed: UInt64?
  public var threads: Int?
  // Env options
  public var maze: String?
  public var reward: Maze.RewardMode?
  public var minimalActions = false
  public var noSticky = false
  public var noRamping = false
  // Budget and stopping
  public var generations: Int?
  public var maxSteps: Int?
  public var target: Double?
  public var noEarlyStop = false
  // Algorithm settings
  public var population: Int?
  public var sigma: Float?
  public var learningRate: Float?
  public var l2: Float?
  public var observationScaling: ObservationScaling?
  public var initScale: Float?
  public var hidden: [Int]?
  /// All hidden layers, convolutions included (`--network`); replaces `hidden`.
  public var network: NetworkDescription?
  public var episodesPerMember: Int?
  // Checkpoints
  public var checkpointEvery: Int?
  public var checkpointSeconds: Double?

  public init() {}

  /// The widest hidden layer a run accepts (what a checkpoint's reader checks too).
  public static let maximumHiddenSize = 4096

  /// A new run's settings: the preset for the env and algorithm, then the config file, then the
  /// flags. `defaultThreads` is used when neither the flags nor a file name a thread count.
  public func resolved(defaultThreads: Int) throws -> TrainingConfig {
    var overlay: [String: JSONValue] = [:]
    if let configFile {
      guard case .object(let top) = try TrainingConfig.readOverlay(URL(fileURLWithPath: configFile)) else {
        throw RolloutError("\(configFile): 'the file' must be a JSON object")
      }
      overlay = top
    }
    // The file may name the env and algorithm; the preset to lay it over is theirs, unless the
    // command line names others (then the file's settings for that env or algorithm are dropped).
    var fileEnv: String?, fileAlgorithm: String?
    if case .string(let name)? = overlay["env"] { fileEnv = name }
    if case .string(let name)? = overlay["algorithm"] { fileAlgorithm = name }
    guard let envName = env ?? fileEnv else {
      throw RolloutError("the config file names no env; add \"env\" to it or name one on the command line")
    }
    if let fileEnv, env != nil,
      try EnvironmentSetup.entry(named: fileEnv).name != EnvironmentSetup.entry(named: envName).name
    {
      overlay["env"] = nil
      overlay["env_config"] = nil
    }
    if let fileAlgorithm, let algorithm, try Algorithm.named(fileAlgorithm) != algorithm {
      overlay["algorithm"] = nil
      overlay["strategy"] = nil
    }
    // A file naming the algorithm lays its settings over that algorithm's preset.
    var settings = try TrainingConfig.preset(env: envName, algorithm: algorithm ?? fileAlgorithm.map { try Algorithm.named($0) })
    if let configFile { settings = try settings.overlaid(with: .object(overlay), source: configFile) }
    let chosen = try Algorithm.named(settings.algorithm)
    settings.algorithm = chosen.rawValue
    try applyEnvironmentOptions(to: &settings)

    var run = settings.run
    if let seed { run.seed = seed }
    run.threads = threads ?? (configFile == nil ? defaultThreads : run.threads)
    try applyBudget(to: &run)
    if let initScale { run.outputInitScale = initScale }
    if let observationScaling { run.observationNormalization = observationScaling }
    // --hidden gives an MLP: it replaces the preset's layers, convolutions included.
    if let hidden { run.network = NetworkDescription(hidden: hidden) }
    if let network { run.network = network }
    if let episodesPerMember { run.episodesPerMember = episodesPerMember }
    guard run.threads > 0, run.hidden.allSatisfy({ $0 > 0 && $0 <= Self.maximumHiddenSize }), run.maxGenerations > 0,
      run.episodesPerMember > 0, run.evaluationEpisodes > 0, run.confirmationEpisodes > 0
    else {
      throw RolloutError(
        "threads, generations and episode counts must be positive, hidden sizes between 1 and \(Self.maximumHiddenSize)")
    }
    settings.run = run
    settings.strategy = try strategyWithFlags(settings.strategy, for: chosen)
    // Checks the algorithm's settings now, with a one-line error, rather than mid-run.
    let trainer = try chosen.make(config: settings.strategy)
    if chosen.isPolicyGradient, settings.run.maxEnvSteps == nil {
      throw RolloutError("\(chosen.rawValue) needs a step budget: give --max-steps")
    }
    let environment = try EnvironmentSetup.make(EnvironmentSetup.entry(named: settings.env), config: settings.envConfig)
    let network = try settings.run.network(for: environment.spec)
    if case .evolution(let strategy) = trainer, let problem = strategy.problem(parameterCount: network.parameterCount) {
      throw RolloutError(problem)
    }
    try MemoryEstimate.check(settings: settings, environment: environment)
    return settings
  }

  /// A resumed run's settings: its checkpoint's, with the budget, the stopping rule, the threads
  /// and the checkpoint cadence given here (a larger budget extends a finished run). Anything
  /// else would change the result, so it is refused with one line naming the flag.
  public func resumed(from header: CheckpointHeader) throws -> TrainingConfig {
    if let flag = resultChangingFlags.first {
      throw RolloutError(
        "\(flag) cannot be changed when resuming: a resumed run keeps its settings, so that it ends as if it never "
          + "stopped; start a new run to change them")
    }
    var run = header.run
    if let threads { run.threads = threads }  // results do not depend on it
    try applyBudget(to: &run)
    return TrainingConfig(
      env: header.env.name, envConfig: header.env.config, algorithm: header.algorithm, strategy: header.strategy,
      run: run)
  }

  /// The flags given that would change a run's result (all but budget, stopping, threads and
  /// checkpoint cadence), as the user spells them.
  var resultChangingFlags: [String] {
    let given: [(Bool, String)] = [
      (env != nil, "the env"), (algorithm != nil, "--algo"), (configFile != nil, "--config"), (seed != nil, "--seed"),
      (maze != nil, "--maze"), (reward != nil, "--reward"), (minimalActions, "--minimal-actions"),
      (noSticky, "--no-sticky"), (noRamping, "--no-ramping"), (population != nil, "--population"),
      (sigma != nil, "--sigma"), (learningRate != nil, "--learning-rate"), (l2 != nil, "--l2"),
      (observationScaling != nil, "--obs-scaling"), (initScale != nil, "--init-scale"), (hidden != nil, "--hidden"), (network != nil, "--network"),
      (episodesPerMember != nil, "--episodes-per-member"),
    ]
    return given.filter(\.0).map(\.1)
  }

  /// Budget, stopping rule and checkpoint cadence: what a new run and a resumed one both take.
  private func applyBudget(to run: inout RunConfig) throws {
    if let generations { run.maxGenerations = generations }
    if let maxSteps {
      run.maxEnvSteps = maxSteps
      if generations == nil { run.maxGenerations = RunConfig.unlimited }
    }
    if noEarlyStop { run.stopAtThreshold = false }
    if let target {
      guard target.isFinite else { throw RolloutError("--target must be a finite number") }
      run.targetReturn = target
    }
    if let checkpointEvery { run.checkpointEveryGenerations = checkpointEvery }
    if let checkpointSeconds { run.checkpointEverySeconds = checkpointSeconds }
  }

  private func applyEnvironmentOptions(to settings: inout TrainingConfig) throws {
    if maze != nil || reward != nil {
      let entry = try EnvironmentSetup.entry(named: settings.env)
      let base = try EnvironmentSetup.make(entry, config: settings.envConfig)
      let environment = try EnvironmentSetup.makeMaze(entry, maze: maze, reward: reward, base: base)
      settings.env = environment.spec.name
      settings.envConfig = try EnvironmentSetup.config(of: environment)
    }
    if minimalActions || noSticky || noRamping {
      let entry = try EnvironmentSetup.entry(named: settings.env)
      let environment = try EnvironmentSetup.withMinAtarOptions(
        entry, base: try EnvironmentSetup.make(entry, config: settings.envConfig), minimalActions: minimalActions,
        noSticky: noSticky, noRamping: noRamping)
      settings.envConfig = try EnvironmentSetup.config(of: environment)
    }
  }

  /// The algorithm's settings with --population, --sigma, --learning-rate and --l2 written into
  /// the keys the algorithm calls them by.
  private func strategyWithFlags(_ strategy: JSONValue, for algorithm: Algorithm) throws -> JSONValue {
    let flags: [(Algorithm.CommonSetting, JSONValue?)] = [
      // ARS's directions are pairs: --population counts the members evaluated.
      (.population, population.map { .number(Double(algorithm == .ars ? $0 / 2 : $0)) }),
      (.sigma, sigma.map { .number(Double($0)) }),
      (.learningRate, learningRate.map { .number(Double($0)) }),
      (.l2, l2.map { .number(Double($0)) }),
    ]
    var strategy = strategy
    for case (let setting, let value?) in flags {
      guard let key = algorithm.configKey(for: setting), case .object(var fields) = strategy else {
        throw RolloutError("--\(setting.rawValue) does not apply to \(algorithm.rawValue)")
      }
      // A learning-rate schedule ({start, end}: PPO, A2C, REINFORCE) takes the flag as a constant.
      if case .object(let schedule)? = fields[key], schedule.keys.sorted() == ["end", "start"] {
        fields[key] = .object(["start": value, "end": value])
      } else {
        fields[key] = value
      }
      strategy = .object(fields)
    }
    return strategy
  }
}
