#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Networks
import RLCore

/// Proximal Policy Optimization with the clipped surrogate (Schulman, Wolski, Dhariwal, Radford &
/// Klimov 2017, arXiv 1707.06347), as stable-baselines3 implements it; defaults are SB3's.
///
/// Each update, on a rollout of `envs × steps` samples with GAE advantages:
/// for each of `epochs` epochs, shuffle the samples and for each minibatch of `batchSize`:
/// 1. ρ = exp(log π_θ(a|s) − log π_old(a|s)); A normalised within the minibatch.
/// 2. L_clip = −mean(min(ρA, clip(ρ, 1 − ε, 1 + ε)A)); L_V = mean((R − V)²); L_H = −mean(H).
/// 3. L = L_clip + c_v·L_V + c_e·L_H; one Adam step after clipping the gradient's global norm.
/// With `targetKL` set, the epochs stop once approx_kl = mean((ρ − 1) − log ρ) exceeds
/// 1.5·targetKL, checked before each step (SB3's rule). ε and the step size follow linear
/// schedules over the step budget.
public struct PPO: PolicyGradientMethod {
  public struct Config: Sendable, Equatable, Codable {
    /// Parallel envs (SB3: however many the VecEnv has; 1 by default).
    public var envs: Int = 1
    /// n_steps, per env per rollout.
    public var steps: Int = 2048
    /// Minibatch size.
    public var batchSize: Int = 64
    /// n_epochs.
    public var epochs: Int = 10
    /// γ and GAE's λ.
    public var gamma: Double = 0.99
    public var gaeLambda: Double = 0.95
    /// ε, the clip range, over the budget.
    public var clipRange: LinearSchedule = .constant(0.2)
    /// Adam's step size over the budget.
    public var learningRate: LinearSchedule = .constant(3e-4)
    /// c_e and c_v.
    public var entropyCoefficient: Double = 0
    public var valueCoefficient: Double = 0.5
    /// Global gradient-norm clip.
    public var maxGradientNorm: Double = 0.5
    /// Stop the epochs early when approx_kl exceeds 1.5 × this (nil: never).
    public var targetKL: Double? = nil
    /// Normalise advantages per minibatch.
    public var normalizeAdvantage: Bool = true
    /// PPO + behaviour novelty, the policy-gradient twin of NS-ES: each finished episode's last
    /// reward gets w × its novelty — the mean distance from its behaviour descriptor (a maze's
    /// final position) to the k nearest behaviours of earlier episodes, every one of which is
    /// archived. 0 (the default) is plain PPO.
    public var noveltyWeight: Double = 0
    /// k, the neighbours novelty is measured against.
    public var noveltyNeighbours: Int = 10
    /// PPO + RND (`RandomNetworkDistillation`): c_int, the intrinsic advantage's weight; 0 (the
    /// default) is plain PPO. The paper's and CleanRL's value is 1.
    public var intrinsicCoefficient: Double = 0
    /// c_ext, the extrinsic advantage's weight when RND is on (the paper's 2).
    public var extrinsicCoefficient: Double = 2
    /// γᵢ, RND's intrinsic discount (the paper's 0.99).
    public var intrinsicGamma: Double = 0.99
    /// k, the RND target's outputs.
    public var rndFeatures: Int = 64
    /// The RND target's dense layers after the policy's convolutions (the predictor adds one more
    /// of the last width); empty: the policy's.
    public var rndHidden: [Int] = []
    /// What the RND networks read: `observation` (the paper's) or `behavior`, the env's behaviour
    /// descriptor after each step (a maze's position, NS-ES's space).
    public var rndInput: RandomNetworkDistillation.Input = .observation
    /// The fraction of each minibatch the RND predictor trains on (the paper's 0.25).
    public var rndUpdateProportion: Double = 0.25

    public init() {}

    // Config files are read with snake-case key conversion, which turns "target_kl" into
    // "targetKl", never "targetKL": the key is spelt so that both directions meet.
    enum CodingKeys: String, CodingKey {
      case envs, steps, batchSize, epochs, gamma, gaeLambda, clipRange, learningRate, entropyCoefficient
      case valueCoefficient, maxGradientNorm, normalizeAdvantage, noveltyWeight, noveltyNeighbours
      case intrinsicCoefficient, extrinsicCoefficient, intrinsicGamma, rndFeatures, rndHidden, rndInput
      case rndUpdateProportion
      case targetKL = "targetKl"
    }
  }

