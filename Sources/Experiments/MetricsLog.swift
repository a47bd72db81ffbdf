import Foundation

/// Appends one JSON object per line to a metrics file (JSON Lines), each line in one write, so an
/// interrupted run leaves only whole lines behind.
public final class MetricsLog {
  private let handle: FileHandle
  private let encoder: JSONEncoder
  public let url: URL

  public init(url: URL) throws {
    self.url = url
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw RolloutError("cannot create metrics log \(url.path)")
    }
    handle = try FileHandle(forWritingTo: url)
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
  }

  public func append<T: Encodable>(_ record: T) throws {
    var line = try encoder.encode(record)
    line.append(UInt8(ascii: "\n"))
    try handle.write(contentsOf: line)
  }

  deinit {
    try? handle.close()
  }
}
