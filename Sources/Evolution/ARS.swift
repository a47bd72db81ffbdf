import RLCore

/// Augmented Random Search (Mania, Guy & Recht 2018, "Simple random search provides a competitive
/// approach to reinforcement learning", arXiv 1803.07055).
///
/// Each generation:
/// 1. **Sample** N directions δᵢ and evaluate the policies M ± ν·δᵢ (mirrored pairs).
/// 2. **Top b** (the "-t" variants): keep the b directions with the largest max(r⁺ᵢ, r⁻ᵢ).
/// 3. **Step**: M ← M + α / (b·σ_R) · Σ_top-b (r⁺ᵢ − r⁻ᵢ)·δᵢ, with σ_R the standard deviation of the
///    2b returns used.
///
/// V1 uses raw observations; V2 whitens them with the mean and standard deviation of every state
/// seen so far, which the training loop provides (`observationNormalization: running` with
/// `statisticsProbability: 1`; the presets set it). Policies are linear by default (no hidden
/// layer), as in the paper; any network works. Training uses the true reward: the paper's survival-
/// bonus shift is a MuJoCo matter.
public struct ARS: EvolutionStrategy {
  public struct Config: Sendable, Equatable, Codable {
    /// N, directions per generation (2N members). Code default 8.
    public var directions: Int = 8
    /// b, the directions used in the step (b = N uses all). Code default 8.
    public var topDirections: Int = 8
    /// α, the step size. Code default 0.02.
    public var stepSize: Float = 0.02
    /// ν, the exploration noise. Code default 0.03.
    public var noiseStd: Float = 0.03

    public init(directions: Int = 8, topDirections: Int = 8, stepSize: Float = 0.02, noiseStd: Float = 0.03) {
      self.directions = directions
      self.topDirections = topDirections
      self.stepSize = stepSize
      self.noiseStd = noiseStd
    }
  }

  public struct State: Sendable, Equatable, Codable {
    /// M, the policy's parameters.
    @Packed public var parameters: [Float]
    public var generation: Int
    public var seed: UInt64
  }

  public let config: Config

  public init(config: Config = Config()) {
    precondition(config.directions >= 1 && (1...config.directions).contains(config.topDirections),
      "ARS needs N ≥ 1 and 1 ≤ b ≤ N")
    self.config = config
  }

  public func initialState(initialize: (Int) -> [Float], seed: UInt64) -> State {
    State(parameters: initialize(0), generation: 0, seed: seed)
  }

  public func ask(_ state: State) -> MirroredPopulation {
    MirroredPopulation(
      center: state.parameters, noiseStd: config.noiseStd, pairs: config.directions, seed: state.seed,
      generation: state.generation)
  }

  public func tell(_ state: State, population: MirroredPopulation, evaluations: MemberEvaluations) -> State {
    let r = evaluations.fitness
    precondition(r.count == population.count, "one fitness value per member")
    let n = population.pairs
    let order = (0..<n).sorted {
      let a = max(r[2 * $0], r[2 * $0 + 1]), b = max(r[2 * $1], r[2 * $1 + 1])
      return a > b || (a == b && $0 < $1)
    }
    let top = Set(order.prefix(config.topDirections))
    let used = top.sorted().flatMap { [r[2 * $0], r[2 * $0 + 1]] }
    let mean = used.reduce(0, +) / Double(used.count)
    let std = (used.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(used.count)).squareRoot()
    var next = state
    next.generation += 1
    // Identical returns carry no direction (and σ_R = 0 would divide by zero).
    guard std > 0 else { return next }
    let weights = (0..<n).map { top.contains($0) ? Float(r[2 * $0] - r[2 * $0 + 1]) : 0 }
    let step = population.weightedNoiseSum(weights)
    let scale = config.stepSize / (Float(config.topDirections) * Float(std))
    for j in 0..<step.count { next.parameters[j] += scale * step[j] }
    return next
  }

  public func solution(_ state: State) -> [Float] { state.parameters }
}

extension ARS.Config: AlgorithmConfig {
  public static var defaults: Self { Self() }

  public var problem: String? {
    if !(directions >= 1 && (1...directions).contains(topDirections)) {
      return "directions must be at least 1 and top_directions between 1 and directions"
    }
    if !(stepSize > 0 && noiseStd > 0) { return "step_size and noise_std must be positive" }
    return nil
  }
}
