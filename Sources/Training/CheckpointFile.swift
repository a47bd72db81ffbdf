import CZlib
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
    try AtomicFile.write(try ChecksummedJSON.encode(self, compressed: true), to: url)
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
      let file: T = try ChecksummedJSON.decode(data, format: name, versions: version...version, what: "checkpoint")
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
///
/// A value with `@Packed` vectors of 65,536 floats or more is written as a packed file instead:
/// the 8 bytes `ROLLPK01`, the JSON's length in bytes (uint64, little-endian), the JSON (padded
/// with spaces to a multiple of 8 bytes), then the vectors as little-endian float32, each referred
/// to in the JSON as `{"offset": bytes from the start of that data, "count": n}`. The CRC-32 then
/// covers every byte of the file the same way. Small files stay plain JSON.
///
/// With `compressed` (checkpoints), the magic is `ROLLPZ01`, a second uint64 after the JSON's
/// length gives the data's length, and the data is stored byte-planed (every value's first byte,
/// then every second byte, …) and deflated with zlib: optimiser moments and weights shrink by
/// about 15 %, which writing them in the background absorbs.
public enum ChecksummedJSON {
  public static let placeholder = "crc32:00000000"
  public static let packedMagic = Array("ROLLPK01".utf8)
  public static let compressedMagic = Array("ROLLPZ01".utf8)

