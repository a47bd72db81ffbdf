#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Cluster
import Networks
import RLCore

/// One rollout: T steps of each of N envs, stored env-major (sample s = env·T + t).
public final class RolloutBuffer: @unchecked Sendable {
  public let envs: Int
  public let steps: Int
  public let observationCount: Int
  public let actionWidth: Int
  /// The observations the networks saw (already normalised), `N·T × observationCount`.
  public var observations: [Float]
  /// Discrete: the action index; continuous: the Gaussian sample u (before the squash).
  public var actions: [Float]
  /// Rewards, with γ·V(final observation) added on truncated steps.
  public var rewards: [Double]
  /// Whether the episode ended after this step (terminated or truncated).
  public var dones: [Bool]
  public var values: [Double]
  public var logProbs: [Double]
  /// V of the observation after each env's last step.
  public var lastValues: [Double]
  /// That observation as the networks see it, `N × observationCount` (what RND's last reward reads).
  public var lastObservations: [Float]
  /// With `behaviorCount` > 0, the env's behaviour descriptor after each step (a maze's position),
  /// `N·T × behaviorCount` (what RND reads when it explores in behaviour space).
  public let behaviorCount: Int
  public var behaviors: [Float]
  public var advantages: [Double]
  public var returns: [Double]

  public init(envs: Int, steps: Int, observationCount: Int, actionWidth: Int, behaviorCount: Int = 0) {
    self.envs = envs
    self.behaviorCount = behaviorCount
    behaviors = [Float](repeating: 0, count: envs * steps * behaviorCount)
    self.steps = steps
    self.observationCount = observationCount
    self.actionWidth = actionWidth
    let n = envs * steps
    observations = [Float](repeating: 0, count: n * observationCount)
    actions = [Float](repeating: 0, count: n * actionWidth)
    rewards = [Double](repeating: 0, count: n)
    dones = [Bool](repeating: false, count: n)
    values = rewards
    logProbs = rewards
    lastValues = [Double](repeating: 0, count: envs)
    lastObservations = [Float](repeating: 0, count: envs * observationCount)
    advantages = rewards
    returns = rewards
  }

  public var count: Int { envs * steps }

  /// GAE over each env's steps (see `GAE`).
  public func computeAdvantages(gamma: Double, lambda: Double) {
    GAE.compute(
      envs: envs, steps: steps, rewards: rewards, values: values, dones: dones, lastValues: lastValues, gamma: gamma,
      lambda: lambda, advantages: &advantages, returns: &returns)
  }
}

/// A finished training episode.
public struct EpisodeRecord: Sendable, Equatable {
  public var env: Int
  public var totalReward: Double
  public var length: Int
  /// The env's behaviour descriptor at the episode's end (a maze's final position).
  public var finalBehavior: [Float]

  public init(env: Int, totalReward: Double, length: Int, finalBehavior: [Float]) {
    self.env = env
    self.totalReward = totalReward
    self.length = length
    self.finalBehavior = finalBehavior
  }
}

/// Steps N copies of an env with the current policy, spread over worker threads.
///
/// The policy is fixed during a rollout, so each env's T steps are independent of the others: a
/// worker takes one env at a time and runs all its steps (one dispatch per rollout, not per step).
/// Each env owns its episode seeds — `SeedDerivation(.trainingEpisode, member: env, episode: k)` —
/// and its action-sampling stream, and every result is stored at the env's index, so the rollout
/// is bit-identical for any thread count. Episodes reset automatically; a truncated step's reward
/// gets γ·V(final observation) added (SB3's bootstrap).
public final class RolloutCollector<E: Environment>: @unchecked Sendable {
  final class Slot: @unchecked Sendable {
    var env: E
    var observation: [Float]
    var rng: PhiloxStream
    var episodes = 0
    var episodeReward = 0.0
    var episodeLength = 0
    var finished: [EpisodeRecord] = []
    var statisticsSum: [Double]
    var statisticsSumOfSquares: [Double]
    var statisticsCount = 0.0
    init(env: E, observationCount: Int, seed: UInt64) {
      self.env = env
      observation = [Float](repeating: 0, count: observationCount)
      rng = PhiloxStream(seed: seed)
      statisticsSum = [Double](repeating: 0, count: observationCount)
      statisticsSumOfSquares = statisticsSum
    }
  }

