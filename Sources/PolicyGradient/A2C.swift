import Networks
import RLCore

/// Advantage actor-critic, the synchronous form of A3C (Mnih et al. 2016, arXiv 1602.01783), as
/// stable-baselines3 implements it; defaults are SB3's.
///
/// Each update, on a short rollout of `envs × steps` samples: advantages from GAE with λ = 1
/// (n-step returns bootstrapped from V), then **one** RMSprop step on
/// L = −mean(A·log π) + c_v·mean((R − V)²) − c_e·mean(H), after clipping the gradient's norm.
public struct A2C: PolicyGradientMethod {
  public struct Config: Sendable, Equatable, Codable {
    public var envs: Int = 1
    /// n_steps per env per rollout.
    public var steps: Int = 5
    public var gamma: Double = 0.99
    public var gaeLambda: Double = 1.0
    /// RMSprop's step size over the budget.
    public var learningRate: LinearSchedule = .constant(7e-4)
    public var entropyCoefficient: Double = 0
    public var valueCoefficient: Double = 0.5
    public var maxGradientNorm: Double = 0.5
    public var normalizeAdvantage: Bool = false
    /// RMSprop (SB3's default, α 0.99, ε 1e-5) or Adam (ε 1e-5).
    public var rmsprop: Bool = true

    public init() {}
  }

  public let config: Config
  public init(config: Config = Config()) { self.config = config }

  public var envs: Int { config.envs }
  public var rolloutSteps: Int { config.steps }
  public var gamma: Double { config.gamma }
  public var gaeLambda: Double { config.gaeLambda }
  public var optimizer: GradientOptimizer { config.rmsprop ? .sb3RMSprop : .sb3Adam }

  public func update(
    learner: ActorCriticLearner, buffer: RolloutBuffer, parameters: inout [Float],
    optimizerState: inout GradientOptimizer.State, progress: Double, seed: UInt64, iteration: Int
  ) -> UpdateStatistics {
    onePolicyGradientStep(
      learner: learner, buffer: buffer, parameters: &parameters, optimizerState: &optimizerState,
      normalizeAdvantage: config.normalizeAdvantage, valueCoefficient: config.valueCoefficient,
      entropyCoefficient: config.entropyCoefficient, maxGradientNorm: config.maxGradientNorm,
      learningRate: config.learningRate.value(at: progress))
  }
}

extension PolicyGradientMethod {
  /// The vanilla policy-gradient step A2C and REINFORCE share: the whole rollout as one batch.
  func onePolicyGradientStep(
    learner: ActorCriticLearner, buffer: RolloutBuffer, parameters: inout [Float],
    optimizerState: inout GradientOptimizer.State, normalizeAdvantage: Bool, valueCoefficient: Double,
    entropyCoefficient: Double, maxGradientNorm: Double, learningRate: Double
  ) -> UpdateStatistics {
    let indices = Array(0..<buffer.count)[...]
    let n = Double(buffer.count)
    let (logProbs, entropy, values) = learner.forward(buffer: buffer, indices: indices, parameters: parameters)
    let advantages = normalizeAdvantage ? normalized(buffer.advantages) : buffer.advantages
    var statistics = UpdateStatistics()
    statistics.learningRate = learningRate
    statistics.policyLoss = -zip(advantages, logProbs).reduce(0) { $0 + $1.0 * $1.1 } / n
    statistics.valueLoss = zip(values, buffer.returns).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n
    statistics.entropy = entropy.reduce(0, +) / n
    step(
      learner: learner, parameters: &parameters, optimizerState: &optimizerState,
      policyWeights: advantages.map { $0 / n }, values: values, returns: buffer.returns,
      valueCoefficient: valueCoefficient, entropyCoefficient: entropyCoefficient,
      maxGradientNorm: maxGradientNorm, learningRate: learningRate)
    statistics.gradientSteps = 1
    return statistics
  }
}

extension A2C.Config: AlgorithmConfig {
  public static var defaults: Self { Self() }

  public var problem: String? {
    if let common = commonProblem(envs: envs, steps: steps, gamma: gamma, lambda: gaeLambda, learningRate: learningRate) {
      return common
    }
    if !(maxGradientNorm > 0 && valueCoefficient >= 0 && entropyCoefficient >= 0) {
      return "max_gradient_norm must be positive; value and entropy coefficients >= 0"
    }
    return nil
  }
}
