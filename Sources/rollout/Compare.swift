import ArgumentParser
import Dispatch
import Environments
import Training
import Foundation

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run every algorithm of an experiment over its seeds and write a report.",
    discussion: """
      Runs each (algorithm, seed) pair to the experiment's budget, many at once (one thread per \
      run), and writes into --out: index.html (self-contained, inline SVG), summary.md, runs.csv, \
      runs.jsonl and the SVG figures, with runs/ holding one record per finished run and a directory per \
      run with its metrics.csv and TensorBoard event file (`tensorboard --logdir DIR/runs`). Started again \
      with the same --out, it skips the runs already there, so an interrupted comparison finishes \
      with the same report as an uninterrupted one. Experiments: `rollout compare --list`, or a \
      JSON file in the format of experiments/*.json.

      --from DIR... builds the report from runs already made by `rollout train` (one env; an \
      algorithm's runs with other settings become an entry of their own), training nothing.
      """)

  @Argument(help: "A shipped experiment (see --list) or an experiment file.", completion: Completions.experiments)
  var experiment: String?

  @Flag(help: "List the shipped experiments and exit.")
  var list = false

  @Option(name: .customLong("from"), parsing: .upToNextOption, help: "Build the report from these `rollout train` run directories.", completion: .directory)
  var from: [String] = []

  @Option(parsing: .unconditional, help: "Seeds per algorithm (default: the experiment's).")
  var seeds: Int?

  @Option(parsing: .unconditional, help: "Env steps per run, for every algorithm (default: the experiment's budgets).")
  var budget: Int?

  @Option(name: .customLong("threads"), parsing: .unconditional, help: "Runs at once (default: the number of cores).")
  var threadCount: Int?
  /// --threads, or the number of cores (an optional, so that the help names the default once).
  var threads: Int { threadCount ?? ProcessInfo.processInfo.activeProcessorCount }

  @Option(help: "Report directory (default: reports/<name>).")
  var out: String?

  @Flag(help: "Print only the summary.")
  var quiet = false

  @Flag(name: .customLong("no-tensorboard"), help: "Write no TensorBoard event files.")
  var noTensorBoard = false

  func validate() throws {
    if !from.isEmpty {
      if experiment != nil { throw ValidationError("give an experiment or --from run directories, not both") }
      if seeds != nil || budget != nil { throw ValidationError("--from reads finished runs; it takes no --seeds or --budget") }
      return
    }
    if !list && experiment == nil {
      throw ValidationError("name an experiment (see `rollout compare --list`), give a file, or --from run directories")
    }
    if let seeds, !(1...1000).contains(seeds) { throw ValidationError("--seeds must be between 1 and 1000, got \(seeds)") }
    if let budget, budget <= 0 { throw ValidationError("--budget must be positive, got \(budget)") }
    if !(1...1024).contains(threads) { throw ValidationError("--threads must be between 1 and 1024, got \(threads)") }
  }

  func run() throws {
    if list {
      for name in BuiltinExperiments.all.keys.sorted() {
        let d = try ExperimentDefinition.load(name)
        say(
          name.padding(toLength: 16, withPad: " ", startingAt: 0)
            + "\(d.env), \(d.seeds) seeds, \(d.algorithms.map(\.displayName).joined(separator: " / ")), "
            + "\(d.budgetSteps) steps per run")
      }
      return
    }
    if !from.isEmpty { return try report(from: from.map { URL(fileURLWithPath: $0) }) }
    var definition = try ExperimentDefinition.load(experiment!)
    if let seeds { definition.seeds = seeds }
    if let budget {
      definition.budgetSteps = budget
      for i in definition.algorithms.indices { definition.algorithms[i].budgetSteps = nil }
    }
    let directory = URL(fileURLWithPath: out ?? "reports/\(definition.name)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let runner = ComparisonRunner(definition: definition, directory: directory, threads: threads)
    runner.tensorBoard = !noTensorBoard
    let environment = try runner.environment()
    let total = runner.jobs.count
    let already = try runner.jobs.filter { try runner.saved($0) != nil }.count
    if !quiet {
      say("comparing \(definition.algorithms.map(\.displayName).joined(separator: ", ")) on \(environment.spec.id), \(definition.seeds == 1 ? "1 seed" : "\(definition.seeds) seeds"): \(total == 1 ? "1 run" : "\(total) runs")\(already > 0 ? ", \(already) already done" : "") → \(directory.path)")
    }
    Interrupts.install()
    let start = DispatchTime.now().uptimeNanoseconds
    let quiet = self.quiet
    let records = try runner.run(
      progress: { done, total, record in
        guard !quiet else { return }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let fresh = done - already
        let eta = fresh > 0 ? elapsed / Double(fresh) * Double(total - done) : 0
        let result = record.successSteps.map { "success at \($0) steps" } ?? String(format: "final %.1f", record.finalReturn)
        say(String(format: "[%d/%d] %@ seed %llu: %@ (%.1f s); ETA %.0f s", done, total, record.label, record.seed, result, record.wallSeconds, eta))
      },
      shouldStop: { Interrupts.requested })
    if Interrupts.requested || records.count < total {
      FileHandle.standardError.write(Data(
        "rollout: comparison interrupted with \(records.count)/\(total) runs saved; run the same command again to finish it\n".utf8))
      Foundation.exit(Interrupts.exitCode)
    }
    let report = ComparisonReport(
      definition: definition, records: records,
      success: definition.successReturn ?? environment.spec.rewardThreshold ?? .infinity,
      layout: (environment as? Maze)?.config.layout)
    try write(report, to: directory)
  }

  /// The report of runs made by `rollout train`, in --out (default: reports/runs).
  func report(from directories: [URL]) throws {
    let runs = try TrainedRuns(directories: directories, name: "runs")
    let directory = URL(fileURLWithPath: out ?? "reports/runs")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let report = ComparisonReport(
      definition: runs.definition, records: runs.records, success: runs.success,
      layout: (runs.environment as? Maze)?.config.layout, setup: runs.setup)
    try write(report, to: directory)
  }

  private func write(_ report: ComparisonReport, to directory: URL) throws {
    try report.write(to: directory)
    for sentence in report.sentences { say(sentence) }
    say("report: \(directory.appendingPathComponent("index.html").path)")
  }
}
