import Environments
import Foundation

/// A comparison built from runs made by `rollout train` (`rollout compare --from DIR...`): the
/// runs are read, not trained, and become the report's records, one algorithm per entry.
public struct TrainedRuns {
  public var definition: ExperimentDefinition
  public var records: [RunRecord]
  public var environment: any ConfigurableEnvironment
  /// The return that counts as success: the env's threshold, or the target the runs share.
  public var success: Double

  /// The report's setup sentence: each run kept its own budget and stopping rule.
  public var setup: String {
    let seeds = definition.seeds
    return "Env `\(definition.env)`, up to \(seeds) seed\(seeds == 1 ? "" : "s") per algorithm, each run with its own budget "
      + "(the largest \(ComparisonReport.steps(Double(definition.budgetSteps))) env steps), success: a run whose final, "
      + "confirmed evaluation reached \(tickLabel(success))."
  }

  /// One run directory, read: its settings, metrics and policy file.
  struct Run {
    var directory: URL
    var config: TrainingConfig
    var reports: [GenerationReport]
    var policy: PolicyFile
    /// The settings that make two runs of one algorithm the same entry (seed, threads and
    /// budget aside).
    var settingsKey: String
  }

  public init(directories: [URL], name: String) throws {
    guard !directories.isEmpty else { throw RolloutError("--from needs at least one run directory") }
    let runs = try directories.map(Self.read)
    let first = runs[0]
    environment = try EnvironmentSetup.make(EnvironmentSetup.entry(named: first.config.env), config: first.config.envConfig)
    for run in runs.dropFirst() where run.config.env != first.config.env || run.config.envConfig != first.config.envConfig {
      throw RolloutError(
        "\(run.directory.path) trained \(run.config.env) with other env settings than \(first.directory.path) (\(first.config.env)); "
          + "a comparison holds runs of one env")
    }
    let targets = Set(runs.compactMap(\.config.run.targetReturn))
    guard let success = environment.spec.rewardThreshold ?? (targets.count == 1 ? targets.first : nil) else {
      throw RolloutError("\(environment.spec.id) has no threshold and the runs' targets differ; train them with one --target")
    }
    self.success = success

    // One entry per algorithm and settings: "ppo", or "ppo 2", "ppo 3" for other settings.
    var entries: [ExperimentDefinition.Entry] = []
    var labelOfKey: [String: String] = [:]
    var records: [RunRecord] = []
    for run in runs {
      let key = "\(run.config.algorithm) \(run.settingsKey)"
      if labelOfKey[key] == nil {
        let same = entries.filter { $0.algorithm == run.config.algorithm }.count
        let label = same == 0 ? run.config.algorithm : "\(run.config.algorithm) \(same + 1)"
        labelOfKey[key] = label
        entries.append(ExperimentDefinition.Entry(algorithm: run.config.algorithm, label: label, note: nil))
      }
      let label = labelOfKey[key]!
      if let twin = records.first(where: { $0.label == label && $0.seed == run.config.run.seed }) {
        throw RolloutError(
          "\(run.directory.path) and another run of \(label) both used seed \(twin.seed); a comparison needs one run per seed")
      }
      records.append(Self.record(run, label: label, success: success))
    }
    for i in entries.indices {
      let directories = runs.filter { labelOfKey["\($0.config.algorithm) \($0.settingsKey)"] == entries[i].displayName }
        .map(\.directory.lastPathComponent)
      entries[i].note = "runs from rollout train: \(directories.joined(separator: ", "))"
    }
    self.records = records
    let seeds = Dictionary(grouping: records, by: \.label).values.map(\.count).max() ?? 1
    definition = ExperimentDefinition(
      name: name,
      description: "A comparison of \(runs.count) runs made by `rollout train`, read from their run directories (each "
        + "run's own budget and stopping rule; a run succeeds when its final, confirmed evaluation reaches the success return).",
      env: first.config.env, seeds: seeds, budgetSteps: records.map(\.budgetSteps).max() ?? 0,
      successReturn: success, algorithms: entries)
  }

  static func read(_ directory: URL) throws -> Run {
    let configURL = directory.appendingPathComponent("config.json")
    guard let data = FileManager.default.contents(atPath: configURL.path) else {
      throw RolloutError("cannot read \(configURL.path): no such file (is \(directory.path) a run directory of rollout train?)")
    }
    let config: TrainingConfig
    do {
      config = try JSONDecoder.snakeCase.decode(TrainingConfig.self, from: data)
    } catch {
      throw RolloutError("\(configURL.path): not a run's config.json")
    }
    let reports = try LearningCurve.load(runDirectory: directory).reports
    let policies = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
      .filter { $0.hasSuffix(".\(PolicyFile.fileExtension)") }.sorted()
    guard let policyName = policies.first else {
      throw RolloutError("\(directory.path) holds no policy file: the run has not finished or been interrupted yet")
    }
    let policy = try PolicyFile.read(from: directory.appendingPathComponent(policyName))
    var run = config.run
    run.seed = 0
    run.threads = 1
    run.maxEnvSteps = nil
    run.maxGenerations = 0
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let key = String(decoding: try encoder.encode([try JSONValue(encoding: run), config.strategy]), as: UTF8.self)
    return Run(directory: directory, config: config, reports: reports, policy: policy, settingsKey: key)
  }

  /// The run as a comparison record: its best evaluation so far against env steps and seconds,
  /// success when its final (confirmed) evaluation reached `success`, at the steps where its
  /// best evaluation first did.
  static func record(_ run: Run, label: String, success: Double) -> RunRecord {
    var curve: [CurvePoint] = []
    for report in run.reports {
      let best = report.bestEvaluation ?? report.evaluationReturn
      if curve.last?.bestReturn != best {
        curve.append(CurvePoint(envSteps: report.envSteps, bestReturn: best, seconds: report.elapsedSeconds))
      }
    }
    let training = run.policy.training
    let final = training.finalEvaluation
    let solved = (final?.return.mean ?? -.infinity) >= success
    let reached = run.reports.first { ($0.bestEvaluation ?? $0.evaluationReturn) >= success }
    return RunRecord(
      label: label, algorithm: run.config.algorithm, seed: run.config.run.seed, budgetSteps: training.envSteps,
      fingerprint: "rollout train", curve: curve, successSteps: solved ? reached?.envSteps ?? training.envSteps : nil,
      successSeconds: solved ? reached?.elapsedSeconds ?? training.wallTimeSeconds : nil,
      finalReturn: final?.return.mean ?? run.reports.last!.evaluationReturn, finalBehavior: final?.finalBehavior,
      envSteps: training.envSteps, evaluationSteps: training.evaluationSteps, iterations: training.iterations,
      wallSeconds: training.wallTimeSeconds, heatmap: nil)
  }
}
