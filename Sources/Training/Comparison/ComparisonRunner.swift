import Dispatch
import Environments
import Evolution
import Foundation
import PolicyGradient
import Synchronization

/// One point of a run's learning curve: the best evaluation so far.
public struct CurvePoint: Sendable, Equatable, Codable {
  public var envSteps: Int
  public var bestReturn: Double
  public var seconds: Double
}

/// One point of a run's behaviour curve: the mean of the experiment's `behavior_curve` component
/// over the training episodes that ended since the previous point.
public struct BehaviorPoint: Sendable, Equatable, Codable {
  public var envSteps: Int
  public var mean: Double
}

/// Everything the report needs from one (algorithm, seed) run. Saved as
/// `runs/<label>-seed<N>.json` the moment the run finishes; the run's metrics (`metrics.jsonl`,
/// `metrics.csv` and a TensorBoard event file) are in `runs/<label>-seed<N>/`.
public struct RunRecord: Sendable, Equatable, Codable {
  public var label: String
  public var algorithm: String
  public var seed: UInt64
  public var budgetSteps: Int
  /// The definition this run belongs to (settings that change results; wall times excluded).
  public var fingerprint: String
  public var curve: [CurvePoint]
  /// Env steps and seconds when the best evaluation first reached the success return.
  public var successSteps: Int?
  public var successSeconds: Double?
  /// The final evaluation of the policy the run kept.
  public var finalReturn: Double
  public var finalBehavior: [Float]?
  public var envSteps: Int
  public var evaluationSteps: Int
  public var iterations: Int
  public var wallSeconds: Double
  /// Counts of training behaviours in the heat-map grid (row-major), for 2-D behaviours.
  public var heatmap: [Int]?
  /// With a `behavior_curve`, its mean per evaluation interval of training episodes.
  public var behaviorCurve: [BehaviorPoint]? = nil
}

