import RLCore

/// The deep genetic algorithm (Such, Madhavan, Conti, Lehman, Stanley & Clune 2017, "Deep
/// Neuroevolution: Genetic Algorithms Are a Competitive Alternative for Training Deep Neural
/// Networks for Reinforcement Learning", arXiv 1712.06567).
///
/// Each generation:
/// 1. **Mutate**: N children, each a uniformly chosen parent from the top T plus σ·ε. No crossover.
/// 2. **Truncate**: the T children with the highest fitness become the next parents, together with
///    the elite.
/// 3. **Elite**: the top C candidates by training fitness (the previous elite taking the C-th place)
///    are re-evaluated on E extra episodes; the best mean becomes the elite, kept unmutated among
///    the parents. Here the re-evaluation runs as extra members of the *next* generation, so the
///    elite chosen from generation g's candidates is known after generation g + 1. With E = 0 the
///    elite is the best individual by training fitness (right for deterministic envs, where an
///    extra episode measures nothing new).
///
/// **Seed chains**: an individual is the list of its mutation seeds, θ = θ₀ + σ·Σₖ ε(seedₖ), with θ₀
/// the shared starting point (the network's initialisation; the paper draws one per individual of
/// the first generation, here generation 0 mutates θ₀). Decoding replays the chain; the state
/// keeps each parent's decoded vector as a cache, so a child costs one noise draw and one vector
/// add. `cacheDecodedParents = false` decodes every member from its chain instead: slower, same
/// results (tested).
public struct DeepGA: EvolutionStrategy {
  public struct Config: Sendable, Equatable, Codable {
    /// N, children per generation (Atari: 1,000).
    public var populationSize: Int = 256
    /// T, the truncation size: how many of the best become parents (Atari: 20).
    public var parents: Int = 20
    /// σ, the mutation standard deviation (Atari: 0.002 for a 4 M-parameter network; small
    /// policies need larger steps).
    public var mutationStd: Float = 0.02
    /// C, candidates re-evaluated to choose the elite (paper: 10).
    public var eliteCandidates: Int = 10
    /// E, extra episodes per candidate (paper: 30); 0 chooses the elite by training fitness.
    public var eliteEpisodes: Int = 0
    /// Keep decoded parents in the state (one vector add per child) instead of replaying chains.
    public var cacheDecodedParents: Bool = true
    /// 0: each mutation ε is drawn from its seed's Philox stream. Otherwise the size of a shared
    /// table of N(0, 1) values whose slices are the mutations (as OpenAI-ES's option; the paper's
    /// code uses one too): for networks where drawing ε would cost more than the episodes.
    public var noiseTableSize: Int = 0

    public init(
      populationSize: Int = 256, parents: Int = 20, mutationStd: Float = 0.02, eliteCandidates: Int = 10,
      eliteEpisodes: Int = 0, cacheDecodedParents: Bool = true
    ) {
      self.populationSize = populationSize
      self.parents = parents
      self.mutationStd = mutationStd
      self.eliteCandidates = eliteCandidates
      self.eliteEpisodes = eliteEpisodes
      self.cacheDecodedParents = cacheDecodedParents
    }
  }

  /// An individual: its seed chain, its fitness and (when cached) its decoded parameters.
  public struct Individual: Sendable, Equatable, Codable {
    public var chain: [UInt64]
    public var fitness: Double
    /// θ₀ + σ·Σ ε(chain), or empty when the config does not cache.
    @Packed public var parameters: [Float]
  }

  public struct State: Sendable, Equatable, Codable {
    /// θ₀, where every chain starts.
    @Packed public var base: [Float]
    /// The parents of the next generation (best first), the elite among them.
    public var parents: [Individual]
    public var elite: Individual?
    /// Candidates for the elite, re-evaluated in the next generation.
    public var candidates: [Individual]
    public var generation: Int
    public var seed: UInt64
  }

