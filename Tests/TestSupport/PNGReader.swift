import CZlib
import Foundation

/// Reads the PNG files rollout writes (8-bit RGB, every row with filter 0) back into pixels, for
/// tests that look at pictures.
public struct DecodedPNG {
  public let width: Int
  public let height: Int
  /// Row-major RGB bytes.
  public let pixels: [UInt8]

  public init(contentsOf url: URL) throws {
    let png = [UInt8](try Data(contentsOf: url))
    struct Unreadable: Error {}
    guard png.count > 8, png.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Unreadable() }
    func be32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
    var offset = 8, width = 0, height = 0
    var idat: [UInt8] = []
    while offset + 8 <= png.count {
      let length = be32(offset)
      let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
      if type == "IHDR" {
        width = be32(offset + 8)
        height = be32(offset + 12)
      }
      if type == "IDAT" { idat += png[(offset + 8)..<(offset + 8 + length)] }
      offset += 12 + length
    }
    var raw = [UInt8](repeating: 0, count: (width * 3 + 1) * height)
    var rawLength = uLongf(raw.count)
    guard width > 0, uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK else { throw Unreadable() }
    var pixels: [UInt8] = []
    pixels.reserveCapacity(width * height * 3)
    for y in 0..<height {
      let row = y * (width * 3 + 1)
      guard raw[row] == 0 else { throw Unreadable() }
      pixels += raw[(row + 1)..<(row + 1 + width * 3)]
    }
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// The RGB bytes of the rectangle at (x, y), `w × h` pixels.
  public func crop(x: Int, y: Int, width w: Int, height h: Int) -> [UInt8] {
    var out: [UInt8] = []
    for row in y..<y + h {
      let start = (row * width + x) * 3
      out += pixels[start..<start + w * 3]
    }
    return out
  }

  /// How many pixels have exactly this colour.
  public func count(r: UInt8, g: UInt8, b: UInt8) -> Int {
    var n = 0
    for i in stride(from: 0, to: pixels.count, by: 3) where pixels[i] == r && pixels[i + 1] == g && pixels[i + 2] == b {
      n += 1
    }
    return n
  }
}