  /// Pretty-printed, sorted, snake_case JSON with its checksum filled in (or a packed file, as
  /// above). `value` must have a `checksum` field holding the placeholder.
  public static func encode<T: Encodable>(_ value: T, compressed: Bool = false) throws -> Data {
    // An env's observation bounds may be infinite (a checkpoint holds every env mid-episode).
    let encoder = ExactJSON.encoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    let sink = PackedFloats.Sink()
    encoder.userInfo[PackedFloats.key] = sink
    var json = try encoder.encode(value)
    json.append(UInt8(ascii: "\n"))
    let packed = sink.data
    var data: Data
    var jsonStart = 0
    if packed.isEmpty {
      data = json
    } else {
      jsonStart = compressed ? 24 : 16
      while (jsonStart + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
      data = Data(compressed ? compressedMagic : packedMagic)
      withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
      if compressed { withUnsafeBytes(of: UInt64(packed.count).littleEndian) { data.append(contentsOf: $0) } }
      data.append(json)
      data.append(contentsOf: compressed ? try deflate(bytePlanes(packed)) : packed)
    }
    let pattern = Data("\"checksum\" : \"\(placeholder)\"".utf8)
    guard let range = data.range(of: pattern, in: jsonStart..<jsonStart + json.count) else {
      throw RolloutError("internal error: checksum placeholder missing")
    }
    let sum = String(format: "crc32:%08x", crc32(data))
    data.replaceSubrange(range, with: Data("\"checksum\" : \"\(sum)\"".utf8))
    return data
  }

  /// Where a file's JSON starts: 0 for plain JSON, after the header for packed files.
  static func jsonStart(_ data: Data) -> Int {
    data.starts(with: compressedMagic) ? 24 : data.starts(with: packedMagic) ? 16 : 0
  }

  /// The JSON part of a file, and the packed vectors' data (nil for a plain JSON file; inflated
  /// for a compressed one, so call after checking the checksum).
  static func split(_ data: Data) throws -> (json: Data, packed: () throws -> Data?) {
    let start = jsonStart(data)
    guard start > 0 else { return (data, { nil }) }
    func uint64(at offset: Int) -> UInt64 {
      data[data.startIndex + offset..<data.startIndex + offset + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
    guard data.count >= start else { throw RolloutError("truncated packed file (no header)") }
    let length = uint64(at: 8)
    guard length <= UInt64(data.count - start) else { throw RolloutError("truncated packed file (header runs past the end)") }
    let end = data.startIndex + start + Int(length)
    let json = Data(data[data.startIndex + start..<end])
    let rest = Data(data[end...])
    guard start == 24 else { return (json, { rest }) }
    let rawLength = uint64(at: 16)
    return (json, { try unBytePlanes(inflate(rest, length: rawLength)) })
  }

  /// The bytes of 4-byte values regrouped by position: all first bytes, then all second bytes…
  static func bytePlanes(_ bytes: [UInt8]) -> [UInt8] {
    let n = bytes.count / 4
    var out = [UInt8](repeating: 0, count: bytes.count)
    for i in 0..<n { for k in 0..<4 { out[k * n + i] = bytes[4 * i + k] } }
    return out
  }

  static func unBytePlanes(_ bytes: [UInt8]) -> Data {
    let n = bytes.count / 4
    var out = [UInt8](repeating: 0, count: bytes.count)
    for i in 0..<n { for k in 0..<4 { out[4 * i + k] = bytes[k * n + i] } }
    return Data(out)
  }

  static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
    var size = compressBound(uLong(bytes.count))
    var out = [UInt8](repeating: 0, count: Int(size))
    guard compress2(&out, &size, bytes, uLong(bytes.count), 1) == Z_OK else {
      throw RolloutError("internal error: zlib could not compress a checkpoint")
    }
    return Array(out.prefix(Int(size)))
  }

  static func inflate(_ data: Data, length: UInt64) throws -> [UInt8] {
    guard length <= 1 << 40, length % 4 == 0 else { throw RolloutError("corrupt compressed data (length \(length))") }
    var out = [UInt8](repeating: 0, count: Int(length))
    var size = uLongf(length)
    let status = [UInt8](data).withUnsafeBufferPointer { uncompress(&out, &size, $0.baseAddress, uLong($0.count)) }
    guard status == Z_OK, size == uLongf(length) else { throw RolloutError("corrupt compressed data (zlib status \(status))") }
    return out
  }

  /// Checks the bytes (JSON object, checksum, format, version) and decodes them.
  public static func decode<T: Decodable>(_ data: Data, format: String, versions: ClosedRange<Int>, what: String) throws -> T {
    if data.isEmpty { throw RolloutError("empty file, not a rollout \(what)") }
    let (json, packed) = try split(data)
    guard (try? JSONSerialization.jsonObject(with: json)) is [String: Any] else {
      throw RolloutError("not a rollout \(what) file (not a JSON object; truncated or corrupt?)")
    }
    try verifyChecksum(data, jsonLength: json.count)
    let decoder = ExactJSON.decoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    if let packed = try packed() { decoder.userInfo[PackedFloats.key] = PackedFloats.Source(data: packed) }
    let header = try? decoder.decode(FileHeader.self, from: json)
    guard header?.format == format else {
      throw RolloutError("not a rollout \(what) file (format is not '\(format)')")
    }
    guard let version = header?.version, versions.contains(version) else {
      let readable = versions.count == 1 ? "version \(versions.lowerBound)" : "versions \(versions.lowerBound)–\(versions.upperBound)"
      throw RolloutError(
        "\(what) format version \(header?.version.map(String.init) ?? "?") is not supported "
          + "(this rollout reads \(readable))")
    }
    do {
      return try decoder.decode(T.self, from: json)
    } catch {
      throw RolloutError("invalid \(what) file: \(describe(error))")
    }
  }

  private struct FileHeader: Decodable {
    var format: String?
    var version: Int?
  }

  /// Checks the CRC-32 of the whole file, whose checksum field lies in its JSON part.
  static func verifyChecksum(_ data: Data, jsonLength: Int) throws {
    let jsonStart = jsonStart(data)
    let text = String(decoding: data[data.startIndex + jsonStart..<data.startIndex + jsonStart + jsonLength], as: UTF8.self)
    let pattern = #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#
    guard let match = text.firstMatch(of: pattern) else {
      throw RolloutError("no checksum field; not a complete rollout file")
    }
    let stored = String(match.1)
    var zeroed = [UInt8](data)
    let digits = jsonStart + text.utf8.distance(from: text.utf8.startIndex, to: match.1.startIndex)
    for i in digits..<digits + 8 { zeroed[i] = UInt8(ascii: "0") }
    let actual = String(format: "%08x", crc32(zeroed))
    guard actual == stored else {
      throw RolloutError("checksum mismatch (stored \(stored), computed \(actual)); the file is corrupt")
    }
  }
}
