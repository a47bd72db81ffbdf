import Foundation

/// Reads a TensorBoard event file for the tests, independently of rollout's writer: TFRecord
/// framing with both masked CRC-32Cs checked, and the few `Event` fields rollout writes.
public struct TestEvent: Equatable {
  public var wallTime: Double
  public var step: Int
  public var fileVersion: String?
  /// tag → simple_value of the event's summary.
  public var scalars: [String: Float]
}

public enum EventFileReader {
  public struct Corrupt: Error, CustomStringConvertible {
    public let description: String
  }

  public static func read(_ url: URL) throws -> [TestEvent] {
    let bytes = [UInt8](try Data(contentsOf: url))
    var events: [TestEvent] = []
    var offset = 0
    while offset < bytes.count {
      guard offset + 12 <= bytes.count else { throw Corrupt(description: "truncated header at \(offset)") }
      let header = Array(bytes[offset..<offset + 8])
      let length = Int(littleEndian(header))
      guard UInt32(littleEndian(Array(bytes[offset + 8..<offset + 12]))) == maskedCRC32C(header),
        offset + 12 + length + 4 <= bytes.count
      else { throw Corrupt(description: "bad length record at \(offset)") }
      let payload = Array(bytes[offset + 12..<offset + 12 + length])
      let crc = UInt32(littleEndian(Array(bytes[offset + 12 + length..<offset + 16 + length])))
      guard crc == maskedCRC32C(payload) else { throw Corrupt(description: "bad payload CRC at \(offset)") }
      events.append(try event(payload))
      offset += 16 + length
    }
    return events
  }

  static func littleEndian(_ bytes: [UInt8]) -> UInt64 {
    bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }

  static func event(_ payload: [UInt8]) throws -> TestEvent {
    var event = TestEvent(wallTime: 0, step: 0, fileVersion: nil, scalars: [:])
    for field in try fields(payload) {
      switch (field.number, field.value) {
      case (1, .fixed(let bits)): event.wallTime = Double(bitPattern: bits)
      case (2, .varint(let v)): event.step = Int(Int64(bitPattern: v))
      case (3, .bytes(let b)): event.fileVersion = String(decoding: b, as: UTF8.self)
      case (5, .bytes(let summary)):
        for value in try fields(summary) where value.number == 1 {
          guard case .bytes(let v) = value.value else { continue }
          var tag = "", number: Float = .nan
          for f in try fields(v) {
            if f.number == 1, case .bytes(let t) = f.value { tag = String(decoding: t, as: UTF8.self) }
            if f.number == 2, case .fixed(let bits) = f.value { number = Float(bitPattern: UInt32(bits)) }
          }
          event.scalars[tag] = number
        }
      default: break
      }
    }
    return event
  }

  public enum Value: Equatable {
    case varint(UInt64), fixed(UInt64), bytes([UInt8])

    public var bytes: [UInt8]? { if case .bytes(let b) = self { b } else { nil } }
    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
    public var integer: Int? { if case .varint(let v) = self { Int(Int64(bitPattern: v)) } else { nil } }
  }

  /// A protobuf message's fields, in order (a reader of the wire format for the tests).
  public static func fields(_ bytes: [UInt8]) throws -> [(number: Int, value: Value)] {
    var out: [(Int, Value)] = []
    var i = 0
    func varint() throws -> UInt64 {
      var result: UInt64 = 0, shift: UInt64 = 0
      while true {
        guard i < bytes.count, shift < 64 else { throw Corrupt(description: "bad varint") }
        let b = bytes[i]
        i += 1
        result |= UInt64(b & 0x7F) << shift
        if b < 0x80 { return result }
        shift += 7
      }
    }
    func take(_ n: Int) throws -> [UInt8] {
      guard n >= 0, i + n <= bytes.count else { throw Corrupt(description: "field runs past the end") }
      defer { i += n }
      return Array(bytes[i..<i + n])
    }
    while i < bytes.count {
      let key = try varint()
      let number = Int(key >> 3)
      switch key & 7 {
      case 0: out.append((number, .varint(try varint())))
      case 1: out.append((number, .fixed(littleEndian(try take(8)))))
      case 2: out.append((number, .bytes(try take(Int(try varint())))))
      case 5: out.append((number, .fixed(littleEndian(try take(4)))))
      default: throw Corrupt(description: "wire type \(key & 7)")
      }
    }
    return out
  }

  /// Bitwise CRC-32C (no table: a second implementation to check the writer's against).
  public static func crc32c(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
  }

  static func maskedCRC32C(_ bytes: [UInt8]) -> UInt32 {
    let crc = crc32c(bytes)
    return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }

  /// The event files in a run directory.
  public static func files(in directory: URL) -> [URL] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
      .filter { $0.hasPrefix("events.out.tfevents.") }.sorted().map { directory.appendingPathComponent($0) }
  }
}
