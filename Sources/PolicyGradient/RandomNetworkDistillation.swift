#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Networks
import RLCore

/// Exploration by random network distillation (Burda, Edwards, Storkey & Klimov 2018, arXiv
/// 1810.12894), as CleanRL's `ppo_rnd_envpool.py` runs it beside PPO.
///
/// A fixed, randomly initialised target network f maps an observation to k features; a predictor
/// f̂ is trained to match it. The intrinsic reward of step t is the prediction error
/// ‖f̂(sₜ₊₁) − f(sₜ₊₁)‖²/k at the observation the step led to — high on states seen rarely,
/// falling as they are revisited. With `input` `.behavior` the networks read the env's behaviour
/// descriptor after the step instead (a maze's position: the space NS-ES measures novelty in), so
/// the bonus is a learned visit count over places rather than over sensor readings. Each rollout:
/// 1. The running mean and std of those inputs are updated with the rollout's; target and
///    predictor read them whitened and clipped to ±5.
/// 2. The rewards are divided by a running std of the discounted intrinsic return (a per-env
///    forward filter r̄ₜ = γᵢ·r̄ₜ₋₁ + rₜ that never resets).
/// 3. An intrinsic critic V_int (PPO's critic's layers, reading the policy's inputs, separate
///    from PPO's critic) gives non-episodic GAE advantages with γᵢ:
///    an episode's end does not cut the intrinsic return, so the step after it is the next
///    episode's first (the stream of experience the agent lives through).
/// 4. The advantage PPO optimises is c_ext·A_ext + c_int·A_int; PPO's own critic keeps the
///    extrinsic return.
/// 5. After PPO's update, for the same number of epochs and minibatch size, V_int takes Adam
///    steps on c_v·mean((V_int − R_int)²) and the predictor on a random `updateProportion` of each
///    minibatch's rows (so its effective batch does not grow with the number of envs), each
///    gradient clipped to PPO's max norm.
///
/// Where CleanRL differs: it initialises the observation statistics by stepping a random policy
/// first; here the first rollout's own statistics are taken in before its rewards are computed.
/// The target, predictor and V_int take the policy's layers (with the predictor one dense layer
/// deeper, as the paper gives it more capacity) instead of the paper's Atari network.
///
/// Every sum runs in fixed chunks in a fixed order and every rank holds the whole rollout, so
/// the result is the same for any thread or rank count (each rank repeats the RND work).
public final class RandomNetworkDistillation: @unchecked Sendable {
  /// What target and predictor read.
  public enum Input: String, Sendable, Equatable, Codable, CaseIterable {
    /// The policy's inputs (the paper's choice).
    case observation
    /// The env's behaviour descriptor after each step.
    case behavior

