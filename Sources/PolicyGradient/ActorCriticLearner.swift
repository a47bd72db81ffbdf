import Cluster
import Dispatch
import Networks
import RLCore
import Synchronization

/// Forward and backward passes of an `ActorCritic` over minibatches, on worker threads.
///
/// A minibatch is cut into fixed chunks of `chunkSize` rows; each chunk's forward pass, its
/// per-row distribution terms and its gradient are computed on whichever thread takes it, and the
/// chunk gradients are summed in chunk order. The result therefore depends on the chunk size,
/// never on the thread count. Nothing is allocated per step once the chunks exist.
///
/// With several ranks, each computes its contiguous block of a minibatch's chunks and the chunk
/// gradients (and per-row outputs) are allgathered: every rank then sums all chunks in chunk
/// order, so the step is the one a single process takes, bit for bit. This is the allreduce of
/// OpenAI baselines' MpiAdam with the reduction order pinned (MPI_Allreduce's order is the
/// library's choice).
public final class ActorCriticLearner: @unchecked Sendable {
  public let model: ActorCritic
  public let threads: Int
  public let chunkSize: Int
  public let cluster: any Communicator

  final class Chunk: @unchecked Sendable {
    let actorTape: MLPTape
    let criticTape: MLPTape
    var inputs: [Float]
    var actions: [Float]
    var rows = 0
    /// Per row: ∂log π/∂(actor outputs), ∂H/∂(actor outputs), and the same for log σ.
    var logProbOutputGradient: [Double]
    var entropyOutputGradient: [Double]
    var logProbLogStdGradient: [Double]
    var entropyLogStdGradient: [Double]
    var actorOutputGradient: [Float]
    var criticOutputGradient: [Float]
    var gradient: [Float]
    var logProbs: [Double]
    var entropies: [Double]
    var values: [Double]

    init(model: ActorCritic, rows n: Int, observationCount d: Int) {
      actorTape = MLPTape(network: model.actor, capacity: n)
      criticTape = MLPTape(network: model.critic, capacity: n)
      let outputs = model.actor.outputCount, width = model.actionWidth
      inputs = [Float](repeating: 0, count: n * d)
      actions = [Float](repeating: 0, count: n * width)
      logProbOutputGradient = [Double](repeating: 0, count: n * outputs)
      entropyOutputGradient = logProbOutputGradient
      logProbLogStdGradient = [Double](repeating: 0, count: n * max(model.logStdCount, 1))
      entropyLogStdGradient = logProbLogStdGradient
      actorOutputGradient = [Float](repeating: 0, count: n * outputs)
      criticOutputGradient = [Float](repeating: 0, count: n)
      gradient = [Float](repeating: 0, count: model.parameterCount)
      logProbs = [Double](repeating: 0, count: n)
      entropies = logProbs
      values = logProbs
    }
  }

  var chunks: [Chunk] = []

  public init(model: ActorCritic, threads: Int, chunkSize: Int = 64, cluster: any Communicator = SingleProcess()) {
    precondition(threads > 0 && chunkSize > 0)
    self.model = model
    self.threads = threads
    self.chunkSize = chunkSize
    self.cluster = cluster
  }

  /// Chunks in a minibatch of `rows` rows (the last one may be short).
  private func chunkCount(_ rows: Int) -> Int { (rows + chunkSize - 1) / chunkSize }

  /// Runs `body(chunkIndex)` for this rank's block of the `count` chunks on the worker threads.
  private func parallel(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let mine = cluster.block(count)
    if threads == 1 || mine.count <= 1 {
      for c in mine { body(c) }
      return
    }
    let next = Atomic<Int>(mine.lowerBound)
    DispatchQueue.concurrentPerform(iterations: min(threads, mine.count)) { _ in
      while true {
        let c = next.add(1, ordering: .relaxed).oldValue
        if c >= mine.upperBound { break }
        body(c)
      }
    }
  }