  public let config: Config
  public init(config: Config = Config()) { self.config = config }

  public var envs: Int { config.envs }
  public var rolloutSteps: Int { config.steps }
  public var gamma: Double { config.gamma }
  public var gaeLambda: Double { config.gaeLambda }
  public var optimizer: GradientOptimizer { .sb3Adam }
  public var novelty: (weight: Double, neighbours: Int)? {
    config.noveltyWeight > 0 ? (config.noveltyWeight, config.noveltyNeighbours) : nil
  }
  public var rnd: (config: RandomNetworkDistillation.Config, training: RandomNetworkDistillation.Training)? {
    guard config.intrinsicCoefficient > 0 else { return nil }
    return (
      RandomNetworkDistillation.Config(
        extrinsicCoefficient: config.extrinsicCoefficient, intrinsicCoefficient: config.intrinsicCoefficient,
        gamma: config.intrinsicGamma, features: config.rndFeatures, updateProportion: config.rndUpdateProportion,
        hidden: config.rndHidden.isEmpty ? nil : config.rndHidden, input: config.rndInput),
      RandomNetworkDistillation.Training(
        epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate,
        maxGradientNorm: config.maxGradientNorm, valueCoefficient: config.valueCoefficient, gaeLambda: config.gaeLambda)
    )
  }

  /// One minibatch's samples and their per-sample inputs to the loss.
  struct Minibatch {
    var indices: ArraySlice<Int>
    /// Normalised within the minibatch when `normalizeAdvantage`.
    var advantages: [Double]
    var returns: [Double]
    var oldLogProbs: [Double]
  }

  /// Every epoch's minibatches: the shuffle and the inputs it selects depend on the rollout
  /// alone, never on the parameters, so all epochs are laid out at once, spread over the pool,
  /// instead of one at a time on the calling thread between gradient steps.
  func minibatches(of buffer: RolloutBuffer, seed: UInt64, iteration: Int, pool: WorkerPool) -> [[Minibatch]] {
    // Read once: the buffer is a class, and each element read through it paid an access check.
    let allAdvantages = buffer.advantages, allReturns = buffer.returns, allLogProbs = buffer.logProbs
    let (count, batchSize, normalize) = (buffer.count, config.batchSize, config.normalizeAdvantage)
    var epochs = [[Minibatch]](repeating: [], count: config.epochs)
    epochs.withUnsafeMutableBufferPointer { epochs in
      nonisolated(unsafe) let epochs = epochs
      pool.run(epochs.count) { epoch in
        let order = permutation(
          count, seed: SeedDerivation.seed(run: seed, purpose: .selection, iteration: iteration, member: epoch))
        epochs[epoch] = stride(from: 0, to: count, by: batchSize).map { start in
          let indices = order[start..<min(start + batchSize, count)]
          let raw = indices.map { allAdvantages[$0] }
          return Minibatch(
            indices: indices, advantages: normalize ? normalized(raw) : raw, returns: indices.map { allReturns[$0] },
            oldLogProbs: indices.map { allLogProbs[$0] })
        }
      }
    }
    return epochs
  }

