import CZlib
import RLCore

/// Encodes frames as PNG files (8-bit RGB, no interlacing), compressed with zlib.
public enum PNG {
  /// The PNG bytes of a frame.
  public static func encode(_ frame: Frame) throws -> [UInt8] {
    // Each row: filter byte 0 (none), then the RGB bytes.
    let rowBytes = frame.width * 3
    var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * frame.height)
    for y in 0..<frame.height {
      raw[y * (rowBytes + 1)] = 0
      for i in 0..<rowBytes { raw[y * (rowBytes + 1) + 1 + i] = frame.pixels[y * rowBytes + i] }
    }
    var compressedSize = compressBound(uLong(raw.count))
    var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
    let status = compress2(&compressed, &compressedSize, raw, uLong(raw.count), 6)
    guard status == Z_OK else { throw RenderingError("zlib could not compress a frame (status \(status))") }
    compressed.removeSubrange(Int(compressedSize)...)

    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    var header: [UInt8] = []
    header += bigEndian(UInt32(frame.width))
    header += bigEndian(UInt32(frame.height))
    header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, no filter set, no interlace
    appendChunk("IHDR", header, to: &png)
    appendChunk("IDAT", compressed, to: &png)
    appendChunk("IEND", [], to: &png)
    return png
  }

  private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    png += bigEndian(UInt32(data.count))
    png += typeBytes
    png += data
    let crc = (typeBytes + data).withUnsafeBufferPointer {
      CZlib.crc32(0, $0.baseAddress, uInt($0.count))
    }
    png += bigEndian(UInt32(crc))
  }

  private static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }
}

/// A rendering failure, described in one line.
public struct RenderingError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