  public let model: ActorCritic
  public let pool: WorkerPool
  public let gamma: Double
  let runSeed: UInt64
  let slots: [Slot]
  let head: ActionHead

  public convenience init(environment: E, model: ActorCritic, envs: Int, threads: Int, gamma: Double, seed: UInt64) {
    self.init(environment: environment, model: model, envs: envs, pool: WorkerPool(threads: threads), gamma: gamma, seed: seed)
  }

  /// A collector stepping its envs on `pool` (shared with the learner in training).
  public init(environment: E, model: ActorCritic, envs: Int, pool: WorkerPool, gamma: Double, seed: UInt64) {
    precondition(envs > 0, "a collector needs envs")
    self.model = model
    self.pool = pool
    self.gamma = gamma
    runSeed = seed
    head = ActionHead(space: model.actionSpace)
    let d = environment.spec.observationSpace.count
    slots = (0..<envs).map { i in
      Slot(env: environment, observationCount: d, seed: SeedDerivation.seed(run: seed, purpose: .actionSampling, member: i))
    }
    for (i, slot) in slots.enumerated() { reset(slot, index: i) }
  }

  public var envCount: Int { slots.count }

  func reset(_ slot: Slot, index: Int) {
    let seed = SeedDerivation.seed(run: runSeed, purpose: .trainingEpisode, member: index, episode: slot.episodes)
    slot.observation.withUnsafeMutableBufferPointer { slot.env.reset(seed: seed, observation: $0) }
    slot.episodes += 1
    slot.episodeReward = 0
    slot.episodeLength = 0
  }

