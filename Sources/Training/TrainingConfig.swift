import Environments
import Evolution
import Foundation
import RLCore

/// The fully resolved settings of a training run: what `rollout train --print-config` prints,
/// what `--config FILE` reads (any subset of it), and `config.json` in every run directory.
public struct TrainingConfig: Sendable, Equatable, Codable {
  /// The env's short name or id.
  public var env: String
  /// The env's own typed config (maze layout and reward, time limits…).
  public var envConfig: JSONValue
  public var algorithm: String
  /// The algorithm's typed config (`OpenAIES.Config`, `NoveltySearchES.Config`, …) as JSON: its
  /// type depends on `algorithm`, and `Algorithm.open` decodes and checks it.
  public var strategy: JSONValue
  public var run: RunConfig

  public init(
    env: String, envConfig: JSONValue, algorithm: String, strategy: JSONValue, run: RunConfig
  ) {
    self.env = env
    self.envConfig = envConfig
    self.algorithm = algorithm
    self.strategy = strategy
    self.run = run
  }

  /// The preset for an env and algorithm (default: the env's best), with the env's default config.
  public static func preset(env name: String, algorithm: Algorithm? = nil) throws -> TrainingConfig {
    let entry = try EnvironmentSetup.entry(named: name)
    let environment = EnvironmentSetup.make(entry)
    let algorithm = algorithm ?? Presets.defaultAlgorithm(env: environment.spec.name)
    let preset = try algorithm.preset(env: environment.spec.name)
    return TrainingConfig(
      env: environment.spec.name, envConfig: try EnvironmentSetup.config(of: environment),
      algorithm: algorithm.rawValue, strategy: preset.strategy, run: preset.run)
  }

  /// These settings with a config file's values laid over them. Unknown keys are errors naming
  /// the key and the valid ones.
  public func overlaid(withFile url: URL) throws -> TrainingConfig {
    try overlaid(with: try Self.readOverlay(url), source: url.path)
  }

  /// A config file's JSON tree; a one-line error naming the file when it cannot be read or parsed.
  public static func readOverlay(_ url: URL) throws -> JSONValue {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw RolloutError("cannot read config file \(url.path): no such file or not readable")
    }
    do {
      return try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw RolloutError("\(url.path): not valid JSON")
    }
  }

  /// These settings with `overlay` laid over them; errors name `source`.
  public func overlaid(with overlay: JSONValue, source: String) throws -> TrainingConfig {
    do {
      let merged = try JSONValue(encoding: self).merging(overlay, path: "")
      return try merged.decode(as: TrainingConfig.self)
    } catch let error as RolloutError {
      throw RolloutError("\(source): \(error.message)")
    } catch {
      throw RolloutError("\(source): \(describe(error))")
    }
  }

  /// The config as pretty, sorted JSON (snake_case keys), ready to edit.
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }
}

extension JSONValue {
  /// This tree with `overlay` laid over it: objects merge key by key (every overlay key must exist
  /// here), anything else is replaced.
  func merging(_ overlay: JSONValue, path: String) throws -> JSONValue {
    guard case .object(var base) = self else { return overlay }
    guard case .object(let top) = overlay else {
      throw RolloutError("'\(path.isEmpty ? "the file" : path)' must be a JSON object")
    }
    for (key, value) in top {
      let keyPath = path.isEmpty ? key : "\(path).\(key)"
      guard let existing = base[key] else {
        throw RolloutError(
          "unknown key '\(keyPath)'; valid keys\(path.isEmpty ? "" : " in '\(path)'"): \(base.keys.sorted().joined(separator: ", "))")
      }
      base[key] = try existing.merging(value, path: keyPath)
    }
    return .object(base)
  }
}