  public func update(
    learner: ActorCriticLearner, buffer: RolloutBuffer, parameters: inout [Float],
    optimizerState: inout GradientOptimizer.State, progress: Double, seed: UInt64, iteration: Int
  ) -> UpdateStatistics {
    let epsilon = config.clipRange.value(at: progress)
    let learningRate = config.learningRate.value(at: progress)
    var statistics = UpdateStatistics()
    statistics.learningRate = learningRate
    var policyLosses: [Double] = [], valueLosses: [Double] = [], entropies: [Double] = [], kls: [Double] = []
    var clipped = 0, seen = 0
    // ρ of each row of a minibatch, from the weights closure (rows of different chunks, different
    // threads) for the statistics after it. Rows another rank weighed stay NaN and are recomputed.
    let ratios = RowValues(count: config.batchSize)
    let epochMinibatches = minibatches(of: buffer, seed: seed, iteration: iteration, pool: learner.pool)
    epochs: for minibatches in epochMinibatches {
      for minibatch in minibatches {
        let (indices, advantages, returns, oldLogProbs) =
          (minibatch.indices, minibatch.advantages, minibatch.returns, minibatch.oldLogProbs)
        let n = Double(indices.count)
        let (entropyCoefficient, valueCoefficient) = (config.entropyCoefficient, config.valueCoefficient)
        // Each row's weights depend on that row alone, so the forward and backward passes run in
        // one sweep over the chunks. The gradient routes through whichever term the min picks;
        // through the clipped one only while the ratio is inside the clip range.
        for r in 0..<indices.count { ratios[r] = .nan }
        let weights = ActorCriticLearner.RowWeights(
          actor: { r, logProb, _ in
            let ratio = exp(logProb - oldLogProbs[r])
            ratios[r] = ratio
            let a = advantages[r]
            let clippedRatio = min(max(ratio, 1 - epsilon), 1 + epsilon)
            let inside = ratio >= 1 - epsilon && ratio <= 1 + epsilon
            let w = ratio * a <= clippedRatio * a || inside ? a * ratio / n : 0
            return (-w, -entropyCoefficient / n)
          },
          critic: { r, value in valueCoefficient * 2 * (value - returns[r]) / n })
        let (logProbs, entropy, values, summed) = learner.forwardAndGradient(
          buffer: buffer, indices: indices, parameters: parameters, weights: weights)
        var surrogate = 0.0, kl = 0.0
        for r in 0..<indices.count {
          let logRatio = logProbs[r] - oldLogProbs[r]
          let ratio = ratios[r].isNaN ? exp(logRatio) : ratios[r]
          let clippedRatio = min(max(ratio, 1 - epsilon), 1 + epsilon)
          surrogate += min(ratio * advantages[r], clippedRatio * advantages[r])
          if !(ratio >= 1 - epsilon && ratio <= 1 + epsilon) { clipped += 1 }
          kl += (ratio - 1) - logRatio
        }
        seen += indices.count
        kl /= n
        kls.append(kl)
        // SB3 stops before this minibatch's step once the KL is too large.
        if let target = config.targetKL, kl > 1.5 * target { break epochs }
        policyLosses.append(-surrogate / n)
        valueLosses.append(zip(values, returns).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n)
        entropies.append(entropy.reduce(0, +) / n)
        learner.apply(
          summed, to: &parameters, optimizer: optimizer, state: &optimizerState,
          maxGradientNorm: config.maxGradientNorm, learningRate: learningRate)
        statistics.gradientSteps += 1
      }
    }
    func mean(_ x: [Double]) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }
    statistics.policyLoss = mean(policyLosses)
    statistics.valueLoss = mean(valueLosses)
    statistics.entropy = mean(entropies)
    statistics.approxKL = mean(kls)
    statistics.clipFraction = seen > 0 ? Double(clipped) / Double(seen) : 0
    return statistics
  }
}

extension PPO.Config: AlgorithmConfig {
  public static var defaults: Self { Self() }
  public static var everyKey: Self {
    var config = Self()
    config.targetKL = 0.01
    return config
  }

  public var problem: String? {
    if let common = commonProblem(envs: envs, steps: steps, gamma: gamma, lambda: gaeLambda, learningRate: learningRate) {
      return common
    }
    if !(batchSize >= 1 && epochs >= 1) { return "batch_size and epochs must be at least 1" }
    if !(clipRange.start > 0 && clipRange.end >= 0) { return "clip_range must be positive" }
    if !(maxGradientNorm > 0 && valueCoefficient >= 0 && entropyCoefficient >= 0) {
      return "max_gradient_norm must be positive; value and entropy coefficients >= 0"
    }
    if !(targetKL.map { $0 > 0 } ?? true) { return "target_kl must be positive (or null)" }
    if !(noveltyWeight >= 0 && noveltyWeight.isFinite && noveltyNeighbours >= 1) {
      return "novelty_weight must be >= 0 and novelty_neighbours at least 1"
    }
    if !(intrinsicCoefficient >= 0 && intrinsicCoefficient.isFinite && extrinsicCoefficient >= 0
      && extrinsicCoefficient.isFinite && (0...1).contains(intrinsicGamma) && rndFeatures >= 1 && rndFeatures <= 4096
      && rndUpdateProportion > 0 && rndUpdateProportion <= 1 && rndHidden.allSatisfy({ $0 >= 1 && $0 <= 65536 }))
    {
      return "intrinsic_coefficient and extrinsic_coefficient must be >= 0, intrinsic_gamma in [0, 1], rnd_features 1-4096, rnd_update_proportion in (0, 1], rnd_hidden widths 1-65536"
    }
    return nil
  }
}