  /// Fills `buffer` with one rollout of the policy `parameters` (actor | critic | log σ), inputs
  /// scaled by `normalizer`. Returns the episodes that finished, in env order, and (when
  /// `collectStatistics`) the raw observations' sums for the running normaliser.
  ///
  /// With several ranks each steps its contiguous block of the envs and the blocks are gathered,
  /// so every rank ends with the whole rollout, the same bits as one process collecting it all.
  public func collect(
    parameters: [Float], normalizer: ObservationNormalizer, into buffer: RolloutBuffer, collectStatistics: Bool,
    cluster: any Communicator = SingleProcess()
  ) -> (episodes: [EpisodeRecord], statistics: (sum: [Double], sumOfSquares: [Double], count: Double)) {
    precondition(buffer.envs == slots.count && parameters.count == model.parameterCount)
    precondition(buffer.behaviorCount == 0 || buffer.behaviorCount == slots[0].env.behaviorCount)
    let mine = cluster.block(slots.count)
    let steps = buffer.steps
    let d = buffer.observationCount, width = buffer.actionWidth
    let actor = model.actor, critic = model.critic
    let continuous = model.isContinuous
    let outputCount = actor.outputCount
    let out = UnsafeOutputs(buffer)
    parameters.withUnsafeBufferPointer { p in
      let actorParameters = p.baseAddress!
      let criticParameters = p.baseAddress! + model.criticOffset
      let logStd = p.baseAddress! + model.logStdOffset
      let params = UnsafeParameters(actor: actorParameters, critic: criticParameters, logStd: logStd)
      func work(_ k: Int) {
        let e = mine.lowerBound + k
        var input = [Float](repeating: 0, count: d)
        var actorWorkspace = [Float](repeating: 0, count: actor.workspaceCount)
        var criticWorkspace = [Float](repeating: 0, count: critic.workspaceCount)
        var u = [Float](repeating: 0, count: max(width, 1))
        /// V of the normalised observation in `input`.
        func criticValue() -> Double {
          input.withUnsafeBufferPointer { x in
            criticWorkspace.withUnsafeMutableBufferPointer { w in
              Double(critic.forward(parameters: params.critic, input: x.baseAddress!, workspace: w.baseAddress!)[0])
            }
          }
        }
        func value(of observation: [Float]) -> Double {
          normalizer.apply(observation, into: &input)
          return criticValue()
        }
        let slot = slots[e]
        slot.finished.removeAll(keepingCapacity: true)
        if collectStatistics {
          for i in 0..<d {
            slot.statisticsSum[i] = 0
            slot.statisticsSumOfSquares[i] = 0
          }
        }
        slot.statisticsCount = 0
        for t in 0..<steps {
          let s = e * steps + t
          if collectStatistics {
            for i in 0..<d {
              let x = Double(slot.observation[i])
              slot.statisticsSum[i] += x
              slot.statisticsSumOfSquares[i] += x * x
            }
            slot.statisticsCount += 1
          }
          normalizer.apply(slot.observation, into: &input)
          for i in 0..<d { out.observations[s * d + i] = input[i] }
          let action: Action
          let logProb: Double
          let v = criticValue()
          (action, logProb) = input.withUnsafeBufferPointer { x in
            actorWorkspace.withUnsafeMutableBufferPointer { w in
              let outputs = actor.forward(parameters: params.actor, input: x.baseAddress!, workspace: w.baseAddress!)
              if continuous {
                for i in 0..<width { u[i] = outputs[i] + expf(params.logStd[i]) * slot.rng.nextGaussian() }
                let lp = u.withUnsafeBufferPointer {
                  DiagonalGaussian.logProb(mean: outputs, logStd: params.logStd, sample: $0.baseAddress!, count: width)
                }
                return (u.withUnsafeBufferPointer { head.action(outputs: $0.baseAddress!, mode: .greedy, rng: &slot.rng) }, lp)
              }
              let a = Categorical.sample(logits: outputs, count: outputCount, rng: &slot.rng)
              u[0] = Float(a)
              return (Action(index: a), Categorical.logProb(logits: outputs, count: outputCount, action: a))
            }
          }
          for i in 0..<width { out.actions[s * width + i] = u[i] }
          out.values[s] = v
          out.logProbs[s] = logProb
          let step = slot.observation.withUnsafeMutableBufferPointer { slot.env.step(action, observation: $0) }
          slot.episodeReward += step.reward
          slot.episodeLength += 1
          var reward = step.reward
          if step.truncated && !step.terminated {
            reward += gamma * value(of: slot.observation)
          }
          out.rewards[s] = reward
          out.dones[s] = step.isDone
          if out.b > 0 {
            let b = UnsafeMutableBufferPointer(start: out.behaviors + s * out.b, count: out.b)
            slot.observation.withUnsafeBufferPointer { slot.env.writeBehavior(into: b, finalObservation: $0) }
          }
          if step.isDone {
            var behavior = [Float](repeating: 0, count: slot.env.behaviorCount)
            behavior.withUnsafeMutableBufferPointer { b in
              slot.observation.withUnsafeBufferPointer { slot.env.writeBehavior(into: b, finalObservation: $0) }
            }
            slot.finished.append(
              EpisodeRecord(env: e, totalReward: slot.episodeReward, length: slot.episodeLength, finalBehavior: behavior))
            reset(slot, index: e)
          }
        }
        out.lastValues[e] = value(of: slot.observation)
        for i in 0..<d { out.lastObservations[e * d + i] = input[i] }
      }
      pool.run(mine.count, work)
    }
    out.finish(into: buffer)
    // Per env: the observation sums, then each finished episode (env, return, length, behaviour).
    var statistics: [Double] = [], finished: [Double] = []
    for e in mine {
      let slot = slots[e]
      if collectStatistics { statistics += slot.statisticsSum + slot.statisticsSumOfSquares + [slot.statisticsCount] }
      for record in slot.finished {
        finished += [Double(record.env), record.totalReward, Double(record.length)] + record.finalBehavior.map(Double.init)
      }
    }
    let blocks = (0..<cluster.size).map { cluster.block(slots.count, rank: $0) }
    if cluster.size > 1 { buffer.gather(cluster: cluster, blocks: blocks) }
    if collectStatistics {
      statistics = cluster.allgather(statistics, counts: blocks.map { $0.count * (2 * d + 1) })
    }
    let behaviorCount = slots[0].env.behaviorCount
    let recordWidth = 3 + behaviorCount
    let finishedCounts = cluster.allgather([finished.count], counts: [Int](repeating: 1, count: cluster.size))
    finished = cluster.allgather(finished, counts: finishedCounts)

    var sum = [Double](repeating: 0, count: d), squares = sum, count = 0.0
    if collectStatistics {
      for e in 0..<slots.count {
        let base = e * (2 * d + 1)
        count += statistics[base + 2 * d]
        for i in 0..<d {
          sum[i] += statistics[base + i]
          squares[i] += statistics[base + d + i]
        }
      }
    }
    let episodes = stride(from: 0, to: finished.count, by: recordWidth).map { k in
      EpisodeRecord(
        env: Int(finished[k]), totalReward: finished[k + 1], length: Int(finished[k + 2]),
        finalBehavior: finished[(k + 3)..<(k + recordWidth)].map(Float.init))
    }
    return (episodes, (sum, squares, count))
  }
}

