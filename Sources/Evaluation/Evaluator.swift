import Dispatch
import Networks
import RLCore
import Synchronization

/// What to evaluate: how many members, how many episodes each, and where their seeds come from.
public struct EvaluationPlan: Sendable {
  /// The number of parameter vectors to evaluate.
  public var members: Int
  /// Episodes per member; a member's fitness is its mean return.
  public var episodesPerMember: Int
  public var mode: ActionMode
  public var normalizer: ObservationNormalizer
  /// The reset seed of episode `e` of member `m`.
  public var episodeSeed: @Sendable (_ member: Int, _ episode: Int) -> UInt64
  /// Whether member `m`'s observations go into the statistics.
  public var collectsStatistics: @Sendable (_ member: Int) -> Bool
  /// Polled after every member: true abandons the members not yet begun (the results say
  /// `cancelled`), so that a stop asked for mid-generation is honoured at once.
  public var isCancelled: @Sendable () -> Bool

  public init(
    members: Int, episodesPerMember: Int, mode: ActionMode, normalizer: ObservationNormalizer,
    episodeSeed: @escaping @Sendable (Int, Int) -> UInt64,
    collectsStatistics: @escaping @Sendable (Int) -> Bool = { _ in false },
    isCancelled: @escaping @Sendable () -> Bool = { false }
  ) {
    self.members = members
    self.episodesPerMember = episodesPerMember
    self.mode = mode
    self.normalizer = normalizer
    self.episodeSeed = episodeSeed
    self.collectsStatistics = collectsStatistics
    self.isCancelled = isCancelled
  }
}

/// The results of one plan, stored by member index (never by thread), so they are the same for
/// any thread count.
public struct EvaluationResults: Sendable {
  public let members: Int
  public let episodesPerMember: Int
  /// Return of episode `e` of member `m` at `m * episodesPerMember + e`.
  public var episodeReturns: [Double]
  /// Length of episode `e` of member `m`, same indexing.
  public var episodeLengths: [Int]
  /// Values per behaviour descriptor.
  public var behaviorCount: Int
  /// Behaviour descriptor of episode `e` of member `m` (novelty search), at
  /// `(m * episodesPerMember + e) * behaviorCount`.
  public var episodeBehaviors: [Float]
  /// Per-member sums of raw observations (`members × dimension`), zero where not collected.
  public var statisticsSum: [Double]
  public var statisticsSumOfSquares: [Double]
  /// Per-member number of observations collected.
  public var statisticsCount: [Double]
  /// Whether the plan was abandoned part-way (`EvaluationPlan.isCancelled`): some members were
  /// never evaluated, so the results must not be used.
  public var cancelled = false

  public init(
    members: Int, episodesPerMember: Int, episodeReturns: [Double], episodeLengths: [Int],
    behaviorCount: Int, episodeBehaviors: [Float],
    statisticsSum: [Double], statisticsSumOfSquares: [Double], statisticsCount: [Double]
  ) {
    self.members = members
    self.episodesPerMember = episodesPerMember
    self.episodeReturns = episodeReturns
    self.episodeLengths = episodeLengths
    self.behaviorCount = behaviorCount
    self.episodeBehaviors = episodeBehaviors
    self.statisticsSum = statisticsSum
    self.statisticsSumOfSquares = statisticsSumOfSquares
    self.statisticsCount = statisticsCount
  }

  /// Mean return of each member over its episodes.
  public var meanReturns: [Double] {
    (0..<members).map { m in
      var s = 0.0
      for e in 0..<episodesPerMember { s += episodeReturns[m * episodesPerMember + e] }
      return s / Double(episodesPerMember)
    }
  }

  /// Mean behaviour descriptor of member `m` over its episodes.
  public func meanBehavior(of m: Int) -> [Float] {
    var mean = [Float](repeating: 0, count: behaviorCount)
    for e in 0..<episodesPerMember {
      let base = (m * episodesPerMember + e) * behaviorCount
      for i in 0..<behaviorCount { mean[i] += episodeBehaviors[base + i] }
    }
    return mean.map { $0 / Float(episodesPerMember) }
  }

  /// Mean behaviour descriptor over every episode of every member.
  public var meanBehaviorOverAll: [Float] {
    var mean = [Float](repeating: 0, count: behaviorCount)
    let episodes = members * episodesPerMember
    guard episodes > 0, behaviorCount > 0 else { return mean }
    for k in 0..<episodes {
      for i in 0..<behaviorCount { mean[i] += episodeBehaviors[k * behaviorCount + i] }
    }
    return mean.map { $0 / Float(episodes) }
  }

