import Environments
import Foundation

/// A comparison: one env, several algorithms, seeds, a step budget, how to evaluate and what
/// counts as success. Stored as JSON (the format of every other settings file rollout reads, so
/// there is one parser, one error style and no extra dependency), in `experiments/<name>.json`;
/// the shipped ones are also built in (`BuiltinExperiments`), so `rollout compare hard-maze` works
/// from any directory. Unknown keys are errors naming the valid ones.
public struct ExperimentDefinition: Sendable, Equatable, Codable {
  /// The experiment's name: the report's title and its default directory, `reports/<name>/`.
  public var name: String
  /// One paragraph for the report's introduction.
  public var description: String
  /// The env (short name or id) and its options (maze file, reward…), as `rollout train` takes them.
  public var env: String
  public var maze: String? = nil
  public var reward: String? = nil
  /// Runs per algorithm: seeds 1…seeds.
  public var seeds: Int
  /// Training env steps per run (every algorithm gets the same unless its entry says otherwise).
  public var budgetSteps: Int
  /// Success: the best evaluation return reaching this (nil: the env's threshold).
  public var successReturn: Double? = nil
  /// Evaluation of policy-gradient runs: every this many steps, over this many episodes (ES runs
  /// evaluate their solution every generation, with their preset's episode count).
  public var evaluationEverySteps: Int = 5000
  public var evaluationEpisodes: Int? = nil
  /// A named component of the env's behaviour descriptor (Seaquest's `surfacings`): the report
  /// charts its mean over each run's training episodes and gives the final policies' values.
  public var behaviorCurve: String? = nil
  public var algorithms: [Entry]

  /// One algorithm in the comparison: its preset for the env, with optional overrides.
  public struct Entry: Sendable, Equatable, Codable {
    /// The algorithm (`rollout train --algo` names).
    public var algorithm: String
    /// A label for legends (default: the algorithm's name).
    public var label: String? = nil
    /// Fields laid over the preset's strategy config, as in a config file's `strategy`.
    public var strategy: JSONValue? = nil
    /// Fields laid over the preset's run config (hidden sizes, observation scaling…).
    public var run: JSONValue? = nil
    /// This algorithm's own budget, when the shared one would not fit (say why in `note`).
    public var budgetSteps: Int? = nil
    /// Why this entry differs from the others; printed in the report.
    public var note: String? = nil

    public var displayName: String { label ?? algorithm }
  }

  /// Reads and checks a definition; errors are one line naming the source.
  public static func decode(_ data: Data, source: String) throws -> ExperimentDefinition {
    let tree: JSONValue
    do {
      tree = try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw RolloutError("\(source): not valid JSON")
    }
    let template = ExperimentDefinition(
      name: "", description: "", env: "", maze: "", reward: "", seeds: 0, budgetSteps: 0, successReturn: 0,
      evaluationEverySteps: 0, evaluationEpisodes: 0, behaviorCurve: "", algorithms: [])
    let definition: ExperimentDefinition
    do {
      // Unknown top-level keys are refused by laying the file over a template with every key.
      guard case .object(var fields) = tree else { throw RolloutError("the file must be a JSON object") }
      guard case .object(let known) = try JSONValue(encoding: template) else { throw RolloutError("internal") }
      for key in fields.keys where known[key] == nil {
        throw RolloutError("unknown key '\(key)'; valid keys: \(known.keys.sorted().joined(separator: ", "))")
      }
      if case .array(let entries)? = fields["algorithms"] {
        let entryKeys = ["algorithm", "label", "strategy", "run", "budget_steps", "note"]
        for case .object(let entry) in entries {
          for key in entry.keys where !entryKeys.contains(key) {
            throw RolloutError("unknown key 'algorithms[].\(key)'; valid keys: \(entryKeys.joined(separator: ", "))")
          }
        }
      }
      fields["maze"] = fields["maze"] ?? .null
      definition = try JSONValue.object(fields).decode(as: ExperimentDefinition.self)
    } catch let error as RolloutError {
      throw RolloutError("\(source): \(error.message)")
    } catch {
      throw RolloutError("\(source): \(describe(error))")
    }
    try definition.validate(source: source)
    return definition
  }

  func validate(source: String) throws {
    func fail(_ message: String) throws { throw RolloutError("\(source): \(message)") }
    if name.isEmpty || name.contains("/") { try fail("'name' must be a plain, non-empty name") }
    if !(1...1000).contains(seeds) { try fail("'seeds' must be between 1 and 1000") }
    if budgetSteps <= 0 { try fail("'budget_steps' must be positive") }
    if evaluationEverySteps <= 0 { try fail("'evaluation_every_steps' must be positive") }
    if let e = evaluationEpisodes, e <= 0 { try fail("'evaluation_episodes' must be positive") }
    if algorithms.isEmpty { try fail("'algorithms' must list at least one algorithm") }
    for entry in algorithms {
      do {
        _ = try Algorithm.named(entry.algorithm)
      } catch let error as RolloutError {
        try fail(error.message)
      }
      if let b = entry.budgetSteps, b <= 0 { try fail("'budget_steps' of \(entry.algorithm) must be positive") }
    }
    let labels = algorithms.map(\.displayName)
    if Set(labels).count != labels.count { try fail("two algorithms share a label; give each a distinct 'label'") }
    let entry = try EnvironmentSetup.entry(named: env)
    if let behaviorCurve {
      let names = EnvironmentSetup.make(entry).behaviorNames ?? []
      if !names.contains(behaviorCurve) {
        try fail(
          "'behavior_curve' \(behaviorCurve) is not a component of \(env)'s behaviour"
            + (names.isEmpty ? " (it has no named components)" : " (\(names.joined(separator: ", ")))"))
      }
    }
  }

  /// Where `behaviorCurve` sits in the env's behaviour descriptor.
  func behaviorIndex(in environment: any ConfigurableEnvironment) -> Int? {
    behaviorCurve.flatMap { environment.behaviorNames?.firstIndex(of: $0) }
  }

  /// A shipped experiment by name, or a file.
  public static func load(_ nameOrPath: String) throws -> ExperimentDefinition {
    if let text = BuiltinExperiments.all[nameOrPath] {
      return try decode(Data(text.utf8), source: "experiment \(nameOrPath)")
    }
    let url = URL(fileURLWithPath: nameOrPath)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw RolloutError(
        "no experiment '\(nameOrPath)': not a shipped one (\(BuiltinExperiments.all.keys.sorted().joined(separator: ", "))) nor a readable file")
    }
    return try decode(data, source: url.path)
  }
}