  /// Gives every rank the other ranks' chunks: their per-row outputs and/or their gradients.
  private func exchange(_ count: Int, rows total: Int, outputs: Bool, gradients: Bool) {
    guard cluster.size > 1 else { return }
    let blocks = (0..<cluster.size).map { cluster.block(count, rank: $0) }
    func rows(_ c: Int) -> Int { min(chunkSize, total - c * chunkSize) }
    for c in 0..<count { chunks[c].rows = rows(c) }
    if outputs {
      var local: [Double] = []
      for c in blocks[cluster.rank] {
        let n = rows(c)
        local += chunks[c].logProbs[0..<n] + chunks[c].entropies[0..<n] + chunks[c].values[0..<n]
      }
      let all = cluster.allgather(local, counts: blocks.map { $0.reduce(0) { $0 + 3 * rows($1) } })
      var offset = 0
      for c in 0..<count {
        let n = rows(c)
        for r in 0..<n {
          chunks[c].logProbs[r] = all[offset + r]
          chunks[c].entropies[r] = all[offset + n + r]
          chunks[c].values[r] = all[offset + 2 * n + r]
        }
        offset += 3 * n
      }
    }
    if gradients {
      let p = model.parameterCount
      var local: [Float] = []
      local.reserveCapacity(blocks[cluster.rank].count * p)
      for c in blocks[cluster.rank] { local += chunks[c].gradient }
      let all = cluster.allgather(local, counts: blocks.map { $0.count * p })
      for c in 0..<count where !blocks[cluster.rank].contains(c) {
        chunks[c].gradient.withUnsafeMutableBufferPointer { g in
          all.withUnsafeBufferPointer { a in g.baseAddress!.update(from: a.baseAddress! + c * p, count: p) }
        }
      }
    }
  }

  /// Per-row loss weights: ∂L/∂log π, ∂L/∂H and ∂L/∂V of one row, given (row, log π, H, V).
  public typealias RowWeights = @Sendable (_ row: Int, _ logProb: Double, _ entropy: Double, _ value: Double)
    -> (logProb: Double, entropy: Double, value: Double)

  /// log π(aᵢ|sᵢ), the entropy and V(sᵢ) for the samples `indices` of `buffer`, under `parameters`.
  public func forward(buffer: RolloutBuffer, indices: ArraySlice<Int>, parameters: [Float])
    -> (logProbs: [Double], entropies: [Double], values: [Double])
  {
    run(buffer: buffer, indices: indices, parameters: parameters, weights: nil)
    exchange(chunkCount(indices.count), rows: indices.count, outputs: true, gradients: false)
    return collect(indices.count)
  }

  /// ∂L/∂θ for the rows of the last `forward`, given each row's ∂L/∂log π, ∂L/∂H and ∂L/∂V.
  public func gradient(
    parameters: [Float], logProbWeights: [Double], entropyWeights: [Double], valueWeights: [Double]
  ) -> [Float] {
    let chunkCount = self.chunkCount(logProbWeights.count)
    let chunkSize = self.chunkSize
    parameters.withUnsafeBufferPointer { p in
      let pointer = UnsafeSendable(p.baseAddress!)
      parallel(chunkCount) { c in
        self.backward(chunk: c, parameters: pointer.pointer) { r in
          let row = c * chunkSize + r
          return (logProbWeights[row], entropyWeights[row], valueWeights[row])
        }
      }
    }
    exchange(chunkCount, rows: logProbWeights.count, outputs: false, gradients: true)
    return sum(chunkCount)
  }