  /// Env steps taken by the whole plan.
  public var totalSteps: Int { episodeLengths.reduce(0, +) }

  /// Merges the collected observation sums into `statistics`, member by member in index order.
  public func accumulate(into statistics: inout RunningStatistics) {
    let d = statistics.dimension
    for m in 0..<members where statisticsCount[m] > 0 {
      statistics.add(
        sum: Array(statisticsSum[(m * d)..<((m + 1) * d)]),
        sumOfSquares: Array(statisticsSumOfSquares[(m * d)..<((m + 1) * d)]),
        count: statisticsCount[m])
    }
  }
}

/// A pool of worker threads that evaluate parameter vectors in an environment.
///
/// Each worker owns a copy of the environment and its scratch buffers per lane (episodes it plays
/// interleaved). Members are handed out one at a time from a shared counter (ragged episode
/// lengths balance themselves), and every result is written at its member's index, so the outcome
/// depends neither on `threads` nor on the lanes. The caller
/// writes member `m`'s parameters through `parameters(m, buffer)`, which lets evolution strategies
/// rebuild a perturbation from its seed on the worker instead of storing the population.
public final class Evaluator<E: Environment>: @unchecked Sendable {
  public let threads: Int
  public let network: Network
  public let head: ActionHead
  /// Where the threads come from: a `WorkerPool` shared with other work (policy-gradient
  /// training evaluates between updates on the pool its updates use, so its workers stay
  /// awake), or nil for Dispatch's threads.
  @usableFromInline let pool: WorkerPool?
  /// Values per behaviour descriptor of this env.
  public let behaviorCount: Int
  @usableFromInline let workers: [Worker]

