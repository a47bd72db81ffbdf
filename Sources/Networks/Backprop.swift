import RLCore

/// The activations of one batch, kept by `Network.forward(batch:)` for `Network.backward`.
///
/// A tape is sized for a maximum batch once and reused, so training steps allocate nothing.
public final class NetworkTape: @unchecked Sendable {
  public let network: Network
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
  /// Each convolution's patches (`capacity × positions × patch`, what its weight gradient reads)
  /// and outputs (`capacity × output grid`, after the activation).
  @usableFromInline var patches: [UnsafeMutablePointer<Float>]
  @usableFromInline var convolutionOutputs: [UnsafeMutablePointer<Float>]
  /// The patches' gradients of one convolution above the first, before they go back onto its grid.
  @usableFromInline let patchGradients: UnsafeMutablePointer<Float>

  public init(network: Network, capacity: Int) {
    precondition(capacity > 0, "a tape needs room for at least one row")
    self.network = network
    self.capacity = capacity
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
      let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
      p.initialize(repeating: 0, count: max(count, 1))
      return p
    }
    outputs = network.layerSizes.dropFirst().map { buffer(capacity * $0) }
    let shapes = network.gridShapes, convolutions = network.convolutions
    let patchCounts = convolutions.indices.map { shapes[$0 + 1].positions * convolutions[$0].patchCount(input: shapes[$0]) }
    patches = patchCounts.map { buffer(capacity * $0) }
    convolutionOutputs = shapes.dropFirst().map { buffer(capacity * $0.count) }
    patchGradients = buffer(capacity * (patchCounts.dropFirst().max() ?? 0))
    let widest = (network.layerSizes + shapes.dropFirst().map(\.count)
      + convolutions.indices.map { convolutions[$0].patchCount(input: shapes[$0]) }).max()!
    deltaA = buffer(capacity * widest)
    deltaB = buffer(capacity * widest)
    let largest = network.weightMatrices.map { $0.inputs * $0.outputs }.max()!
    transposed = buffer(largest)
    zeros = buffer(widest)
  }

  deinit {
    for p in outputs + patches + convolutionOutputs { p.deallocate() }
    patchGradients.deallocate()
    deltaA.deallocate()
    deltaB.deallocate()
    transposed.deallocate()
    zeros.deallocate()
  }

  /// The network's outputs for the last batch, row-major `count × outputCount`.
  public var lastOutputs: UnsafeMutablePointer<Float> { outputs[outputs.count - 1] }
}

extension Network {
  /// Runs `count` rows of `inputs` (row-major `count × inputCount`) and keeps every layer's outputs
  /// in `tape`; returns the outputs (`count × outputCount`, inside the tape). Each row computes
  /// exactly what `forward` computes.
  @discardableResult
  public func forward(
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: NetworkTape,
    kernels: KernelTable = Kernels.active
  ) -> UnsafeMutablePointer<Float> {
    precondition(count <= tape.capacity && tape.network == self, "the tape does not fit this batch")
    var p = parameters
    var denseInputs = inputs
    if !convolutions.isEmpty {
      denseInputs = UnsafePointer(
        forwardConvolutions(batch: inputs, count: count, parameters: parameters, tape: tape, kernels: kernels))
      p += convolutionParameterCount
    }
    let last = layerCount - 1
    for l in 0...last {
      let inCount = layerSizes[l], outCount = layerSizes[l + 1]
      let x: UnsafePointer<Float> = l == 0 ? denseInputs : UnsafePointer(tape.outputs[l - 1])
      let y = tape.outputs[l]
      // The last `outCount % 8` units (an output layer's few) read their weights unit-major.
      layOutTailUnits(p, inputs: inCount, outputs: outCount, into: tape.transposed)
      kernels.denseRows(x, count, inCount, p, p + inCount * outCount, outCount, y, tape.transposed)
      if l != last { kernels.activate(y, count * outCount, activation.code) }
      p += inCount * outCount + outCount
    }
    return tape.lastOutputs
  }