extension RolloutBuffer {
  /// Replaces every env's rows with those of the rank whose block holds the env.
  func gather(cluster: any Communicator, blocks: [Range<Int>]) {
    let mine = blocks[cluster.rank]
    func exchange<T: BitwiseCopyable>(_ array: [T], width: Int) -> [T] {
      cluster.allgather(Array(array[(mine.lowerBound * width)..<(mine.upperBound * width)]), counts: blocks.map { $0.count * width })
    }
    observations = exchange(observations, width: steps * observationCount)
    actions = exchange(actions, width: steps * actionWidth)
    rewards = exchange(rewards, width: steps)
    dones = exchange(dones, width: steps)
    values = exchange(values, width: steps)
    logProbs = exchange(logProbs, width: steps)
    lastValues = exchange(lastValues, width: 1)
    lastObservations = exchange(lastObservations, width: observationCount)
    if behaviorCount > 0 { behaviors = exchange(behaviors, width: steps * behaviorCount) }
  }
}

/// Raw pointers into the buffer's arrays for the workers (each writes only its env's rows).
private final class UnsafeOutputs: @unchecked Sendable {
  let observations: UnsafeMutablePointer<Float>
  let actions: UnsafeMutablePointer<Float>
  let rewards: UnsafeMutablePointer<Double>
  let dones: UnsafeMutablePointer<Bool>
  let values: UnsafeMutablePointer<Double>
  let logProbs: UnsafeMutablePointer<Double>
  let lastValues: UnsafeMutablePointer<Double>
  let lastObservations: UnsafeMutablePointer<Float>
  let behaviors: UnsafeMutablePointer<Float>
  let n: Int, d: Int, width: Int, envs: Int, b: Int