  /// Forward and backward in one pass over the chunks (one dispatch instead of two): the loss
  /// weights of a row depend on that row alone (`weights`), so each chunk runs its forward pass,
  /// weighs its rows and runs its backward pass without waiting for the others. Same results as
  /// `forward` followed by `gradient` with the same weights.
  public func forwardAndGradient(
    buffer: RolloutBuffer, indices: ArraySlice<Int>, parameters: [Float], weights: @escaping RowWeights
  ) -> (logProbs: [Double], entropies: [Double], values: [Double], gradient: [Float]) {
    run(buffer: buffer, indices: indices, parameters: parameters, weights: weights)
    let count = chunkCount(indices.count)
    exchange(count, rows: indices.count, outputs: true, gradients: true)
    let (l, e, v) = collect(indices.count)
    return (l, e, v, sum(count))
  }

  private func collect(_ count: Int) -> (logProbs: [Double], entropies: [Double], values: [Double]) {
    var logProbs: [Double] = [], entropies: [Double] = [], values: [Double] = []
    logProbs.reserveCapacity(count)
    entropies.reserveCapacity(count)
    values.reserveCapacity(count)
    for c in 0..<chunkCount(count) {
      let rows = chunks[c].rows
      logProbs += chunks[c].logProbs[0..<rows]
      entropies += chunks[c].entropies[0..<rows]
      values += chunks[c].values[0..<rows]
    }
    return (logProbs, entropies, values)
  }

  private func sum(_ chunkCount: Int) -> [Float] {
    var gradient = [Float](repeating: 0, count: model.parameterCount)
    for c in 0..<chunkCount {
      gradient.withUnsafeMutableBufferPointer { g in
        chunks[c].gradient.withUnsafeBufferPointer { add($0.baseAddress!, into: g.baseAddress!, count: g.count) }
      }
    }
    return gradient
  }

  /// The forward pass of every chunk, and with `weights` its backward pass too.
  private func run(buffer: RolloutBuffer, indices: ArraySlice<Int>, parameters: [Float], weights: RowWeights?) {
    let d = buffer.observationCount
    let chunkCount = self.chunkCount(indices.count)
    while chunks.count < chunkCount { chunks.append(Chunk(model: model, rows: chunkSize, observationCount: d)) }
    let chunkSize = self.chunkSize
    parameters.withUnsafeBufferPointer { p in
      let pointer = UnsafeSendable(p.baseAddress!)
      buffer.observations.withUnsafeBufferPointer { observations in
        buffer.actions.withUnsafeBufferPointer { actions in
          let obs = UnsafeSendable(observations.baseAddress!), acts = UnsafeSendable(actions.baseAddress!)
          parallel(chunkCount) { c in
            self.forward(chunk: c, indices: indices, observations: obs.pointer, actions: acts.pointer, observationCount: d, parameters: pointer.pointer)
            if let weights {
              let chunk = self.chunks[c]
              self.backward(chunk: c, parameters: pointer.pointer) { r in
                weights(c * chunkSize + r, chunk.logProbs[r], chunk.entropies[r], chunk.values[r])
              }
            }
          }
        }
      }
    }
  }