  /// The convolutions of a batch: each observation's patches, then one pass of the dense kernels
  /// over all of them (`count × positions` rows). Returns the last convolution's outputs.
  func forwardConvolutions(
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: NetworkTape,
    kernels: KernelTable
  ) -> UnsafeMutablePointer<Float> {
    let shapes = gridShapes
    var x = inputs, p = parameters
    for (k, convolution) in convolutions.enumerated() {
      let inShape = shapes[k], outShape = shapes[k + 1]
      let patch = convolution.patchCount(input: inShape), filters = convolution.filters
      let pad = convolution.leadingPadding(input: inShape, output: outShape)
      let patches = tape.patches[k], y = tape.convolutionOutputs[k]
      for r in 0..<count {
        convolution.gatherPatches(
          x + r * inShape.count, input: inShape, output: outShape, pad: pad, into: patches + r * outShape.positions * patch)
      }
      layOutTailUnits(p, inputs: patch, outputs: filters, into: tape.transposed)
      kernels.denseRows(patches, count * outShape.positions, patch, p, p + patch * filters, filters, y, tape.transposed)
      kernels.activate(y, count * outShape.count, activation.code)
      p += patch * filters + filters
      x = UnsafePointer(y)
    }
    return tape.convolutionOutputs[convolutions.count - 1]
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
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: NetworkTape,
    outputGradients: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
    transposedWeights: UnsafePointer<Float>? = nil, overwriting: Bool = false, kernels: KernelTable = Kernels.active
  ) {
    var delta = UnsafePointer(outputGradients)
    var spare = (tape.deltaA, tape.deltaB)
    for l in stride(from: layerCount - 1, through: 0, by: -1) {
      let inCount = layerSizes[l], outCount = layerSizes[l + 1]
      let offset = weightOffset(layer: l)
      let dW = gradient + offset, dB = dW + inCount * outCount
      let below: UnsafePointer<Float>? =
        l > 0 ? UnsafePointer(tape.outputs[l - 1]) : convolutions.isEmpty ? nil : UnsafePointer(tape.convolutionOutputs.last!)
      let x = below ?? inputs
      if overwriting { dB.update(repeating: 0, count: outCount) }
      kernels.sumRows(delta, count, outCount, dB)
      kernels.outer(x, delta, count, inCount, outCount, dW, overwriting ? 1 : 0)
      guard below != nil else { break }
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
      let next = spare.0
      let tail = parameters + offset + (inCount - inCount % 8) * outCount
      kernels.denseRows(delta, count, outCount, wt, tape.zeros, inCount, next, tail)
      kernels.activationGradient(next, x, count * inCount, activation.code)
      delta = UnsafePointer(next)
      spare = (spare.1, spare.0)
    }
    guard !convolutions.isEmpty else { return }
    // The convolutions, from the last: δ is `count × positions` rows of `filters`, the rows the
    // forward pass ran through the dense kernels, so ∂W and ∂b are those of a dense layer over the
    // patches; δ for the grid below goes back through Wᵀ onto the patches, then onto the grid.
    let shapes = gridShapes
    for k in stride(from: convolutions.count - 1, through: 0, by: -1) {
      let convolution = convolutions[k], inShape = shapes[k], outShape = shapes[k + 1]
      let patch = convolution.patchCount(input: inShape), filters = convolution.filters
      let rows = count * outShape.positions
      let w = parameters + convolutionOffset(k)
      let dW = gradient + convolutionOffset(k), dB = dW + patch * filters
      if overwriting { dB.update(repeating: 0, count: filters) }
      kernels.sumRows(delta, rows, filters, dB)
      kernels.outer(tape.patches[k], delta, rows, patch, filters, dW, overwriting ? 1 : 0)
      guard k > 0 else { break }
      let wt: UnsafePointer<Float>
      if let transposedWeights {
        wt = transposedWeights + transposedConvolutionOffset(k)
      } else {
        transpose(w, rows: patch, columns: filters, into: tape.transposed)
        wt = UnsafePointer(tape.transposed)
      }
      kernels.denseRows(delta, rows, filters, wt, tape.zeros, patch, tape.patchGradients, w + (patch - patch % 8) * filters)
      let next = spare.0
      let pad = convolution.leadingPadding(input: inShape, output: outShape)
      for r in 0..<count {
        convolution.scatterPatches(
          tape.patchGradients + r * outShape.positions * patch, input: inShape, output: outShape, pad: pad,
          into: next + r * inShape.count)
      }
      kernels.activationGradient(next, tape.convolutionOutputs[k - 1], count * inShape.count, activation.code)
      delta = UnsafePointer(next)
      spare = (spare.1, spare.0)
    }
  }
}

extension Network {
  /// Floats `transposeWeights` writes: Wᵀ of every layer but the first (whose δ is never needed).
  public var transposedWeightCount: Int { transposedMatrices.reduce(0) { $0 + $1.inputs * $1.outputs } }

  /// The weight matrices `backward` multiplies δ by: all but the network's first.
  private var transposedMatrices: ArraySlice<(offset: Int, inputs: Int, outputs: Int)> { weightMatrices.dropFirst() }

  private func transposedOffset(matrix m: Int) -> Int {
    weightMatrices[1..<m].reduce(0) { $0 + $1.inputs * $1.outputs }
  }

  /// Dense layer l's Wᵀ: after the convolutions' (allocation-free, as `backward` asks for it per layer).
  private func transposedOffset(layer l: Int) -> Int {
    guard convolutions.isEmpty else { return transposedOffset(matrix: convolutions.count + l) }
    return (1..<l).reduce(0) { $0 + layerSizes[$1] * layerSizes[$1 + 1] }
  }
  private func transposedConvolutionOffset(_ k: Int) -> Int { transposedOffset(matrix: k) }

  /// Lays out Wᵀ of every weight matrix but the first (`out × in` each, one after another) for
  /// `backward`.
  public func transposeWeights(parameters: UnsafePointer<Float>, into buffer: UnsafeMutablePointer<Float>) {
    var t = buffer
    for (offset, inputs, outputs) in transposedMatrices {
      transpose(parameters + offset, rows: inputs, columns: outputs, into: t)
      t += inputs * outputs
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