  /// One generation: the candidates' re-evaluations first, then the children.
  public struct Population: CandidatePopulation {
    public struct Member: Sendable {
      /// Index into `sources`.
      public var source: Int
      /// The mutation seed; nil for a re-evaluation.
      public var mutation: UInt64?
    }
    public let base: [Float]
    public let mutationStd: Float
    /// Parents and candidates: their chains, and their decoded parameters when cached.
    public let sources: [Individual]
    public let members: [Member]
    /// How many leading members re-evaluate candidates.
    public let reevaluations: Int
    /// The shared noise table, when the config asks for one.
    public let table: NoiseTable?

    public var count: Int { members.count }

    public func write(member m: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
      let member = members[m]
      let source = sources[member.source]
      if source.parameters.isEmpty {
        DeepGA.decode(base: base, chain: source.chain, mutationStd: mutationStd, table: table, into: buffer)
      } else {
        _ = buffer.update(fromContentsOf: source.parameters)
      }
      if let mutation = member.mutation { DeepGA.mutate(buffer, seed: mutation, mutationStd: mutationStd, table: table) }
    }

    public func seedGroup(of member: Int) -> Int { member }
  }

  public let config: Config

  public init(config: Config = Config()) {
    precondition(config.populationSize >= 1 && config.parents >= 1, "the GA needs N ≥ 1 and T ≥ 1")
    precondition(config.eliteCandidates >= 1 && config.eliteEpisodes >= 0, "the GA needs C ≥ 1 and E ≥ 0")
    self.config = config
  }

  // MARK: Seed chains

  /// θ += σ·ε(seed): ε from the seed's Philox stream, or the table's slice at the seed's offset.
  static func mutate(
    _ parameters: UnsafeMutableBufferPointer<Float>, seed: UInt64, mutationStd: Float, table: NoiseTable? = nil
  ) {
    if let table {
      table.withSlice(seed: seed, count: parameters.count) { noise in
        for j in parameters.indices { parameters[j] += mutationStd * noise[j] }
      }
      return
    }
    var noise = PhiloxStream(seed: seed)
    for j in parameters.indices { parameters[j] += mutationStd * noise.nextGaussian() }
  }

  /// θ₀ + σ·Σₖ ε(chainₖ), replayed in chain order.
  public static func decode(
    base: [Float], chain: [UInt64], mutationStd: Float, table: NoiseTable? = nil,
    into buffer: UnsafeMutableBufferPointer<Float>
  ) {
    _ = buffer.update(fromContentsOf: base)
    for seed in chain { mutate(buffer, seed: seed, mutationStd: mutationStd, table: table) }
  }

  public static func decode(base: [Float], chain: [UInt64], mutationStd: Float, table: NoiseTable? = nil) -> [Float] {
    var parameters = base
    parameters.withUnsafeMutableBufferPointer {
      decode(base: base, chain: chain, mutationStd: mutationStd, table: table, into: $0)
    }
    return parameters
  }

  /// The run's shared noise table, when the config asks for one.
  func table(seed: UInt64) -> NoiseTable? {
    NoiseTable.shared(seed: seed, configuredSize: config.noiseTableSize)
  }

  public func problem(parameterCount: Int) -> String? {
    NoiseTable.problem(configuredSize: config.noiseTableSize, parameterCount: parameterCount)
  }

  // MARK: Ask

  public func initialState(initialize: (Int) -> [Float], seed: UInt64) -> State {
    let base = initialize(0)
    let root = Individual(chain: [], fitness: -.infinity, parameters: config.cacheDecodedParents ? base : [])
    return State(base: base, parents: [root], elite: nil, candidates: [], generation: 0, seed: seed)
  }

