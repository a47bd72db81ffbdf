import Foundation

/// Appends one JSON object per generation to `metrics.jsonl` (JSON Lines), one row to
/// `metrics.csv` and one event to a TensorBoard event file, each in one write, so an interrupted
/// run leaves only whole lines and records behind.
public final class MetricsLog {
  private let handle: FileHandle
  private let csvHandle: FileHandle?
  private let tensorBoard: TensorBoardLog?
  private let encoder: JSONEncoder
  public let url: URL

  static let csvHeader =
    "generation,mean_return,max_return,evaluation_return,env_steps,evaluation_steps,elapsed_seconds,steps_per_second,"
    + "policy_loss,value_loss,entropy,approx_kl,clip_fraction,learning_rate\n"

  /// Opens the logs. With `keepThrough`, a resumed run keeps the lines of generations up to that
  /// one (those after the checkpoint will be run again) and appends after them; otherwise the
  /// files start empty. With `tensorBoard`, the event file goes into that directory.
  public init(url: URL, csv: URL? = nil, tensorBoard eventsDirectory: URL? = nil, keepThrough generation: Int? = nil) throws {
    self.url = url
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    var jsonLines = ""
    var csvLines = MetricsLog.csvHeader
    var kept: [GenerationReport] = []
    if let generation, let existing = try? String(contentsOf: url, encoding: .utf8) {
      for line in existing.split(separator: "\n") {
        guard let data = line.data(using: .utf8),
          let report = try? JSONDecoder.snakeCase.decode(GenerationReport.self, from: data),
          report.generation <= generation
        else { continue }
        jsonLines += line + "\n"
        csvLines += MetricsLog.csvRow(report)
        kept.append(report)
      }
    }
    try AtomicFile.write(Data(jsonLines.utf8), to: url)
    handle = try FileHandle(forWritingTo: url)
    try handle.seekToEnd()
    if let csv {
      try AtomicFile.write(Data(csvLines.utf8), to: csv)
      csvHandle = try FileHandle(forWritingTo: csv)
      try csvHandle?.seekToEnd()
    } else {
      csvHandle = nil
    }
    // A resumed run's timeline ends now, so TensorBoard's wall-time axis has no gap for the pause.
    tensorBoard = try eventsDirectory.map {
      try TensorBoardLog(
        directory: $0, runStart: Date().timeIntervalSince1970 - (kept.last?.elapsedSeconds ?? 0), kept: kept)
    }
  }

  public func append(_ report: GenerationReport) throws {
    var line = try encoder.encode(report)
    line.append(UInt8(ascii: "\n"))
    try handle.write(contentsOf: line)
    try csvHandle?.write(contentsOf: Data(MetricsLog.csvRow(report).utf8))
    try tensorBoard?.append(report)
  }

  static func csvRow(_ r: GenerationReport) -> String {
    let losses = r.update.map { u in
      "\(u.policyLoss),\(u.valueLoss),\(u.entropy),\(u.approxKL),\(u.clipFraction),\(u.learningRate)"
    } ?? ",,,,,"
    return "\(r.generation),\(r.meanReturn),\(r.maxReturn),\(r.evaluationReturn),\(r.envSteps),\(r.evaluationSteps),\(r.elapsedSeconds),\(r.stepsPerSecond),\(losses)\n"
  }

  deinit {
    try? handle.close()
    try? csvHandle?.close()
  }
}

extension JSONDecoder {
  /// A decoder for rollout's snake_case files.
  public static var snakeCase: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return decoder
  }
}
