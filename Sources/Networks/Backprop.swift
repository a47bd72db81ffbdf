import RLCore

/// The activations of one batch, kept by `MLP.forward(batch:)` for `MLP.backward`.
///
/// A tape is sized for a maximum batch once and reused, so training steps allocate nothing.
public final class MLPTape: @unchecked Sendable {
  public let network: MLP
  public let capacity: Int
  /// Layer l's outputs (after the activation on hidden layers), `capacity × size(l + 1)`.
  @usableFromInline var outputs: [UnsafeMutablePointer<Float>]
  /// Two scratch buffers for the gradients flowing backwards, `capacity × widest layer`.
  @usableFromInline let deltaA: UnsafeMutablePointer<Float>
  @usableFromInline let deltaB: UnsafeMutablePointer<Float>

  public init(network: MLP, capacity: Int) {
    precondition(capacity > 0, "a tape needs room for at least one row")
    self.network = network
    self.capacity = capacity
    outputs = network.layerSizes.dropFirst().map { size in
      let p = UnsafeMutablePointer<Float>.allocate(capacity: capacity * size)
      p.initialize(repeating: 0, count: capacity * size)
      return p
    }
    let widest = network.layerSizes.max()!
    deltaA = .allocate(capacity: capacity * widest)
    deltaA.initialize(repeating: 0, count: capacity * widest)
    deltaB = .allocate(capacity: capacity * widest)
    deltaB.initialize(repeating: 0, count: capacity * widest)
  }

  deinit {
    for p in outputs { p.deallocate() }
    deltaA.deallocate()
    deltaB.deallocate()
  }

  /// The network's outputs for the last batch, row-major `count × outputCount`.
  public var lastOutputs: UnsafeMutablePointer<Float> { outputs[outputs.count - 1] }
}

extension MLP {
  /// Runs `count` rows of `inputs` (row-major `count × inputCount`) and keeps every layer's outputs
  /// in `tape`; returns the outputs (`count × outputCount`, inside the tape). Each row computes
  /// exactly what `forward` computes.
  @discardableResult
  public func forward(
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: MLPTape
  ) -> UnsafeMutablePointer<Float> {
    precondition(count <= tape.capacity && tape.network == self, "the tape does not fit this batch")
    var p = parameters
    let last = layerCount - 1
    for l in 0...last {
      let inCount = layerSizes[l], outCount = layerSizes[l + 1]
      let x: UnsafePointer<Float> = l == 0 ? inputs : UnsafePointer(tape.outputs[l - 1])
      let y = tape.outputs[l]
      for r in 0..<count {
        denseLayer(
          input: x + r * inCount, inCount: inCount, weights: p, bias: p + inCount * outCount,
          outCount: outCount, output: y + r * outCount)
      }
      if l != last { activate(y, count * outCount, activation) }
      p += inCount * outCount + outCount
    }
    return tape.lastOutputs
  }

  /// Adds ∂L/∂θ to `gradient` (same layout as the parameters) for the batch last run through
  /// `tape`, given ∂L/∂outputs (`count × outputCount`; left unchanged).
  ///
  /// For each layer from the last: ∂b += Σ_rows δ, ∂W += xᵀδ (input-major rows, SIMD over units),
  /// and δ ← (δ·Wᵀ) ⊙ act′ for the layer below (tanh′ = 1 − y², relu′ = [y > 0]). Rows are summed
  /// in order, so the result depends only on the inputs.
  public func backward(
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: MLPTape,
    outputGradients: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>
  ) {
    var delta = UnsafePointer(outputGradients)
    var spare = (tape.deltaA, tape.deltaB)
    for l in stride(from: layerCount - 1, through: 0, by: -1) {
      let inCount = layerSizes[l], outCount = layerSizes[l + 1]
      let offset = weightOffset(layer: l)
      let w = parameters + offset
      let dW = gradient + offset, dB = dW + inCount * outCount
      let x: UnsafePointer<Float> = l == 0 ? inputs : UnsafePointer(tape.outputs[l - 1])
      for r in 0..<count {
        let d = delta + r * outCount
        addRow(d, into: dB, count: outCount, scale: 1)
        let xr = x + r * inCount
        for i in 0..<inCount where xr[i] != 0 {
          addRow(d, into: dW + i * outCount, count: outCount, scale: xr[i])
        }
      }
      guard l > 0 else { break }
      let below = spare.0
      for r in 0..<count {
        let d = delta + r * outCount
        let xr = x + r * inCount
        let out = below + r * inCount
        for i in 0..<inCount {
          let s = dot(w + i * outCount, d, outCount)
          let y = xr[i]
          switch activation {
          case .tanh: out[i] = s * (1 - y * y)
          case .relu: out[i] = y > 0 ? s : 0
          }
        }
      }
      delta = UnsafePointer(below)
      spare = (spare.1, spare.0)
    }
  }
}

/// `y[0..<n] += scale · x[0..<n]`.
@inlinable @inline(__always)
func addRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, scale: Float) {
  var j = 0
  let s = SIMD8<Float>(repeating: scale)
  while j + 8 <= n {
    store8(load8(y + j) + s * load8(x + j), y + j)
    j += 8
  }
  while j < n {
    y[j] += scale * x[j]
    j += 1
  }
}

/// `Σ a[j]·b[j]` over n values: SIMD8 lanes, then the tail, in a fixed order.
@inlinable @inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
  var acc = SIMD8<Float>.zero
  var j = 0
  while j + 8 <= n {
    acc += load8(a + j) * load8(b + j)
    j += 8
  }
  var s = acc.sum()
  while j < n {
    s += a[j] * b[j]
    j += 1
  }
  return s
}
