import Networks
import RLCore

/// Forward passes and squared-error gradients of one network over many rows, on worker threads:
/// what RND's predictor, target and intrinsic critic need beside the actor-critic.
///
/// Rows are cut into fixed chunks of `chunkSize`; each chunk is one work item with its own
/// gradient buffer, and the chunk gradients are summed in chunk order, so every result depends on
/// the rows alone, never on the thread count. Nothing is allocated per chunk once the chunks exist.
final class SquaredErrorFit: @unchecked Sendable {
  let network: Network
  let pool: WorkerPool
  let chunkSize: Int

  /// One tape and input buffer per thread (a chunk's forward and backward run in one item).
  private let tapes: [NetworkTape]
  private let inputs: [UnsafeMutableBufferPointer<Float>]
  private let outputGradients: [UnsafeMutableBufferPointer<Float>]
  /// One gradient per chunk, grown on demand.
  private var gradients: [UnsafeMutableBufferPointer<Float>] = []
  private let transposed: UnsafeMutableBufferPointer<Float>

  init(network: Network, pool: WorkerPool, chunkSize: Int = 64) {
    self.network = network
    self.pool = pool
    self.chunkSize = chunkSize
    tapes = (0..<pool.threads).map { _ in NetworkTape(network: network, capacity: chunkSize) }
    inputs = (0..<pool.threads).map { _ in Self.zeros(chunkSize * network.inputCount) }
    outputGradients = (0..<pool.threads).map { _ in Self.zeros(chunkSize * network.outputCount) }
    transposed = Self.zeros(network.transposedWeightCount)
  }

  deinit {
    for buffer in inputs + outputGradients + gradients { buffer.deallocate() }
    transposed.deallocate()
  }

  private static func zeros(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
    buffer.initialize(repeating: 0)
    return buffer
  }

  private func chunks(_ rows: Int) -> Int { (rows + chunkSize - 1) / chunkSize }

  /// The network's outputs for `rows` rows of `source` (row-major, `network.inputCount` each):
  /// `rows × outputCount`, each row the bits `Network.forward` gives it alone.
  func outputs(of source: UnsafePointer<Float>, rows: Int, parameters: [Float]) -> [Float] {
    let (d, k, chunkSize) = (network.inputCount, network.outputCount, self.chunkSize)
    return [Float](unsafeUninitializedCapacity: rows * k) { out, initialized in
      nonisolated(unsafe) let out = out.baseAddress!
      parameters.withUnsafeBufferPointer { p in
        pool.run(chunks(rows)) { c, thread in
          let first = c * chunkSize, n = min(chunkSize, rows - first)
          let y = network.forward(batch: source + first * d, count: n, parameters: p.baseAddress!, tape: tapes[thread])
          (out + first * k).update(from: y, count: n * k)
        }
      }
      initialized = rows * k
    }
  }

  /// ∂L/∂θ summed over `rows` (indices into `source`, row-major `inputCount` each) and its squared
  /// norm, where `outputGradient(i, outputs, gradient)` writes ∂L/∂(outputs) of the i-th of `rows`.
  func gradient(
    rows: [Int], of source: UnsafePointer<Float>, parameters: [Float],
    outputGradient: @Sendable (_ i: Int, _ outputs: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>) -> Void
  ) -> SummedGradient {
    let (d, k, chunkSize, p) = (network.inputCount, network.outputCount, self.chunkSize, network.parameterCount)
    let count = chunks(rows.count)
    while gradients.count < count { gradients.append(Self.zeros(p)) }
    let gradients = self.gradients
    parameters.withUnsafeBufferPointer { parameters in
      let base = parameters.baseAddress!
      network.transposeWeights(parameters: base, into: transposed.baseAddress!)
      pool.run(count) { c, thread in
        let first = c * chunkSize, n = min(chunkSize, rows.count - first)
        let x = inputs[thread].baseAddress!, g = outputGradients[thread].baseAddress!
        for r in 0..<n { (x + r * d).update(from: source + rows[first + r] * d, count: d) }
        let y = network.forward(batch: x, count: n, parameters: base, tape: tapes[thread])
        for r in 0..<n { outputGradient(first + r, y + r * k, g + r * k) }
        network.backward(
          batch: x, count: n, parameters: base, tape: tapes[thread], outputGradients: g,
          gradient: gradients[c].baseAddress!, transposedWeights: transposed.baseAddress!, overwriting: true)
      }
    }
    var summed = [Float](repeating: 0, count: p)
    summed.withUnsafeMutableBufferPointer { out in
      sumInOrder(gradients[0..<count].map { UnsafePointer($0.baseAddress!) }, count: p, into: out.baseAddress!)
    }
    return SummedGradient(values: summed, squaredNorm: summed.withUnsafeBufferPointer { squaredNorm($0.baseAddress!, count: p) })
  }
}
