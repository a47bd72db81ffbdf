import Cluster
import Environments
import Foundation
import Networks
import RLCore

/// A training run in its directory, for either family: `config.json`, the metrics logs
/// (`metrics.jsonl`, `metrics.csv`), `checkpoint.json` and the policy file. The algorithm's
/// loop supplies only its step (`runEvolution`, `runPolicyGradient`); this is what every run
/// shares around it: resuming, logs, interrupts and the policy file.
public struct TrainingRun {
  public let settings: TrainingConfig
  public let algorithm: Algorithm
  public let environment: any ConfigurableEnvironment
  public let directory: URL
  /// The generation (or update) the checkpoint held, for a resumed run; nil for a new one.
  public let resumedAt: Int?
  public let cluster: any Communicator
  /// Whether the run writes a TensorBoard event file beside `metrics.csv` (on unless
  /// `--no-tensorboard`: one small record per generation costs nothing measurable, and it is
  /// what users of SB3 and CleanRL look for).
  public var tensorBoard = true

  /// A new run with these settings in `directory`, whose `config.json` rank 0 writes.
  public init(new settings: TrainingConfig, in directory: URL, cluster: any Communicator) throws {
    self.settings = settings
    algorithm = try Algorithm.named(settings.algorithm)
    environment = try EnvironmentSetup.make(EnvironmentSetup.entry(named: settings.env), config: settings.envConfig)
    self.directory = directory
    resumedAt = nil
    self.cluster = cluster
    if cluster.rank == 0 {
      try AtomicFile.write(Data((try settings.json() + "\n").utf8), to: directory.appendingPathComponent("config.json"))
    }
  }

  /// The run in `directory`, to carry on from its checkpoint with `request`'s budget, stopping
  /// rule and threads (see `TrainRequest.resumed`).
  public init(resuming directory: URL, request: TrainRequest, cluster: any Communicator) throws {
    let header = try CheckpointHeader.read(from: directory.appendingPathComponent(CheckpointFormat.fileName))
    settings = try request.resumed(from: header)
    algorithm = try Algorithm.named(settings.algorithm)
    environment = try EnvironmentSetup.make(EnvironmentSetup.entry(named: settings.env), config: settings.envConfig)
    try MemoryEstimate.check(settings: settings, environment: environment)
    self.directory = directory
    resumedAt = header.progress?.generation ?? 0
    self.cluster = cluster
  }

  /// How a run ended: finished, with its outcome and policy file; or stopped when asked, with the
  /// checkpoint written and the policy file of the best policy so far (if one was found).
  public enum Ending {
    case finished(TrainingOutcome, policy: URL)
    case interrupted(TrainingInterrupted, policy: URL?)
  }

  public var checkpointURL: URL { directory.appendingPathComponent(CheckpointFormat.fileName) }

  /// The policy file's name: `<env>-<algorithm>.policy`.
  public var policyURL: URL {
    directory.appendingPathComponent("\(environment.spec.name)-\(algorithm.rawValue).\(PolicyFile.fileExtension)")
  }

