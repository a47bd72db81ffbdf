import RLCore

#if AVX512 && arch(x86_64)
  import CVectorMath
#endif

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
      denseLayer(
        input: x, inCount: inCount, weights: p, bias: p + inCount * outCount,
        outCount: outCount, output: y)
      if l != last { activate(y, outCount, activation) }
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

/// Applies the activation in place to `count` values (SIMD16, SIMD8 blocks, then one at a time).
@inlinable @inline(__always)
func activate(_ y: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation) {
  var j = 0
  switch activation {
  case .tanh:
    #if AVX512 && arch(x86_64)
      rollout_tanh_fma16(y, count)
    #else
      while j &+ 16 <= count {
        let x = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(y + j).storeBytes(of: fastTanh(x), as: SIMD16<Float>.self)
        j &+= 16
      }
      while j &+ 8 <= count {
        store8(fastTanh(load8(y + j)), y + j)
        j &+= 8
      }
      while j < count {
        y[j] = fastTanh(y[j])
        j &+= 1
      }
    #endif
  case .relu:
    while j < count {
      if y[j] < 0 { y[j] = 0 }
      j &+= 1
    }
  }
}

/// `y = x @ W + b` with W input-major. Units are processed 16, then 8 at a time in SIMD8
/// lanes (each input broadcast once per block); the last `out % 8` units use four interleaved
/// partial sums to keep the dependency chains short. The summation order is fixed, so results do
/// not depend on anything but the inputs.
@inlinable @inline(__always)
func denseLayer(
  input x: UnsafePointer<Float>, inCount: Int, weights w: UnsafePointer<Float>,
  bias b: UnsafePointer<Float>, outCount: Int, output y: UnsafeMutablePointer<Float>
) {
  #if AVX512 && arch(x86_64)
    var j = rollout_dense_fma16(x, 1, inCount, w, b, outCount, y)
  #else
    var j = 0
  #endif
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
    store8(a0, y + j)
    store8(a1, y + j + 8)
    j += 16
  }
  while j + 8 <= outCount {
    var a0 = load8(b + j)
    var row = w + j
    for i in 0..<inCount {
      a0 += SIMD8<Float>(repeating: x[i]) * load8(row)
      row += outCount
    }
    store8(a0, y + j)
    j += 8
  }
  denseTail(input: x, inCount: inCount, weights: w, bias: b, from: j, outCount: outCount, output: y)
}

/// Units `j..<outCount` of `denseLayer` (fewer than 8: the output layer of most policies):
/// SIMD4/SIMD2/scalar pieces over the units, each with four accumulators over the inputs, summed
/// in a fixed order.
@inlinable @inline(__always)
func denseTail(
  input x: UnsafePointer<Float>, inCount: Int, weights w: UnsafePointer<Float>,
  bias b: UnsafePointer<Float>, from start: Int, outCount: Int, output y: UnsafeMutablePointer<Float>
) {
  var j = start
  while j + 4 <= outCount {
    let sums = narrowBlock(SIMD4<Float>.self, x, inCount, w + j, outCount)
    let z = UnsafeRawPointer(b + j).loadUnaligned(as: SIMD4<Float>.self) + sums
    for k in 0..<4 { y[j + k] = z[k] }
    j += 4
  }
  while j + 2 <= outCount {
    let sums = narrowBlock(SIMD2<Float>.self, x, inCount, w + j, outCount)
    let z = UnsafeRawPointer(b + j).loadUnaligned(as: SIMD2<Float>.self) + sums
    y[j] = z[0]
    y[j + 1] = z[1]
    j += 2
  }
  if j < outCount {
    // The last unit reads two lanes and keeps one; the extra float is W[i, j + 1] or, on the last
    // row, the layer's first bias, so it never leaves the layer's parameters.
    let z = b[j] + narrowBlock(SIMD2<Float>.self, x, inCount, w + j, outCount)[0]
    y[j] = z
  }
}

/// `Σᵢ x[i] · W[i, j..<j+V.scalarCount]` with four interleaved accumulators over `i`.
@inlinable @inline(__always)
func narrowBlock<V: SIMD>(
  _: V.Type, _ x: UnsafePointer<Float>, _ inCount: Int, _ w: UnsafePointer<Float>, _ stride: Int
) -> V where V.Scalar == Float {
  var a0 = V(), a1 = V(), a2 = V(), a3 = V()
  var i = 0
  var row = w
  func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
  while i &+ 4 <= inCount {
    a0 += V(repeating: x[i]) * load(row)
    a1 += V(repeating: x[i &+ 1]) * load(row + stride)
    a2 += V(repeating: x[i &+ 2]) * load(row + 2 &* stride)
    a3 += V(repeating: x[i &+ 3]) * load(row + 3 &* stride)
    row += 4 &* stride
    i &+= 4
  }
  while i < inCount {
    a0 += V(repeating: x[i]) * load(row)
    row += stride
    i &+= 1
  }
  return (a0 + a1) + (a2 + a3)
}
