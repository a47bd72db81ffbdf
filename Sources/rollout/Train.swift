import ArgumentParser
import Environments
import Evolution
import Experiments
import Foundation
import RLCore

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a policy for an environment and save it as a .policy file.",
    discussion: """
      Prints one progress line per generation, writes metrics.jsonl and the policy into the output
      directory, and stops once a 100-episode evaluation reaches the env's threshold (unless
      --no-early-stop).
      """)

  @Argument(help: "The environment (see `rollout envs`).")
  var env: String

  @Option(help: "The algorithm: \(Algorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
  var algo: String = Algorithm.openAIES.rawValue

  @OptionGroup var options: RunOptions

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

  @Option(help: "Output directory (default: runs/<env>-<algo>-<seed>-<time>).")
  var out: String?

  @Flag(name: .customLong("no-early-stop"), help: "Keep training after the threshold is reached.")
  var noEarlyStop = false

  @Flag(help: "Print only the final summary.")
  var quiet = false

  func validate() throws {
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
  }

  func run() throws {
    let entry = try EnvironmentSetup.entry(named: env)
    let algorithm = try Algorithm.named(algo)
    let environment =
      maze != nil || reward != nil
      ? try EnvironmentSetup.makeMaze(entry, maze: maze, reward: reward.flatMap(Maze.RewardMode.init))
      : EnvironmentSetup.make(entry)

    var preset = EvolutionPreset.openAIES(env: environment.spec.name)
    preset.run.seed = options.seed
    preset.run.threads = options.threads
    if let generations { preset.run.maxGenerations = generations }
    preset.run.maxEnvSteps = maxSteps
    if maxSteps != nil && generations == nil { preset.run.maxGenerations = .max }
    preset.run.stopAtThreshold = !noEarlyStop
    if let population { preset.strategy.populationSize = population }
    if let sigma { preset.strategy.noiseStd = sigma }
    if let learningRate { preset.strategy.learningRate = learningRate }
    if let l2 { preset.strategy.l2Coefficient = l2 }
    if let initScale { preset.run.outputInitScale = initScale }
    if let observationScaling { preset.run.observationNormalization = ObservationScaling(rawValue: observationScaling)! }
    if let hidden { preset.run.hidden = parseHidden(hidden)! }
    if let episodesPerMember { preset.run.episodesPerMember = episodesPerMember }

    let directory = try outputDirectory(name: environment.spec.name, algorithm: algorithm)
    let log = try MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"))
    let progress = ProgressPrinter(enabled: !quiet)
    if !quiet { print("training \(environment.spec.id) with \(algorithm.rawValue) into \(directory.path)") }

    let strategy = OpenAIES(config: preset.strategy)
    let outcome = try trainEvolution(environment: environment, strategy: strategy, config: preset.run) { report in
      try log.append(report)
      progress.show(report)
    }
    progress.finish()

    let file = PolicyFile(
      env: PolicyFile.EnvironmentRecord(
        id: environment.spec.id, name: environment.spec.name,
        config: try EnvironmentSetup.config(of: environment),
        observationSize: environment.spec.observationSpace.count,
        actionSpace: environment.spec.actionSpace),
      policy: outcome.policy,
      algorithm: PolicyFile.AlgorithmRecord(
        name: algorithm.rawValue,
        config: try JSONValue(encoding: AlgorithmSettings(strategy: preset.strategy, run: preset.run))),
      seed: options.seed,
      training: PolicyFile.TrainingRecord(
        iterations: outcome.generations, envSteps: outcome.envSteps,
        evaluationSteps: outcome.evaluationSteps, wallTimeSeconds: outcome.wallTimeSeconds,
        threads: options.threads, finalEvaluation: outcome.finalEvaluation))
    let policyURL = directory.appendingPathComponent(
      "\(environment.spec.name)-\(algorithm.rawValue).\(PolicyFile.fileExtension)")
    try file.write(to: policyURL)

    let evaluation = outcome.finalEvaluation
    print(
      "\(outcome.stopReason == "threshold" ? "solved" : "stopped (\(outcome.stopReason))") after "
        + "\(outcome.generations) generations, \(outcome.envSteps) env steps, "
        + String(format: "%.2f s", outcome.wallTimeSeconds))
    print(
      String(
        format: "evaluation over %d episodes: return %.2f ± %.2f", evaluation.episodes,
        evaluation.return.mean, evaluation.return.std))
    print("policy: \(policyURL.path)")
  }

  private func outputDirectory(name: String, algorithm: Algorithm) throws -> URL {
    if let out {
      let url = URL(fileURLWithPath: out)
      try createDirectory(url)
      return url
    }
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    let base = "runs/\(name)-\(algorithm.rawValue)-\(options.seed)-\(formatter.string(from: Date()))"
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
      print(line)
    }
  }

  func finish() {
    if wroteLine { FileHandle.standardOutput.write(Data("\n".utf8)) }
  }
}
