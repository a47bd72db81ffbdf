import ArgumentParser
import Environments
import Evolution
import Experiments
import Foundation
import Networks
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
      `rollout train --resume DIR` carries on and ends with the same weights.
      """)

  @Argument(help: "The environment (see `rollout envs`); optional with --config or --resume.")
  var env: String?

  @Option(help: "The algorithm: \(Algorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
  var algo: String?

  @Option(help: "Seed for every random draw; the same seed gives the same result.")
  var seed: UInt64?

  @Option(help: "Worker threads (default: the number of cores). Results do not depend on it.")
  var threads: Int?

  @Option(help: "A JSON config file (see --print-config); flags override its values.")
  var config: String?

  @Flag(name: .customLong("print-config"), help: "Print the resolved config as JSON and exit.")
  var printConfig = false

  @Option(help: "Continue the run in this directory from its checkpoint (--threads, --generations and --max-steps may be changed).")
  var resume: String?

  @Option(help: "Maze envs: a built-in maze (medium, hard) or a maze file (docs/maze-format.md).")
  var maze: String?

  @Option(help: "Maze envs: the reward, final (300 − final distance) or dense (progress per step).")
  var reward: String?

  @Option(help: "Stop after this many generations (default: the preset's).")
  var generations: Int?

  @Option(name: .customLong("max-steps"), help: "Stop once training has taken this many env steps.")
  var maxSteps: Int?

  @Option(help: "Members evaluated per generation (even; default: the preset's).")
  var population: Int?

  @Option(help: "σ, the noise standard deviation (default: the preset's).")
  var sigma: Float?

  @Option(name: .customLong("learning-rate"), help: "α, Adam's step size (default: the preset's).")
  var learningRate: Float?

  @Option(help: "λ, the L2 coefficient (weight decay) of OpenAI-ES (default: the preset's).")
  var l2: Float?

  @Option(
    name: .customLong("obs-scaling"),
    help: "Observation scaling: \(ObservationScaling.allCases.map(\.rawValue).joined(separator: ", ")) (default: the preset's).")
  var observationScaling: String?

  @Option(name: .customLong("init-scale"), help: "Norm of each output unit's initial weights (default: the preset's).")
  var initScale: Float?

  @Option(help: "Hidden layer sizes, comma-separated, e.g. 32,32 (default: the preset's).")
  var hidden: String?

  @Option(name: .customLong("episodes-per-member"), help: "Episodes averaged into each member's fitness.")
  var episodesPerMember: Int?

  @Option(name: .customLong("checkpoint-every"), help: "Write a checkpoint every N generations (default 100).")
  var checkpointEvery: Int?

  @Option(name: .customLong("checkpoint-seconds"), help: "…and every S seconds (default 30).")
  var checkpointSeconds: Double?

  @Option(help: "Output directory (default: runs/<env>-<algo>-<seed>-<time>).")
  var out: String?

  @Flag(name: .customLong("no-early-stop"), help: "Keep training after the threshold is reached.")
  var noEarlyStop = false

  @Flag(help: "Print only the final summary.")
  var quiet = false

  func validate() throws {
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
    if let population, population < 2 || population % 2 != 0 {
      throw ValidationError("--population must be an even number of at least 2, got \(population)")
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
    let directory = try outputDirectory(name: environment.spec.name, algorithm: settings.algorithm, seed: settings.run.seed)
    try AtomicFile.write(Data((try settings.json() + "\n").utf8), to: directory.appendingPathComponent("config.json"))
    try train(settings, environment: environment, directory: directory, resume: nil)
  }

  // MARK: Settings

  /// Preset → config file → flags.
  func resolvedConfig() throws -> TrainingConfig {
    var fileEnv: String?
    if let config {
      // The file may name the env; the preset to lay it over is that env's.
      let data = FileManager.default.contents(atPath: config)
      if let data, case .object(let top)? = try? JSONDecoder().decode(JSONValue.self, from: data),
        case .string(let name)? = top["env"]
      {
        fileEnv = name
      }
    }
    guard let envName = env ?? fileEnv else {
      throw RolloutError("the config file names no env; add \"env\" to it or name one on the command line")
    }
    var settings = try TrainingConfig.preset(env: envName)
    if let config {
      let fromFile = try settings.overlaid(withFile: URL(fileURLWithPath: config))
      if env != nil && fromFile.env != settings.env {
        // The command line's env wins; keep the file's other settings.
        settings = TrainingConfig(
          env: settings.env, envConfig: settings.envConfig, algorithm: fromFile.algorithm,
          strategy: fromFile.strategy, run: fromFile.run)
      } else {
        settings = fromFile
      }
    }
    _ = try Algorithm.named(algo ?? settings.algorithm)
    settings.algorithm = try Algorithm.named(algo ?? settings.algorithm).rawValue
    if maze != nil || reward != nil {
      let entry = try EnvironmentSetup.entry(named: settings.env)
      let base = try EnvironmentSetup.make(entry, config: settings.envConfig)
      let environment = try EnvironmentSetup.makeMaze(
        entry, maze: maze, reward: reward.flatMap(Maze.RewardMode.init), base: base)
      settings.env = environment.spec.name
      settings.envConfig = try EnvironmentSetup.config(of: environment)
    }
    var run = settings.run
    var strategy = settings.strategy
    if let seed { run.seed = seed }
    run.threads = threads ?? (config == nil ? ProcessInfo.processInfo.activeProcessorCount : run.threads)
    if let generations { run.maxGenerations = generations }
    if let maxSteps {
      run.maxEnvSteps = maxSteps
      if generations == nil { run.maxGenerations = .max }
    }
    if noEarlyStop { run.stopAtThreshold = false }
    if let population { strategy.populationSize = population }
    if let sigma { strategy.noiseStd = sigma }
    if let learningRate { strategy.learningRate = learningRate }
    if let l2 { strategy.l2Coefficient = l2 }
    if let initScale { run.outputInitScale = initScale }
    if let observationScaling { run.observationNormalization = ObservationScaling(rawValue: observationScaling)! }
    if let hidden { run.hidden = parseHidden(hidden)! }
    if let episodesPerMember { run.episodesPerMember = episodesPerMember }
    if let checkpointEvery { run.checkpointEveryGenerations = checkpointEvery }
    if let checkpointSeconds { run.checkpointEverySeconds = checkpointSeconds }
    guard strategy.populationSize >= 2, strategy.populationSize % 2 == 0 else {
      throw RolloutError("the population must be an even number of at least 2, got \(strategy.populationSize)")
    }
    guard run.threads > 0, run.hidden.allSatisfy({ $0 > 0 }), run.maxGenerations > 0,
      run.episodesPerMember > 0, run.evaluationEpisodes > 0, run.confirmationEpisodes > 0
    else {
      throw RolloutError("threads, hidden sizes, generations and episode counts must be positive")
    }
    settings.run = run
    settings.strategy = strategy
    return settings
  }

  // MARK: Training

  private func train(
    _ settings: TrainingConfig, environment: any ConfigurableEnvironment, directory: URL,
    resume: EvolutionProgress<OpenAIES.State>?
  ) throws {
    let algorithm = try Algorithm.named(settings.algorithm)
    // A run killed mid-write may have left a temporary file; it never replaced a real one.
    AtomicFile.removeStaleTemporaries(in: directory)
    let metricsURL = directory.appendingPathComponent("metrics.jsonl")
    let csvURL = directory.appendingPathComponent("metrics.csv")
    let log = try MetricsLog(url: metricsURL, csv: csvURL, keepThrough: resume?.generation)
    let progressPrinter = ProgressPrinter(enabled: !quiet)
    let envRecord = PolicyFile.EnvironmentRecord(
      id: environment.spec.id, name: environment.spec.name,
      config: try EnvironmentSetup.config(of: environment),
      observationSize: environment.spec.observationSpace.count, actionSpace: environment.spec.actionSpace)
    if !quiet {
      say("\(resume == nil ? "training" : "resuming") \(environment.spec.id) with \(algorithm.rawValue) in \(directory.path)")
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
      try file.write(to: url)
      return url
    }

    Interrupts.install()
    var latest = resume
    let hooks = TrainingHooks<OpenAIES.State>(
      onGeneration: { report in
        try log.append(report)
        progressPrinter.show(report)
      },
      onCheckpoint: { progress in
        latest = progress
        try CheckpointFile(
          env: envRecord, algorithm: algorithm.rawValue, strategy: settings.strategy, run: settings.run,
          progress: progress
        ).write(to: directory.appendingPathComponent(CheckpointFile.fileName))
      },
      shouldStop: { Interrupts.requested })

    let outcome: TrainingOutcome
    do {
      outcome = try trainEvolution(
        environment: environment, strategy: OpenAIES(config: settings.strategy), config: settings.run,
        resume: resume, hooks: hooks)
    } catch let stop as TrainingInterrupted {
      progressPrinter.finish()
      if let policy = stop.policy, let progress = latest {
        _ = try writePolicy(
          policy,
          PolicyFile.TrainingRecord(
            iterations: progress.generation, envSteps: progress.envSteps,
            evaluationSteps: progress.evaluationSteps, wallTimeSeconds: progress.elapsedSeconds,
            threads: settings.run.threads, finalEvaluation: nil))
      }
      FileHandle.standardError.write(Data(
        "rollout: interrupted after generation \(stop.generation); checkpoint and best policy saved. Resume with: rollout train --resume \(directory.path)\n".utf8))
      Foundation.exit(Interrupts.exitCode)
    } catch let error as RolloutError {
      progressPrinter.finish()
      let kept = FileManager.default.fileExists(atPath: directory.appendingPathComponent(CheckpointFile.fileName).path)
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
    say(
      "\(outcome.stopReason == "threshold" ? "solved" : "stopped (\(outcome.stopReason))") after "
        + "\(outcome.generations) generations, \(outcome.envSteps) env steps, "
        + String(format: "%.2f s", outcome.wallTimeSeconds))
    say(
      String(
        format: "evaluation over %d episodes: return %.2f ± %.2f", evaluation.episodes,
        evaluation.return.mean, evaluation.return.std))
    say("policy: \(policyURL.path)")
  }

  private func resumeRun(_ directory: URL) throws {
    let checkpoint = try CheckpointFile.read(from: directory.appendingPathComponent(CheckpointFile.fileName))
    let entry = try EnvironmentSetup.entry(named: checkpoint.env.name)
    let environment = try EnvironmentSetup.make(entry, config: checkpoint.env.config)
    var run = checkpoint.run
    if let threads { run.threads = threads }  // results do not depend on it
    // A resumed run may be given a new budget (the result then differs from the original plan).
    if let generations { run.maxGenerations = generations }
    if let maxSteps { run.maxEnvSteps = maxSteps }
    let settings = TrainingConfig(
      env: checkpoint.env.name, envConfig: checkpoint.env.config, algorithm: checkpoint.algorithm,
      strategy: checkpoint.strategy, run: run)
    try train(settings, environment: environment, directory: directory, resume: checkpoint.progress)
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
func parseHidden(_ text: String) -> [Int]? {
  if text.isEmpty { return [] }
  let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map {
    Int($0.trimmingCharacters(in: .whitespaces))
  }
  guard sizes.allSatisfy({ ($0 ?? 0) > 0 && $0! <= 4096 }) else { return nil }
  return sizes.map { $0! }
}

/// The algorithm settings recorded in a policy file.
struct AlgorithmSettings: Codable {
  var strategy: OpenAIES.Config
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
    let line = String(
      format: "gen %4d  mean %8.2f  max %8.2f  eval %8.2f  steps %9d  %6.2fM steps/s  %6.2fs",
      r.generation, r.meanReturn, r.maxReturn, r.evaluationReturn, r.envSteps,
      r.stepsPerSecond / 1e6, r.elapsedSeconds)
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
