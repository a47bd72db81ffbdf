import Foundation
import Synchronization

/// A `[Float]` that rollout's policy and checkpoint writers may store as raw little-endian float32
/// outside the JSON (see `PackedFloats`): marks the large vectors — weights, optimiser moments — of
/// the values those files hold. It reads and writes as a plain array everywhere else.
@propertyWrapper
public struct Packed: Sendable, Equatable, Codable {
  public var wrappedValue: [Float]

  public init(wrappedValue: [Float]) { self.wrappedValue = wrappedValue }

  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let values = try? container.decode([Float].self) {
      wrappedValue = values
      return
    }
    guard let source = decoder.userInfo[PackedFloats.key] as? PackedFloats.Source else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an array of numbers")
    }
    wrappedValue = try source.floats(container.decode(PackedFloats.Reference.self))
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    if let sink = encoder.userInfo[PackedFloats.key] as? PackedFloats.Sink, wrappedValue.count >= PackedFloats.threshold {
      try container.encode(sink.append(wrappedValue))
    } else {
      try container.encode(wrappedValue)
    }
  }
}

/// Where `@Packed` vectors go when a writer asks for them: a data section of float32 values,
/// each vector referred to in the JSON as `{"offset": bytes from the section's start, "count": n}`.
public enum PackedFloats {
  /// Vectors shorter than this stay JSON arrays: a file of small networks stays plain text.
  public static let threshold = 65_536
  public static let key = CodingUserInfoKey(rawValue: "rollout.packedFloats")!

  public struct Reference: Sendable, Equatable, Codable {
    public var offset: Int
    public var count: Int
  }

  /// Collects vectors while a value is encoded.
  public final class Sink: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    public init() {}

    func append(_ values: [Float]) -> Reference {
      bytes.withLock { data in
        let offset = data.count
        #if _endian(little)
          values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
          for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        #endif
        return Reference(offset: offset, count: values.count)
      }
    }

    /// The data section: every vector appended, in order.
    public var data: [UInt8] { bytes.withLock { $0 } }
  }

  /// The data section of a file being decoded.
  public final class Source: Sendable {
    let data: Data
    public init(data: Data) { self.data = data }

    func floats(_ reference: Reference) throws -> [Float] {
      guard reference.offset >= 0, reference.count >= 0, reference.offset % 4 == 0,
        reference.offset + reference.count * 4 <= data.count
      else {
        throw DecodingError.dataCorrupted(
          .init(codingPath: [], debugDescription: "a packed vector lies outside the file's data section"))
      }
      var values = [Float](repeating: 0, count: reference.count)
      data.withUnsafeBytes { raw in
        let bytes = UnsafeRawBufferPointer(rebasing: raw[reference.offset..<reference.offset + 4 * reference.count])
        values.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
      }
      #if !_endian(little)
        for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
      #endif
      return values
    }
  }
}
