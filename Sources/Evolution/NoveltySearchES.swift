import Networks
import RLCore

/// NS-ES, NSR-ES and NSRA-ES (Conti, Madhavan, Such, Lehman, Stanley & Clune 2018, "Improving
/// Exploration in Evolution Strategies for Deep Reinforcement Learning via a Population of
/// Novelty-Seeking Agents", NeurIPS, arXiv 1712.06560).
///
/// A meta-population of M agents θ₁…θ_M shares one archive A of behaviour descriptors. Each
/// generation:
/// 1. **Select** agent m with probability N(θ_m, A) / Σⱼ N(θⱼ, A), where the novelty N is the mean
///    distance from the agent's behaviour to its k nearest neighbours in A.
/// 2. **Perturb**: evaluate the mirrored pairs θ_m ± σεᵢ; each member yields a return F and a
///    behaviour b, whose novelty N(b, A) is measured against the archive.
/// 3. **Score**: centred ranks of F and of N, separately; NS-ES uses rank(N), NSR-ES the mean
///    (rank(F) + rank(N)) / 2, NSRA-ES w·rank(F) + (1 − w)·rank(N).
/// 4. **Step**: as OpenAI-ES, g = Σᵢ (s⁺ᵢ − s⁻ᵢ)·εᵢ / (2n), Adam on −g + λθ_m.
/// 5. **Archive**: the training loop evaluates the updated θ_m (`solution`) and `observe` adds its
///    behaviour to A unconditionally, refreshes the agent's novelty and reward, and (NSRA) adapts
///    w: raised by δ when the best reward improves, lowered by δ after `stallGenerations`
///    generations without improvement.
///
/// The first generation evaluates the M unperturbed agents to seed the archive (the paper's
/// initialisation). The returned policy is the one with the best reward seen, which the training
/// loop keeps. NSRA's δ and patience are not given in the paper's text; the defaults (0.05, 10)
/// follow the ESBox implementation.
public struct NoveltySearchES: EvolutionStrategy {
  /// Which score drives the update.
  public enum Variant: String, Sendable, Equatable, Codable, CaseIterable {
    /// Novelty only.
    case ns
    /// The mean of the reward and novelty ranks.
    case nsr
    /// Reward and novelty ranks weighted by an adaptive w.
    case nsra
  }

  public struct Config: Sendable, Equatable, Codable {
    public var variant: Variant = .ns
    /// Members per generation, 2n for n mirrored pairs (the maze calibration used 5 pairs:
    /// many small generations beat few large ones there).
    public var populationSize: Int = 10
    /// σ, the standard deviation of the parameter noise.
    public var noiseStd: Float = 0.1
    /// α, Adam's step size.
    public var learningRate: Float = 0.05
    /// λ, the L2 coefficient.
    public var l2Coefficient: Float = 0.005
    /// M, the number of agents in the meta-population (paper: 5 for Humanoid, 3 for Atari).
    public var metaPopulation: Int = 5
    /// k, the nearest neighbours novelty averages over (paper: 10).
    public var neighbours: Int = 10
    /// NSRA: w at the start (1 = reward only).
    public var initialWeight: Double = 1.0
    /// NSRA: δ, how far w moves at a time.
    public var weightDelta: Double = 0.05
    /// NSRA: generations without a better reward before w is lowered.
    public var stallGenerations: Int = 10
    /// 0: each pair's ε from its own Philox stream; otherwise the size of a shared noise table
    /// whose slices are the ε (as OpenAI-ES's `noise_table_size`).
    public var noiseTableSize: Int = 0

    public init(
      variant: Variant = .ns, populationSize: Int = 10, noiseStd: Float = 0.1, learningRate: Float = 0.05,
      l2Coefficient: Float = 0.005, metaPopulation: Int = 5, neighbours: Int = 10
    ) {
      self.variant = variant
      self.populationSize = populationSize
      self.noiseStd = noiseStd
      self.learningRate = learningRate
      self.l2Coefficient = l2Coefficient
      self.metaPopulation = metaPopulation
      self.neighbours = neighbours
    }
  }

