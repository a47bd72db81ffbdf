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

  /// Copies `source` with its top-left corner at (x, y), clipped to this frame.
  public mutating func draw(_ source: Frame, x: Int, y: Int) {
    let x0 = max(0, x), x1 = min(width, x + source.width)
    guard x0 < x1 else { return }
    for row in max(0, y)..<min(height, y + source.height) {
      let from = ((row - y) * source.width + (x0 - x)) * 3, to = (row * width + x0) * 3
      pixels.replaceSubrange(to..<to + (x1 - x0) * 3, with: source.pixels[from..<from + (x1 - x0) * 3])
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

  /// Paints a filled disc, clipped to the frame.
  public mutating func fillCircle(centerX cx: Double, centerY cy: Double, radius r: Double, _ color: RGB) {
    let x0 = max(0, Int((cx - r).rounded(.down))), x1 = min(width - 1, Int((cx + r).rounded(.up)))
    let y0 = max(0, Int((cy - r).rounded(.down))), y1 = min(height - 1, Int((cy + r).rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    for y in y0...y1 {
      for x in x0...x1 {
        let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
        if dx * dx + dy * dy <= r * r { self[x, y] = color }
      }
    }
  }

  /// Paints a straight line `lineWidth` pixels wide (round ends), clipped to the frame.
  public mutating func drawLine(
    fromX x0: Double, fromY y0: Double, toX x1: Double, toY y1: Double, lineWidth: Double = 1,
    _ color: RGB
  ) {
    let length = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
    let steps = max(1, Int(length.rounded(.up)) * 2)
    let radius = max(0.5, lineWidth / 2)
    for i in 0...steps {
      let t = Double(i) / Double(steps)
      fillCircle(centerX: x0 + (x1 - x0) * t, centerY: y0 + (y1 - y0) * t, radius: radius, color)
    }
  }
}