  public func ask(_ state: State) -> Population {
    let reevaluate = config.eliteEpisodes > 0 ? state.candidates : []
    let sources = reevaluate + state.parents
    var members: [Population.Member] = []
    for c in reevaluate.indices {
      for _ in 0..<config.eliteEpisodes { members.append(.init(source: c, mutation: nil)) }
    }
    var random = SplitMix64(
      seed: SeedDerivation.seed(run: state.seed, purpose: .selection, iteration: state.generation))
    for k in 0..<config.populationSize {
      let parent = reevaluate.count + Int(random.next() % UInt64(state.parents.count))
      let mutation = SeedDerivation.seed(
        run: state.seed, purpose: .perturbation, iteration: state.generation, member: k)
      members.append(.init(source: parent, mutation: mutation))
    }
    return Population(
      base: state.base, mutationStd: config.mutationStd, sources: sources, members: members,
      reevaluations: reevaluate.count * config.eliteEpisodes, table: table(seed: state.seed))
  }

  // MARK: Tell

  public func tell(_ state: State, population: Population, evaluations: MemberEvaluations) -> State {
    let fitness = evaluations.fitness
    precondition(fitness.count == population.count, "one fitness value per member")
    var next = state

    // The elite: the re-evaluated candidate with the best mean.
    var elite = state.elite
    if population.reevaluations > 0 {
      let e = config.eliteEpisodes
      let means = (0..<(population.reevaluations / e)).map { c in
        fitness[(c * e)..<((c + 1) * e)].reduce(0, +) / Double(e)
      }
      let best = means.indices.max { means[$0] < means[$1] || (means[$0] == means[$1] && $0 > $1) }!
      elite = population.sources[best]
      elite!.fitness = means[best]
    }

    // Truncation: the best T children, best first (ties keep member order).
    let children = Array(population.reevaluations..<population.count)
    let ranked = children.sorted { fitness[$0] > fitness[$1] || (fitness[$0] == fitness[$1] && $0 < $1) }
    let survivors = ranked.prefix(config.parents).map { m -> Individual in
      let member = population.members[m]
      let parent = population.sources[member.source]
      var parameters = parent.parameters
      if !parameters.isEmpty {
        parameters.withUnsafeMutableBufferPointer {
          DeepGA.mutate($0, seed: member.mutation!, mutationStd: config.mutationStd, table: population.table)
        }
      }
      return Individual(chain: parent.chain + [member.mutation!], fitness: fitness[m], parameters: parameters)
    }
    if config.eliteEpisodes == 0, let top = survivors.first, elite == nil || top.fitness > elite!.fitness {
      elite = top
    }
    next.elite = elite
    next.parents = survivors
    if let elite, !survivors.contains(where: { $0.chain == elite.chain }) { next.parents.append(elite) }
    next.candidates = Array(survivors.prefix(config.eliteCandidates - (elite == nil ? 0 : 1)))
    if let elite, !next.candidates.contains(where: { $0.chain == elite.chain }) { next.candidates.append(elite) }
    next.generation += 1
    return next
  }

  /// The elite, or the best parent before there is one.
  public func solution(_ state: State) -> [Float] {
    let individual = state.elite ?? state.parents[0]
    return individual.parameters.isEmpty
      ? DeepGA.decode(base: state.base, chain: individual.chain, mutationStd: config.mutationStd, table: table(seed: state.seed))
      : individual.parameters
  }

  public func isConsistent(_ state: State) -> Bool {
    let d = state.base.count
    let all = state.parents + state.candidates + (state.elite.map { [$0] } ?? [])
    return !state.parents.isEmpty
      && all.allSatisfy { $0.parameters.count == (config.cacheDecodedParents ? d : 0) && $0.chain.count <= state.generation }
  }
}

extension DeepGA.Config: AlgorithmConfig {
  public static var defaults: Self { Self() }

  public var problem: String? {
    if !(populationSize >= 1 && parents >= 1) { return "population_size and parents must be at least 1" }
    if !(mutationStd > 0) { return "mutation_std must be positive" }
    if noiseTableSize < 0 { return "noise_table_size must be 0 (no table) or positive" }
    if !(eliteCandidates >= 1 && eliteEpisodes >= 0) { return "elite_candidates must be at least 1, elite_episodes >= 0" }
    return nil
  }
}