  /// Trains to the end or until `shouldStop` (polled between members and after every step) says
  /// so. Only rank 0 writes; a failure keeps the last good checkpoint and says where it is.
  public func run(
    onGeneration: @escaping (GenerationReport) -> Void = { _ in }, shouldStop: @escaping @Sendable () -> Bool
  ) throws -> Ending {
    let writes = cluster.rank == 0
    // A run killed mid-write may have left a temporary file; it never replaced a real one.
    if writes { AtomicFile.removeStaleTemporaries(in: directory) }
    let log =
      writes
      ? try MetricsLog(
        url: directory.appendingPathComponent("metrics.jsonl"), csv: directory.appendingPathComponent("metrics.csv"),
        tensorBoard: tensorBoard ? directory : nil, keepThrough: resumedAt) : nil
    let hooks = TrainingHooks<Int>(
      onGeneration: { report in
        try log?.append(report)
        onGeneration(report)
      },
      shouldStop: shouldStop)
    let checkpoints = CheckpointStore(
      url: checkpointURL,
      header: CheckpointHeader(
        env: try environmentRecord(), algorithm: settings.algorithm, strategy: settings.strategy, run: settings.run),
      writes: writes)
    do {
      let outcome: TrainingOutcome
      do {
        outcome = try algorithm.make(config: settings.strategy).train(
          environment: environment, config: settings.run, hooks: hooks, checkpoints: checkpoints,
          resuming: resumedAt != nil, cluster: cluster)
      } catch {
        try? checkpoints.flush()
        throw error
      }
      try checkpoints.flush()
      try writePolicy(
        outcome.policy,
        PolicyFile.TrainingRecord(
          iterations: outcome.generations, envSteps: outcome.envSteps, evaluationSteps: outcome.evaluationSteps,
          wallTimeSeconds: outcome.wallTimeSeconds, threads: settings.run.threads,
          finalEvaluation: outcome.finalEvaluation))
      return .finished(outcome, policy: policyURL)
    } catch let stop as TrainingInterrupted {
      if let policy = stop.policy {
        try writePolicy(
          policy,
          PolicyFile.TrainingRecord(
            iterations: stop.generation, envSteps: stop.envSteps, evaluationSteps: stop.evaluationSteps,
            wallTimeSeconds: stop.elapsedSeconds, threads: settings.run.threads, finalEvaluation: nil))
      }
      return .interrupted(stop, policy: stop.policy == nil ? nil : policyURL)
    } catch let error as RolloutError {
      let kept = FileManager.default.fileExists(atPath: checkpointURL.path)
      throw RolloutError(error.message + (kept ? "; the last good checkpoint is in \(directory.path)" : ""))
    }
  }

  private func environmentRecord() throws -> PolicyFile.EnvironmentRecord {
    PolicyFile.EnvironmentRecord(
      id: environment.spec.id, name: environment.spec.name, config: try EnvironmentSetup.config(of: environment),
      observationSize: environment.spec.observationSpace.count, actionSpace: environment.spec.actionSpace)
  }

  private func writePolicy(_ policy: Policy, _ training: PolicyFile.TrainingRecord) throws {
    guard cluster.rank == 0 else { return }
    let file = PolicyFile(
      env: try environmentRecord(), policy: policy,
      algorithm: PolicyFile.AlgorithmRecord(
        name: algorithm.rawValue,
        config: try JSONValue(encoding: AlgorithmSettings(strategy: settings.strategy, run: settings.run))),
      seed: settings.run.seed, training: training)
    try file.write(to: policyURL)
  }
}

/// The algorithm settings recorded in a policy file.
struct AlgorithmSettings: Codable {
  var strategy: JSONValue
  var run: RunConfig
}

/// Where runs live: a directory per run.
public enum RunDirectory {
  /// The files rollout writes into a run directory (and `--force` removes).
  public static func isRunFile(_ name: String) -> Bool {
    ["config.json", CheckpointFormat.fileName, "metrics.jsonl", "metrics.csv", "learning-curve.svg"].contains(name)
      || name.hasSuffix(".\(PolicyFile.fileExtension)") || (name.hasPrefix(".") && name.hasSuffix(".tmp"))
      || TensorBoardLog.isEventFile(name)
  }

  /// The directory for a new run: `out`, or `runs/<env>-<algorithm>-<seed>-<time>` (never
  /// reused). An `out` that already holds a run is refused (its checkpoint and policy would be
  /// overwritten), unless `force`, which removes that run's files and nothing else.
  public static func create(out: String?, force: Bool, name: String, algorithm: String, seed: UInt64) throws -> URL {
    if let out {
      let url = URL(fileURLWithPath: out)
      let existing = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter(isRunFile).sorted()
      if !existing.isEmpty {
        guard force else {
          throw RolloutError(
            "\(url.path) already holds a run (\(existing.prefix(3).joined(separator: ", "))); resume it with "
              + "--resume \(out), or add --force to replace it")
        }
        for name in existing { try FileManager.default.removeItem(at: url.appendingPathComponent(name)) }
      }
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
