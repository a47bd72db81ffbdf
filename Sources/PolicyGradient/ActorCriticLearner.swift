import Cluster
import Networks
import RLCore

/// Forward and backward passes of an `ActorCritic` over minibatches, on worker threads.
///
/// A minibatch is cut into fixed chunks of `chunkSize` rows. Each chunk is two work items, one
/// per network: the actor's forward pass, its per-row distribution terms and its gradient, and
/// the critic's forward pass, values and gradient; whichever thread is free takes the next item.
/// The chunk gradients are summed in chunk order. The result therefore depends on the chunk size,
/// never on the thread count. Nothing is allocated per step once the chunks exist.
///
/// With two threads the actor's items all run on thread 0 and the critic's on thread 1, and each
/// thread sums and steps its own network's parameters (`shares`): no parameter, tape or gradient
/// line written by one core is read by the other within a step. Read across cores, those lines
/// cost PPO's CartPole training up to a fifth on a busy host (this split: 1.13× in 16 interleaved
/// pairs of runs). The networks cost about the same; the actor's thread also takes the per-row
/// log-probabilities, so the critic's thread waits a little at the end of each minibatch. With
/// other thread counts items go to whichever thread is free.
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
  /// The gradient's norm blocks: each network's parameters (and log σ) cut into runs of 1,024
  /// from its start. The squared norm is summed block by block, in block order, whatever the
  /// thread count.
  let blocks: [Range<Int>]
  /// The blocks (indices into `blocks`) each thread sums, measures and steps: with two threads
  /// the actor's, then the critic's and log σ; otherwise as even a split as whole blocks allow.
  let blocksOfShare: [Range<Int>]
  /// Per block, its squared norm in the last sum (one slot per 64 bytes).
  private let blockSquares: UnsafeMutableBufferPointer<Double>

  /// The parameters each thread sums and the optimiser step updates (`blocksOfShare` as ranges).
  public var shares: [Range<Int>] {
    blocksOfShare.map { blocks[$0.lowerBound].lowerBound..<blocks[$0.upperBound - 1].upperBound }
  }

  /// One chunk's inputs, per-row terms, tapes and gradient; buffers are allocated once and
  /// reached through pointers, so the hot loops carry no exclusivity checks.
  final class Chunk: @unchecked Sendable {
    let actorTape: NetworkTape
    let criticTape: NetworkTape
    /// The rows' observations, one copy per network: each network's item gathers its own, so
    /// neither waits for the other.
    let actorInputs: UnsafeMutableBufferPointer<Float>
    let criticInputs: UnsafeMutableBufferPointer<Float>
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
      actorTape = NetworkTape(network: model.actor, capacity: n)
      criticTape = NetworkTape(network: model.critic, capacity: n)
      let outputs = model.actor.outputCount, width = model.actionWidth
      actorInputs = zeros(n * d)
      criticInputs = zeros(n * d)
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
      actorInputs.deallocate()
      criticInputs.deallocate()
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
  /// one copy per thread: each thread lays out a network's part in its first item of that
  /// network in a pass and its later items reuse it, so no thread reads lines another one just
  /// wrote.
  let transposed: [UnsafeMutableBufferPointer<Float>]
  /// Passes over the chunks so far, and the last pass in which each thread worked on each
  /// network (one thread's slots on 128 bytes of their own, so threads never write the same
  /// cache line).
  private var pass = 0
  private let passOfThread: UnsafeMutableBufferPointer<Int>

  /// A learner running its chunks on `pool` (shared with the rollout collector in training).
  public init(model: ActorCritic, pool: WorkerPool, chunkSize: Int = 64, cluster: any Communicator = SingleProcess()) {
    precondition(chunkSize > 0)
    self.model = model
    self.pool = pool
    self.chunkSize = chunkSize
    self.cluster = cluster
    func cut(_ segment: Range<Int>) -> [Range<Int>] {
      stride(from: segment.lowerBound, to: segment.upperBound, by: 1024).map { $0..<min($0 + 1024, segment.upperBound) }
    }
    let actorBlocks = cut(0..<model.criticOffset)
    let all = actorBlocks + cut(model.criticOffset..<model.logStdOffset) + cut(model.logStdOffset..<model.parameterCount)
    blocks = all
    if pool.threads == 2 {
      blocksOfShare = [0..<actorBlocks.count, actorBlocks.count..<all.count]
    } else {
      let k = min(pool.threads, all.count)
      blocksOfShare = (0..<k).map { ($0 * all.count / k)..<(($0 + 1) * all.count / k) }
    }
    blockSquares = .allocate(capacity: all.count * 8)
    blockSquares.initialize(repeating: 0)
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
    blockSquares.deallocate()
  }

  /// Chunks in a minibatch of `rows` rows (the last one may be short).
  private func chunkCount(_ rows: Int) -> Int { (rows + chunkSize - 1) / chunkSize }

  /// The two networks, each one work item of a chunk.
  enum Part: Int { case actor = 0, critic = 1 }

  /// Runs `body(chunk, network, thread)` for both networks of this rank's block of the `count`
  /// chunks on the pool: with two threads each network on its own thread, otherwise items going
  /// to whichever thread is free (a thread slowed by a busy core leaves its share to the others).
  /// With `transposing`, a thread first lays out its own Wᵀ of that network's weights, in its
  /// first item of the network in the pass, for the backward pass.
  private func parallel(
    _ count: Int, transposing parameters: UnsafePointer<Float>?,
    _ body: (_ chunk: Int, _ network: Part, _ thread: Int) -> Void
  ) {
    let mine = cluster.block(count)
    pass &+= 1
    let pass = self.pass
    pool.run(2 * mine.count, sameThreads: pool.threads == 2) { k, thread in
      let network = Part(rawValue: k & 1)!
      if let parameters, passOfThread[thread * 16 + network.rawValue] != pass {
        passOfThread[thread * 16 + network.rawValue] = pass
        transposeWeights(parameters, of: network, into: thread)
      }
      body(mine.lowerBound + k >> 1, network, thread)
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

  /// Per-row loss weights, the actor's terms apart from the critic's (each network's pass over a
  /// chunk is an item of its own, so neither may wait for the other's outputs).
  public struct RowWeights: Sendable {
    /// ∂L/∂log π and ∂L/∂H of one row, given (row, log π, H).
    public var actor: @Sendable (_ row: Int, _ logProb: Double, _ entropy: Double) -> (logProb: Double, entropy: Double)
    /// ∂L/∂V of one row, given (row, V).
    public var critic: @Sendable (_ row: Int, _ value: Double) -> Double

    public init(
      actor: @escaping @Sendable (_ row: Int, _ logProb: Double, _ entropy: Double) -> (logProb: Double, entropy: Double),
      critic: @escaping @Sendable (_ row: Int, _ value: Double) -> Double
    ) {
      self.actor = actor
      self.critic = critic
    }
  }

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
  ) -> SummedGradient {
    let chunkCount = self.chunkCount(logProbWeights.count)
    let chunkSize = self.chunkSize
    parameters.withUnsafeBufferPointer { p in
      let base = p.baseAddress!
      parallel(chunkCount, transposing: base) { c, network, thread in
        switch network {
        case .actor:
          self.backwardActor(chunk: c, parameters: base, thread: thread) { r in
            (logProbWeights[c * chunkSize + r], entropyWeights[c * chunkSize + r])
          }
        case .critic:
          self.backwardCritic(chunk: c, parameters: base, thread: thread) { r in valueWeights[c * chunkSize + r] }
        }
      }
    }
    exchange(chunkCount, rows: logProbWeights.count, outputs: false, gradients: true)
    return sum(chunkCount)
  }

  /// Forward and backward in one pass over the chunks (one dispatch instead of two): the loss
  /// weights of a row depend on that row's outputs of one network alone (`weights`), so each
  /// item runs its network's forward pass, weighs its rows and runs the backward pass without
  /// waiting for any other. Same results as `forward` followed by `gradient` with the same weights.
  public func forwardAndGradient(
    buffer: RolloutBuffer, indices: ArraySlice<Int>, parameters: [Float], weights: RowWeights
  ) -> (logProbs: [Double], entropies: [Double], values: [Double], gradient: SummedGradient) {
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

  /// Σ of the chunk gradients, added to zero in chunk order, and its squared norm. Each thread
  /// sums and measures its share of the blocks (the optimiser step's split), so the chunks it
  /// computed are read where they lie, and its share of the sum stays in its cache for the clip
  /// and the step: no thread reads the whole gradient between the passes and the step.
  private func sum(_ chunkCount: Int) -> SummedGradient {
    let sources = chunks[0..<chunkCount].map { UnsafePointer($0.gradient.baseAddress!) }
    let n = model.parameterCount
    let (blocks, blocksOfShare, squares) = (self.blocks, self.blocksOfShare, blockSquares.baseAddress!)
    let values = [Float](unsafeUninitializedCapacity: n) { g, initialized in
      let out = g.baseAddress!
      pool.run(blocksOfShare.count, sameThreads: true) { k in
        for b in blocksOfShare[k] {
          let range = blocks[b]
          sumInOrder(sources.map { $0 + range.lowerBound }, count: range.count, into: out + range.lowerBound)
          squares[b * 8] = squaredNorm(out + range.lowerBound, count: range.count)
        }
      }
      initialized = n
    }
    var total = 0.0
    for b in blocks.indices { total += squares[b * 8] }
    return SummedGradient(values: values, squaredNorm: total)
  }

  /// Clips the gradient's global norm to `maxNorm` (PyTorch's `clip_grad_norm_`) and takes one
  /// `optimizer` step, each thread on its share: the clip factor is applied as the step reads
  /// the gradient.
  public func apply(
    _ gradient: SummedGradient, to parameters: inout [Float], optimizer: GradientOptimizer,
    state: inout GradientOptimizer.State, maxGradientNorm: Double, learningRate: Double
  ) {
    optimizer.step(
      &parameters, gradient: gradient.values,
      scale: clipFactor(squaredNorm: gradient.squaredNorm, maxNorm: Float(maxGradientNorm)),
      learningRate: Float(learningRate), state: &state, pool: pool, shares: shares)
  }

  private func transposeWeights(_ parameters: UnsafePointer<Float>, of network: Part, into thread: Int) {
    let copy = transposed[thread].baseAddress!
    switch network {
    case .actor: model.actor.transposeWeights(parameters: parameters, into: copy)
    case .critic:
      model.critic.transposeWeights(parameters: parameters + model.criticOffset, into: copy + model.actor.transposedWeightCount)
    }
  }

  /// The forward pass of every chunk, and with `weights` its backward pass too.
  private func run(buffer: RolloutBuffer, indices: ArraySlice<Int>, parameters: [Float], weights: RowWeights?) {
    let d = buffer.observationCount
    let chunkCount = self.chunkCount(indices.count)
    while chunks.count < chunkCount { chunks.append(Chunk(model: model, rows: chunkSize, observationCount: d)) }
    let chunkSize = self.chunkSize
    for c in 0..<chunkCount { chunks[c].rows = min(chunkSize, indices.count - c * chunkSize) }
    parameters.withUnsafeBufferPointer { p in
      let base = p.baseAddress!
      buffer.observations.withUnsafeBufferPointer { observations in
        buffer.actions.withUnsafeBufferPointer { actions in
          let (obs, acts) = (observations.baseAddress!, actions.baseAddress!)
          parallel(chunkCount, transposing: weights == nil ? nil : base) { c, network, thread in
            let chunk = self.chunks[c]
            let first = indices.startIndex + c * chunkSize
            let samples = indices[first..<first + chunk.rows]
            switch network {
            case .actor:
              self.forwardActor(chunk: c, samples: samples, observations: obs, actions: acts, observationCount: d, parameters: base)
              if let weights {
                self.backwardActor(chunk: c, parameters: base, thread: thread) { r in
                  weights.actor(c * chunkSize + r, chunk.logProbs[r], chunk.entropies[r])
                }
              }
            case .critic:
              self.forwardCritic(chunk: c, samples: samples, observations: obs, observationCount: d, parameters: base)
              if let weights {
                self.backwardCritic(chunk: c, parameters: base, thread: thread) { r in
                  weights.critic(c * chunkSize + r, chunk.values[r])
                }
              }
            }
          }
        }
      }
    }
  }

  /// Copies the observations of `samples` into `inputs`, row by row.
  private func gather(
    _ samples: ArraySlice<Int>, from observations: UnsafePointer<Float>, count d: Int, into inputs: UnsafeMutablePointer<Float>
  ) {
    for (r, s) in samples.enumerated() {
      for i in 0..<d { inputs[r * d + i] = observations[s * d + i] }
    }
  }

  /// The actor's forward pass over a chunk, and each row's log π(a|s), entropy and their
  /// gradients with respect to the actor's outputs (and log σ).
  private func forwardActor(
    chunk c: Int, samples: ArraySlice<Int>, observations: UnsafePointer<Float>, actions: UnsafePointer<Float>,
    observationCount d: Int, parameters: UnsafePointer<Float>
  ) {
    let model = self.model, width = model.actionWidth, outputCount = model.actor.outputCount
    let chunk = chunks[c], rows = chunk.rows
    gather(samples, from: observations, count: d, into: chunk.actorInputs.baseAddress!)
    for (r, s) in samples.enumerated() {
      for i in 0..<width { chunk.actions[r * width + i] = actions[s * width + i] }
    }
    let logits = model.actor.forward(
      batch: chunk.actorInputs.baseAddress!, count: rows, parameters: parameters, tape: chunk.actorTape)
    let lg = chunk.logProbOutputGradient.baseAddress!, eg = chunk.entropyOutputGradient.baseAddress!
    for r in 0..<rows {
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

  /// The critic's forward pass over a chunk: each row's V(s).
  private func forwardCritic(
    chunk c: Int, samples: ArraySlice<Int>, observations: UnsafePointer<Float>, observationCount d: Int,
    parameters: UnsafePointer<Float>
  ) {
    let model = self.model
    let chunk = chunks[c]
    gather(samples, from: observations, count: d, into: chunk.criticInputs.baseAddress!)
    let v = model.critic.forward(
      batch: chunk.criticInputs.baseAddress!, count: chunk.rows, parameters: parameters + model.criticOffset,
      tape: chunk.criticTape)
    for r in 0..<chunk.rows { chunk.values[r] = Double(v[r]) }
  }

  /// The actor's part of a chunk's gradient (and log σ's), given each row's ∂L/∂log π and ∂L/∂H.
  private func backwardActor(
    chunk c: Int, parameters: UnsafePointer<Float>, thread: Int, weight: (Int) -> (logProb: Double, entropy: Double)
  ) {
    let model = self.model, width = model.actionWidth, outputCount = model.actor.outputCount
    let chunk = chunks[c]
    var logStdGradient = [Double](repeating: 0, count: model.logStdCount)
    for r in 0..<chunk.rows {
      let (wl, we) = weight(r)
      for k in 0..<outputCount {
        chunk.actorOutputGradient[r * outputCount + k] = Float(
          wl * chunk.logProbOutputGradient[r * outputCount + k] + we * chunk.entropyOutputGradient[r * outputCount + k])
      }
      for i in 0..<model.logStdCount {
        logStdGradient[i] += wl * chunk.logProbLogStdGradient[r * width + i] + we * chunk.entropyLogStdGradient[r * width + i]
      }
    }
    model.actor.backward(
      batch: chunk.actorInputs.baseAddress!, count: chunk.rows, parameters: parameters, tape: chunk.actorTape,
      outputGradients: chunk.actorOutputGradient.baseAddress!, gradient: chunk.gradient.baseAddress!,
      transposedWeights: transposed[thread].baseAddress!, overwriting: true)
    for i in 0..<model.logStdCount { chunk.gradient[model.logStdOffset + i] = Float(logStdGradient[i]) }
  }

  /// The critic's part of a chunk's gradient, given each row's ∂L/∂V.
  private func backwardCritic(chunk c: Int, parameters: UnsafePointer<Float>, thread: Int, weight: (Int) -> Double) {
    let model = self.model
    let chunk = chunks[c]
    for r in 0..<chunk.rows { chunk.criticOutputGradient[r] = Float(weight(r)) }
    model.critic.backward(
      batch: chunk.criticInputs.baseAddress!, count: chunk.rows, parameters: parameters + model.criticOffset,
      tape: chunk.criticTape, outputGradients: chunk.criticOutputGradient.baseAddress!,
      gradient: chunk.gradient.baseAddress! + model.criticOffset,
      transposedWeights: transposed[thread].baseAddress! + model.actor.transposedWeightCount, overwriting: true)
  }
}

/// A minibatch's gradient, summed over its chunks, with its squared L2 norm (summed block by
/// block, the same for any thread count).
public struct SummedGradient: Sendable {
  public var values: [Float]
  public var squaredNorm: Double
}
