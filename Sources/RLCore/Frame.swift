/// An RGB colour, 8 bits per channel.
public struct RGB: Sendable, Equatable, Hashable {
  public var r: UInt8
  public var g: UInt8
  public var b: UInt8

  public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
    self.r = r
    self.g = g
    self.b = b
  }

  public static let white = RGB(255, 255, 255)
  public static let black = RGB(0, 0, 0)
}

/// An RGB canvas that environments draw themselves into; row 0 is the top.
///
/// Pixels are stored row-major as `r, g, b` bytes, the layout that PNG, GIF and SDL's `RGB24`
/// textures take without conversion.
public struct Frame: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public var pixels: [UInt8]

  public init(width: Int, height: Int, background: RGB = .white) {
    precondition(width > 0 && height > 0, "a frame needs a positive size")
    self.width = width
    self.height = height
    self.pixels = [UInt8](repeating: 0, count: width * height * 3)
    fill(background)
  }

  /// The colour at column `x`, row `y`.
  public subscript(x: Int, y: Int) -> RGB {
    get {
      let o = (y * width + x) * 3
      return RGB(pixels[o], pixels[o + 1], pixels[o + 2])
    }
    set {
      let o = (y * width + x) * 3
      pixels[o] = newValue.r
      pixels[o + 1] = newValue.g
      pixels[o + 2] = newValue.b
    }
  }

  /// Paints the whole frame.
  public mutating func fill(_ color: RGB) {
    fillRect(x: 0, y: 0, width: width, height: height, color)
  }

  /// Paints an axis-aligned rectangle, clipped to the frame.
  public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
    let x0 = max(0, x), y0 = max(0, y)
    let x1 = min(width, x + w), y1 = min(height, y + h)
    guard x0 < x1, y0 < y1 else { return }
    for row in y0..<y1 {
      for column in x0..<x1 {
        self[column, row] = color
      }
    }
  }
}