  @usableFromInline
  final class Worker: @unchecked Sendable {
    /// One env and one scratch per lane. The envs sit behind a pointer so that a step's access
    /// costs no exclusivity check (a class's stored `var` would check each one).
    @usableFromInline let envs: UnsafeMutablePointer<E>
    @usableFromInline let scratches: [EpisodeScratch]
    @usableFromInline let lanes: Int
    init(env: E, network: Network, lanes: Int) {
      self.lanes = lanes
      // On cache lines of their own, like the scratch: each thread writes its envs every step.
      let line = EpisodeScratch.lineBytes
      let bytes = (lanes * MemoryLayout<E>.stride + line - 1) / line * line
      envs = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, line), alignment: max(line, MemoryLayout<E>.alignment))
        .bindMemory(to: E.self, capacity: lanes)
      envs.initialize(repeating: env, count: lanes)
      scratches = (0..<lanes).map { _ in
        EpisodeScratch(
          observationCount: env.spec.observationSpace.count, network: network, behaviorCount: env.behaviorCount)
      }
    }
    deinit {
      envs.deinitialize(count: lanes)
      UnsafeMutableRawPointer(envs).deallocate()
    }
  }

  /// What one lane of a worker is playing: episode `episode` of member `member`.
  @usableFromInline
  struct Lane {
    @usableFromInline var member = 0
    @usableFromInline var episode = 0
    @usableFromInline var collect = false
    @usableFromInline var counted = 0
    @usableFromInline var running = RunningEpisode()
    @inlinable init() {}
  }

  /// Episodes a worker interleaves when the caller does not say: two for MLPs of up to
  /// `interleavedParameterLimit` weights, whose forward pass is a short chain of dependent
  /// fused multiply-adds that leaves the core idle between steps; one for larger networks and
  /// for convolutions, whose passes keep the core busy on their own, so that a second lane only
  /// crowds the cache (Benchmarks/results/interleaved-episodes.md).
  public static func defaultLanes(for network: Network) -> Int {
    network.convolutions.isEmpty && network.parameterCount <= interleavedParameterLimit ? 2 : 1
  }
  public static var interleavedParameterLimit: Int { 2_048 }

  /// An evaluator on Dispatch's threads; `lanes` episodes interleaved per thread (nil: the
  /// default for the network's size). Neither changes any result.
  public convenience init(environment: E, network: Network, threads: Int, lanes: Int? = nil) {
    self.init(environment: environment, network: network, threads: threads, pool: nil, lanes: lanes)
  }

  /// An evaluator running on `pool`'s threads.
  public convenience init(environment: E, network: Network, pool: WorkerPool, lanes: Int? = nil) {
    self.init(environment: environment, network: network, threads: pool.threads, pool: pool, lanes: lanes)
  }

  init(environment: E, network: Network, threads: Int, pool: WorkerPool?, lanes: Int?) {
    precondition(threads > 0, "an evaluator needs at least one thread")
    self.pool = pool
    precondition(
      environment.spec.observationSpace.count == network.inputCount,
      "network input does not match the observation size")
    self.threads = threads
    self.network = network
    behaviorCount = environment.behaviorCount
    head = ActionHead(space: environment.spec.actionSpace)
    let lanes = lanes ?? Self.defaultLanes(for: network)
    precondition(lanes == 1 || lanes == 2, "an evaluator interleaves one or two episodes per thread")
    workers = (0..<threads).map { _ in Worker(env: environment, network: network, lanes: lanes) }
  }

  /// Evaluates every member of `plan` (or only the members `only` lists; the others' results
  /// stay zero); blocks until all are done.
  ///
  /// Inlinable so that callers who know the concrete environment type get a specialised loop.
  @inlinable
  public func evaluate(
    _ plan: EvaluationPlan, only subset: StrideTo<Int>? = nil,
    parameters: @Sendable (_ member: Int, _ into: UnsafeMutableBufferPointer<Float>) -> Void
  ) -> EvaluationResults {
    let members = plan.members, episodes = plan.episodesPerMember
    let order = subset.map(Array.init) ?? Array(0..<members)
    let dimension = network.inputCount
    var returns = [Double](repeating: 0, count: members * episodes)
    var lengths = [Int](repeating: 0, count: members * episodes)
    let behaviorCount = self.behaviorCount
    var behaviors = [Float](repeating: 0, count: members * episodes * behaviorCount)
    var sums = [Double](repeating: 0, count: members * dimension)
    var squares = [Double](repeating: 0, count: members * dimension)
    var counts = [Double](repeating: 0, count: members)
    let next = Atomic<Int>(0)
    let cancelled = Atomic<Bool>(false)
    let network = self.network, head = self.head

    behaviors.withUnsafeMutableBufferPointer { behaviorsBuffer in
    returns.withUnsafeMutableBufferPointer { returnsBuffer in
      lengths.withUnsafeMutableBufferPointer { lengthsBuffer in
        sums.withUnsafeMutableBufferPointer { sumsBuffer in
          squares.withUnsafeMutableBufferPointer { squaresBuffer in
            counts.withUnsafeMutableBufferPointer { countsBuffer in
              let out = Outputs(
                returns: returnsBuffer, lengths: lengthsBuffer, behaviors: behaviorsBuffer,
                sums: sumsBuffer, squares: squaresBuffer, counts: countsBuffer)
              @Sendable func work(_ w: Int) {
                let worker = self.workers[w]
                let scratches = worker.scratches
                var stopped = false
                var observer = NoStepObserver()
                // The next member for lane l, its parameters written into the lane's scratch. A second
                // lane stops claiming once fewer members are left than there are threads: the last
                // ones go one to a thread, not two to one thread while another idles.
                func claim(_ l: Int) -> Lane? {
                  if stopped || (l > 0 && order.count - next.load(ordering: .relaxed) < threads) { return nil }
                  let k = next.add(1, ordering: .relaxed).oldValue
                  guard k < order.count else { return nil }
                  let scratch = scratches[l]
                  var lane = Lane()
                  lane.member = order[k]
                  lane.collect = plan.collectsStatistics(lane.member)
                  parameters(lane.member, scratch.parameters)
                  if lane.collect {
                    scratch.statisticsSum.update(repeating: 0)
                    scratch.statisticsSumOfSquares.update(repeating: 0)
                  }
                  return lane
                }
                func begin(_ lane: inout Lane, _ env: inout E, _ scratch: EpisodeScratch) {
                  lane.running.begin(
                    &env, seed: plan.episodeSeed(lane.member, lane.episode), normalizer: plan.normalizer,
                    scratch: scratch, collectStatistics: lane.collect)
                }
                // Stores an episode's results; true when its member has another episode to play.
                func finish(_ lane: inout Lane, _ outcome: EpisodeOutcome, _ scratch: EpisodeScratch) -> Bool {
                  let m = lane.member, e = lane.episode
                  out.returns[m * episodes + e] = outcome.totalReward
                  out.lengths[m * episodes + e] = outcome.length
                  let base = (m * episodes + e) * behaviorCount
                  for i in 0..<behaviorCount { out.behaviors[base + i] = scratch.behavior[i] }
                  lane.counted += lane.running.counted
                  if e + 1 < episodes {
                    lane.episode = e + 1
                    return true
                  }
                  if lane.collect {
                    for i in 0..<dimension {
                      out.sums[m * dimension + i] = scratch.statisticsSum[i]
                      out.squares[m * dimension + i] = scratch.statisticsSumOfSquares[i]
                    }
                    out.counts[m] = Double(lane.counted)
                  }
                  if plan.isCancelled() {
                    cancelled.store(true, ordering: .relaxed)
                    stopped = true
                  }
                  return false
                }
                // One step of lane l's episode; at its end, the member's next episode or the next member.
                @inline(__always) func advance(_ lane: inout Lane?, _ env: inout E, _ l: Int) {
                  guard lane != nil else { return }
                  let scratch = scratches[l]
                  guard
                    let outcome = lane!.running.step(
                      &env, network: network, head: head, mode: plan.mode, scratch: scratch, observer: &observer)
                  else { return }
                  if finish(&lane!, outcome, scratch) {
                    begin(&lane!, &env, scratch)
                  } else {
                    lane = start(&env, l)
                  }
                }
                // Lane l's next member, its first episode begun; nil when none is left for it.
                func start(_ env: inout E, _ l: Int) -> Lane? {
                  var lane = claim(l)
                  if lane != nil { begin(&lane!, &env, scratches[l]) }
                  return lane
                }
                // The envs arrive as inout arguments, which the optimiser may keep apart from every
                // other memory the step touches.
                func playOne(_ env: inout E) {
                  var lane = start(&env, 0)
                  while lane != nil { advance(&lane, &env, 0) }
                }
                // Two episodes, a step of each in turn: their chains of dependent work (forward pass →
                // action → env step) are independent, so the core overlaps them.
                func playTwo(_ a: inout E, _ b: inout E) {
                  var first = start(&a, 0), second = start(&b, 1)
                  while first != nil || second != nil {
                    advance(&first, &a, 0)
                    advance(&second, &b, 1)
                  }
                }
                if worker.lanes == 1 {
                  playOne(&worker.envs[0])
                } else {
                  playTwo(&worker.envs[0], &worker.envs[1])
                }
              }
              if threads == 1 {
                work(0)
              } else if let pool {
                // One item per thread: each runs its worker's loop over the members.
                pool.run(threads, sameThreads: true, work)
              } else {
                DispatchQueue.concurrentPerform(iterations: threads, execute: work)
              }
            }
          }
        }
      }
    }
    }
    var results = EvaluationResults(
      members: members, episodesPerMember: episodes, episodeReturns: returns,
      episodeLengths: lengths, behaviorCount: behaviorCount, episodeBehaviors: behaviors,
      statisticsSum: sums, statisticsSumOfSquares: squares,
      statisticsCount: counts)
    results.cancelled = cancelled.load(ordering: .relaxed)
    return results
  }

  /// Where workers write results: disjoint indices per member, so no two threads touch one slot.
  @usableFromInline
  struct Outputs: @unchecked Sendable {
    @usableFromInline let returns: UnsafeMutableBufferPointer<Double>
    @usableFromInline let lengths: UnsafeMutableBufferPointer<Int>
    @usableFromInline let behaviors: UnsafeMutableBufferPointer<Float>
    @usableFromInline let sums: UnsafeMutableBufferPointer<Double>
    @usableFromInline let squares: UnsafeMutableBufferPointer<Double>
    @usableFromInline let counts: UnsafeMutableBufferPointer<Double>

    @usableFromInline
    init(
      returns: UnsafeMutableBufferPointer<Double>, lengths: UnsafeMutableBufferPointer<Int>,
      behaviors: UnsafeMutableBufferPointer<Float>, sums: UnsafeMutableBufferPointer<Double>, squares: UnsafeMutableBufferPointer<Double>,
      counts: UnsafeMutableBufferPointer<Double>
    ) {
      self.returns = returns
      self.lengths = lengths
      self.behaviors = behaviors
      self.sums = sums
      self.squares = squares
      self.counts = counts
    }
  }
}