  private func forward(
    chunk c: Int, indices: ArraySlice<Int>, observations: UnsafePointer<Float>, actions: UnsafePointer<Float>,
    observationCount d: Int, parameters: UnsafePointer<Float>
  ) {
    let model = self.model, width = model.actionWidth, outputCount = model.actor.outputCount
    let start = indices.startIndex
    let chunk = chunks[c]
    let first = start + c * chunkSize
    let rows = min(chunkSize, indices.endIndex - first)
    chunk.rows = rows
    for r in 0..<rows {
      let s = indices[first + r]
      for i in 0..<d { chunk.inputs[r * d + i] = observations[s * d + i] }
      for i in 0..<width { chunk.actions[r * width + i] = actions[s * width + i] }
    }
    chunk.inputs.withUnsafeBufferPointer { x in
      let logits = model.actor.forward(batch: x.baseAddress!, count: rows, parameters: parameters, tape: chunk.actorTape)
      let v = model.critic.forward(
        batch: x.baseAddress!, count: rows, parameters: parameters + model.criticOffset, tape: chunk.criticTape)
      for r in 0..<rows {
        chunk.values[r] = Double(v[r])
        let out = logits + r * outputCount
        chunk.logProbOutputGradient.withUnsafeMutableBufferPointer { lg in
          chunk.entropyOutputGradient.withUnsafeMutableBufferPointer { eg in
            if model.isContinuous {
              chunk.logProbLogStdGradient.withUnsafeMutableBufferPointer { ls in
                chunk.actions.withUnsafeBufferPointer { a in
                  let (lp, h) = DiagonalGaussian.evaluate(
                    mean: out, logStd: parameters + model.logStdOffset, sample: a.baseAddress! + r * width,
                    count: width, meanGradient: lg.baseAddress! + r * outputCount,
                    logStdGradient: ls.baseAddress! + r * width)
                  chunk.logProbs[r] = lp
                  chunk.entropies[r] = h
                  for i in 0..<outputCount { eg[r * outputCount + i] = 0 }
                  for i in 0..<width { chunk.entropyLogStdGradient[r * width + i] = 1 }
                }
              }
            } else {
              let (lp, h) = Categorical.evaluate(
                logits: out, count: outputCount, action: Int(chunk.actions[r]),
                logProbGradient: lg.baseAddress! + r * outputCount,
                entropyGradient: eg.baseAddress! + r * outputCount)
              chunk.logProbs[r] = lp
              chunk.entropies[r] = h
            }
          }
        }
      }
    }
  }

  private func backward(
    chunk c: Int, parameters: UnsafePointer<Float>, weight: (Int) -> (Double, Double, Double)
  ) {
    let model = self.model, width = model.actionWidth, outputCount = model.actor.outputCount
    let chunk = chunks[c]
    let rows = chunk.rows
    for i in chunk.gradient.indices { chunk.gradient[i] = 0 }
    var logStdGradient = [Double](repeating: 0, count: model.logStdCount)
    for r in 0..<rows {
      let (wl, we, wv) = weight(r)
      for k in 0..<outputCount {
        chunk.actorOutputGradient[r * outputCount + k] = Float(
          wl * chunk.logProbOutputGradient[r * outputCount + k] + we * chunk.entropyOutputGradient[r * outputCount + k])
      }
      for i in 0..<model.logStdCount {
        logStdGradient[i] += wl * chunk.logProbLogStdGradient[r * width + i] + we * chunk.entropyLogStdGradient[r * width + i]
      }
      chunk.criticOutputGradient[r] = Float(wv)
    }
    chunk.inputs.withUnsafeBufferPointer { x in
      chunk.gradient.withUnsafeMutableBufferPointer { g in
        chunk.actorOutputGradient.withUnsafeBufferPointer { dy in
          model.actor.backward(
            batch: x.baseAddress!, count: rows, parameters: parameters, tape: chunk.actorTape,
            outputGradients: dy.baseAddress!, gradient: g.baseAddress!)
        }
        chunk.criticOutputGradient.withUnsafeBufferPointer { dv in
          model.critic.backward(
            batch: x.baseAddress!, count: rows, parameters: parameters + model.criticOffset, tape: chunk.criticTape,
            outputGradients: dv.baseAddress!, gradient: g.baseAddress! + model.criticOffset)
        }
      }
    }
    for i in 0..<model.logStdCount { chunk.gradient[model.logStdOffset + i] = Float(logStdGradient[i]) }
  }

}

/// `y[i] += x[i]` for every i, eight at a time (elementwise, so the sums are the scalar ones).
func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
  var i = 0
  while i + 8 <= n {
    let a = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
    let b = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(y + i).storeBytes(of: a + b, as: SIMD8<Float>.self)
    i += 8
  }
  while i < n {
    y[i] += x[i]
    i += 1
  }
}

struct UnsafeSendable<T>: @unchecked Sendable {
  let pointer: UnsafePointer<T>
  init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}