/// A label as a file-name part: letters, digits and '-' kept, anything else '_'.
func fileSafe(_ label: String) -> String {
  String(label.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
}

/// The grid training behaviours are counted in: the maze's bounding box in `columns × rows` cells.
public struct HeatmapGrid: Sendable, Equatable {
  public var minX: Double, minY: Double, maxX: Double, maxY: Double
  public var columns: Int, rows: Int

  public init(layout: MazeLayout, columns: Int = 60) {
    let xs = layout.walls.flatMap { [$0.x1, $0.x2] }, ys = layout.walls.flatMap { [$0.y1, $0.y2] }
    minX = xs.min() ?? 0
    maxX = max(xs.max() ?? 1, minX + 1)
    minY = ys.min() ?? 0
    maxY = max(ys.max() ?? 1, minY + 1)
    self.columns = columns
    rows = max(1, Int((Double(columns) * (maxY - minY) / (maxX - minX)).rounded()))
  }

  public func cell(x: Double, y: Double) -> Int? {
    let c = Int((x - minX) / (maxX - minX) * Double(columns)), r = Int((y - minY) / (maxY - minY) * Double(rows))
    guard (0..<columns).contains(c), (0..<rows).contains(r) else { return nil }
    return r * columns + c
  }
}

/// Runs every (algorithm, seed) pair of an experiment to its budget, many runs at once, one
/// thread each (results do not depend on the thread count). Runs already saved in the output
/// directory are skipped, so an interrupted comparison continues where it stopped.
public final class ComparisonRunner: @unchecked Sendable {
  public let definition: ExperimentDefinition
  public let directory: URL
  public let threads: Int
  /// Whether each run's log directory gets a TensorBoard event file.
  public var tensorBoard = true

  public init(definition: ExperimentDefinition, directory: URL, threads: Int) {
    self.definition = definition
    self.directory = directory
    self.threads = threads
  }

  var runsDirectory: URL { directory.appendingPathComponent("runs") }

  public struct Job: Sendable {
    public var entry: ExperimentDefinition.Entry
    public var seed: UInt64
    public var file: URL
    /// The run's metrics logs: `file` without its extension.
    public var logDirectory: URL { file.deletingPathExtension() }
  }

  public var jobs: [Job] {
    definition.algorithms.flatMap { entry in
      (1...definition.seeds).map { seed in
        Job(
          entry: entry, seed: UInt64(seed),
          file: runsDirectory.appendingPathComponent("\(fileSafe(entry.displayName))-seed\(seed).json"))
      }
    }
  }


  /// What makes two runs of an entry comparable: the definition's settings for it.
  func fingerprint(_ entry: ExperimentDefinition.Entry) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    struct Key: Encodable {
      var env: String, maze: String?, reward: String?, budget: Int, success: Double?, every: Int, episodes: Int?
      var entry: ExperimentDefinition.Entry
    }
    let key = Key(
      env: definition.env, maze: definition.maze, reward: definition.reward,
      budget: entry.budgetSteps ?? definition.budgetSteps, success: definition.successReturn,
      every: definition.evaluationEverySteps, episodes: definition.evaluationEpisodes, entry: entry)
    return String(format: "%08x", crc32(Array(try encoder.encode(key))))
  }

  /// The saved record of a job, if it exists and belongs to this definition.
  public func saved(_ job: Job) throws -> RunRecord? {
    guard let data = FileManager.default.contents(atPath: job.file.path) else { return nil }
    guard let record = try? JSONDecoder.snakeCase.decode(RunRecord.self, from: data) else {
      throw RolloutError("\(job.file.path) is not a run record; remove it or choose another --out")
    }
    guard record.fingerprint == (try fingerprint(job.entry)) else {
      throw RolloutError(
        "\(directory.path) holds runs of a different definition of '\(definition.name)' (\(job.file.lastPathComponent)); choose another --out")
    }
    return record
  }

  /// The env the experiment trains on.
  public func environment() throws -> any ConfigurableEnvironment {
    let entry = try EnvironmentSetup.entry(named: definition.env)
    var environment = EnvironmentSetup.make(entry)
    if definition.maze != nil || definition.reward != nil {
      guard let reward = definition.reward.map({ Maze.RewardMode(rawValue: $0) }) ?? .some(nil) else {
        throw RolloutError("experiment '\(definition.name)': reward must be final or dense")
      }
      environment = try EnvironmentSetup.makeMaze(entry, maze: definition.maze, reward: reward)
    }
    return environment
  }

  /// Runs what is missing. `progress(done, total)` is called as runs finish; `shouldStop` is
  /// polled between generations (a stopped run is not saved).
  public func run(
    progress: @escaping @Sendable (_ done: Int, _ total: Int, _ record: RunRecord) -> Void,
    shouldStop: @escaping @Sendable () -> Bool
  ) throws -> [RunRecord] {
    try FileManager.default.createDirectory(at: runsDirectory, withIntermediateDirectories: true)
    AtomicFile.removeStaleTemporaries(in: runsDirectory)
    let all = jobs
    var records = [RunRecord?](repeating: nil, count: all.count)
    for (i, job) in all.enumerated() { records[i] = try saved(job) }
    let pending = all.indices.filter { records[$0] == nil }
    let environment = try self.environment()
    let grid = (environment as? Maze).map { HeatmapGrid(layout: $0.config.layout) }
    let done = Atomic<Int>(all.count - pending.count)
    let next = Atomic<Int>(0)
    let failure = Mutex<Error?>(nil)
    let results = Mutex<[Int: RunRecord]>([:])
    let total = all.count
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, pending.count))) { _ in
      while true {
        if failure.withLock({ $0 != nil }) || shouldStop() { return }
        let k = next.add(1, ordering: .relaxed).oldValue
        if k >= pending.count { return }
        let index = pending[k]
        do {
          guard let record = try self.train(all[index], environment: environment, grid: grid, shouldStop: shouldStop) else {
            return
          }
          try AtomicFile.write(try Self.encoder.encode(record), to: all[index].file)
          results.withLock { $0[index] = record }
          let count = done.add(1, ordering: .relaxed).newValue
          progress(count, total, record)
        } catch {
          failure.withLock { $0 = $0 ?? error }
          return
        }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
    let finished = results.withLock { $0 }
    for (index, record) in finished { records[index] = record }
    return records.compactMap { $0 }
  }

  static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return encoder
  }

  /// One run; nil when stopped.
  func train(_ job: Job, environment: any ConfigurableEnvironment, grid: HeatmapGrid?, shouldStop: @escaping @Sendable () -> Bool)
    throws -> RunRecord?
  {
    let algorithm = try Algorithm.named(job.entry.algorithm)
    let preset = try algorithm.preset(env: environment.spec.name)
    var strategy = preset.strategy
    if let overlay = job.entry.strategy { strategy = try strategy.merging(overlay, path: "strategy") }
    var runTree = try JSONValue(encoding: preset.run)
    if let overlay = job.entry.run { runTree = try runTree.merging(overlay, path: "run") }
    var run = try runTree.decode(as: RunConfig.self)
    let budget = job.entry.budgetSteps ?? definition.budgetSteps
    run.seed = job.seed
    run.threads = 1
    run.maxEnvSteps = budget
    run.maxGenerations = RunConfig.unlimited
    run.stopAtThreshold = true
    run.checkpointEverySeconds = .infinity
    run.checkpointEveryGenerations = RunConfig.unlimited
    run.evaluateEverySteps = definition.evaluationEverySteps
    if let episodes = definition.evaluationEpisodes {
      run.evaluationEpisodes = episodes
      run.confirmationEpisodes = max(run.confirmationEpisodes, episodes)
    }
    let success = definition.successReturn ?? environment.spec.rewardThreshold ?? .infinity
    run.targetReturn = success

    try FileManager.default.createDirectory(at: job.logDirectory, withIntermediateDirectories: true)
    let log = try MetricsLog(
      url: job.logDirectory.appendingPathComponent("metrics.jsonl"),
      csv: job.logDirectory.appendingPathComponent("metrics.csv"), tensorBoard: tensorBoard ? job.logDirectory : nil)
    var curve: [CurvePoint] = []
    var last: GenerationReport?
    var heatmap = grid.map { [Int](repeating: 0, count: $0.columns * $0.rows) }
    let behaviorIndex = definition.behaviorIndex(in: environment)
    var behaviorCurve: [BehaviorPoint] = [], behaviorSum = 0.0, behaviorCount = 0
    let interval = definition.evaluationEverySteps
    let hooks = TrainingHooks<Int>(
      onGeneration: { report in
        try log.append(report)
        // One point per evaluation interval (and at the end), each the mean since the last.
        let due = behaviorCurve.last.map { report.envSteps / interval > $0.envSteps / interval } ?? true
        if behaviorIndex != nil, behaviorCount > 0, due || report.envSteps >= budget {
          behaviorCurve.append(BehaviorPoint(envSteps: report.envSteps, mean: behaviorSum / Double(behaviorCount)))
          (behaviorSum, behaviorCount) = (0, 0)
        }
        let best = report.bestEvaluation ?? report.evaluationReturn
        if curve.last?.bestReturn != best || curve.isEmpty {
          curve.append(CurvePoint(envSteps: report.envSteps, bestReturn: best, seconds: report.elapsedSeconds))
        }
        last = report
      },
      shouldStop: shouldStop,
      onBehaviors: { behaviors in
        if let i = behaviorIndex {
          for b in behaviors where i < b.count {
            behaviorSum += Double(b[i])
            behaviorCount += 1
          }
        }
        guard let grid else { return }
        for b in behaviors where b.count >= 2 {
          if let cell = grid.cell(x: Double(b[0]), y: Double(b[1])) { heatmap![cell] += 1 }
        }
      })
    let outcome: TrainingOutcome
    do {
      outcome = try algorithm.make(config: strategy).train(environment: environment, config: run, hooks: hooks)
    } catch is TrainingInterrupted {
      return nil
    }
    // Success is the rule that stops a run: the quick evaluation reached the target and two
    // confirmations on fresh episodes did too (`RunLedger.keep`).
    let solved = outcome.stopReason == "threshold"
    let successSteps = solved ? last?.envSteps ?? outcome.envSteps : nil
    let successSeconds = solved ? last?.elapsedSeconds ?? outcome.wallTimeSeconds : nil
    if let last = curve.last, last.envSteps != outcome.envSteps {
      curve.append(CurvePoint(envSteps: outcome.envSteps, bestReturn: last.bestReturn, seconds: outcome.wallTimeSeconds))
    }
    return RunRecord(
      label: job.entry.displayName, algorithm: algorithm.rawValue, seed: job.seed, budgetSteps: budget,
      fingerprint: try fingerprint(job.entry), curve: curve, successSteps: successSteps,
      successSeconds: successSeconds, finalReturn: outcome.finalEvaluation.return.mean,
      finalBehavior: outcome.finalEvaluation.finalBehavior, envSteps: outcome.envSteps,
      evaluationSteps: outcome.evaluationSteps, iterations: outcome.generations,
      wallSeconds: outcome.wallTimeSeconds, heatmap: heatmap, behaviorCurve: behaviorIndex == nil ? nil : behaviorCurve)
  }
}