    public init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      guard let input = Input(rawValue: try container.decode(String.self)) else {
        throw DecodingError.dataCorruptedError(
          in: container, debugDescription: "expected \(Self.allCases.map(\.rawValue).joined(separator: " or "))")
      }
      self = input
    }
  }

  public struct Config: Sendable, Equatable {
    /// c_ext and c_int, the weights of the two advantages.
    public var extrinsicCoefficient: Double
    public var intrinsicCoefficient: Double
    /// γᵢ, the intrinsic discount (the paper's 0.99; the extrinsic one is PPO's γ).
    public var gamma: Double
    /// k, the target's outputs.
    public var features: Int
    /// The fraction of each minibatch's rows the predictor trains on.
    public var updateProportion: Double
    /// The target's dense layers (after the policy's convolutions); nil: the policy's.
    public var hidden: [Int]?
    public var input: Input

    public init(
      extrinsicCoefficient: Double, intrinsicCoefficient: Double, gamma: Double, features: Int, updateProportion: Double,
      hidden: [Int]? = nil, input: Input = .observation
    ) {
      self.hidden = hidden
      self.input = input
      self.extrinsicCoefficient = extrinsicCoefficient
      self.intrinsicCoefficient = intrinsicCoefficient
      self.gamma = gamma
      self.features = features
      self.updateProportion = updateProportion
    }
  }

  /// How the predictor and V_int are trained: PPO's epochs, minibatch size, step size, clip and
  /// value coefficient.
  public struct Training: Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: LinearSchedule
    public var maxGradientNorm: Double
    public var valueCoefficient: Double
    public var gaeLambda: Double

    public init(epochs: Int, batchSize: Int, learningRate: LinearSchedule, maxGradientNorm: Double, valueCoefficient: Double, gaeLambda: Double) {
      self.epochs = epochs
      self.batchSize = batchSize
      self.learningRate = learningRate
      self.maxGradientNorm = maxGradientNorm
      self.valueCoefficient = valueCoefficient
      self.gaeLambda = gaeLambda
    }
  }

  /// What a run carries between rollouts (the target is fixed: its weights follow from the seed).
  public struct State: Sendable, Equatable, Codable {
    @Packed public var predictor: [Float]
    @Packed public var critic: [Float]
    public var predictorOptimizer: GradientOptimizer.State
    public var criticOptimizer: GradientOptimizer.State
    /// Of the inputs target and predictor read whitened.
    public var inputStatistics: RunningStatistics
    /// Per env, the discounted intrinsic return r̄ (never reset).
    public var returnFilter: [Double]
    /// Running mean, variance and count of r̄ (CleanRL's `RunningMeanStd`, count from 1e-4).
    public var returnMean: Double
    public var returnVariance: Double
    public var returnCount: Double
  }

  /// One rollout's intrinsic side, for the update and the progress line.
  public struct Rollout: Sendable {
    /// Normalised intrinsic rewards and non-episodic returns, per sample (env-major).
    public var rewards: [Double]
    public var returns: [Double]
    /// The target's features of each sample's whitened input (what the predictor is trained on).
    var targets: [Float]
    /// The whitened inputs of target and predictor, row-major.
    var features: [Float]
    /// The policy's inputs (what V_int reads).
    var observations: [Float]
    /// Mean of the raw prediction errors (before the normalisation).
    public var meanError: Double
  }

  public let config: Config
  public let training: Training
  public let target: Network
  public let predictor: Network
  public let critic: Network
  let targetParameters: [Float]
  let targetFit: SquaredErrorFit
  let predictorFit: SquaredErrorFit
  let criticFit: SquaredErrorFit
  let seed: UInt64

  /// `trunk` gives the policy's layers with a given number of outputs (and `deeper` with one more
  /// dense layer); the networks are initialised from `seed` as the actor-critic is (orthogonal).
  public init(
    config: Config, training: Training, target: Network, predictor: Network, critic: Network, pool: WorkerPool,
    seed: UInt64
  ) {
    precondition(target.outputCount == config.features && predictor.outputCount == config.features && critic.outputCount == 1)
    precondition(target.inputCount == predictor.inputCount)
    self.config = config
    self.training = training
    self.target = target
    self.predictor = predictor
    self.critic = critic
    self.seed = seed
    targetParameters = target.orthogonalInitialization(
      seed: SeedDerivation.seed(run: seed, purpose: .initialization, member: 2), outputGain: 1)
    targetFit = SquaredErrorFit(network: target, pool: pool)
    predictorFit = SquaredErrorFit(network: predictor, pool: pool)
    criticFit = SquaredErrorFit(network: critic, pool: pool)
  }

  /// The state a run starts from.
  public func initialState(envs: Int) -> State {
    State(
      predictor: predictor.orthogonalInitialization(
        seed: SeedDerivation.seed(run: seed, purpose: .initialization, member: 3), outputGain: 1),
      critic: critic.orthogonalInitialization(
        seed: SeedDerivation.seed(run: seed, purpose: .initialization, member: 4), outputGain: 1),
      predictorOptimizer: GradientOptimizer.State(count: predictor.parameterCount),
      criticOptimizer: GradientOptimizer.State(count: critic.parameterCount),
      inputStatistics: RunningStatistics(dimension: target.inputCount),
      returnFilter: [Double](repeating: 0, count: envs), returnMean: 0, returnVariance: 1, returnCount: 1e-4)
  }

  /// Whether `state` fits these networks and `envs` envs (a checkpoint's).
  public func fits(_ state: State, envs: Int) -> Bool {
    state.predictor.count == predictor.parameterCount && state.critic.count == critic.parameterCount
      && state.predictorOptimizer.m.count == predictor.parameterCount
      && state.criticOptimizer.m.count == critic.parameterCount && state.inputStatistics.dimension == target.inputCount
      && state.returnFilter.count == envs
  }

  /// Whitens `rows` rows of the policy's inputs with `statistics`, clipped to ±5.
  func whitened(_ x: [Float], statistics: RunningStatistics) -> [Float] {
    let normalizer = ObservationNormalizer(statistics: statistics, clip: 5)
    let d = statistics.dimension
    var out = [Float](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { out in
        for r in 0..<(x.count / max(d, 1)) { normalizer.apply(x.baseAddress! + r * d, into: out.baseAddress! + r * d) }
      }
    }
    return out
  }

  /// ‖f̂(x) − f(x)‖²/k of each row of whitened `inputs`, and the target's features.
  public func predictionErrors(whitened inputs: [Float], predictor parameters: [Float]) -> (errors: [Double], targets: [Float]) {
    let rows = inputs.count / target.inputCount, k = config.features
    let (targets, predictions) = inputs.withUnsafeBufferPointer { x in
      (
        targetFit.outputs(of: x.baseAddress!, rows: rows, parameters: targetParameters),
        predictorFit.outputs(of: x.baseAddress!, rows: rows, parameters: parameters)
      )
    }
    let errors = (0..<rows).map { r in
      var sum = 0.0
      for j in 0..<k {
        let e = Double(predictions[r * k + j]) - Double(targets[r * k + j])
        sum += e * e
      }
      return sum / Double(k)
    }
    return (errors, targets)
  }

  /// Steps 1–4 above for the rollout in `buffer`: its intrinsic rewards and returns, and the
  /// combined advantages written into `buffer.advantages` (which hold the extrinsic ones).
  public func advantages(for buffer: RolloutBuffer, state: inout State) -> Rollout {
    let (envs, steps) = (buffer.envs, buffer.steps)
    let behavior = config.input == .behavior
    precondition(!behavior || buffer.behaviorCount == target.inputCount, "the buffer holds no behaviours")
    let source = behavior ? buffer.behaviors : buffer.observations
    let d = target.inputCount
    // 1. Statistics of the inputs, row by row in order.
    var sum = [Double](repeating: 0, count: d), squares = sum
    for r in 0..<buffer.count {
      for i in 0..<d {
        let x = Double(source[r * d + i])
        sum[i] += x
        squares[i] += x * x
      }
    }
    state.inputStatistics.add(sum: sum, sumOfSquares: squares, count: Double(buffer.count))
    let features = whitened(source, statistics: state.inputStatistics)
    let (errors, targets) = predictionErrors(whitened: features, predictor: state.predictor)
    // Step t's reward is the error at what it led to: its behaviour, or the next observation
    // (after the rollout's last step, the one the envs stand at now).
    var raw = errors
    if !behavior {
      let last = whitened(buffer.lastObservations, statistics: state.inputStatistics)
      let lastErrors = predictionErrors(whitened: last, predictor: state.predictor).errors
      for e in 0..<envs {
        for t in 0..<steps { raw[e * steps + t] = t + 1 < steps ? errors[e * steps + t + 1] : lastErrors[e] }
      }
    }
    // 2. Normalise by the running std of the discounted intrinsic return.
    var filtered = [Double](repeating: 0, count: buffer.count)
    for e in 0..<envs {
      var running = state.returnFilter[e]
      for t in 0..<steps {
        running = config.gamma * running + raw[e * steps + t]
        filtered[e * steps + t] = running
      }
      state.returnFilter[e] = running
    }
    let n = Double(filtered.count)
    let batchMean = filtered.reduce(0, +) / n
    let batchVariance = filtered.reduce(0) { $0 + ($1 - batchMean) * ($1 - batchMean) } / n
    let delta = batchMean - state.returnMean, total = state.returnCount + n
    state.returnMean += delta * n / total
    state.returnVariance =
      (state.returnVariance * state.returnCount + batchVariance * n + delta * delta * state.returnCount * n / total) / total
    state.returnCount = total
    let scale = 1 / state.returnVariance.squareRoot()
    let rewards = raw.map { $0 * (scale.isFinite ? scale : 1) }
    // 3. V_int and non-episodic GAE.
    let values = buffer.observations.withUnsafeBufferPointer {
      criticFit.outputs(of: $0.baseAddress!, rows: buffer.count, parameters: state.critic)
    }
    let lastValues = buffer.lastObservations.withUnsafeBufferPointer {
      criticFit.outputs(of: $0.baseAddress!, rows: envs, parameters: state.critic)
    }
    var intrinsicAdvantages = [Double](repeating: 0, count: buffer.count), returns = intrinsicAdvantages
    GAE.compute(
      envs: envs, steps: steps, rewards: rewards, values: values.map(Double.init), dones: nil,
      lastValues: lastValues.map(Double.init), gamma: config.gamma, lambda: training.gaeLambda,
      advantages: &intrinsicAdvantages, returns: &returns)
    // 4. The advantage PPO optimises.
    for s in 0..<buffer.count {
      buffer.advantages[s] = config.extrinsicCoefficient * buffer.advantages[s] + config.intrinsicCoefficient * intrinsicAdvantages[s]
    }
    return Rollout(
      rewards: rewards, returns: returns, targets: targets, features: features, observations: buffer.observations,
      meanError: raw.reduce(0, +) / n)
  }

  /// Step 5: trains V_int and the predictor on the rollout. `progress` drives the step size's
  /// schedule; `iteration` keys the shuffles and the predictor's row sample.
  public func train(on rollout: Rollout, state: inout State, progress: Double, iteration: Int) {
    let count = rollout.returns.count, k = config.features
    let learningRate = Float(training.learningRate.value(at: progress))
    let maxNorm = Float(training.maxGradientNorm)
    let (returns, targets) = (rollout.returns, rollout.targets)
    let valueCoefficient = training.valueCoefficient, proportion = config.updateProportion
    var (criticParameters, criticMoments) = (state.critic, state.criticOptimizer)
    var (predictorParameters, predictorMoments) = (state.predictor, state.predictorOptimizer)
    defer {
      (state.critic, state.criticOptimizer) = (criticParameters, criticMoments)
      (state.predictor, state.predictorOptimizer) = (predictorParameters, predictorMoments)
    }
    rollout.features.withUnsafeBufferPointer { f in
      rollout.observations.withUnsafeBufferPointer { x in
      let (features, observations) = (f.baseAddress!, x.baseAddress!)
      for epoch in 0..<training.epochs {
        let order = permutation(
          count, seed: SeedDerivation.seed(run: seed, purpose: .exploration, iteration: iteration, member: 2 * epoch))
        var sample = PhiloxStream(
          seed: SeedDerivation.seed(run: seed, purpose: .exploration, iteration: iteration, member: 2 * epoch + 1))
        for start in stride(from: 0, to: count, by: training.batchSize) {
          let rows = Array(order[start..<min(start + training.batchSize, count)])
          let n = Double(rows.count)
          let critic = criticFit.gradient(rows: rows, of: observations, parameters: criticParameters) { i, v, g in
            g[0] = Float(valueCoefficient * 2 * (Double(v[0]) - returns[rows[i]]) / n)
          }
          GradientOptimizer.sb3Adam.step(
            &criticParameters, gradient: critic.values,
            scale: clipFactor(squaredNorm: critic.squaredNorm, maxNorm: maxNorm), learningRate: learningRate,
            state: &criticMoments)
          let chosen = rows.filter { _ in Double(sample.nextUnitFloat()) < proportion }
          guard !chosen.isEmpty else { continue }
          let m = Double(chosen.count * k)
          let predictor = predictorFit.gradient(rows: chosen, of: features, parameters: predictorParameters) { i, y, g in
            let t = chosen[i] * k
            for j in 0..<k { g[j] = Float(2 * (Double(y[j]) - Double(targets[t + j])) / m) }
          }
          GradientOptimizer.sb3Adam.step(
            &predictorParameters, gradient: predictor.values,
            scale: clipFactor(squaredNorm: predictor.squaredNorm, maxNorm: maxNorm), learningRate: learningRate,
            state: &predictorMoments)
        }
      }
      }
    }
  }
}