  /// One member of the meta-population.
  public struct Agent: Sendable, Equatable, Codable {
    @Packed public var parameters: [Float]
    public var optimizer: Adam.State
    /// Its behaviour and reward when last evaluated (empty before the first generation).
    public var behavior: [Float]
    public var reward: Double
  }

  public struct State: Sendable, Equatable, Codable {
    public var agents: [Agent]
    /// Nil until the first generation reports the behaviours' size.
    public var archive: NoveltyArchive?
    /// The agent updated by the last `tell`, waiting for `observe`.
    public var updatedAgent: Int?
    /// NSRA's reward weight w.
    public var weight: Double
    /// The best reward any evaluated agent had, and generations since it improved (NSRA).
    public var bestReward: Double
    public var stalledFor: Int
    public var generation: Int
    public var seed: UInt64
  }

  public enum Population: CandidatePopulation {
    /// The first generation: the agents themselves.
    case agents([[Float]])
    /// Mirrored perturbations of one agent.
    case perturbations(agent: Int, MirroredPopulation)

    public var count: Int {
      switch self {
      case .agents(let agents): agents.count
      case .perturbations(_, let mirrored): mirrored.count
      }
    }

    public func write(member m: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
      switch self {
      case .agents(let agents): _ = buffer.update(fromContentsOf: agents[m])
      case .perturbations(_, let mirrored): mirrored.write(member: m, into: buffer)
      }
    }

    public func seedGroup(of member: Int) -> Int {
      switch self {
      case .agents: member
      case .perturbations(_, let mirrored): mirrored.seedGroup(of: member)
      }
    }
  }

  public let config: Config

  public init(config: Config = Config()) {
    precondition(config.populationSize >= 2 && config.populationSize % 2 == 0, "NS-ES needs an even population")
    precondition(config.metaPopulation >= 1 && config.neighbours >= 1, "NS-ES needs M ≥ 1 and k ≥ 1")
    self.config = config
  }

  var optimizer: Adam { Adam(learningRate: config.learningRate) }

  public func initialState(initialize: (Int) -> [Float], seed: UInt64) -> State {
    let agents = (0..<config.metaPopulation).map { i in
      let parameters = initialize(i)
      return Agent(
        parameters: parameters, optimizer: Adam.State(count: parameters.count), behavior: [],
        reward: -.infinity)
    }
    return State(
      agents: agents, archive: nil, updatedAgent: nil, weight: config.initialWeight,
      bestReward: -.infinity, stalledFor: 0, generation: 0, seed: seed)
  }

  // MARK: Select

  public func ask(_ state: State) -> Population {
    guard let archive = state.archive else { return .agents(state.agents.map(\.parameters)) }
    let novelties = state.agents.map { archive.novelty(of: $0.behavior, k: config.neighbours) }
    var random = SplitMix64(
      seed: SeedDerivation.seed(run: state.seed, purpose: .selection, iteration: state.generation))
    let m = Self.choose(weights: novelties, uniform: random.nextUnit())
    return .perturbations(
      agent: m,
      MirroredPopulation(
        center: state.agents[m].parameters, noiseStd: config.noiseStd, pairs: config.populationSize / 2,
        seed: state.seed, generation: state.generation,
        table: NoiseTable.shared(seed: state.seed, configuredSize: config.noiseTableSize)))
  }

  /// The index i with probability weights[i] / Σ weights, for u uniform in [0, 1); uniform over all
  /// indices when every weight is 0.
  static func choose(weights: [Double], uniform u: Double) -> Int {
    let total = weights.reduce(0, +)
    guard total > 0, total.isFinite else { return min(Int(u * Double(weights.count)), weights.count - 1) }
    var cumulative = 0.0
    for (i, w) in weights.enumerated() {
      cumulative += w
      if u * total < cumulative { return i }
    }
    return weights.count - 1
  }

  // MARK: Score and step

