import Networks
import RLCore

/// REINFORCE with a learned baseline (Williams 1992; Sutton & Barto 2018, §13.4).
///
/// Each update: every env runs `steps` steps (by default the episode limit, so most episodes
/// finish inside the rollout); returns Gₜ are the discounted sums of rewards to the episode's end
/// (GAE with λ = 1 — an episode cut by the rollout, or truncated by its time limit, is
/// bootstrapped from V, never treated as a terminal state); the baseline v̂(sₜ) is the value
/// network. One Adam step on L = −mean((Gₜ − v̂(sₜ))·log π(aₜ|sₜ)) + c_v·mean((Gₜ − v̂)²), with the
/// advantages normalised over the batch (the usual variance reduction; γᵗ is dropped, as is
/// common). SB3 has no REINFORCE; the defaults are this file's own.
public struct REINFORCE: PolicyGradientMethod {
  public struct Config: Sendable, Equatable, Codable {
    /// Few envs, many updates: measured on CartPole, 2 envs at 3e-3 solved seeds 1–3 in
    /// 61–81 k steps; 8 envs at 1e-3 had not solved seed 1 by 500 k.
    public var envs: Int = 2
    /// Steps per env per rollout; 500 covers a CartPole episode.
    public var steps: Int = 500
    public var gamma: Double = 0.99
    /// Adam's step size over the budget.
    public var learningRate: LinearSchedule = .constant(3e-3)
    public var valueCoefficient: Double = 0.5
    public var entropyCoefficient: Double = 0
    public var maxGradientNorm: Double = 0.5
    public var normalizeAdvantage: Bool = true

    public init() {}
  }

  public let config: Config
  public init(config: Config = Config()) { self.config = config }

  public var envs: Int { config.envs }
  public var rolloutSteps: Int { config.steps }
  public var gamma: Double { config.gamma }
  public var gaeLambda: Double { 1 }
  public var optimizer: GradientOptimizer { .sb3Adam }

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

extension REINFORCE.Config: AlgorithmConfig {
  public static var defaults: Self { Self() }

  public var problem: String? {
    if let common = commonProblem(envs: envs, steps: steps, gamma: gamma, lambda: 1, learningRate: learningRate) {
      return common
    }
    if !(maxGradientNorm > 0 && valueCoefficient >= 0) { return "max_gradient_norm must be positive; value_coefficient >= 0" }
    return nil
  }
}
