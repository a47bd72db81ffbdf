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
  /// Room for one layer's transposed weights.
  @usableFromInline let transposed: UnsafeMutablePointer<Float>
  /// Zeros, `widest layer` of them: the bias of δ·Wᵀ.
  @usableFromInline let zeros: UnsafeMutablePointer<Float>

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
    let largest = (0..<network.layerCount).map { network.layerSizes[$0] * network.layerSizes[$0 + 1] }.max()!
    transposed = .allocate(capacity: largest)
    transposed.initialize(repeating: 0, count: largest)
    zeros = .allocate(capacity: widest)
    zeros.initialize(repeating: 0, count: widest)
  }

  deinit {
    for p in outputs { p.deallocate() }
    deltaA.deallocate()
    deltaB.deallocate()
    transposed.deallocate()
    zeros.deallocate()
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
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: MLPTape,
    kernels: KernelTable = Kernels.active
  ) -> UnsafeMutablePointer<Float> {
    precondition(count <= tape.capacity && tape.network == self, "the tape does not fit this batch")
    var p = parameters
    let last = layerCount - 1
    for l in 0...last {
      let inCount = layerSizes[l], outCount = layerSizes[l + 1]
      let x: UnsafePointer<Float> = l == 0 ? inputs : UnsafePointer(tape.outputs[l - 1])
      let y = tape.outputs[l]
      // The last `outCount % 8` units (an output layer's few) read their weights unit-major.
      let tail = outCount - outCount % 8
      for u in tail..<outCount {
        for i in 0..<inCount { tape.transposed[(u - tail) * inCount + i] = p[i * outCount + u] }
      }
      kernels.denseRows(x, count, inCount, p, p + inCount * outCount, outCount, y, tape.transposed)
      if l != last { kernels.activate(y, count * outCount, activation.code) }
      p += inCount * outCount + outCount
    }
    return tape.lastOutputs
  }

  /// Adds ∂L/∂θ to `gradient` (same layout as the parameters) for the batch last run through
  /// `tape`, given ∂L/∂outputs (`count × outputCount`; left unchanged). With `overwriting`, writes
  /// it instead, bit for bit what adding it to zeros gives, so the caller need not clear the
  /// buffer first.
  ///
  /// For each layer from the last: ∂b += Σ_rows δ, ∂W += xᵀδ, and δ ← (δ·Wᵀ) ⊙ act′ for the layer
  /// below (tanh′ = 1 − y², relu′ = [y > 0]). Rows are summed in order, so the result depends only
  /// on the inputs (`Sources/CVectorMath/kernels.inc` gives each sum's order).
  ///
  /// `transposedWeights`, when given, holds `transposeWeights(parameters:into:)` of these
  /// parameters, so callers running many batches under one parameter vector lay Wᵀ out once.
  public func backward(
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: MLPTape,
    outputGradients: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
    transposedWeights: UnsafePointer<Float>? = nil, overwriting: Bool = false, kernels: KernelTable = Kernels.active
  ) {
    var delta = UnsafePointer(outputGradients)
    var spare = (tape.deltaA, tape.deltaB)
    for l in stride(from: layerCount - 1, through: 0, by: -1) {
      let inCount = layerSizes[l], outCount = layerSizes[l + 1]
      let offset = weightOffset(layer: l)
      let dW = gradient + offset, dB = dW + inCount * outCount
      let x: UnsafePointer<Float> = l == 0 ? inputs : UnsafePointer(tape.outputs[l - 1])
      if overwriting { dB.update(repeating: 0, count: outCount) }
      kernels.sumRows(delta, count, outCount, dB)
      kernels.outer(x, delta, count, inCount, outCount, dW, overwriting ? 1 : 0)
      guard l > 0 else { break }
      // δ_below = δ·Wᵀ, with Wᵀ laid out so each row is a run of SIMD multiply-adds.
      let wt: UnsafePointer<Float>
      if let transposedWeights {
        wt = transposedWeights + transposedOffset(layer: l)
      } else {
        transpose(parameters + offset, rows: inCount, columns: outCount, into: tape.transposed)
        wt = UnsafePointer(tape.transposed)
      }
      // The forward kernels with Wᵀ (`outCount × inCount`) as the weights and a zero bias; the
      // last `inCount % 8` inputs read W's rows, which are Wᵀ's columns laid out unit-major.
      let below = spare.0
      let tail = parameters + offset + (inCount - inCount % 8) * outCount
      kernels.denseRows(delta, count, outCount, wt, tape.zeros, inCount, below, tail)
      kernels.activationGradient(below, x, count * inCount, activation.code)
      delta = UnsafePointer(below)
      spare = (spare.1, spare.0)
    }
  }
}

extension MLP {
  /// Floats `transposeWeights` writes: Wᵀ of every layer but the first (whose δ is never needed).
  public var transposedWeightCount: Int {
    (1..<layerCount).reduce(0) { $0 + layerSizes[$1] * layerSizes[$1 + 1] }
  }

  private func transposedOffset(layer l: Int) -> Int {
    (1..<l).reduce(0) { $0 + layerSizes[$1] * layerSizes[$1 + 1] }
  }

  /// Lays out Wᵀ of layers 1… (`out × in` each, one after another) for `backward`.
  public func transposeWeights(parameters: UnsafePointer<Float>, into buffer: UnsafeMutablePointer<Float>) {
    for l in 1..<layerCount {
      transpose(
        parameters + weightOffset(layer: l), rows: layerSizes[l], columns: layerSizes[l + 1],
        into: buffer + transposedOffset(layer: l))
    }
  }
}

/// `t[j, i] = m[i, j]` for a row-major `rows × columns` matrix, written row by row of t.
@inlinable
func transpose(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into t: UnsafeMutablePointer<Float>) {
  for j in 0..<columns {
    let out = t + j &* rows
    for i in 0..<rows { out[i] = m[i &* columns &+ j] }
  }
}

/// `out[i] = ((0 + s₀[i]) + s₁[i]) + …` over `sources` in order, eight lanes at a time: the sum
/// of per-chunk gradients, the same for any way the chunks were spread over threads.
public func sumInOrder(_ sources: [UnsafePointer<Float>], count n: Int, into out: UnsafeMutablePointer<Float>) {
  var i = 0
  while i &+ 8 <= n {
    var acc = SIMD8<Float>.zero
    for x in sources { acc += load8(x + i) }
    store8(acc, out + i)
    i &+= 8
  }
  while i < n {
    var acc: Float = 0
    for x in sources { acc += x[i] }
    out[i] = acc
    i &+= 1
  }
}