  init(_ buffer: RolloutBuffer) {
    n = buffer.count
    d = buffer.observationCount
    width = buffer.actionWidth
    envs = buffer.envs
    b = buffer.behaviorCount
    behaviors = .allocate(capacity: max(n * b, 1))
    behaviors.initialize(repeating: 0, count: max(n * b, 1))
    observations = .allocate(capacity: n * d)
    actions = .allocate(capacity: n * width)
    rewards = .allocate(capacity: n)
    dones = .allocate(capacity: n)
    values = .allocate(capacity: n)
    logProbs = .allocate(capacity: n)
    lastValues = .allocate(capacity: envs)
    lastObservations = .allocate(capacity: envs * d)
    // Rows of envs another rank steps are replaced after the rollout; zero them until then.
    observations.initialize(repeating: 0, count: n * d)
    actions.initialize(repeating: 0, count: n * width)
    rewards.initialize(repeating: 0, count: n)
    dones.initialize(repeating: false, count: n)
    values.initialize(repeating: 0, count: n)
    logProbs.initialize(repeating: 0, count: n)
    lastValues.initialize(repeating: 0, count: envs)
    lastObservations.initialize(repeating: 0, count: envs * d)
  }

  func finish(into buffer: RolloutBuffer) {
    buffer.observations = Array(UnsafeBufferPointer(start: observations, count: n * d))
    buffer.actions = Array(UnsafeBufferPointer(start: actions, count: n * width))
    buffer.rewards = Array(UnsafeBufferPointer(start: rewards, count: n))
    buffer.dones = Array(UnsafeBufferPointer(start: dones, count: n))
    buffer.values = Array(UnsafeBufferPointer(start: values, count: n))
    buffer.logProbs = Array(UnsafeBufferPointer(start: logProbs, count: n))
    buffer.lastValues = Array(UnsafeBufferPointer(start: lastValues, count: envs))
    buffer.lastObservations = Array(UnsafeBufferPointer(start: lastObservations, count: envs * d))
    buffer.behaviors = Array(UnsafeBufferPointer(start: behaviors, count: n * b))
  }

  deinit {
    observations.deallocate()
    actions.deallocate()
    rewards.deallocate()
    dones.deallocate()
    values.deallocate()
    logProbs.deallocate()
    lastValues.deallocate()
    lastObservations.deallocate()
    behaviors.deallocate()
  }
}

private struct UnsafeParameters: @unchecked Sendable {
  let actor: UnsafePointer<Float>
  let critic: UnsafePointer<Float>
  let logStd: UnsafePointer<Float>
}

extension ObservationNormalizer {
  /// Scales one observation into `input` (allocation-free when `input` has the right size).
  func apply(_ observation: [Float], into input: inout [Float]) {
    observation.withUnsafeBufferPointer { o in
      input.withUnsafeMutableBufferPointer { i in apply(o.baseAddress!, into: i.baseAddress!) }
    }
  }
}

/// One env of a collector between rollouts: the env itself mid-episode, its current
/// observation, its action-sampling stream and its episode counters. With every env's state a
/// collector continues exactly where it stopped (what a policy-gradient checkpoint holds).
public struct CollectorEnvState<E: Environment & Codable>: Sendable, Codable {
  public var env: E
  public var observation: [Float]
  public var rng: PhiloxStream
  /// Episodes begun (keys the next episode's seed), and the current episode's return and length.
  public var episodes: Int
  public var episodeReward: Double
  public var episodeLength: Int
}

extension RolloutCollector where E: Codable {
  /// Every env's state. With several ranks each steps only its block of the envs (`Communicator
  /// .block`), so only that block is current here: the caller gathers the blocks.
  public func states() -> [CollectorEnvState<E>] {
    slots.map {
      CollectorEnvState(
        env: $0.env, observation: $0.observation, rng: $0.rng, episodes: $0.episodes, episodeReward: $0.episodeReward,
        episodeLength: $0.episodeLength)
    }
  }

  /// Puts every env back in a state `states` returned.
  public func restore(_ states: [CollectorEnvState<E>]) {
    precondition(states.count == slots.count)
    for (slot, state) in zip(slots, states) {
      slot.env = state.env
      slot.observation = state.observation
      slot.rng = state.rng
      slot.episodes = state.episodes
      slot.episodeReward = state.episodeReward
      slot.episodeLength = state.episodeLength
    }
  }
}
