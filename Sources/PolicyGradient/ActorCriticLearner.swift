import Cluster
import Networks
import RLCore

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
  public let pool: WorkerPool
  public let chunkSize: Int
  public let cluster: any Communicator

  /// One chunk's inputs, per-row terms, tapes and gradient; buffers are allocated once and
  /// reached through pointers, so the hot loops carry no exclusivity checks.
  final class Chunk: @unchecked Sendable {
    let actorTape: MLPTape
    let criticTape: MLPTape
    let inputs: UnsafeMutableBufferPointer<Float>
    let actions: UnsafeMutableBufferPointer<Float>
    var rows = 0
    /// Per row: ∂log π/∂(actor outputs), ∂H/∂(actor outputs), and the same for log σ.
    let logProbOutputGradient: UnsafeMutableBufferPointer<Double>
    let entropyOutputGradient: UnsafeMutableBufferPointer<Double>
    let logProbLogStdGradient: UnsafeMutableBufferPointer<Double>
    let entropyLogStdGradient: UnsafeMutableBufferPointer<Double>
    let actorOutputGradient: UnsafeMutableBufferPointer<Float>
    let criticOutputGradient: UnsafeMutableBufferPointer<Float>
    let gradient: UnsafeMutableBufferPointer<Float>
    let logProbs: UnsafeMutableBufferPointer<Double>
    let entropies: UnsafeMutableBufferPointer<Double>
    let values: UnsafeMutableBufferPointer<Double>

    init(model: ActorCritic, rows n: Int, observationCount d: Int) {
      // Each buffer on cache lines of its own: chunks on different threads write their per-row
      // terms row by row, and two buffers sharing a line would bounce it between the cores.
      func zeros<T: Numeric>(_ count: Int) -> UnsafeMutableBufferPointer<T> {
        let bytes = (count * MemoryLayout<T>.stride + 127) / 128 * 128
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 128)
        let buffer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: T.self, capacity: count), count: count)
        buffer.initialize(repeating: 0)
        return buffer
      }
      actorTape = MLPTape(network: model.actor, capacity: n)
      criticTape = MLPTape(network: model.critic, capacity: n)
      let outputs = model.actor.outputCount, width = model.actionWidth
      inputs = zeros(n * d)
      actions = zeros(n * width)
      logProbOutputGradient = zeros(n * outputs)
      entropyOutputGradient = zeros(n * outputs)
      logProbLogStdGradient = zeros(n * max(model.logStdCount, 1))
      entropyLogStdGradient = zeros(n * max(model.logStdCount, 1))
      actorOutputGradient = zeros(n * outputs)
      criticOutputGradient = zeros(n)
      gradient = zeros(model.parameterCount)
      logProbs = zeros(n)
      entropies = zeros(n)
      values = zeros(n)
    }

    deinit {
      inputs.deallocate()
      actions.deallocate()
      logProbOutputGradient.deallocate()
      entropyOutputGradient.deallocate()
      logProbLogStdGradient.deallocate()
      entropyLogStdGradient.deallocate()
      actorOutputGradient.deallocate()
      criticOutputGradient.deallocate()
      gradient.deallocate()
      logProbs.deallocate()
      entropies.deallocate()
      values.deallocate()
    }
  }

  var chunks: [Chunk] = []
  /// Wᵀ of the actor's and the critic's upper layers for the parameters being differentiated,
  /// one copy per thread: each thread lays it out in its first chunk of a pass and its later
  /// chunks reuse it, so no thread reads lines another one just wrote.
  let transposed: [UnsafeMutableBufferPointer<Float>]
  /// Passes over the chunks so far, and the last pass each thread worked in (one slot per
  /// 128 bytes, so threads never write the same cache line).
  private var pass = 0
  private let passOfThread: UnsafeMutableBufferPointer<Int>

  /// A learner running its chunks on `pool` (shared with the rollout collector in training).
  public init(model: ActorCritic, pool: WorkerPool, chunkSize: Int = 64, cluster: any Communicator = SingleProcess()) {
    precondition(chunkSize > 0)
    self.model = model
    self.pool = pool
    self.chunkSize = chunkSize
    self.cluster = cluster
    passOfThread = .allocate(capacity: pool.threads * 16)
    passOfThread.initialize(repeating: 0)
    transposed = (0..<pool.threads).map { _ in
      let copy = UnsafeMutableBufferPointer<Float>.allocate(
        capacity: model.actor.transposedWeightCount + model.critic.transposedWeightCount)
      copy.initialize(repeating: 0)
      return copy
    }
  }

  public convenience init(model: ActorCritic, threads: Int, chunkSize: Int = 64, cluster: any Communicator = SingleProcess()) {
    self.init(model: model, pool: WorkerPool(threads: threads), chunkSize: chunkSize, cluster: cluster)
  }

  deinit {
    for copy in transposed { copy.deallocate() }
    passOfThread.deallocate()
  }

  /// Chunks in a minibatch of `rows` rows (the last one may be short).
  private func chunkCount(_ rows: Int) -> Int { (rows + chunkSize - 1) / chunkSize }

  /// Runs `body(chunk, thread)` for this rank's block of the `count` chunks on the pool, chunks
  /// going to whichever thread is free (a thread slowed by a busy core leaves its share to the
  /// others). With `transposing`, each thread first lays out its own Wᵀ of those parameters, in
  /// its first chunk of the pass, for the backward passes.
  private func parallel(_ count: Int, transposing parameters: UnsafePointer<Float>?, _ body: (_ chunk: Int, _ thread: Int) -> Void) {
    let mine = cluster.block(count)
    pass &+= 1
    let pass = self.pass
    pool.run(mine.count) { k, thread in
      if let parameters, passOfThread[thread * 16] != pass {
        passOfThread[thread * 16] = pass
        transposeWeights(parameters, into: thread)
      }
      body(mine.lowerBound + k, thread)
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
        let chunk = chunks[c], n = rows(c)
        local += chunk.logProbs[0..<n]
        local += chunk.entropies[0..<n]
        local += chunk.values[0..<n]
      }
      let all = cluster.allgather(local, counts: blocks.map { $0.reduce(0) { $0 + 3 * rows($1) } })
      var offset = 0
      for c in 0..<count {
        let chunk = chunks[c], n = rows(c)
        for r in 0..<n {
          chunk.logProbs[r] = all[offset + r]
          chunk.entropies[r] = all[offset + n + r]
          chunk.values[r] = all[offset + 2 * n + r]
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
        all.withUnsafeBufferPointer { a in chunks[c].gradient.baseAddress!.update(from: a.baseAddress! + c * p, count: p) }
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
      let base = p.baseAddress!
      parallel(chunkCount, transposing: base) { c, thread in
        self.backward(chunk: c, parameters: base, thread: thread) { r in
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
      let chunk = chunks[c], rows = chunk.rows
      logProbs += chunk.logProbs[0..<rows]
      entropies += chunk.entropies[0..<rows]
      values += chunk.values[0..<rows]
    }
    return (logProbs, entropies, values)
  }

  /// Σ of the chunk gradients, added to zero in chunk order. Each thread sums its range of the
  /// parameters (`pool.ranges`, the optimiser step's split), so the chunks it computed are read
  /// where they lie and its range of the sum is in its cache for the step.
  private func sum(_ chunkCount: Int) -> [Float] {
    let sources = chunks[0..<chunkCount].map { UnsafePointer($0.gradient.baseAddress!) }
    let n = model.parameterCount
    return [Float](unsafeUninitializedCapacity: n) { g, initialized in
      let out = g.baseAddress!
      let ranges = pool.ranges(of: n)
      pool.run(ranges.count, sameThreads: true) { k in
        let range = ranges[k]
        sumInOrder(sources.map { $0 + range.lowerBound }, count: range.count, into: out + range.lowerBound)
      }
      initialized = n
    }
  }

  private func transposeWeights(_ parameters: UnsafePointer<Float>, into thread: Int) {
    let copy = transposed[thread].baseAddress!
    model.actor.transposeWeights(parameters: parameters, into: copy)
    model.critic.transposeWeights(parameters: parameters + model.criticOffset, into: copy + model.actor.transposedWeightCount)
  }

  /// The forward pass of every chunk, and with `weights` its backward pass too.
  private func run(buffer: RolloutBuffer, indices: ArraySlice<Int>, parameters: [Float], weights: RowWeights?) {
    let d = buffer.observationCount
    let chunkCount = self.chunkCount(indices.count)
    while chunks.count < chunkCount { chunks.append(Chunk(model: model, rows: chunkSize, observationCount: d)) }
    let chunkSize = self.chunkSize
    parameters.withUnsafeBufferPointer { p in
      let base = p.baseAddress!
      buffer.observations.withUnsafeBufferPointer { observations in
        buffer.actions.withUnsafeBufferPointer { actions in
          let (obs, acts) = (observations.baseAddress!, actions.baseAddress!)
          parallel(chunkCount, transposing: weights == nil ? nil : base) { c, thread in
            self.forward(chunk: c, indices: indices, observations: obs, actions: acts, observationCount: d, parameters: base)
            if let weights {
              let chunk = self.chunks[c]
              self.backward(chunk: c, parameters: base, thread: thread) { r in
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
    let x = UnsafePointer(chunk.inputs.baseAddress!)
    let logits = model.actor.forward(batch: x, count: rows, parameters: parameters, tape: chunk.actorTape)
    let v = model.critic.forward(batch: x, count: rows, parameters: parameters + model.criticOffset, tape: chunk.criticTape)
    let lg = chunk.logProbOutputGradient.baseAddress!, eg = chunk.entropyOutputGradient.baseAddress!
    for r in 0..<rows {
      chunk.values[r] = Double(v[r])
      let out = logits + r * outputCount
      if model.isContinuous {
        let (lp, h) = DiagonalGaussian.evaluate(
          mean: out, logStd: parameters + model.logStdOffset, sample: chunk.actions.baseAddress! + r * width,
          count: width, meanGradient: lg + r * outputCount,
          logStdGradient: chunk.logProbLogStdGradient.baseAddress! + r * width)
        chunk.logProbs[r] = lp
        chunk.entropies[r] = h
        for i in 0..<outputCount { eg[r * outputCount + i] = 0 }
        for i in 0..<width { chunk.entropyLogStdGradient[r * width + i] = 1 }
      } else {
        let (lp, h) = Categorical.evaluate(
          logits: out, count: outputCount, action: Int(chunk.actions[r]),
          logProbGradient: lg + r * outputCount, entropyGradient: eg + r * outputCount)
        chunk.logProbs[r] = lp
        chunk.entropies[r] = h
      }
    }
  }

  private func backward(
    chunk c: Int, parameters: UnsafePointer<Float>, thread: Int, weight: (Int) -> (Double, Double, Double)
  ) {
    let model = self.model, width = model.actionWidth, outputCount = model.actor.outputCount
    let chunk = chunks[c]
    let rows = chunk.rows
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
    let x = UnsafePointer(chunk.inputs.baseAddress!), g = chunk.gradient.baseAddress!
    let transposed = UnsafePointer(self.transposed[thread].baseAddress!)
    model.actor.backward(
      batch: x, count: rows, parameters: parameters, tape: chunk.actorTape,
      outputGradients: chunk.actorOutputGradient.baseAddress!, gradient: g, transposedWeights: transposed,
      overwriting: true)
    model.critic.backward(
      batch: x, count: rows, parameters: parameters + model.criticOffset, tape: chunk.criticTape,
      outputGradients: chunk.criticOutputGradient.baseAddress!, gradient: g + model.criticOffset,
      transposedWeights: transposed + model.actor.transposedWeightCount, overwriting: true)
    for i in 0..<model.logStdCount { chunk.gradient[model.logStdOffset + i] = Float(logStdGradient[i]) }
  }
}
