import RLCore

/// The nonlinearity between hidden layers.
public enum Activation: String, Sendable, Codable, CaseIterable {
  /// `fastTanh` (max error < 5e-7), the OpenAI-ES and SB3 default for small policies.
  case tanh
  case relu
}

/// A multilayer perceptron over one flat `[Float]` parameter vector.
///
/// Layout of the parameters, layer by layer: the weights as an `in × out` matrix stored
/// input-major (`W[i * out + j]` connects input `i` to unit `j`; Flax's `kernel` convention, so
/// `y = x @ W + b`), then the `out` biases. Hidden layers apply `activation`; the last layer is
/// linear. The forward pass allocates nothing: the caller supplies a workspace of
/// `workspaceCount` floats.
public struct MLP: Sendable, Equatable, Codable {
  /// `[inputs, hidden…, outputs]`.
  public let layerSizes: [Int]
  public let activation: Activation

  public init(layerSizes: [Int], activation: Activation = .tanh) {
    precondition(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 }, "bad layer sizes")
    self.layerSizes = layerSizes
    self.activation = activation
  }

  /// An MLP with the given hidden sizes between `inputs` and `outputs`.
  public init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .tanh) {
    self.init(layerSizes: [inputs] + hidden + [outputs], activation: activation)
  }

  public var inputCount: Int { layerSizes[0] }
  public var outputCount: Int { layerSizes[layerSizes.count - 1] }
  public var layerCount: Int { layerSizes.count - 1 }

  /// Total number of weights and biases.
  public var parameterCount: Int {
    (0..<layerCount).reduce(0) { $0 + layerSizes[$1] * layerSizes[$1 + 1] + layerSizes[$1 + 1] }
  }

  /// Floats of scratch space `forward` needs: the outputs of every layer.
  public var workspaceCount: Int { layerSizes.dropFirst().reduce(0, +) }

  /// Where layer `l`'s weights start in the parameter vector (its biases follow them).
  public func weightOffset(layer l: Int) -> Int {
    (0..<l).reduce(0) { $0 + layerSizes[$1] * layerSizes[$1 + 1] + layerSizes[$1 + 1] }
  }

  /// Runs the network; returns a pointer to the `outputCount` outputs inside `workspace`.
  ///
  /// Cost: about one multiply-add per weight plus one `fastTanh` per hidden unit; 4→16→2 runs in
  /// roughly 20–30 ns (`rollout bench policy`).
  @inlinable
  public func forward(
    parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
    workspace: UnsafeMutablePointer<Float>
  ) -> UnsafeMutablePointer<Float> {
    var x = input
    var y = workspace
    var p = parameters
    let last = layerSizes.count - 2
    for l in 0...last {
      let inCount = layerSizes[l]
      let outCount = layerSizes[l + 1]
      let act: Activation? = l == last ? nil : activation
      denseLayer(
        input: x, inCount: inCount, weights: p, bias: p + inCount * outCount,
        outCount: outCount, output: y, activation: act)
      p += inCount * outCount + outCount
      x = UnsafePointer(y)
      y += outCount
    }
    return UnsafeMutablePointer(mutating: x)
  }
}

@inlinable @inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
func activate(_ v: SIMD8<Float>, _ activation: Activation?) -> SIMD8<Float> {
  switch activation {
  case .tanh?: fastTanh(v)
  case .relu?: v.replacing(with: 0, where: v .< 0)
  case nil: v
  }
}

@inlinable @inline(__always)
func activate(_ v: Float, _ activation: Activation?) -> Float {
  switch activation {
  case .tanh?: fastTanh(v)
  case .relu?: v < 0 ? 0 : v
  case nil: v
  }
}

/// `y = act(x @ W + b)` with W input-major. Units are processed 16, then 8 at a time in SIMD8
/// lanes (each input broadcast once per block); the last `out % 8` units use four interleaved
/// partial sums to keep the dependency chains short. The summation order is fixed, so results do
/// not depend on anything but the inputs.
@inlinable
func denseLayer(
  input x: UnsafePointer<Float>, inCount: Int, weights w: UnsafePointer<Float>,
  bias b: UnsafePointer<Float>, outCount: Int, output y: UnsafeMutablePointer<Float>,
  activation: Activation?
) {
  var j = 0
  while j + 16 <= outCount {
    var a0 = load8(b + j)
    var a1 = load8(b + j + 8)
    var row = w + j
    for i in 0..<inCount {
      let xi = SIMD8<Float>(repeating: x[i])
      a0 += xi * load8(row)
      a1 += xi * load8(row + 8)
      row += outCount
    }
    store8(activate(a0, activation), y + j)
    store8(activate(a1, activation), y + j + 8)
    j += 16
  }
  while j + 8 <= outCount {
    var a0 = load8(b + j)
    var row = w + j
    for i in 0..<inCount {
      a0 += SIMD8<Float>(repeating: x[i]) * load8(row)
      row += outCount
    }
    store8(activate(a0, activation), y + j)
    j += 8
  }
  while j < outCount {
    var s = SIMD4<Float>.zero
    var i = 0
    while i + 4 <= inCount {
      s += SIMD4(x[i], x[i + 1], x[i + 2], x[i + 3])
        * SIMD4(
          w[i * outCount + j], w[(i + 1) * outCount + j], w[(i + 2) * outCount + j],
          w[(i + 3) * outCount + j])
      i += 4
    }
    var total = b[j] + ((s[0] + s[1]) + (s[2] + s[3]))
    while i < inCount {
      total += x[i] * w[i * outCount + j]
      i += 1
    }
    y[j] = activate(total, activation)
    j += 1
  }
}
