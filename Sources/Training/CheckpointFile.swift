import Environments
import Evolution
import Dispatch
import Foundation
import Synchronization
import RLCore

/// A training run's checkpoint: `checkpoint.json` in the run directory.
///
/// It holds the env and its config, the algorithm and all its settings, and the run's progress
/// (the strategy's state, e.g. optimiser moments or a GA's seed chains; observation statistics;
/// counters; best policy). Like a policy file it is JSON with a CRC-32 over the whole file, written
/// atomically; `rollout train --resume DIR` reads it and finishes with the same weights as a run
/// that never stopped. `State` is the strategy's state type: read `CheckpointFile.Header` first to
/// learn the algorithm, then the whole file with its state type.
public struct CheckpointFile<State: Sendable & Codable>: Sendable, Codable {
  public var format: String = CheckpointFormat.name
  public var version: Int = CheckpointFormat.version
  public var createdBy: String = "rollout \(rolloutVersion)"
  public var env: PolicyFile.EnvironmentRecord
  public var algorithm: String
  /// The algorithm's config, as in `TrainingConfig.strategy`.
  public var strategy: JSONValue
  public var run: RunConfig
  public var progress: RunProgress<State>
  public var checksum: String = ChecksummedJSON.placeholder

  public init(
    env: PolicyFile.EnvironmentRecord, algorithm: String, strategy: JSONValue,
    run: RunConfig, progress: RunProgress<State>
  ) {
    self.env = env
    self.algorithm = algorithm
    self.strategy = strategy
    self.run = run
    self.progress = progress
  }

  public func write(to url: URL) throws {
    try AtomicFile.write(try ChecksummedJSON.encode(self), to: url)
  }

  /// Reads and checks a checkpoint; every failure is one line naming the file and the problem.
  public static func read(from url: URL) throws -> CheckpointFile {
    try CheckpointFormat.read(from: url) { (file: CheckpointFile) in
      file.progress.generation >= 0 && file.progress.statistics.dimension == file.env.observationSize
        && file.progress.best.map({
          $0.normalizer.dimension == file.env.observationSize
            && $0.normalizer.std.allSatisfy { $0 > 0 && $0.isFinite }
            && $0.parameters.allSatisfy(\.isFinite)
        }) ?? true
    }
  }
}

extension CheckpointFile: Equatable where State: Equatable {}

/// Where a run keeps its checkpoint, and what every checkpoint of it records besides the
/// progress: the training loops read and write their own state type through it.
///
/// Checkpoints are encoded and written on a queue of their own, so training goes on meanwhile (a
/// PPO checkpoint is ~18 ms of JSON encoding, and CartPole's preset makes one every ~0.25 s of
/// training); they are written in order, each atomically. `flush` waits for the last one and
/// reports a failed write; a write that fails is reported by the next `write` too.
public final class CheckpointStore: Sendable {
  public let url: URL
  public let header: CheckpointHeader
  /// Whether this process writes (rank 0 of a cluster; the others compute the same run).
  public let writes: Bool
  private let queue = DispatchQueue(label: "rollout.checkpoints")
  private let failure = Mutex<RolloutError?>(nil)

  public init(url: URL, header: CheckpointHeader, writes: Bool = true) {
    self.url = url
    self.header = header
    self.writes = writes
  }

  public func write<State: Sendable & Codable>(_ progress: RunProgress<State>) throws {
    guard writes else { return }
    if let error = failure.withLock({ $0 }) { throw error }
    let file = CheckpointFile(
      env: header.env, algorithm: header.algorithm, strategy: header.strategy, run: header.run, progress: progress)
    let url = url
    queue.async { [self] in
      do {
        try file.write(to: url)
      } catch {
        self.failure.withLock { $0 = $0 ?? (error as? RolloutError ?? RolloutError("cannot write \(url.path): \(error)")) }
      }
    }
  }

  /// Waits for every checkpoint handed to `write` to be on disk; throws if one could not be.
  public func flush() throws {
    queue.sync {}
    if let error = failure.withLock({ $0 }) { throw error }
  }

  public func read<State: Sendable & Codable>(_: State.Type) throws -> RunProgress<State> {
    try CheckpointFile<State>.read(from: url).progress
  }
}

/// The parts of a checkpoint every algorithm shares, to read before knowing the state's type.
public struct CheckpointHeader: Sendable, Equatable, Codable {
  public var env: PolicyFile.EnvironmentRecord
  public var algorithm: String
  public var strategy: JSONValue
  public var run: RunConfig
  /// How far the run had come (read from a file; not needed to write one).
  public var progress: Counters? = nil

