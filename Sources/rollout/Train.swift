import ArgumentParser
import Cluster
import Environments
import Evolution
import Experiments
import Foundation
import Networks
import PolicyGradient
import RLCore

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a policy for an environment and save it as a .policy file.",
    discussion: """
      Prints one progress line per generation and writes into the run directory: config.json (the
      resolved settings), metrics.jsonl and metrics.csv, checkpoint.json, and the policy. Stops once
      a 100-episode evaluation reaches the env's threshold (unless --no-early-stop).
      Settings come from the env's preset, then --config FILE (any subset of --print-config's
      output), then the flags. Ctrl-C stops after the current generation with a checkpoint;
      `rollout train --resume DIR` carries on and ends with the same weights (evolution strategies).

      Algorithms (--algo): 
      """ + Algorithm.allCases.map { "\($0.rawValue) — \($0.summary)." }.joined(separator: " "))

  @Argument(help: "The environment (see `rollout envs`); optional with --config or --resume.")
  var env: String?

  @Option(help: "The algorithm: \(Algorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
  var algo: String?

  @Option(parsing: .unconditional, help: "Seed for every random draw; the same seed gives the same result.")
  var seed: UInt64?

  @Option(parsing: .unconditional, help: "Worker threads (default: the number of cores). Results do not depend on it.")
  var threads: Int?

  @Option(help: "A JSON config file (see --print-config); flags override its values.")
  var config: String?

  @Flag(name: .customLong("print-config"), help: "Print the resolved config as JSON and exit.")
  var printConfig = false

  @Flag(name: .customLong("list-presets"), help: "List the presets (every algorithm for the env given, or for every env) and exit.")
  var listPresets = false

  @Option(help: "Continue the run in this directory from its checkpoint (--threads, --generations and --max-steps may be changed).")
  var resume: String?

  @Option(help: "Maze envs: a built-in maze (medium, hard) or a maze file (docs/maze-format.md).")
  var maze: String?

  @Option(help: "Maze envs: the reward, final (300 − final distance) or dense (progress per step).")
  var reward: String?

  @Flag(name: .customLong("minimal-actions"), help: "MinAtar: the game's minimal action set instead of all six actions.")
  var minimalActions = false

  @Flag(name: .customLong("no-sticky"), help: "MinAtar: no sticky actions (MinAtar repeats the previous action with probability 0.1).")
  var noSticky = false

  @Flag(name: .customLong("no-ramping"), help: "MinAtar: no difficulty ramping.")
  var noRamping = false

  @Option(parsing: .unconditional, help: "Stop after this many generations (default: the preset's).")
  var generations: Int?

  @Option(parsing: .unconditional, help: "The return that counts as solved (default: the env's threshold; training stops once a 100-episode evaluation reaches it).")
  var target: Double?

  @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Stop once training has taken this many env steps.")
  var maxSteps: Int?

  @Option(parsing: .unconditional, help: "Members evaluated per generation (default: the preset's; even for the mirrored ES).")
  var population: Int?

  @Option(parsing: .unconditional, help: "σ: the noise, mutation or initial step size (default: the preset's).")
  var sigma: Float?

  @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "α: Adam's step size, or ARS's (default: the preset's).")
  var learningRate: Float?

  @Option(parsing: .unconditional, help: "λ, the L2 coefficient (weight decay) of OpenAI-ES and NS-ES (default: the preset's).")
  var l2: Float?

  @Option(
    name: .customLong("obs-scaling"),
    help: "Observation scaling: \(ObservationScaling.allCases.map(\.rawValue).joined(separator: ", ")) (default: the preset's).")
  var observationScaling: String?

  @Option(name: .customLong("init-scale"), parsing: .unconditional, help: "Norm of each output unit's initial weights (default: the preset's).")
  var initScale: Float?

  @Option(help: "Hidden layer sizes, comma-separated, e.g. 32,32 (default: the preset's).")
  var hidden: String?

  @Option(name: .customLong("episodes-per-member"), parsing: .unconditional, help: "Episodes averaged into each member's fitness.")
  var episodesPerMember: Int?

  @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Write a checkpoint every N generations (default 100).")
  var checkpointEvery: Int?

  @Option(name: .customLong("checkpoint-seconds"), parsing: .unconditional, help: "…and every S seconds (default 30).")
  var checkpointSeconds: Double?

  @Option(help: "Output directory (default: runs/<env>-<algo>-<seed>-<time>).")
  var out: String?

  @Flag(name: .customLong("no-early-stop"), help: "Keep training after the threshold is reached.")
  var noEarlyStop = false

  @Flag(help: "Print only the final summary.")
  var quiet = false

  func validate() throws {
    if listPresets { return }
    if env == nil && config == nil && resume == nil {
      throw ValidationError("name an env (see `rollout envs`), or give --config FILE or --resume DIR")
    }
    if let threads, !(1...1024).contains(threads) {
      throw ValidationError("--threads must be between 1 and 1024, got \(threads)")
    }
    if let reward, Maze.RewardMode(rawValue: reward) == nil {
      throw ValidationError("--reward must be final or dense, got '\(reward)'")
    }
    if let generations, generations <= 0 {
      throw ValidationError("--generations must be positive, got \(generations)")
    }
    if let maxSteps, maxSteps <= 0 {
      throw ValidationError("--max-steps must be positive, got \(maxSteps)")
    }
    if let population, population < 1 {
      throw ValidationError("--population must be positive, got \(population)")
    }
    if let sigma, !(sigma > 0 && sigma.isFinite) {
      throw ValidationError("--sigma must be a positive number, got \(sigma)")
    }
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
      throw ValidationError("--learning-rate must be a positive number, got \(learningRate)")
    }
    if let l2, !(l2 >= 0 && l2.isFinite) {
      throw ValidationError("--l2 must be a number >= 0, got \(l2)")
    }
    if let observationScaling, ObservationScaling(rawValue: observationScaling) == nil {
      throw ValidationError(
        "--obs-scaling must be one of \(ObservationScaling.allCases.map(\.rawValue).joined(separator: ", ")), got '\(observationScaling)'")
    }
    if let initScale, !(initScale > 0 && initScale.isFinite) {
      throw ValidationError("--init-scale must be a positive number, got \(initScale)")
    }
    if let hidden, parseHidden(hidden) == nil {
      let sizes = hidden.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
      if let big = sizes.first(where: { $0 > maximumHiddenSize }) {
        throw ValidationError("--hidden sizes can be at most \(maximumHiddenSize) units per layer, got \(big)")
      }
      throw ValidationError("--hidden must be positive sizes separated by commas (e.g. 32,32), got '\(hidden)'")
    }
    if let episodesPerMember, episodesPerMember <= 0 {
      throw ValidationError("--episodes-per-member must be positive, got \(episodesPerMember)")
    }
    if let checkpointEvery, checkpointEvery <= 0 {
      throw ValidationError("--checkpoint-every must be positive, got \(checkpointEvery)")
    }
    if let checkpointSeconds, !(checkpointSeconds > 0) {
      throw ValidationError("--checkpoint-seconds must be positive, got \(checkpointSeconds)")
    }
  }

  func run() throws {
    if listPresets {
      try printPresets()
      return
    }
    if let resume {
      try resumeRun(URL(fileURLWithPath: resume))
      return
    }
    let settings = try resolvedConfig()
    if printConfig {
      say(try settings.json())
      return
    }
    let entry = try EnvironmentSetup.entry(named: settings.env)
    let environment = try EnvironmentSetup.make(entry, config: settings.envConfig)
    let cluster = try Rollout.communicator()
    // Rank 0 names and creates the run directory (a default name holds the time) and tells the
    // others; they only ever read from it.
    var directoryPath = ""
    if cluster.rank == 0 {
      let directory = try outputDirectory(name: environment.spec.name, algorithm: settings.algorithm, seed: settings.run.seed)
      try AtomicFile.write(Data((try settings.json() + "\n").utf8), to: directory.appendingPathComponent("config.json"))
      directoryPath = directory.path
    }
    directoryPath = String(decoding: cluster.broadcast(Array(directoryPath.utf8), root: 0), as: UTF8.self)
    try launch(settings, environment: environment, directory: URL(fileURLWithPath: directoryPath), resumeGeneration: nil)
  }

  // MARK: Settings

  /// One line per (env, algorithm): the default marked, the budget, and the strategy's settings.
  private func printPresets() throws {
    let entries = try env.map { [try EnvironmentSetup.entry(named: $0)] } ?? EnvironmentRegistry.entries
    for entry in entries {
      let best = Presets.defaultAlgorithm(env: entry.name)
      say("\(entry.name) (default: \(best.rawValue))")
      for algorithm in Algorithm.allCases {
        let preset = try Presets.evolution(algorithm, env: entry.name)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let strategy = String(decoding: try encoder.encode(preset.strategy), as: UTF8.self)
        let budget = preset.run.maxEnvSteps.map { "\($0) steps" }
          ?? "\(preset.run.maxGenerations) generations"
        // CMA's 0 stands for Hansen's default, which --population cannot name (it takes sizes).
        let lambda = [.cmaES, .sepCMAES].contains(algorithm) && strategy.contains("\"population_size\":0")
          ? " (population_size 0: Hansen's λ = 4 + ⌊3 ln n⌋ for n parameters)" : ""
        say("  \(algorithm == best ? "*" : " ") \(algorithm.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) hidden \(preset.run.hidden), \(budget), \(strategy)\(lambda)")
      }
    }
  }

  /// Preset → config file → flags.
  func resolvedConfig() throws -> TrainingConfig {
    var overlay: [String: JSONValue] = [:]
    if let config {
      let tree = try TrainingConfig.readOverlay(URL(fileURLWithPath: config))
      guard case .object(let top) = tree else { throw RolloutError("\(config): 'the file' must be a JSON object") }
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
    let algorithm = try (algo ?? fileAlgorithm).map(Algorithm.named)
    if let fileEnv, env != nil, try EnvironmentSetup.entry(named: fileEnv).name != EnvironmentSetup.entry(named: envName).name {
      overlay["env"] = nil
      overlay["env_config"] = nil
    }
    if let fileAlgorithm, let algorithm, try Algorithm.named(fileAlgorithm) != algorithm {
      overlay["algorithm"] = nil
      overlay["strategy"] = nil
    }
    var settings = try TrainingConfig.preset(env: envName, algorithm: algorithm)
    if let config {
      settings = try settings.overlaid(with: .object(overlay), source: config)
    }
    let chosen = try Algorithm.named(settings.algorithm)
    settings.algorithm = chosen.rawValue
    if maze != nil || reward != nil {
      let entry = try EnvironmentSetup.entry(named: settings.env)
      let base = try EnvironmentSetup.make(entry, config: settings.envConfig)
      let environment = try EnvironmentSetup.makeMaze(
        entry, maze: maze, reward: reward.flatMap(Maze.RewardMode.init), base: base)
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
    var run = settings.run
    if let seed { run.seed = seed }
    run.threads = threads ?? (config == nil ? ProcessInfo.processInfo.activeProcessorCount : run.threads)
    if let generations { run.maxGenerations = generations }
    if let maxSteps {
      run.maxEnvSteps = maxSteps
      if generations == nil { run.maxGenerations = EvolutionRunConfig.unlimited }
    }
    if noEarlyStop { run.stopAtThreshold = false }
    if let target {
      guard target.isFinite else { throw RolloutError("--target must be a finite number") }
      run.targetReturn = target
    }
    let strategyFlags: [(Algorithm.CommonSetting, JSONValue?)] = [
      (.population, population.map { chosen == .ars ? .number(Double($0 / 2)) : .number(Double($0)) }),
      (.sigma, sigma.map { .number(Double($0)) }),
      (.learningRate, learningRate.map { .number(Double($0)) }),
      (.l2, l2.map { .number(Double($0)) }),
    ]
    for case (let setting, let value?) in strategyFlags {
      guard let key = chosen.configKey(for: setting), case .object(var fields) = settings.strategy else {
        throw RolloutError("--\(setting.rawValue) does not apply to \(chosen.rawValue)")
      }
      fields[key] = value
      settings.strategy = .object(fields)
    }
    if let initScale { run.outputInitScale = initScale }
    if let observationScaling { run.observationNormalization = ObservationScaling(rawValue: observationScaling)! }
    if let hidden { run.hidden = parseHidden(hidden)! }
    if let episodesPerMember { run.episodesPerMember = episodesPerMember }
    if let checkpointEvery { run.checkpointEveryGenerations = checkpointEvery }
    if let checkpointSeconds { run.checkpointEverySeconds = checkpointSeconds }
    guard run.threads > 0, run.hidden.allSatisfy({ $0 > 0 }), run.maxGenerations > 0,
      run.episodesPerMember > 0, run.evaluationEpisodes > 0, run.confirmationEpisodes > 0
    else {
      throw RolloutError("threads, hidden sizes, generations and episode counts must be positive")
    }
    settings.run = run
    // Checks the strategy's settings now, with a one-line error, rather than mid-run.
    if chosen.isPolicyGradient {
      _ = try chosen.openPolicyGradient(config: settings.strategy, with: Checked())
      guard settings.run.maxEnvSteps != nil else {
        throw RolloutError("\(chosen.rawValue) needs a step budget: give --max-steps")
      }
    } else {
      _ = try chosen.open(config: settings.strategy, with: Checked())
    }
    return settings
  }

  private struct Checked: StrategyVisitor, PolicyGradientVisitor {
    func visit<S: EvolutionStrategy>(_ strategy: S) throws {}
    func visit<M: PolicyGradientMethod>(_ method: M) throws {}
  }

  // MARK: Training

  /// Runs the algorithm the settings name (from its checkpoint when resuming) with the shared
  /// run-directory machinery of `train(_:environment:directory:resumeGeneration:body:)`.
  private struct Launch: StrategyVisitor, PolicyGradientVisitor {
    let command: Train
    let settings: TrainingConfig
    let environment: any ConfigurableEnvironment
    let directory: URL
    let resumeGeneration: Int?

    func checkpoints(_ cluster: any Communicator) throws -> CheckpointStore {
      CheckpointStore(
        url: directory.appendingPathComponent(CheckpointFormat.fileName),
        header: CheckpointHeader(
          env: try command.environmentRecord(environment), algorithm: settings.algorithm, strategy: settings.strategy,
          run: settings.run),
        writes: cluster.rank == 0)
    }

    func visit<S: EvolutionStrategy>(_ strategy: S) throws {
      try command.train(settings, environment: environment, directory: directory, resumeGeneration: resumeGeneration) {
        hooks, cluster in
        try trainEvolution(
          environment: environment, strategy: strategy, config: settings.run, hooks: hooks,
          checkpoints: try checkpoints(cluster), resuming: resumeGeneration != nil, cluster: cluster)
      }
    }

    func visit<M: PolicyGradientMethod>(_ method: M) throws {
      try command.train(settings, environment: environment, directory: directory, resumeGeneration: resumeGeneration) {
        hooks, cluster in
        try trainPolicyGradient(
          environment: environment, method: method, config: settings.run, hooks: hooks,
          checkpoints: try checkpoints(cluster), resuming: resumeGeneration != nil, cluster: cluster)
      }
    }
  }

  private func launch(
    _ settings: TrainingConfig, environment: any ConfigurableEnvironment, directory: URL, resumeGeneration: Int?
  ) throws {
    let algorithm = try Algorithm.named(settings.algorithm)
    let launch = Launch(
      command: self, settings: settings, environment: environment, directory: directory, resumeGeneration: resumeGeneration)
    if algorithm.isPolicyGradient {
      try algorithm.openPolicyGradient(config: settings.strategy, with: launch)
    } else {
      try algorithm.open(config: settings.strategy, with: launch)
    }
  }

  fileprivate func environmentRecord(_ environment: any ConfigurableEnvironment) throws -> PolicyFile.EnvironmentRecord {
    PolicyFile.EnvironmentRecord(
      id: environment.spec.id, name: environment.spec.name,
      config: try EnvironmentSetup.config(of: environment),
      observationSize: environment.spec.observationSpace.count, actionSpace: environment.spec.actionSpace)
  }

  /// What every training run shares: the run directory's logs, the progress line, interrupts, the
  /// policy file and the summary. `body` runs the algorithm with the hooks it is given.
  fileprivate func train(
    _ settings: TrainingConfig, environment: any ConfigurableEnvironment, directory: URL, resumeGeneration: Int?,
    body: (TrainingHooks<Int>, any Communicator) throws -> TrainingOutcome
  ) throws {
    let algorithm = try Algorithm.named(settings.algorithm)
    let cluster = try Rollout.communicator()
    // Only rank 0 prints and writes; the other ranks compute the same run in step with it.
    let writes = cluster.rank == 0
    func say(_ line: String) { if writes { rollout.say(line) } }
    // A run killed mid-write may have left a temporary file; it never replaced a real one.
    if writes { AtomicFile.removeStaleTemporaries(in: directory) }
    let metricsURL = directory.appendingPathComponent("metrics.jsonl")
    let csvURL = directory.appendingPathComponent("metrics.csv")
    let log = writes ? try MetricsLog(url: metricsURL, csv: csvURL, keepThrough: resumeGeneration) : nil
    let progressPrinter = ProgressPrinter(enabled: !quiet && writes)
    let envRecord = try environmentRecord(environment)
    if !quiet {
      say(
        "\(resumeGeneration == nil ? "training" : "resuming") \(environment.spec.id) with \(algorithm.rawValue) in "
          + "\(directory.path) (\(settings.run.threads) threads, \(Kernels.name) kernels)")
      if cluster.size > 1 {
        say("\(cluster.size) ranks × \(settings.run.threads) threads (Open MPI); results are the same bits as one process")
      }
    }
    func writePolicy(_ policy: Policy, _ training: PolicyFile.TrainingRecord) throws -> URL {
      let file = PolicyFile(
        env: envRecord, policy: policy,
        algorithm: PolicyFile.AlgorithmRecord(
          name: algorithm.rawValue,
          config: try JSONValue(encoding: AlgorithmSettings(strategy: settings.strategy, run: settings.run))),
        seed: settings.run.seed, training: training)
      let url = directory.appendingPathComponent(
        "\(environment.spec.name)-\(algorithm.rawValue).\(PolicyFile.fileExtension)")
      if writes { try file.write(to: url) }
      return url
    }

    Interrupts.install()
    let checkpointURL = directory.appendingPathComponent(CheckpointFormat.fileName)
    let hooks = TrainingHooks<Int>(
      onGeneration: { report in
        try log?.append(report)
        progressPrinter.show(report)
      },
      shouldStop: { Interrupts.requested })

    let outcome: TrainingOutcome
    do {
      outcome = try body(hooks, cluster)
    } catch let stop as TrainingInterrupted {
      progressPrinter.finish()
      if let policy = stop.policy {
        _ = try writePolicy(
          policy,
          PolicyFile.TrainingRecord(
            iterations: stop.generation, envSteps: stop.envSteps, evaluationSteps: stop.evaluationSteps,
            wallTimeSeconds: stop.elapsedSeconds, threads: settings.run.threads, finalEvaluation: nil))
      }
      if writes {
        FileHandle.standardError.write(Data(
          ("rollout: interrupted after \(algorithm.isPolicyGradient ? "update" : "generation") \(stop.generation); "
            + "checkpoint and best policy saved. Resume with: rollout train --resume \(directory.path)\n").utf8))
      }
      Rollout.finishCluster()
      Foundation.exit(Interrupts.exitCode)
    } catch let error as RolloutError {
      progressPrinter.finish()
      let kept = FileManager.default.fileExists(atPath: checkpointURL.path)
      throw RolloutError(error.message + (kept ? "; the last good checkpoint is in \(directory.path)" : ""))
    }
    progressPrinter.finish()

    let policyURL = try writePolicy(
      outcome.policy,
      PolicyFile.TrainingRecord(
        iterations: outcome.generations, envSteps: outcome.envSteps,
        evaluationSteps: outcome.evaluationSteps, wallTimeSeconds: outcome.wallTimeSeconds,
        threads: settings.run.threads, finalEvaluation: outcome.finalEvaluation))
    let evaluation = outcome.finalEvaluation
    let unit = algorithm.isPolicyGradient ? "updates" : "generations"
    say(
      "\(outcome.stopReason == "threshold" ? "solved" : "stopped (\(outcome.stopReason))") after "
        + "\(outcome.generations) \(unit), \(outcome.envSteps) env steps, "
        + String(format: "%.2f s", outcome.wallTimeSeconds))
    say(
      String(
        format: "evaluation over %d episodes: return %.2f ± %.2f", evaluation.episodes,
        evaluation.return.mean, evaluation.return.std))
    if let behavior = evaluation.finalBehavior, !behavior.isEmpty, environment.spec.name.hasSuffix("maze") {
      say(String(format: "final position: (%.1f, %.1f)", behavior[0], behavior[1]))
    }
    say("policy: \(policyURL.path)")
    if cluster.size > 1 {
      let perGeneration = Double(cluster.bytesSent) / Double(max(outcome.generations, 1))
      say(
        "cluster: rank 0 sent \(cluster.bytesSent) bytes in collectives, "
          + String(format: "%.0f", perGeneration) + " per \(unit.dropLast())")
    }
  }

  private func resumeRun(_ directory: URL) throws {
    let header = try CheckpointHeader.read(from: directory.appendingPathComponent(CheckpointFormat.fileName))
    let entry = try EnvironmentSetup.entry(named: header.env.name)
    let environment = try EnvironmentSetup.make(entry, config: header.env.config)
    var run = header.run
    if let threads { run.threads = threads }  // results do not depend on it
    // A resumed run may be given a new budget (the result then differs from the original plan).
    if let generations { run.maxGenerations = generations }
    if let maxSteps { run.maxEnvSteps = maxSteps }
    let settings = TrainingConfig(
      env: header.env.name, envConfig: header.env.config, algorithm: header.algorithm,
      strategy: header.strategy, run: run)
    try launch(settings, environment: environment, directory: directory, resumeGeneration: header.progress?.generation ?? 0)
  }

  private func outputDirectory(name: String, algorithm: String, seed: UInt64) throws -> URL {
    if let out {
      let url = URL(fileURLWithPath: out)
      try createDirectory(url)
      return url
    }
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    let base = "runs/\(name)-\(algorithm)-\(seed)-\(formatter.string(from: Date()))"
    var candidate = base
    var n = 2
    while FileManager.default.fileExists(atPath: candidate) {
      candidate = "\(base)-\(n)"
      n += 1
    }
    let url = URL(fileURLWithPath: candidate)
    try createDirectory(url)
    return url
  }
}

/// Hidden sizes from "32,32"; nil unless every part is a positive integer (an empty string is no
/// hidden layer at all: a linear policy).
/// The widest hidden layer a run accepts (what a checkpoint's reader checks too).
let maximumHiddenSize = 4096

func parseHidden(_ text: String) -> [Int]? {
  if text.isEmpty { return [] }
  let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map {
    Int($0.trimmingCharacters(in: .whitespaces))
  }
  guard sizes.allSatisfy({ ($0 ?? 0) > 0 && $0! <= maximumHiddenSize }) else { return nil }
  return sizes.map { $0! }
}

/// The algorithm settings recorded in a policy file.
struct AlgorithmSettings: Codable {
  var strategy: JSONValue
  var run: EvolutionRunConfig
}

/// Prints one line per generation: an updating line on a terminal, plain lines otherwise.
final class ProgressPrinter {
  let enabled: Bool
  let isTerminal = isatty(STDOUT_FILENO) != 0
  private var wroteLine = false

  init(enabled: Bool) {
    self.enabled = enabled
  }

  func show(_ r: GenerationReport) {
    guard enabled else { return }
    var line = String(
      format: "%@ %4d  mean %8.2f  max %8.2f  eval %8.2f  steps %9d  %6.2fM steps/s  %6.2fs",
      r.update == nil ? "gen" : "upd", r.generation, r.meanReturn, r.maxReturn, r.evaluationReturn, r.envSteps,
      r.stepsPerSecond / 1e6, r.elapsedSeconds)
    if let u = r.update {
      line += String(
        format: "  pg %7.4f  vf %8.3f  ent %6.3f  kl %7.5f  clip %5.3f", u.policyLoss, u.valueLoss, u.entropy,
        u.approxKL, u.clipFraction)
    }
    if isTerminal {
      FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line)".utf8))
      wroteLine = true
    } else {
      say(line)
    }
  }

  func finish() {
    if wroteLine { FileHandle.standardOutput.write(Data("\n".utf8)) }
    wroteLine = false
  }
}

/// Writes a line to standard output at once (progress lines and summaries stay in order even when
/// the output is a pipe and the process is stopped).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
