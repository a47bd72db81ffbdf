import Foundation
import RLCore

/// Writes an animated, looping GIF frame by frame: GIF89a with the NETSCAPE2.0 loop extension, a
/// per-frame colour table and LZW-compressed pixels, encoded here (no library), so `rollout replay
/// --gif` works in every build. The tests decode its output with giflib (trait `GIF`).
///
/// Each frame carries its own colour table of the colours it uses, so frames with at most 256
/// colours (every rollout drawing) are stored exactly; busier frames are quantised to a 6×7×6
/// colour cube.
public final class GIFWriter {
  private var handle: FileHandle?
  public let width: Int
  public let height: Int
  /// Delay between frames in hundredths of a second.
  public let delay: Int
  public private(set) var frameCount = 0

  public init(path: String, width: Int, height: Int, framesPerSecond: Int) throws {
    guard (1...65535).contains(width), (1...65535).contains(height) else {
      throw RenderingError("a GIF is at most 65535×65535, not \(width)×\(height)")
    }
    self.width = width
    self.height = height
    delay = max(2, Int((100.0 / Double(max(framesPerSecond, 1))).rounded()))
    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
      throw RenderingError("cannot create GIF \(path)")
    }
    self.handle = handle
    var header = Array("GIF89a".utf8)
    header += Self.le16(width) + Self.le16(height) + [0x00, 0, 0]  // no global colour table
    header += [0x21, 0xFF, 11] + Array("NETSCAPE2.0".utf8) + [3, 1, 0, 0, 0]  // loop forever
    try handle.write(contentsOf: header)
  }

  static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

  /// Appends one frame (it must have the writer's size).
  public func append(_ frame: Frame) throws {
    guard let handle else { throw RenderingError("the GIF is already closed") }
    guard frame.width == width, frame.height == height else {
      throw RenderingError("frame is \(frame.width)×\(frame.height), the GIF \(width)×\(height)")
    }
    let (palette, indices) = GIFWriter.palettize(frame)
    var bytes: [UInt8] = [0x21, 0xF9, 4, 0] + Self.le16(delay) + [0, 0]  // graphic control
    // Image descriptor with a local colour table of 256 entries.
    bytes += [0x2C] + Self.le16(0) + Self.le16(0) + Self.le16(width) + Self.le16(height) + [0x87]
    for i in 0..<256 {
      let c = i < palette.count ? palette[i] : RGB(0, 0, 0)
      bytes += [c.r, c.g, c.b]
    }
    bytes.append(8)  // LZW minimum code size
    let compressed = GIFWriter.lzw(indices)
    var offset = 0
    while offset < compressed.count {
      let n = min(255, compressed.count - offset)
      bytes.append(UInt8(n))
      bytes += compressed[offset..<(offset + n)]
      offset += n
    }
    bytes.append(0)
    try handle.write(contentsOf: bytes)
    frameCount += 1
  }

  /// Finishes the file. Safe to call more than once.
  public func close() throws {
    guard let handle else { return }
    self.handle = nil
    try handle.write(contentsOf: [0x3B])
    try handle.close()
  }

  deinit {
    try? close()
  }

  /// GIF's variable-length LZW over 8-bit indices: codes of 9 to 12 bits, least significant bit
  /// first, a clear code first and whenever the 4,096-entry table is full.
  static func lzw(_ indices: [UInt8]) -> [UInt8] {
    let clear = 256, end = 257
    var output: [UInt8] = []
    output.reserveCapacity(indices.count / 2)
    var bitBuffer = 0, bitCount = 0
    func emit(_ code: Int, _ size: Int) {
      bitBuffer |= code << bitCount
      bitCount += size
      while bitCount >= 8 {
        output.append(UInt8(bitBuffer & 0xFF))
        bitBuffer >>= 8
        bitCount -= 8
      }
    }
    // table[prefix · 256 + byte] = code + 1 (0: absent); `used` lists what to clear.
    var table = [Int16](repeating: 0, count: 4096 * 256)
    var used: [Int] = []
    used.reserveCapacity(4096)
    var codeSize = 9, next = 258
    emit(clear, codeSize)
    guard var prefix = indices.first.map(Int.init) else {
      emit(end, codeSize)
      if bitCount > 0 { output.append(UInt8(bitBuffer & 0xFF)) }
      return output
    }
    for byte in indices.dropFirst() {
      let key = prefix * 256 + Int(byte)
      let found = Int(table[key])
      if found != 0 {
        prefix = found - 1
        continue
      }
      emit(prefix, codeSize)
      table[key] = Int16(next + 1)
      used.append(key)
      if next == 1 << codeSize && codeSize < 12 { codeSize += 1 }
      next += 1
      if next == 4096 {
        emit(clear, codeSize)
        for k in used { table[k] = 0 }
        used.removeAll(keepingCapacity: true)
        codeSize = 9
        next = 258
      }
      prefix = Int(byte)
    }
    emit(prefix, codeSize)
    emit(end, codeSize)
    if bitCount > 0 { output.append(UInt8(bitBuffer & 0xFF)) }
    return output
  }

  /// The frame's colours (at most 256) and each pixel's index into them.
  static func palettize(_ frame: Frame) -> (palette: [RGB], indices: [UInt8]) {
    var table: [UInt32: UInt8] = [:]
    var palette: [RGB] = []
    var indices = [UInt8](repeating: 0, count: frame.width * frame.height)
    let p = frame.pixels
    for i in 0..<(frame.width * frame.height) {
      let key = UInt32(p[3 * i]) << 16 | UInt32(p[3 * i + 1]) << 8 | UInt32(p[3 * i + 2])
      if let index = table[key] {
        indices[i] = index
      } else if palette.count < 256 {
        table[key] = UInt8(palette.count)
        indices[i] = UInt8(palette.count)
        palette.append(RGB(p[3 * i], p[3 * i + 1], p[3 * i + 2]))
      } else {
        return cubePalettize(frame)
      }
    }
    return (palette, indices)
  }

  /// Quantises to a 6 (red) × 7 (green) × 6 (blue) colour cube.
  static func cubePalettize(_ frame: Frame) -> (palette: [RGB], indices: [UInt8]) {
    var palette: [RGB] = []
    for r in 0..<6 { for g in 0..<7 { for b in 0..<6 {
      palette.append(RGB(UInt8(r * 51), UInt8(g * 255 / 6), UInt8(b * 51)))
    } } }
    let p = frame.pixels
    let indices = (0..<(frame.width * frame.height)).map { i -> UInt8 in
      let r = (Int(p[3 * i]) * 5 + 127) / 255, g = (Int(p[3 * i + 1]) * 6 + 127) / 255
      let b = (Int(p[3 * i + 2]) * 5 + 127) / 255
      return UInt8(r * 42 + g * 6 + b)
    }
    return (palette, indices)
  }
}