  public func tell(_ state: State, population: Population, evaluations: MemberEvaluations) -> State {
    precondition(evaluations.fitness.count == population.count, "one fitness value per member")
    var next = state
    switch population {
    case .agents:
      // Seed the archive with the initial agents.
      var archive = NoveltyArchive(dimension: evaluations.behaviors.first?.count ?? 0)
      for (i, behavior) in evaluations.behaviors.enumerated() {
        archive.add(behavior)
        next.agents[i].behavior = behavior
        next.agents[i].reward = evaluations.fitness[i]
      }
      next.archive = archive
      next.bestReward = evaluations.fitness.max() ?? -.infinity
    case .perturbations(let m, let mirrored):
      let archive = state.archive!
      let rewardRanks = centeredRanks(evaluations.fitness)
      let noveltyRanks = centeredRanks(evaluations.behaviors.map { archive.novelty(of: $0, k: config.neighbours) })
      let w: Double =
        switch config.variant {
        case .ns: 0
        case .nsr: 0.5
        case .nsra: state.weight
        }
      let score = (0..<mirrored.count).map { w * rewardRanks[$0] + (1 - w) * noveltyRanks[$0] }
      let g = mirrored.weightedNoiseSum((0..<mirrored.pairs).map { Float(score[2 * $0] - score[2 * $0 + 1]) })
      let scale = 1 / Float(mirrored.count)
      let theta = state.agents[m].parameters
      let gradient = (0..<g.count).map { j in -g[j] * scale + config.l2Coefficient * theta[j] }
      var agent = state.agents[m]
      var (parameters, moments) = (agent.parameters, agent.optimizer)
      optimizer.update(&parameters, gradient: gradient, state: &moments)
      (agent.parameters, agent.optimizer) = (parameters, moments)
      next.agents[m] = agent
      next.updatedAgent = m
    }
    next.generation += 1
    return next
  }

  /// The updated agent while it waits for its evaluation, otherwise the agent with the best reward.
  public func solution(_ state: State) -> [Float] {
    if let m = state.updatedAgent { return state.agents[m].parameters }
    let best = state.agents.indices.max { state.agents[$0].reward < state.agents[$1].reward }!
    return state.agents[best].parameters
  }

  // MARK: Archive

  public func observe(_ state: State, solutionReturn: Double, behavior: [Float]) -> State {
    guard let m = state.updatedAgent, var archive = state.archive else { return state }
    var next = state
    archive.add(behavior)
    next.archive = archive
    next.agents[m].behavior = behavior
    next.agents[m].reward = solutionReturn
    next.updatedAgent = nil
    if solutionReturn > state.bestReward {
      next.bestReward = solutionReturn
      next.stalledFor = 0
      if config.variant == .nsra { next.weight = min(1, state.weight + config.weightDelta) }
    } else {
      next.stalledFor += 1
      if config.variant == .nsra, next.stalledFor >= config.stallGenerations {
        next.weight = max(0, state.weight - config.weightDelta)
        next.stalledFor = 0
      }
    }
    return next
  }

  public func problem(parameterCount: Int) -> String? {
    NoiseTable.problem(configuredSize: config.noiseTableSize, parameterCount: parameterCount)
  }

  public func isConsistent(_ state: State) -> Bool {
    let d = state.agents.first?.parameters.count ?? 0
    return state.agents.count == config.metaPopulation
      && state.agents.allSatisfy {
        $0.parameters.count == d && $0.optimizer.m.count == d && $0.optimizer.v.count == d
      }
      && state.updatedAgent.map { state.agents.indices.contains($0) } ?? true
      && (0...1).contains(state.weight)
  }
}

extension NoveltySearchES.Config: AlgorithmConfig {
  public static var defaults: Self { Self() }

  public var problem: String? {
    if let shared = mirroredProblem(
      populationSize: populationSize, noiseStd: noiseStd, learningRate: learningRate, l2: l2Coefficient)
    {
      return shared
    }
    if !(metaPopulation >= 1 && neighbours >= 1) { return "meta_population and neighbours must be at least 1" }
    if noiseTableSize < 0 { return "noise_table_size must be 0 (no table) or positive" }
    if !((0...1).contains(initialWeight) && weightDelta >= 0 && stallGenerations >= 1) {
      return "initial_weight must be in [0, 1], weight_delta >= 0, stall_generations >= 1"
    }
    return nil
  }
}
