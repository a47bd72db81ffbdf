import ArgumentParser
import Cluster
import Environments
import Foundation
import Networks
import Training

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a policy for an environment and save it as a .policy file.",
    discussion: """
      Prints one progress line per generation (or update) and writes into the run directory: \
      config.json (the resolved settings), metrics.jsonl and metrics.csv, a TensorBoard event file with the \
      same scalars (`tensorboard --logdir runs`), checkpoint.json, and the policy. \
      Stops once a 100-episode evaluation reaches the env's threshold (unless --no-early-stop).

      Settings come from the env's preset, then --config FILE (any subset of --print-config's output), \
      then the flags. Ctrl-C stops at once with a checkpoint of the last complete generation or update; \
      `rollout train --resume DIR` carries on and ends with the same weights as a run that never stopped, \
      and a larger --max-steps or --generations (or --no-early-stop) extends a finished run.

      Algorithms (--algo):

      """ + table(Algorithm.allCases.map { ($0.rawValue, $0.summary + ".") }))

  @Argument(
    help: "The environment (see `rollout envs`); optional with --config or --resume.",
    completion: Completions.environments)
  var env: String?

  @Option(help: "The algorithm (default: the env's best).", completion: Completions.algorithms)
  var algo: Algorithm?

  @Option(parsing: .unconditional, help: "Seed for every random draw; the same seed gives the same result.")
  var seed: UInt64?

  @Option(parsing: .unconditional, help: "Worker threads (default: the number of cores). Results do not depend on it.")
  var threads: Int?

  @Option(help: "A JSON config file (see --print-config); flags override its values.", completion: Completions.configs)
  var config: String?

  @Flag(name: .customLong("print-config"), help: "Print the resolved config as JSON and exit.")
  var printConfig = false

  @Flag(name: .customLong("list-presets"), help: "List the presets (for the env given, or every env) and exit.")
  var listPresets = false

  @Flag(help: "Print only the final summary.")
  var quiet = false

  @OptionGroup(title: "Run directory and checkpoints") var directory: RunDirectoryOptions
  @OptionGroup(title: "Budget and stopping") var budget: BudgetOptions
  @OptionGroup(title: "Algorithm settings (default: the preset's)") var settings: AlgorithmOptions
  @OptionGroup(title: "Environment options") var environment: EnvironmentOptions

  func validate() throws {
    if listPresets { return }
    if env == nil && config == nil && directory.resume == nil {
      throw ValidationError("name an env (see `rollout envs`), or give --config FILE or --resume DIR")
    }
    if let threads, !(1...1024).contains(threads) {
      throw ValidationError("--threads must be between 1 and 1024, got \(threads)")
    }
  }

  /// Everything the flags ask for, for the library to resolve.
  var request: TrainRequest {
    var request = TrainRequest()
    request.env = env
    request.algorithm = algo
    request.configFile = config
    request.seed = seed
    request.threads = threads
    directory.write(into: &request)
    budget.write(into: &request)
    settings.write(into: &request)
    environment.write(into: &request)
    return request
  }

  func run() throws {
    if listPresets {
      try Presets.listing(env: env).forEach(say)
      return
    }
    let cluster = try Rollout.communicator()
    var run: TrainingRun
    if let resume = directory.resume {
      run = try TrainingRun(resuming: URL(fileURLWithPath: resume), request: request, cluster: cluster)
    } else {
      let resolved = try request.resolved(defaultThreads: ProcessInfo.processInfo.activeProcessorCount)
      if printConfig {
        say(try resolved.json())
        return
      }
      // Rank 0 names and creates the run directory (a default name holds the time) and tells the
      // others; they only ever read from it.
      var path = ""
      if cluster.rank == 0 {
        path = try RunDirectory.create(
          out: directory.out, force: directory.force, name: EnvironmentSetup.entry(named: resolved.env).name,
          algorithm: resolved.algorithm, seed: resolved.run.seed
        ).path
      }
      path = String(decoding: cluster.broadcast(Array(path.utf8), root: 0), as: UTF8.self)
      run = try TrainingRun(new: resolved, in: URL(fileURLWithPath: path), cluster: cluster)
    }
    run.tensorBoard = !directory.noTensorBoard
    try train(run)
  }

  /// Runs `run` with the progress line, and prints its summary (rank 0 only).
  private func train(_ run: TrainingRun) throws {
    let writes = run.cluster.rank == 0
    func say(_ line: String) { if writes { rollout.say(line) } }
    let unit = run.algorithm.isPolicyGradient ? "update" : "generation"
    if !quiet {
      say(
        "\(run.resumedAt == nil ? "training" : "resuming") \(run.environment.spec.id) with \(run.algorithm.rawValue) in "
          + "\(run.directory.path) (\(run.settings.run.threads) threads, \(Kernels.name) kernels)")
      if run.cluster.size > 1 {
        say("\(run.cluster.size) ranks × \(run.settings.run.threads) threads (Open MPI); results are the same bits as one process")
      }
    }
    let progress = ProgressPrinter(
      enabled: !quiet && writes, generations: run.settings.run.maxGenerations, envSteps: run.settings.run.maxEnvSteps ?? .max)
    Interrupts.install()
    let ending: TrainingRun.Ending
    do {
      ending = try run.run(onGeneration: progress.show, shouldStop: { Interrupts.requested })
    } catch {
      progress.finish()
      throw error
    }
    progress.finish()
    switch ending {
    case .interrupted(let stop, _):
      if writes {
        FileHandle.standardError.write(Data(
          ("rollout: interrupted after \(unit) \(stop.generation); checkpoint and best policy saved. "
            + "Resume with: rollout train --resume \(run.directory.path)\n").utf8))
      }
      Rollout.finishCluster()
      Foundation.exit(Interrupts.exitCode)
    case .finished(let outcome, let policy):
      let evaluation = outcome.finalEvaluation
      say(
        "\(outcome.stopReason == "threshold" ? "solved" : "stopped (\(outcome.stopReason))") after "
          + "\(outcome.generations) \(unit)s, \(outcome.envSteps) env steps, " + String(format: "%.2f s", outcome.wallTimeSeconds))
      say(
        String(
          format: "evaluation over %d episodes: return %.2f ± %.2f", evaluation.episodes, evaluation.return.mean,
          evaluation.return.std))
      if let behavior = evaluation.finalBehavior, !behavior.isEmpty, run.environment.spec.name.hasSuffix("maze") {
        say(String(format: "final position: (%.1f, %.1f)", behavior[0], behavior[1]))
      }
      say("policy: \(policy.path)")
      if run.cluster.size > 1 {
        let perStep = Double(run.cluster.bytesSent) / Double(max(outcome.generations, 1))
        say("cluster: rank 0 sent \(run.cluster.bytesSent) bytes in collectives, " + String(format: "%.0f", perStep) + " per \(unit)")
      }
    }
  }
}
