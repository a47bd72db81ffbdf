import Networks
import RLCore

/// OpenAI-ES (Salimans, Ho, Chen, Sidor & Sutskever 2017, "Evolution Strategies as a Scalable
/// Alternative to Reinforcement Learning", arXiv 1703.03864), as its reference code runs it.
///
/// Each generation:
/// 1. **Ask**: draw n noise vectors εᵢ ~ N(0, I) and evaluate the mirrored pairs θ + σεᵢ, θ − σεᵢ
///    (2n members; member 2i is the + half, 2i + 1 the − half).
/// 2. **Shape**: replace all 2n returns by their centred ranks uᵢ ∈ [−0.5, 0.5].
/// 3. **Estimate**: g = Σᵢ (u⁺ᵢ − u⁻ᵢ)·εᵢ / (2n). As in the reference code there is no 1/σ factor.
/// 4. **Step**: Adam on the loss gradient −g + λ·θ (λ, the L2 coefficient, acts as weight decay).
///
/// εᵢ of generation g comes from a Philox stream keyed by
/// `SeedDerivation.seed(run:, purpose: .perturbation, iteration: g, member: i)`, so any worker can
/// rebuild it from the seed; no noise table. The sum over pairs runs in pair order.
public struct OpenAIES: EvolutionStrategy {
  /// Fixed settings, with the defaults that solve CartPole quickly (see the README's figures).
  public struct Config: Sendable, Equatable, Codable {
    /// Members evaluated per generation, 2n for n mirrored pairs. Must be even.
    public var populationSize: Int = 64
    /// σ, the standard deviation of the parameter noise.
    public var noiseStd: Float = 0.1
    /// 0: each pair's ε is drawn from its own Philox stream. Otherwise the size of a shared table
    /// of N(0, 1) values whose slices are the ε (Salimans et al. use 250 M): for networks of
    /// hundreds of thousands of parameters and more, where drawing the noise would cost more than
    /// the episodes. It must hold at least the parameter count; its values cost 4 bytes each.
    public var noiseTableSize: Int = 0
    /// α, Adam's step size.
    public var learningRate: Float = 0.05
    /// λ, the L2 coefficient added to the loss gradient (reference: 0.005).
    public var l2Coefficient: Float = 0.005
    /// Adam's β₁.
    public var beta1: Float = 0.9
    /// Adam's β₂.
    public var beta2: Float = 0.999
    /// Adam's ε.
    public var epsilon: Float = 1e-8

    public init(
      populationSize: Int = 64, noiseStd: Float = 0.1, learningRate: Float = 0.05,
      l2Coefficient: Float = 0.005, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    ) {
      self.populationSize = populationSize
      self.noiseStd = noiseStd
      self.learningRate = learningRate
      self.l2Coefficient = l2Coefficient
      self.beta1 = beta1
      self.beta2 = beta2
      self.epsilon = epsilon
    }

    var optimizer: Adam {
      Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
    }
  }

  /// Everything that changes from generation to generation.
  public struct State: Sendable, Equatable, Codable {
    /// θ, the centre of the search distribution.
    @Packed public var mean: [Float]
    public var optimizer: Adam.State
    /// The number of completed generations.
    public var generation: Int
    /// The run seed all noise is derived from.
    public var seed: UInt64
  }

  public let config: Config

  public init(config: Config = Config()) {
    precondition(config.populationSize >= 2 && config.populationSize % 2 == 0,
      "OpenAI-ES needs an even population of at least 2")
    self.config = config
  }

  public func initialState(initialize: (Int) -> [Float], seed: UInt64) -> State {
    let parameters = initialize(0)
    return State(mean: parameters, optimizer: Adam.State(count: parameters.count), generation: 0, seed: seed)
  }

  public func ask(_ state: State) -> MirroredPopulation {
    MirroredPopulation(
      center: state.mean, noiseStd: config.noiseStd, pairs: config.populationSize / 2, seed: state.seed,
      generation: state.generation,
      table: NoiseTable.shared(seed: state.seed, configuredSize: config.noiseTableSize))
  }

  public func tell(_ state: State, population: MirroredPopulation, evaluations: MemberEvaluations) -> State {
    let fitness = evaluations.fitness
    precondition(fitness.count == population.count, "one fitness value per member")
    let ranks = centeredRanks(fitness)
    let g = population.weightedNoiseSum((0..<population.pairs).map { Float(ranks[2 * $0] - ranks[2 * $0 + 1]) })
    let scale = 1 / Float(fitness.count)
    var next = state
    let gradient = (0..<g.count).map { j in -g[j] * scale + config.l2Coefficient * state.mean[j] }
    var (mean, optimizer) = (state.mean, state.optimizer)
    config.optimizer.update(&mean, gradient: gradient, state: &optimizer)
    (next.mean, next.optimizer) = (mean, optimizer)
    next.generation += 1
    return next
  }

  public func solution(_ state: State) -> [Float] { state.mean }

  public func problem(parameterCount: Int) -> String? {
    NoiseTable.problem(configuredSize: config.noiseTableSize, parameterCount: parameterCount)
  }

  public func isConsistent(_ state: State) -> Bool {
    state.optimizer.m.count == state.mean.count && state.optimizer.v.count == state.mean.count
      && state.optimizer.t >= 0 && config.populationSize >= 2 && config.populationSize % 2 == 0
  }
}

extension OpenAIES.Config: AlgorithmConfig {
  public static var defaults: Self { Self() }

  public var problem: String? {
    if noiseTableSize < 0 { return "noise_table_size must be 0 (no table) or positive" }
    return mirroredProblem(populationSize: populationSize, noiseStd: noiseStd, learningRate: learningRate, l2: l2Coefficient)
  }
}

/// What is wrong with the settings the mirrored, Adam-stepped strategies share (OpenAI-ES and
/// NS-ES), or nil.
func mirroredProblem(populationSize: Int, noiseStd: Float, learningRate: Float, l2: Float) -> String? {
  if !(populationSize >= 2 && populationSize % 2 == 0) { return "population_size must be even and at least 2" }
  if !(noiseStd > 0 && learningRate > 0 && l2 >= 0) {
    return "noise_std and learning_rate must be positive, l2_coefficient >= 0"
  }
  return nil
}