  public struct Counters: Sendable, Equatable, Codable {
    public var generation: Int
    public var envSteps: Int
  }

  public init(env: PolicyFile.EnvironmentRecord, algorithm: String, strategy: JSONValue, run: RunConfig) {
    self.env = env
    self.algorithm = algorithm
    self.strategy = strategy
    self.run = run
  }

  public static func read(from url: URL) throws -> CheckpointHeader {
    try CheckpointFormat.read(from: url) { (header: CheckpointHeader) in
      header.run.hidden.allSatisfy({ $0 > 0 && $0 <= 4096 }) && header.run.threads > 0
        && header.run.episodesPerMember > 0 && header.run.evaluationEpisodes > 0
        && header.run.confirmationEpisodes > 0
    }
  }
}

public enum CheckpointFormat {
  public static let name = "rollout-checkpoint"
  public static let version = 2
  public static let fileName = "checkpoint.json"

  static func read<T: Decodable>(from url: URL, isConsistent: (T) -> Bool) throws -> T {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      let reason = FileManager.default.fileExists(atPath: url.path) ? "cannot be read" : "no such file"
      throw RolloutError("cannot read checkpoint \(url.path): \(reason)")
    }
    do {
      let file: T = try ChecksummedJSON.decode(data, format: name, version: version, what: "checkpoint")
      guard isConsistent(file) else {
        throw RolloutError("inconsistent checkpoint (sizes or settings out of range)")
      }
      return file
    } catch let error as RolloutError {
      throw RolloutError("\(url.path): \(error.message)")
    }
  }
}

/// JSON coders that keep every value exactly: Swift writes each float's shortest round-trip
/// digits, and infinite values (an env's observation bounds) are written as strings.
enum ExactJSON {
  static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return encoder
  }

  static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return decoder
  }
}

/// JSON with a CRC-32 over the whole file: the `checksum` field holds `crc32:` and 8 hex digits,
/// computed with those digits written as zeros (docs/policy-format.md shows how to check it).
public enum ChecksummedJSON {
  public static let placeholder = "crc32:00000000"

  /// Pretty-printed, sorted, snake_case JSON with its checksum filled in. `value` must have a
  /// `checksum` field holding the placeholder.
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    // An env's observation bounds may be infinite (a checkpoint holds every env mid-episode).
    let encoder = ExactJSON.encoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    var data = try encoder.encode(value)
    data.append(UInt8(ascii: "\n"))
    let sum = String(format: "crc32:%08x", crc32(data))
    let pattern = Data("\"checksum\" : \"\(placeholder)\"".utf8)
    guard let range = data.range(of: pattern) else {
      throw RolloutError("internal error: checksum placeholder missing")
    }
    data.replaceSubrange(range, with: Data("\"checksum\" : \"\(sum)\"".utf8))
    return data
  }

  /// Checks the bytes (JSON object, checksum, format, version) and decodes them.
  public static func decode<T: Decodable>(_ data: Data, format: String, version: Int, what: String) throws -> T {
    if data.isEmpty { throw RolloutError("empty file, not a rollout \(what)") }
    guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
      throw RolloutError("not a rollout \(what) file (not a JSON object; truncated or corrupt?)")
    }
    try verifyChecksum(data)
    let decoder = ExactJSON.decoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let header = try? decoder.decode(FileHeader.self, from: data)
    guard header?.format == format else {
      throw RolloutError("not a rollout \(what) file (format is not '\(format)')")
    }
    guard header?.version == version else {
      throw RolloutError(
        "\(what) format version \(header?.version.map(String.init) ?? "?") is not supported "
          + "(this rollout reads version \(version))")
    }
    do {
      return try decoder.decode(T.self, from: data)
    } catch {
      throw RolloutError("invalid \(what) file: \(describe(error))")
    }
  }

  private struct FileHeader: Decodable {
    var format: String?
    var version: Int?
  }

  static func verifyChecksum(_ data: Data) throws {
    let text = String(decoding: data, as: UTF8.self)
    let pattern = #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#
    guard let match = text.firstMatch(of: pattern) else {
      throw RolloutError("no checksum field; not a complete rollout file")
    }
    let stored = String(match.1)
    var zeroed = text
    zeroed.replaceSubrange(match.1.startIndex..<match.1.endIndex, with: "00000000")
    let actual = String(format: "%08x", crc32(Array(zeroed.utf8)))
    guard actual == stored else {
      throw RolloutError("checksum mismatch (stored \(stored), computed \(actual)); the file is corrupt")
    }
  }
}
