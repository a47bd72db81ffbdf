import Foundation

/// Protocol Buffers' wire format, the part rollout writes: TensorBoard's event records and ONNX
/// models. A message is its fields in order, each a key (field number and wire type) and a value.
/// Writing by hand keeps the two file kinds free of a generated-code dependency; the messages are
/// small and their schemas (`tensorflow/core/util/event.proto`, `onnx/onnx.proto`) have been
/// stable for years.
struct ProtobufMessage {
  private(set) var bytes: [UInt8] = []

  private enum WireType: UInt64 {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
  }

  private mutating func key(_ field: Int, _ type: WireType) {
    varint(UInt64(field) << 3 | type.rawValue)
  }

  private mutating func varint(_ value: UInt64) {
    var v = value
    while v >= 0x80 {
      bytes.append(UInt8(v & 0x7F) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  /// int32, int64, enum and bool fields (negative values as ten-byte two's complement, as
  /// protobuf's `int64` encodes them).
  mutating func int(_ field: Int, _ value: Int) {
    key(field, .varint)
    varint(UInt64(bitPattern: Int64(value)))
  }

  mutating func double(_ field: Int, _ value: Double) {
    key(field, .fixed64)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func float(_ field: Int, _ value: Float) {
    key(field, .fixed32)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func string(_ field: Int, _ value: String) {
    data(field, Array(value.utf8))
  }

  mutating func data(_ field: Int, _ value: [UInt8]) {
    key(field, .lengthDelimited)
    varint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  mutating func message(_ field: Int, _ value: ProtobufMessage) {
    data(field, value.bytes)
  }

  /// A packed repeated int64 field.
  mutating func packedInts(_ field: Int, _ values: [Int]) {
    var packed = ProtobufMessage()
    for v in values { packed.varint(UInt64(bitPattern: Int64(v))) }
    data(field, packed.bytes)
  }
}
