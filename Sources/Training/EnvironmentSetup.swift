import Environments
import Foundation
import RLCore

/// Finds environments by name and builds them from a typed config stored as JSON.
public enum EnvironmentSetup {
  /// The entry for `name`, or an error that lists the valid names.
  public static func entry(named name: String) throws -> EnvironmentEntry {
    guard let entry = EnvironmentRegistry.entry(named: name) else {
      throw RolloutError(
        "unknown environment '\(name)'; valid names: \(EnvironmentRegistry.names.joined(separator: ", "))")
    }
    return entry
  }

  /// An environment built from its default config.
  public static func make(_ entry: EnvironmentEntry) -> any ConfigurableEnvironment {
    entry.make()
  }

  /// An environment built from a config recorded in a file.
  public static func make(_ entry: EnvironmentEntry, config: JSONValue) throws
    -> any ConfigurableEnvironment
  {
    do {
      return try entry.type.make(config: config)
    } catch {
      throw RolloutError("the \(entry.name) config is not valid: \(describe(error))")
    }
  }

  /// A MinAtar game with its options changed (`--minimal-actions`, `--no-sticky`,
  /// `--no-ramping`); other envs refuse them.
  public static func withMinAtarOptions(
    _ entry: EnvironmentEntry, base: any ConfigurableEnvironment, minimalActions: Bool, noSticky: Bool,
    noRamping: Bool
  ) throws -> any ConfigurableEnvironment {
    guard minimalActions || noSticky || noRamping else { return base }
    guard case .object(var fields) = try config(of: base), fields["sticky_action_probability"] != nil else {
      throw RolloutError("--minimal-actions, --no-sticky and --no-ramping apply to the MinAtar games only, not \(entry.name)")
    }
    if minimalActions { fields["minimal_actions"] = .bool(true) }
    if noSticky { fields["sticky_action_probability"] = .number(0) }
    if noRamping { fields["difficulty_ramping"] = .bool(false) }
    return try make(entry, config: .object(fields))
  }

  /// The JSON tree of an environment's config.
  public static func config(of env: any ConfigurableEnvironment) throws -> JSONValue {
    func encode<E: ConfigurableEnvironment>(_ env: E) throws -> JSONValue {
      try JSONValue(encoding: env.config)
    }
    return try encode(env)
  }
}

/// A one-line description of a decoding error.
func describe(_ error: Error) -> String {
  switch error {
  case DecodingError.keyNotFound(let key, let context):
    return "missing field '\(path(context.codingPath + [key]))'"
  case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
    return "field '\(path(context.codingPath))' has the wrong type"
  case DecodingError.dataCorrupted(let context):
    let at = context.codingPath.isEmpty ? "" : " at '\(path(context.codingPath))'"
    // A type that names what it expected says so (an enum's values).
    let expected = context.debugDescription.hasPrefix("expected") ? ": \(context.debugDescription)" : ""
    return "malformed data\(at)\(expected)"
  case let error as RolloutError:
    return error.message
  default:
    return "\(error)".split(separator: "\n").first.map(String.init) ?? "unknown error"
  }
}

/// A coding path as the file spells it (snake_case keys, `[i]` for array elements).
private func path(_ keys: [CodingKey]) -> String {
  keys.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".")
}

private func snakeCase(_ name: String) -> String {
  var result = ""
  for character in name {
    if character.isUppercase {
      if !result.isEmpty { result.append("_") }
      result += character.lowercased()
    } else {
      result.append(character)
    }
  }
  return result
}

extension ConfigurableEnvironment {
  /// An environment of this type built from a config tree.
  static func make(config: JSONValue) throws -> any ConfigurableEnvironment {
    Self(config: try config.decode(as: Config.self))
  }
}

extension EnvironmentSetup {
  /// Reads a maze: a built-in name (`medium`, `hard`) or the path of a maze file. Errors name the
  /// file and the line.
  public static func mazeLayout(_ argument: String) throws -> MazeLayout {
    if let builtin = BuiltinMazes.named(argument) { return builtin }
    let url = URL(fileURLWithPath: argument)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      let reason = FileManager.default.fileExists(atPath: url.path) ? "cannot be read" : "no such file"
      throw RolloutError("cannot read maze file \(argument): \(reason) (built-in mazes: medium, hard)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw RolloutError("\(argument): not a text file")
    }
    do {
      let name = url.deletingPathExtension().lastPathComponent
      return try MazeLayout.parse(text, name: ["medium", "hard"].contains(name) ? "\(name)-file" : name)
    } catch {
      throw RolloutError("\(argument):\(error.line): \(error.message)")
    }
  }

  /// A maze env from an entry's defaults with the maze and reward mode replaced where given.
  public static func makeMaze(
    _ entry: EnvironmentEntry, maze: String?, reward: Maze.RewardMode?,
    base: (any ConfigurableEnvironment)? = nil
  ) throws -> any ConfigurableEnvironment {
    guard var config = ((base ?? entry.make()) as? Maze)?.config else {
      throw RolloutError("--maze and --reward apply to the maze envs only, not \(entry.name)")
    }
    if let maze { config.layout = try mazeLayout(maze) }
    if let reward { config.reward = reward }
    return Maze(config: config)
  }
}
