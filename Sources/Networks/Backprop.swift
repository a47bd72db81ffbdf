import RLCore

#if AVX512 && arch(x86_64)
  import CVectorMath
#endif

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
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: MLPTape
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
      var r = 0
      while r + 4 <= count {
        denseLayer4(
          input: x + r * inCount, inCount: inCount, weights: p, bias: p + inCount * outCount,
          outCount: outCount, output: y + r * outCount, transposedTail: tape.transposed)
        r += 4
      }
      while r < count {
        denseLayer(
          input: x + r * inCount, inCount: inCount, weights: p, bias: p + inCount * outCount,
          outCount: outCount, output: y + r * outCount)
        r += 1
      }
      if l != last { activate(y, count * outCount, activation) }
      p += inCount * outCount + outCount
    }
    return tape.lastOutputs
  }

  /// Adds ∂L/∂θ to `gradient` (same layout as the parameters) for the batch last run through
  /// `tape`, given ∂L/∂outputs (`count × outputCount`; left unchanged). With `overwriting`, writes
  /// it instead, bit for bit what adding it to zeros gives, so the caller need not clear the
  /// buffer first.
  ///
  /// For each layer from the last: ∂b += Σ_rows δ, ∂W += xᵀδ (input-major rows, SIMD over units),
  /// and δ ← (δ·Wᵀ) ⊙ act′ for the layer below (tanh′ = 1 − y², relu′ = [y > 0]). Rows are summed
  /// in order, so the result depends only on the inputs.
  ///
  /// `transposedWeights`, when given, holds `transposeWeights(parameters:into:)` of these
  /// parameters, so callers running many batches under one parameter vector lay Wᵀ out once.
  public func backward(
    batch inputs: UnsafePointer<Float>, count: Int, parameters: UnsafePointer<Float>, tape: MLPTape,
    outputGradients: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
    transposedWeights: UnsafePointer<Float>? = nil, overwriting: Bool = false
  ) {
    var delta = UnsafePointer(outputGradients)
    var spare = (tape.deltaA, tape.deltaB)
    for l in stride(from: layerCount - 1, through: 0, by: -1) {
      let inCount = layerSizes[l], outCount = layerSizes[l + 1]
      let offset = weightOffset(layer: l)
      let dW = gradient + offset, dB = dW + inCount * outCount
      let x: UnsafePointer<Float> = l == 0 ? inputs : UnsafePointer(tape.outputs[l - 1])
      if overwriting { dB.update(repeating: 0, count: outCount) }
      sumRows(delta, rows: count, width: outCount, into: dB)
      accumulateOuterProducts(
        x: x, delta: delta, rows: count, inCount: inCount, outCount: outCount, into: dW, overwriting: overwriting)
      guard l > 0 else { break }
      // δ_below = δ·Wᵀ, with Wᵀ laid out so each row is a run of SIMD multiply-adds.
      let wt: UnsafePointer<Float>
      if let transposedWeights {
        wt = transposedWeights + transposedOffset(layer: l)
      } else {
        transpose(parameters + offset, rows: inCount, columns: outCount, into: tape.transposed)
        wt = UnsafePointer(tape.transposed)
      }
      let below = spare.0
      propagateDown(
        delta: delta, rows: count, transposed: wt, weights: parameters + offset, inCount: inCount,
        outCount: outCount, zeros: tape.zeros, into: below)
      multiplyByDerivative(below, outputs: x, count: count * inCount, activation: activation)
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

/// `δ ⊙= act′` elementwise, with act′ from the layer's outputs y: tanh′ = 1 − y², relu′ = [y > 0].
@inlinable
func multiplyByDerivative(
  _ delta: UnsafeMutablePointer<Float>, outputs y: UnsafePointer<Float>, count n: Int, activation: Activation
) {
  switch activation {
  case .tanh:
    var i = 0
    while i &+ 8 <= n {
      let v = load8(y + i)
      store8(load8(delta + i) * (1 - v * v), delta + i)
      i &+= 8
    }
    while i < n {
      delta[i] *= 1 - y[i] * y[i]
      i &+= 1
    }
  case .relu:
    for i in 0..<n where y[i] <= 0 { delta[i] = 0 }
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

/// `denseLayer` for four consecutive rows at once: each weight load feeds four rows. Every row's
/// sums are formed in exactly `denseLayer`'s order, so the outputs are bit-identical to four calls.
@inlinable
func denseLayer4(
  input x: UnsafePointer<Float>, inCount: Int, weights w: UnsafePointer<Float>,
  bias b: UnsafePointer<Float>, outCount: Int, output y: UnsafeMutablePointer<Float>,
  transposedTail wt: UnsafePointer<Float>
) {
  #if AVX512 && arch(x86_64)
    var j = rollout_dense_fma16(x, 4, inCount, w, b, outCount, y)
  #else
    var j = 0
  #endif
  while j &+ 16 <= outCount {
    // Four rows × sixteen units: eight independent sums, enough to hide the add latency.
    let low = load8(b + j), high = load8(b + j + 8)
    var a0 = low, a1 = low, a2 = low, a3 = low
    var c0 = high, c1 = high, c2 = high, c3 = high
    var row = w + j
    for i in 0..<inCount {
      let wl = load8(row), wh = load8(row + 8)
      let x0 = SIMD8<Float>(repeating: x[i]), x1 = SIMD8<Float>(repeating: x[inCount &+ i])
      let x2 = SIMD8<Float>(repeating: x[2 &* inCount &+ i]), x3 = SIMD8<Float>(repeating: x[3 &* inCount &+ i])
      a0 += x0 * wl
      c0 += x0 * wh
      a1 += x1 * wl
      c1 += x1 * wh
      a2 += x2 * wl
      c2 += x2 * wh
      a3 += x3 * wl
      c3 += x3 * wh
      row += outCount
    }
    store8(a0, y + j)
    store8(c0, y + j + 8)
    store8(a1, y + outCount + j)
    store8(c1, y + outCount + j + 8)
    store8(a2, y + 2 &* outCount + j)
    store8(c2, y + 2 &* outCount + j + 8)
    store8(a3, y + 3 &* outCount + j)
    store8(c3, y + 3 &* outCount + j + 8)
    j &+= 16
  }
  while j &+ 8 <= outCount {
    let bias = load8(b + j)
    var a0 = bias, a1 = bias, a2 = bias, a3 = bias
    var row = w + j
    for i in 0..<inCount {
      let wi = load8(row)
      a0 += SIMD8<Float>(repeating: x[i]) * wi
      a1 += SIMD8<Float>(repeating: x[inCount &+ i]) * wi
      a2 += SIMD8<Float>(repeating: x[2 &* inCount &+ i]) * wi
      a3 += SIMD8<Float>(repeating: x[3 &* inCount &+ i]) * wi
      row += outCount
    }
    store8(a0, y + j)
    store8(a1, y + outCount + j)
    store8(a2, y + 2 * outCount + j)
    store8(a3, y + 3 * outCount + j)
    j += 8
  }
  if j < outCount {
    denseNarrow4(input: x, inCount: inCount, transposedTail: wt, bias: b, from: j, outCount: outCount, output: y)
  }
}

/// Units `j..<outCount` of `denseLayer4` (fewer than 8: an output layer's), from their weights
/// laid out unit-major (`wt[u * inCount + i]` = W[i, j + u]) so each row reads contiguous runs.
/// Lane k of a row's SIMD4 sum is `denseTail`'s accumulator k (the inputs i ≡ k mod 4, in
/// order, the leftover inputs going to accumulator 0), so every output is bit-identical to it.
@inlinable
func denseNarrow4(
  input x: UnsafePointer<Float>, inCount: Int, transposedTail wt: UnsafePointer<Float>,
  bias b: UnsafePointer<Float>, from start: Int, outCount: Int, output y: UnsafeMutablePointer<Float>
) {
  @inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
  }
  let x0 = x, x1 = x + inCount, x2 = x + 2 &* inCount, x3 = x + 3 &* inCount
  let whole = inCount & ~3
  for j in start..<outCount {
    let w = wt + (j &- start) &* inCount
    var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), a2 = SIMD4<Float>(), a3 = SIMD4<Float>()
    var i = 0
    while i < whole {
      let wi = load4(w + i)
      a0 += load4(x0 + i) * wi
      a1 += load4(x1 + i) * wi
      a2 += load4(x2 + i) * wi
      a3 += load4(x3 + i) * wi
      i &+= 4
    }
    while i < inCount {
      a0[0] += x0[i] * w[i]
      a1[0] += x1[i] * w[i]
      a2[0] += x2[i] * w[i]
      a3[0] += x3[i] * w[i]
      i &+= 1
    }
    @inline(__always) func total(_ a: SIMD4<Float>) -> Float { b[j] + ((a[0] + a[1]) + (a[2] + a[3])) }
    y[j] = total(a0)
    y[outCount &+ j] = total(a1)
    y[2 &* outCount &+ j] = total(a2)
    y[3 &* outCount &+ j] = total(a3)
  }
}

/// ∂W += xᵀ·δ over `rows` rows: W is `inCount × outCount`, input-major. Four inputs × eight units
/// are accumulated in registers across all rows before touching ∂W, so ∂W is read and written
/// once per call instead of once per row.
@inlinable
func accumulateOuterProducts(
  x: UnsafePointer<Float>, delta: UnsafePointer<Float>, rows: Int, inCount: Int, outCount: Int,
  into dW: UnsafeMutablePointer<Float>, overwriting: Bool = false
) {
  /// dW[p…p+7] += v, or = 0 + v when overwriting (+0 + −0 is +0: the bits adding to zeros give).
  @inline(__always) func put(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    store8((overwriting ? .zero : load8(p)) + v, p)
  }
  #if AVX512 && arch(x86_64)
    let wide = rollout_outer_fma16(x, delta, rows, inCount, outCount, dW, overwriting ? 1 : 0)
  #else
    let wide = 0
  #endif
  var i = 0
  while i < inCount {
    let group = min(4, inCount - i)
    var j = wide
    while j + 16 <= outCount {
      // Four inputs × sixteen units: eight accumulators, two δ loads and four broadcasts per row.
      var a0 = SIMD8<Float>.zero, a1 = SIMD8<Float>.zero, a2 = SIMD8<Float>.zero, a3 = SIMD8<Float>.zero
      var c0 = SIMD8<Float>.zero, c1 = SIMD8<Float>.zero, c2 = SIMD8<Float>.zero, c3 = SIMD8<Float>.zero
      if group == 4 {
        // Pointers stepped row by row rather than indices multiplied out: ~15 % faster here.
        var d = delta + j, xr = x + i
        for _ in 0..<rows {
          let dl = load8(d), dh = load8(d + 8)
          let x0 = SIMD8<Float>(repeating: xr[0]), x1 = SIMD8<Float>(repeating: xr[1])
          let x2 = SIMD8<Float>(repeating: xr[2]), x3 = SIMD8<Float>(repeating: xr[3])
          a0 += x0 * dl
          c0 += x0 * dh
          a1 += x1 * dl
          c1 += x1 * dh
          a2 += x2 * dl
          c2 += x2 * dh
          a3 += x3 * dl
          c3 += x3 * dh
          d += outCount
          xr += inCount
        }
      } else {
        for r in 0..<rows {
          let d = delta + r * outCount + j
          let dl = load8(d), dh = load8(d + 8)
          let xr = x + r * inCount + i
          let x0 = SIMD8<Float>(repeating: xr[0])
          a0 += x0 * dl
          c0 += x0 * dh
          if group > 1 {
            let x1 = SIMD8<Float>(repeating: xr[1])
            a1 += x1 * dl
            c1 += x1 * dh
          }
          if group > 2 {
            let x2 = SIMD8<Float>(repeating: xr[2])
            a2 += x2 * dl
            c2 += x2 * dh
          }
        }
      }
      @inline(__always) func add(_ k: Int, _ low: SIMD8<Float>, _ high: SIMD8<Float>) {
        let p = dW + (i + k) * outCount + j
        put(low, p)
        put(high, p + 8)
      }
      add(0, a0, c0)
      if group > 1 { add(1, a1, c1) }
      if group > 2 { add(2, a2, c2) }
      if group > 3 { add(3, a3, c3) }
      j += 16
    }
    while j + 8 <= outCount {
      var a0 = SIMD8<Float>.zero, a1 = SIMD8<Float>.zero, a2 = SIMD8<Float>.zero, a3 = SIMD8<Float>.zero
      for r in 0..<rows {
        let d = load8(delta + r * outCount + j)
        let xr = x + r * inCount + i
        a0 += SIMD8(repeating: xr[0]) * d
        if group > 1 { a1 += SIMD8(repeating: xr[1]) * d }
        if group > 2 { a2 += SIMD8(repeating: xr[2]) * d }
        if group > 3 { a3 += SIMD8(repeating: xr[3]) * d }
      }
      put(a0, dW + i * outCount + j)
      if group > 1 { put(a1, dW + (i + 1) * outCount + j) }
      if group > 2 { put(a2, dW + (i + 2) * outCount + j) }
      if group > 3 { put(a3, dW + (i + 3) * outCount + j) }
      j += 8
    }
    i += group
  }
  var j = outCount - outCount % 8
  while j < outCount {
    if overwriting { for i in 0..<inCount { dW[i * outCount + j] = 0 } }
    accumulateOneUnit(x: x, delta: delta + j, rows: rows, inCount: inCount, outCount: outCount, into: dW + j)
    j += 1
  }
}

/// ∂W[:, j] += xᵀ·δ[:, j] for one unit j (the output layer's few units): SIMD over the inputs,
/// which lie contiguous in each row of x, so the rows stream past 32 inputs held in registers.
/// Each element's sum runs over the rows in order from zero, as in the wide blocks.
@inlinable
func accumulateOneUnit(
  x: UnsafePointer<Float>, delta: UnsafePointer<Float>, rows: Int, inCount: Int, outCount: Int,
  into dW: UnsafeMutablePointer<Float>
) {
  @inline(__always) func scatter(_ sums: SIMD8<Float>, _ i: Int) {
    for k in 0..<8 { dW[(i &+ k) &* outCount] += sums[k] }
  }
  var i = 0
  while i &+ 32 <= inCount {
    var a0 = SIMD8<Float>.zero, a1 = SIMD8<Float>.zero, a2 = SIMD8<Float>.zero, a3 = SIMD8<Float>.zero
    var xr = x + i
    for r in 0..<rows {
      let d = SIMD8<Float>(repeating: delta[r &* outCount])
      a0 += load8(xr) * d
      a1 += load8(xr + 8) * d
      a2 += load8(xr + 16) * d
      a3 += load8(xr + 24) * d
      xr += inCount
    }
    scatter(a0, i)
    scatter(a1, i &+ 8)
    scatter(a2, i &+ 16)
    scatter(a3, i &+ 24)
    i &+= 32
  }
  while i &+ 8 <= inCount {
    var a = SIMD8<Float>.zero
    for r in 0..<rows { a += load8(x + (r &* inCount &+ i)) * SIMD8<Float>(repeating: delta[r &* outCount]) }
    scatter(a, i)
    i &+= 8
  }
  while i < inCount {
    var a: Float = 0
    for r in 0..<rows { a += x[r &* inCount &+ i] * delta[r &* outCount] }
    dW[i &* outCount] += a
    i &+= 1
  }
}

/// below[r, :] = δ[r, :]·Wᵀ for every row: the forward pass's kernels with Wᵀ (`outCount ×
/// inCount`) as the weights and a zero bias, so four rows share each Wᵀ load; each sum runs over
/// the units in order. The last `inCount % 8` inputs read W's rows, which are Wᵀ's columns.
@inlinable
func propagateDown(
  delta: UnsafePointer<Float>, rows: Int, transposed wt: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
  inCount: Int, outCount: Int, zeros: UnsafePointer<Float>, into below: UnsafeMutablePointer<Float>
) {
  let tail = w + (inCount - inCount % 8) * outCount
  var r = 0
  while r + 4 <= rows {
    denseLayer4(
      input: delta + r * outCount, inCount: outCount, weights: wt, bias: zeros, outCount: inCount,
      output: below + r * inCount, transposedTail: tail)
    r += 4
  }
  while r < rows {
    denseLayer(
      input: delta + r * outCount, inCount: outCount, weights: wt, bias: zeros, outCount: inCount,
      output: below + r * inCount)
    r += 1
  }
}

/// `sums[j] += x[0, j] + x[1, j] + …` (added one row at a time, in order) over a row-major
/// `rows × width` matrix: ∂b. Thirty-two sums ride in registers down the rows; adding each row
/// into memory made every row wait on the previous row's store.
@inlinable
func sumRows(_ x: UnsafePointer<Float>, rows: Int, width: Int, into sums: UnsafeMutablePointer<Float>) {
  var j = 0
  while j &+ 32 <= width {
    var a0 = load8(sums + j), a1 = load8(sums + j + 8), a2 = load8(sums + j + 16), a3 = load8(sums + j + 24)
    var row = x + j
    for _ in 0..<rows {
      a0 += load8(row)
      a1 += load8(row + 8)
      a2 += load8(row + 16)
      a3 += load8(row + 24)
      row += width
    }
    store8(a0, sums + j)
    store8(a1, sums + j + 8)
    store8(a2, sums + j + 16)
    store8(a3, sums + j + 24)
    j &+= 32
  }
  while j &+ 8 <= width {
    var a = load8(sums + j)
    for r in 0..<rows { a += load8(x + (r &* width &+ j)) }
    store8(a, sums + j)
    j &+= 8
  }
  while j < width {
    var a = sums[j]
    for r in 0..<rows { a += x[r &* width &+ j] }
    sums[j] = a
    j &+= 1
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
