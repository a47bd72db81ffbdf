import Networks
import RLCore

/// What one update did, for the progress line and the metrics log.
public struct UpdateStatistics: Sendable, Equatable, Codable {
  public var policyLoss: Double = 0
  public var valueLoss: Double = 0
  /// Mean entropy of the policy over the samples.
  public var entropy: Double = 0
  /// Mean of (ρ − 1) − log ρ over the samples (SB3's approx_kl); 0 for one-step methods.
  public var approxKL: Double = 0
  /// Fraction of samples whose ratio left [1 − ε, 1 + ε] (PPO).
  public var clipFraction: Double = 0
  public var learningRate: Double = 0
  /// Gradient steps taken (PPO may stop early on target_kl).
  public var gradientSteps: Int = 0
  /// With an exploration bonus, its mean over the rollout: RND's raw prediction error per step,
  /// or the novelty bonus paid per finished episode (nil without one).
  public var intrinsicReward: Double? = nil

  public init() {}

  // Metrics are written and read with snake-case key conversion, which turns "approx_kl" back
  // into "approxKl", never "approxKL": the key is spelt so that both directions meet.
  enum CodingKeys: String, CodingKey {
    case policyLoss, valueLoss, entropy, clipFraction, learningRate, gradientSteps, intrinsicReward
    case approxKL = "approxKl"
  }
}

/// A policy-gradient method: how many envs and steps a rollout has, which optimiser it uses,
/// and the update it makes from a collected rollout.
public protocol PolicyGradientMethod: Sendable {
  associatedtype Config: AlgorithmConfig
  var config: Config { get }
  init(config: Config)
  /// Parallel envs, and steps per env per rollout.
  var envs: Int { get }
  var rolloutSteps: Int { get }
  var gamma: Double { get }
  var gaeLambda: Double { get }
  var optimizer: GradientOptimizer { get }
  /// The behaviour-novelty bonus's weight and k, when the method uses one (PPO's option).
  var novelty: (weight: Double, neighbours: Int)? { get }
  /// Random network distillation's settings, when the method explores with it (PPO's option).
  var rnd: (config: RandomNetworkDistillation.Config, training: RandomNetworkDistillation.Training)? { get }
  /// Updates `parameters` from `buffer` (advantages already computed). `progress` is the fraction
  /// of the step budget used (for linear schedules); `seed` and `iteration` key any shuffling.
  func update(
    learner: ActorCriticLearner, buffer: RolloutBuffer, parameters: inout [Float],
    optimizerState: inout GradientOptimizer.State, progress: Double, seed: UInt64, iteration: Int
  ) -> UpdateStatistics
}

extension PolicyGradientMethod {
  public var novelty: (weight: Double, neighbours: Int)? { nil }
  public var rnd: (config: RandomNetworkDistillation.Config, training: RandomNetworkDistillation.Training)? { nil }

  /// One optimiser step on the loss L = −Σ wᵢ·log π + c_v·Σ(V − R)²/n − c_e·Σ H/n over `indices`,
  /// given per-sample policy weights (already divided by n): the step every method here shares.
  func step(
    learner: ActorCriticLearner, parameters: inout [Float], optimizerState: inout GradientOptimizer.State,
    policyWeights: [Double], values: [Double], returns: [Double], valueCoefficient: Double,
    entropyCoefficient: Double, maxGradientNorm: Double, learningRate: Double
  ) {
    let n = Double(values.count)
    let valueWeights = (0..<values.count).map { valueCoefficient * 2 * (values[$0] - returns[$0]) / n }
    let entropyWeights = [Double](repeating: -entropyCoefficient / n, count: values.count)
    let gradient = learner.gradient(
      parameters: parameters, logProbWeights: policyWeights.map { -$0 }, entropyWeights: entropyWeights,
      valueWeights: valueWeights)
    learner.apply(
      gradient, to: &parameters, optimizer: optimizer, state: &optimizerState, maxGradientNorm: maxGradientNorm,
      learningRate: learningRate)
  }
}

/// One Double per row of a minibatch, written by the per-row closures on the worker threads
/// (each row by one thread) and read after the section.
final class RowValues: @unchecked Sendable {
  private let values: UnsafeMutableBufferPointer<Double>
  init(count: Int) {
    values = .allocate(capacity: count)
    values.initialize(repeating: 0)
  }
  deinit { values.deallocate() }
  subscript(row: Int) -> Double {
    get { values[row] }
    set { values[row] = newValue }
  }
}

/// (x − mean)/(std + 1e-8) with PyTorch's unbiased std, as SB3 normalises advantages per minibatch.
func normalized(_ x: [Double]) -> [Double] {
  guard x.count > 1 else { return x }
  let mean = x.reduce(0, +) / Double(x.count)
  let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
  let std = variance.squareRoot()
  return x.map { ($0 - mean) / (std + 1e-8) }
}

/// A permutation of 0..<n from a Philox stream (Fisher–Yates).
func permutation(_ n: Int, seed: UInt64) -> [Int] {
  var order = Array(0..<n)
  var rng = PhiloxStream(seed: seed)
  for i in stride(from: n - 1, to: 0, by: -1) {
    let j = Int(rng.next(upperBound: UInt64(i + 1)))
    order.swapAt(i, j)
  }
  return order
}

/// What is wrong with the settings every policy-gradient method has, or nil.
func commonProblem(envs: Int, steps: Int, gamma: Double, lambda: Double, learningRate: LinearSchedule) -> String? {
  if !(envs >= 1 && envs <= 4096 && steps >= 1) { return "envs must be between 1 and 4096, steps at least 1" }
  if !((0...1).contains(gamma) && (0...1).contains(lambda)) { return "gamma and gae_lambda must be in [0, 1]" }
  if !(learningRate.start > 0 && learningRate.end >= 0) { return "learning_rate must be positive" }
  return nil
}
