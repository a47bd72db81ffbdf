import Dispatch
import Foundation

/// A TensorBoard event file (`events.out.tfevents.<seconds>.<host>`) in a run directory: the
/// same scalars as `metrics.csv`, one `Event` record per generation or update with the training
/// env step as its step, so `tensorboard --logdir runs` shows every run side by side.
///
/// The file is TFRecord framing around `tensorflow.Event` protobufs: each record is its length
/// (uint64, little-endian), the masked CRC-32C of those eight bytes, the event, and the masked
/// CRC-32C of the event. The first event carries only `file_version = "brain.Event:2"`; each
/// later one a `Summary` of `simple_value` scalars, which TensorBoard's scalar plugin reads.
final class TensorBoardLog {
  let url: URL
  private let handle: FileHandle
  private let runStart: Double
  /// Records not yet written: they go out at most a second apart (and when the log closes), so a
  /// fast run pays no write per generation. A run killed before a flush loses under a second of
  /// events, which its resume writes again from metrics.jsonl.
  private var pending: [UInt8] = []
  private var lastWrite = DispatchTime.now().uptimeNanoseconds
  static let writeInterval: UInt64 = 1_000_000_000

  /// The tag of each `metrics.csv` column that TensorBoard shows, grouped as its dashboard groups
  /// them (by the part before the slash). `generation` is there too, so a step can be matched
  /// with its CSV row.
  static let tags: [(column: String, tag: String)] = [
    ("mean_return", "returns/mean_return"), ("max_return", "returns/max_return"),
    ("evaluation_return", "returns/evaluation_return"), ("generation", "progress/generation"),
    ("env_steps", "progress/env_steps"), ("evaluation_steps", "progress/evaluation_steps"),
    ("elapsed_seconds", "progress/elapsed_seconds"), ("steps_per_second", "progress/steps_per_second"),
    ("policy_loss", "losses/policy_loss"), ("value_loss", "losses/value_loss"), ("entropy", "losses/entropy"),
    ("approx_kl", "losses/approx_kl"), ("clip_fraction", "losses/clip_fraction"),
    ("learning_rate", "losses/learning_rate"),
  ]

  /// Replaces any event files in `directory` with a new one holding `kept` (a resumed run's
  /// generations up to its checkpoint: the ones after it will be logged again). Event times are
  /// `runStart` plus each report's elapsed seconds, so a resumed run's curve has no gap.
  init(directory: URL, runStart: Double, kept: [GenerationReport]) throws {
    self.runStart = runStart
    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    where TensorBoardLog.isEventFile(name) {
      try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
    }
    var host = [CChar](repeating: 0, count: 256)
    gethostname(&host, host.count - 1)
    let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    url = directory.appendingPathComponent("events.out.tfevents.\(Int(runStart)).\(hostName.isEmpty ? "localhost" : hostName)")
    var header = ProtobufMessage()
    header.double(1, runStart)
    header.string(3, "brain.Event:2")
    var data = TensorBoardLog.record(header.bytes)
    for report in kept { data += TensorBoardLog.record(TensorBoardLog.event(report, runStart: runStart)) }
    try AtomicFile.write(Data(data), to: url)
    handle = try FileHandle(forWritingTo: url)
    try handle.seekToEnd()
  }

  static func isEventFile(_ name: String) -> Bool { name.hasPrefix("events.out.tfevents.") }

  func append(_ report: GenerationReport) throws {
    pending += TensorBoardLog.record(TensorBoardLog.event(report, runStart: runStart))
    if DispatchTime.now().uptimeNanoseconds - lastWrite >= TensorBoardLog.writeInterval { try flush() }
  }

  func flush() throws {
    guard !pending.isEmpty else { return }
    try handle.write(contentsOf: Data(pending))
    pending.removeAll(keepingCapacity: true)
    lastWrite = DispatchTime.now().uptimeNanoseconds
  }

  /// The scalars of one report, as `metrics.csv` has them (the losses only for updates).
  static func scalars(_ r: GenerationReport) -> [(String, Double)] {
    var values: [String: Double] = [
      "mean_return": r.meanReturn, "max_return": r.maxReturn, "evaluation_return": r.evaluationReturn,
      "generation": Double(r.generation), "env_steps": Double(r.envSteps), "evaluation_steps": Double(r.evaluationSteps),
      "elapsed_seconds": r.elapsedSeconds, "steps_per_second": r.stepsPerSecond,
    ]
    if let u = r.update {
      values["policy_loss"] = u.policyLoss
      values["value_loss"] = u.valueLoss
      values["entropy"] = u.entropy
      values["approx_kl"] = u.approxKL
      values["clip_fraction"] = u.clipFraction
      values["learning_rate"] = u.learningRate
    }
    return tags.compactMap { column, tag in values[column].map { (tag, $0) } }
  }

  private static func event(_ r: GenerationReport, runStart: Double) -> [UInt8] {
    var summary = ProtobufMessage()
    for (tag, value) in TensorBoardLog.scalars(r) {
      var v = ProtobufMessage()
      v.string(1, tag)
      v.float(2, Float(value))
      summary.message(1, v)
    }
    var event = ProtobufMessage()
    event.double(1, runStart + r.elapsedSeconds)
    event.int(2, r.envSteps)
    event.message(5, summary)
    return event.bytes
  }

  static func record(_ payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(payload.count + 16)
    withUnsafeBytes(of: UInt64(payload.count).littleEndian) { out.append(contentsOf: $0) }
    withUnsafeBytes(of: maskedCRC32C(out).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: payload)
    withUnsafeBytes(of: maskedCRC32C(payload).littleEndian) { out.append(contentsOf: $0) }
    return out
  }

  /// TFRecord's checksum: CRC-32C, rotated right by 15 bits and offset, so that a CRC of data
  /// that itself holds CRCs stays well distributed.
  static func maskedCRC32C(_ bytes: [UInt8]) -> UInt32 {
    let crc = crc32c(bytes)
    return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }

  /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord uses; zlib has only
  /// CRC-32's polynomial.
  static func crc32c(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc = crc32cTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
    }
    return crc ^ 0xFFFF_FFFF
  }

  private static let crc32cTable: [UInt32] = (0..<256).map { i in
    var c = UInt32(i)
    for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    return c
  }

  deinit {
    try? flush()
    try? handle.close()
  }
}
