import RLCore

/// A 2-D convolution over a channels-last grid, as Flax's `nn.Conv` and TensorFlow's `Conv2D` do
/// it (cross-correlation; "same" pads with zeros, the odd one on the bottom and right).
///
/// Parameters: the kernel as a `(kernelHeight · kernelWidth · channels) × filters` matrix,
/// input-major with the patch index `(dy · kernelWidth + dx) · channels + c` (Flax's HWIO kernel
/// flattened), then the `filters` biases. The layer is a dense layer applied to every patch: the
/// forward pass lays the patches out as rows (im2col) and runs the dense kernels on them, so a
/// convolution inherits their arithmetic — one fused multiply-add chain per output, in the patch
/// order above, the same bits on every kernel path, for one observation or a batch.
public struct Convolution: Sendable, Hashable {
  public enum Padding: String, Sendable, Codable, CaseIterable {
    /// No padding: the kernel stays inside the grid.
    case valid
    /// Zero padding so that the output has ⌈side / stride⌉ positions per side.
    case same
  }

  public let filters: Int
  public let kernelHeight: Int
  public let kernelWidth: Int
  public let stride: Int
  public let padding: Padding

  public init(filters: Int, kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Padding = .valid) {
    precondition(filters > 0 && kernelHeight > 0 && kernelWidth > 0 && stride > 0, "bad convolution")
    self.filters = filters
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.stride = stride
    self.padding = padding
  }

  /// Floats in one patch: the layer's inputs per output position.
  public func patchCount(input: GridShape) -> Int { kernelHeight * kernelWidth * input.channels }

  public func parameterCount(input: GridShape) -> Int { patchCount(input: input) * filters + filters }

  /// The output grid, or nil when the kernel does not fit (`valid` on a smaller grid).
  public func outputShape(input: GridShape) -> GridShape? {
    switch padding {
    case .valid:
      guard input.height >= kernelHeight, input.width >= kernelWidth else { return nil }
      return GridShape(
        height: (input.height - kernelHeight) / stride + 1, width: (input.width - kernelWidth) / stride + 1,
        channels: filters)
    case .same:
      return GridShape(
        height: (input.height + stride - 1) / stride, width: (input.width + stride - 1) / stride, channels: filters)
    }
  }

  /// Zero rows above and below the grid and columns left and right of it (TensorFlow's rule: the
  /// leading side gets half the total, rounded down; all zero for `valid`).
  public func padding(input: GridShape, output: GridShape) -> (top: Int, left: Int, bottom: Int, right: Int) {
    guard padding == .same else { return (0, 0, 0, 0) }
    let rows = max((output.height - 1) * stride + kernelHeight - input.height, 0)
    let columns = max((output.width - 1) * stride + kernelWidth - input.width, 0)
    return (rows / 2, columns / 2, rows - rows / 2, columns - columns / 2)
  }

  /// The zero rows above and columns left of the grid: where the patches' windows start.
  public func leadingPadding(input: GridShape, output: GridShape) -> (top: Int, left: Int) {
    let all = padding(input: input, output: output)
    return (all.top, all.left)
  }

  /// Calls `body` for every output position and kernel offset in order — the order of a
  /// patch's entries — with where that input cell's channels start, or nil where the kernel hangs
  /// over the edge.
  @inline(__always)
  func forEachWindowCell(input: GridShape, output: GridShape, pad: (top: Int, left: Int), _ body: (Int?) -> Void) {
    for oy in 0..<output.height {
      for ox in 0..<output.width {
        for dy in 0..<kernelHeight {
          let y = oy &* stride &+ dy &- pad.top
          let rowInside = y >= 0 && y < input.height
          for dx in 0..<kernelWidth {
            let x = ox &* stride &+ dx &- pad.left
            body(rowInside && x >= 0 && x < input.width ? (y &* input.width &+ x) &* input.channels : nil)
          }
        }
      }
    }
  }

  /// Writes the patch of every output position of one observation, row after row
  /// (`output.positions × patchCount`), zeros where the kernel hangs over the edge.
  func gatherPatches(
    _ x: UnsafePointer<Float>, input: GridShape, output: GridShape, pad: (top: Int, left: Int),
    into patches: UnsafeMutablePointer<Float>
  ) {
    let c = input.channels
    var p = patches
    // A cell's few channels are copied in a loop: a call to memmove per 4–10 floats cost more
    // than the copy (6 % of a convolutional ES generation's time).
    forEachWindowCell(input: input, output: output, pad: pad) { cell in
      if let cell {
        let source = x + cell
        for k in 0..<c { p[k] = source[k] }
      } else {
        for k in 0..<c { p[k] = 0 }
      }
      p += c
    }
  }

  /// The reverse of `gatherPatches` for gradients: adds each patch's values back onto the input
  /// cells they came from (`gradient` is set, not added to), positions and kernel offsets in
  /// order, so every cell's sum runs in one order.
  func scatterPatches(
    _ patches: UnsafePointer<Float>, input: GridShape, output: GridShape, pad: (top: Int, left: Int),
    into gradient: UnsafeMutablePointer<Float>
  ) {
    let c = input.channels
    gradient.update(repeating: 0, count: input.count)
    var p = patches
    forEachWindowCell(input: input, output: output, pad: pad) { cell in
      if let cell {
        let g = gradient + cell
        for k in 0..<c { g[k] += p[k] }
      }
      p += c
    }
  }
}

extension Convolution: CustomStringConvertible, Codable {
  /// `conv(16,3x3)`, with `stride=2` and `padding=same` when they are not the defaults: the form
  /// `--network` and config files take.
  public var description: String {
    var text = "conv(\(filters),\(kernelHeight)x\(kernelWidth)"
    if stride != 1 { text += ",stride=\(stride)" }
    if padding != .valid { text += ",padding=\(padding.rawValue)" }
    return text + ")"
  }

  /// Parses `conv(F,HxW[,stride=S][,padding=valid|same])` (a square kernel may be given as one
  /// number); nil when the text is not one.
  public init?(parsing text: String) {
    let t = text.filter { !$0.isWhitespace }.lowercased()
    guard t.hasPrefix("conv("), t.hasSuffix(")") else { return nil }
    let fields = t.dropFirst(5).dropLast().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard fields.count >= 2, let filters = Int(fields[0]), filters > 0 else { return nil }
    let sides = fields[1].split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
    guard sides.count == 1 || sides.count == 2, let h = sides[0], let w = sides.last!, h > 0, w > 0 else { return nil }
    var stride = 1, padding = Padding.valid
    for field in fields.dropFirst(2) {
      let pair = field.split(separator: "=", omittingEmptySubsequences: false)
      guard pair.count == 2 else { return nil }
      switch pair[0] {
      case "stride":
        guard let s = Int(pair[1]), s > 0 else { return nil }
        stride = s
      case "padding":
        guard let p = Padding(rawValue: String(pair[1])) else { return nil }
        padding = p
      default: return nil
      }
    }
    self.init(filters: filters, kernelHeight: h, kernelWidth: w, stride: stride, padding: padding)
  }

  public init(from decoder: Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let parsed = Convolution(parsing: text) else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a convolution like conv(16,3x3)"))
    }
    self = parsed
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
