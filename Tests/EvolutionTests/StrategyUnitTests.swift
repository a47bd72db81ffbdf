import Foundation
import RLCore
import Testing

@testable import Evolution

@Suite("Novelty archive and NS-ES")
struct NoveltyTests {
  @Test("k nearest neighbours match a brute-force sort, including ties and small archives")
  func nearestNeighbours() {
    var random = SplitMix64(seed: 9)
    for dimension in [1, 2, 5] {
      var archive = NoveltyArchive(dimension: dimension)
      var points: [[Float]] = []
      for i in 0..<300 {
        // Every tenth point repeats an earlier one, so ties occur.
        let point = i % 10 == 9 ? points[i / 2] : (0..<dimension).map { _ in Float(random.nextUnit() * 100) }
        points.append(point)
        archive.add(point)
      }
      #expect(archive.count == 300)
      for _ in 0..<50 {
        let query = (0..<dimension).map { _ in Float(random.nextUnit() * 100) }
        let brute = points.map { p in zip(p, query).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) } }.sorted()
        for k in [1, 10, 15] {
          #expect(archive.nearestSquaredDistances(to: query, k: k) == Array(brute.prefix(k)))
        }
        let expected = brute.prefix(10).reduce(0) { $0 + $1.squareRoot() } / 10
        #expect(abs(archive.novelty(of: query, k: 10) - expected) < 1e-9)
      }
    }
    var small = NoveltyArchive(dimension: 2)
    #expect(small.novelty(of: [0, 0], k: 10) == 0)
    small.add([3, 4])
    #expect(small.nearestSquaredDistances(to: [0, 0], k: 10) == [25])
    #expect(small.novelty(of: [0, 0], k: 10) == 5)
  }

  @Test("agents are chosen in proportion to novelty, uniformly when all novelties are zero")
  func selection() {
    #expect(NoveltySearchES.choose(weights: [1, 3], uniform: 0.2) == 0)
    #expect(NoveltySearchES.choose(weights: [1, 3], uniform: 0.3) == 1)
    #expect(NoveltySearchES.choose(weights: [0, 0, 0, 0], uniform: 0.6) == 2)
    var counts = [0, 0, 0]
    var random = SplitMix64(seed: 1)
    for _ in 0..<30_000 { counts[NoveltySearchES.choose(weights: [1, 2, 7], uniform: random.nextUnit())] += 1 }
    #expect(abs(Double(counts[2]) / 30_000 - 0.7) < 0.01)
    #expect(abs(Double(counts[0]) / 30_000 - 0.1) < 0.01)
  }

  @Test("the first generation seeds the archive with the agents; each observe adds one behaviour")
  func archiveGrowth() {
    let es = NoveltySearchES(config: .init(variant: .ns, populationSize: 4, metaPopulation: 3))
    var state = es.initialState(initialize: { i in [Float(i), 0] }, seed: 1)
    let first = es.ask(state)
    #expect(first.count == 3)
    state = es.tell(state, population: first, evaluations: .init(fitness: [1, 2, 3], behaviors: [[0, 0], [1, 0], [2, 0]]))
    #expect(state.archive?.count == 3)
    #expect(state.agents.map(\.reward) == [1, 2, 3])
    #expect(es.solution(state) == [2, 0], "before any update the solution is the best-rewarded agent")
    let second = es.ask(state)
    guard case .perturbations(let m, let mirrored) = second else {
      Issue.record("expected perturbations")
      return
    }
    #expect(mirrored.count == 4)
    state = es.tell(state, population: second, evaluations: .init(fitness: [0, 0, 0, 0], behaviors: [[5, 5], [0, 0], [9, 9], [1, 1]]))
    #expect(state.updatedAgent == m)
    #expect(state.agents[m].parameters != [Float(m), 0], "the chosen agent moved")
    state = es.observe(state, solutionReturn: 7, behavior: [4, 4])
    #expect(state.archive?.count == 4)
    #expect(state.agents[m].behavior == [4, 4])
    #expect(state.updatedAgent == nil)
  }

  @Test("NSRA lowers w after `stallGenerations` without a better reward and raises it on improvement")
  func nsraWeight() {
    var config = NoveltySearchES.Config(variant: .nsra, populationSize: 2, metaPopulation: 1)
    config.stallGenerations = 3
    config.weightDelta = 0.25
    let es = NoveltySearchES(config: config)
    var state = es.initialState(initialize: { _ in [0] }, seed: 1)
    state = es.tell(state, population: es.ask(state), evaluations: .init(fitness: [10], behaviors: [[0]]))
    func generation(reward: Double) {
      state = es.tell(state, population: es.ask(state), evaluations: .init(fitness: [1, 2], behaviors: [[1], [2]]))
      state = es.observe(state, solutionReturn: reward, behavior: [Float(reward)])
    }
    for _ in 0..<3 { generation(reward: 5) }
    #expect(state.weight == 0.75)
    for _ in 0..<6 { generation(reward: 5) }
    #expect(state.weight == 0.25)
    generation(reward: 11)
    #expect(state.weight == 0.5)
    #expect(state.bestReward == 11)
  }
}

@Suite("Deep GA")
struct DeepGATests {
  func run(cache: Bool, generations: Int, table: Int = 0) -> (states: [DeepGA.State], fitness: [[Double]]) {
    var config = DeepGA.Config(populationSize: 30, parents: 5, mutationStd: 0.1, eliteCandidates: 3, eliteEpisodes: 2, cacheDecodedParents: cache)
    config.noiseTableSize = table
    let ga = DeepGA(config: config)
    var state = ga.initialState(parameters: [1, -2, 0.5, 3], seed: 4)
    var states: [DeepGA.State] = [], history: [[Double]] = []
    var buffer = [Float](repeating: 0, count: 4)
    for _ in 0..<generations {
      let population = ga.ask(state)
      let fitness = (0..<population.count).map { m -> Double in
        buffer.withUnsafeMutableBufferPointer { population.write(member: m, into: $0) }
        return -buffer.reduce(0) { $0 + Double($1 * $1) } + Double(m % 3) * 0.01  // a little "episode noise"
      }
      history.append(fitness)
      state = ga.tell(state, population: population, fitness: fitness)
      states.append(state)
    }
    return (states, history)
  }

  @Test("decoding a seed chain reproduces the cached parameters byte for byte")
  func decoding() {
    let (states, _) = run(cache: true, generations: 12)
    let final = states.last!
    #expect(final.parents.allSatisfy { (1...12).contains($0.chain.count) })
    #expect(final.parents.contains { $0.chain.count == 12 })
    for individual in final.parents + final.candidates {
      let decoded = DeepGA.decode(base: final.base, chain: individual.chain, mutationStd: 0.1)
      #expect(decoded.map(\.bitPattern) == individual.parameters.map(\.bitPattern))
    }
  }

  @Test("with a shared noise table, chains decode to the cached parameters and the cache changes nothing")
  func noiseTable() {
    let cached = run(cache: true, generations: 8, table: 5000)
    let replayed = run(cache: false, generations: 8, table: 5000)
    #expect(cached.fitness == replayed.fitness)
    #expect(cached.fitness != run(cache: true, generations: 8).fitness, "the table's noise is not the streams'")
    let table = NoiseTable.shared(seed: 4, size: 5000)
    for individual in cached.states.last!.parents {
      let decoded = DeepGA.decode(base: cached.states.last!.base, chain: individual.chain, mutationStd: 0.1, table: table)
      #expect(decoded.map(\.bitPattern) == individual.parameters.map(\.bitPattern))
    }
  }

  @Test("the parent cache does not change results")
  func cacheIsTransparent() {
    let cached = run(cache: true, generations: 10)
    let replayed = run(cache: false, generations: 10)
    #expect(cached.fitness == replayed.fitness)
    let ga = DeepGA(config: .init(mutationStd: 0.1))
    for (a, b) in zip(cached.states, replayed.states) {
      #expect(a.parents.map(\.chain) == b.parents.map(\.chain))
      #expect(a.elite?.chain == b.elite?.chain)
      #expect(ga.solution(a).map(\.bitPattern) == ga.solution(b).map(\.bitPattern))
    }
    #expect(replayed.states.last!.parents.allSatisfy { $0.parameters.isEmpty })
  }

  @Test("the elite is the candidate with the best re-evaluation mean and stays among the parents")
  func elite() {
    let (states, _) = run(cache: true, generations: 5)
    for state in states.dropFirst() {
      let elite = try! #require(state.elite)
      #expect(state.parents.contains { $0.chain == elite.chain })
      #expect(state.candidates.contains { $0.chain == elite.chain })
    }
    #expect(states[0].elite == nil, "the first elite needs the next generation's re-evaluations")
  }
}

@Suite("CMA-ES")
struct CMAESTests {
  static func ellipsoid(_ x: [Float]) -> Double {
    let n = Double(x.count)
    return x.enumerated().reduce(0) { $0 + pow(10, 6 * Double($1.offset) / (n - 1)) * Double($1.element) * Double($1.element) }
  }

  /// Evaluations until the 10-D ellipsoid is below 1e-8, from x = 1 with σ₀ = 1.
  func evaluationsToSolve<S: EvolutionStrategy>(_ strategy: S, seed: UInt64) -> Int {
    var state = strategy.initialState(parameters: [Float](repeating: 1, count: 10), seed: seed)
    var evaluations = 0
    var buffer = [Float](repeating: 0, count: 10)
    while evaluations < 100_000 {
      let population = strategy.ask(state)
      let fitness = (0..<population.count).map { m -> Double in
        buffer.withUnsafeMutableBufferPointer { population.write(member: m, into: $0) }
        return -Self.ellipsoid(buffer)
      }
      evaluations += population.count
      if fitness.max()! > -1e-8 { return evaluations }
      state = strategy.tell(state, population: population, fitness: fitness)
    }
    return evaluations
  }

  /// pycma 4.5.0 on this machine (`cma.CMAEvolutionStrategy(10 * [1.0], 1.0, {'ftarget': 1e-8,
  /// 'seed': s}).optimize(elli)`, seeds 1–20): median 4,020 evaluations (3,590–4,330) with its
  /// defaults, which include active CMA (negative weights); 5,465 (4,990–5,890) with
  /// `CMA_active: False`, the tutorial's update that `CMAES` implements (ours: median 5,540 over
  /// seeds 1–5); 2,110 (1,890–2,330) with `CMA_diagonal: True` (ours, sep-CMA-ES: 2,510). The tests
  /// allow ±50 % of the matching pycma setting, and full CMA-ES stays within +50 % of the default.
  @Test("full CMA-ES reaches 1e-8 on the 10-D ellipsoid within pycma's evaluations ± 50 %")
  func fullEllipsoid() {
    let counts = (1...5).map { evaluationsToSolve(CMAES(config: .init(initialSigma: 1)), seed: UInt64($0)) }.sorted()
    print("CMA-ES ellipsoid evaluations: \(counts)")
    #expect((2733...6030).contains(counts[2]), "median \(counts[2])")
  }

  @Test("sep-CMA-ES reaches 1e-8 on the 10-D ellipsoid within pycma's diagonal evaluations ± 50 %")
  func separableEllipsoid() {
    let counts = (1...5).map { evaluationsToSolve(SepCMAES(config: .init(initialSigma: 1)), seed: UInt64($0)) }.sorted()
    print("sep-CMA-ES ellipsoid evaluations: \(counts)")
    #expect((1055...3165).contains(counts[2]), "median \(counts[2])")
  }

  @Test("the Jacobi eigensolver reconstructs a symmetric matrix")
  func eigen() {
    var random = SplitMix64(seed: 3)
    let n = 7
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0...i { let v = random.nextUnit() - 0.5; a[i * n + j] = v; a[j * n + i] = v } }
    let (values, vectors) = SymmetricEigen.decompose(a, n: n)
    for i in 0..<n {
      for j in 0..<n {
        let rebuilt = (0..<n).reduce(0.0) { $0 + vectors[i * n + $1] * values[$1] * vectors[j * n + $1] }
        #expect(abs(rebuilt - a[i * n + j]) < 1e-12)
        let dot = (0..<n).reduce(0.0) { $0 + vectors[$1 * n + i] * vectors[$1 * n + j] }
        #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12)
      }
    }
  }

  @Test("Hansen's default parameters for n = 10")
  func defaults() {
    let p = CMAParameters(n: 10, lambda: CMAConfig().lambda(dimension: 10), separable: false)
    #expect(p.lambda == 10 && p.mu == 5)
    #expect(abs(p.weights.reduce(0, +) - 1) < 1e-12)
    #expect(abs(p.muEff - 3.1672) < 1e-3)
    #expect(abs(p.c1 - 2 / (11.3 * 11.3 + p.muEff)) < 1e-15)
  }
}

@Suite("ARS")
struct ARSTests {
  @Test("the step follows the top-b directions scaled by their returns' standard deviation")
  func step() {
    let ars = ARS(config: .init(directions: 3, topDirections: 2, stepSize: 0.5, noiseStd: 0.1))
    let state = ars.initialState(parameters: [0, 0, 0, 0], seed: 2)
    let population = ars.ask(state)
    // Pair 1 has the lowest max(r⁺, r⁻) and is dropped.
    let returns: [Double] = [3, 1, 0, 0.5, 2, 4]
    let next = ars.tell(state, population: population, fitness: returns)
    let used = [3.0, 1, 2, 4]
    let mean = used.reduce(0, +) / 4
    let std = (used.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4).squareRoot()
    let expected = population.weightedNoiseSum([2, 0, -2]).map { $0 * 0.5 / (2 * Float(std)) }
    for j in 0..<4 { #expect(abs(next.parameters[j] - expected[j]) < 1e-6) }
    let flat = ars.tell(state, population: population, fitness: [1, 1, 1, 1, 1, 1])
    #expect(flat.parameters == state.parameters, "equal returns carry no direction")
  }
}

@Suite("Active CMA-ES")
struct ActiveCMATests {
  @Test("negative weights follow the tutorial: log-rank shape, Σ|w⁻| = min of the three α⁻ bounds")
  func negativeWeights() {
    let n = 3, lambda = 7
    let p = CMAParameters(n: n, lambda: lambda, separable: false, active: true)
    #expect(p.mu == 3 && p.negativeWeights.count == 4)
    // w'ᵢ = ln(4) − ln i for i = 4…7: 0 for i = 4, negative after.
    let raw = (4...7).map { log(4.0) - log(Double($0)) }
    let total = -raw.reduce(0, +)
    let muEffMinus = total * total / raw.reduce(0) { $0 + $1 * $1 }
    let bound = min(1 + p.c1 / p.cMu, 1 + 2 * muEffMinus / (p.muEff + 2), (1 - p.c1 - p.cMu) / (Double(n) * p.cMu))
    for (w, r) in zip(p.negativeWeights, raw) { #expect(abs(w - r * bound / total) < 1e-15) }
    #expect(abs(-p.negativeWeights.reduce(0, +) - bound) < 1e-12)
    #expect(CMAParameters(n: n, lambda: lambda, separable: false).negativeWeights.isEmpty)
    #expect(CMAParameters(n: n, lambda: lambda, separable: true, active: true).negativeWeights.isEmpty)
  }

  @Test("one update by hand: C = decay·C + c₁p_cp_cᵀ + c_μ(Σ w⁺yyᵀ + Σ w⁻·n/‖z‖²·yyᵀ), and the worst direction shrinks")
  func updateByHand() {
    let n = 2
    let config = CMAConfig(populationSize: 6, initialSigma: 0.5, active: true)
    let strategy = CMAES(config: config)
    let state = strategy.initialState(initialize: { _ in [0, 0] }, seed: 3)
    let population = strategy.ask(state)
    // Fitness prefers samples with small |x₀|: the worst ones lie along axis 0.
    let fitness = (0..<population.count).map { k in -abs(population.step(of: k)[0]) }
    let next = strategy.tell(state, population: population, evaluations: MemberEvaluations(fitness: fitness))

    let p = CMAParameters(n: n, lambda: 6, separable: false, active: true)
    let order = (0..<6).sorted { fitness[$0] > fitness[$1] || (fitness[$0] == fitness[$1] && $0 < $1) }
    let ys = order.map { population.step(of: $0) }
    let zs = order.map { population.noise(of: $0) }
    var yw = [0.0, 0.0]
    for (w, y) in zip(p.weights, ys) { for i in 0..<n { yw[i] += w * y[i] } }
    // At the start C = I, so C^{−½}y_w = y_w and ‖p_σ‖ is small enough that h_σ = 1.
    let pc = yw.map { (p.cc * (2 - p.cc) * p.muEff).squareRoot() * $0 }
    let decay = 1 - p.c1 - p.cMu * (1 + p.negativeWeights.reduce(0, +))
    for i in 0..<n {
      for j in 0..<n {
        var expected = decay * (i == j ? 1 : 0) + p.c1 * pc[i] * pc[j]
        for (k, w) in p.weights.enumerated() { expected += p.cMu * w * ys[k][i] * ys[k][j] }
        for (k, w) in p.negativeWeights.enumerated() {
          let z = zs[p.mu + k], squared = z[0] * z[0] + z[1] * z[1]
          expected += p.cMu * w * Double(n) / squared * ys[p.mu + k][i] * ys[p.mu + k][j]
        }
        #expect(abs(next.covariance[i * n + j] - expected) < 1e-12, "C[\(i)][\(j)]")
      }
    }
    var plainConfig = config
    plainConfig.active = false
    let plain = CMAES(config: plainConfig).tell(state, population: population, evaluations: MemberEvaluations(fitness: fitness))
    #expect(next.covariance[0] < plain.covariance[0], "active CMA shrinks the axis the worst samples lie on")
  }
}

@Suite("CMA-ES restarts")
struct CMARestartTests {
  /// Runs `strategy` on a function that is flat (every member scores the same), so that tolfun
  /// fires as soon as its history is full.
  func flatRun<S: EvolutionStrategy>(_ strategy: S, generations: Int) -> S.State where S.Population == CMAPopulation {
    var state = strategy.initialState(initialize: { _ in [Float](repeating: 0.5, count: 4) }, seed: 7)
    for _ in 0..<generations {
      let population = strategy.ask(state)
      state = strategy.tell(
        state, population: population, evaluations: MemberEvaluations(fitness: [Double](repeating: 1, count: population.count)))
    }
    return state
  }

  @Test("tolfun on a flat function restarts IPOP with twice the population, from the start and σ₀")
  func ipopOnFlatFunction() throws {
    let config = CMAConfig(initialSigma: 0.3, restarts: .ipop)
    let lambda0 = config.lambda(dimension: 4)
    // tolfun reads 10 + ⌈30·4/λ₀⌉ generations of history.
    let window = 10 + Int((30 * 4 / Double(lambda0)).rounded(.up))
    for strategy in [AnyCMA.full(CMAES(config: config)), .separable(SepCMAES(config: config))] {
      let before = strategy.run(generations: window - 1)
      #expect(before.restarts == 0 && before.lambda == lambda0)
      let after = strategy.run(generations: window)
      #expect(after.restarts == 1 && after.lambda == 2 * lambda0 && after.lastStop == "tolfun")
      #expect(after.mean == [Double](repeating: Double(Float(0.5)), count: 4) && after.sigma == 0.3)
    }
    // Without restarts the same search just carries on.
    let plain = flatRun(CMAES(config: CMAConfig(initialSigma: 0.3)), generations: window)
    #expect(plain.restart == nil)
  }

  @Test("BIPOP: the first restart is large; then small searches (random λ, smaller σ) until they have spent as much")
  func bipopRegimes() {
    var state = CMARestartState(lambda: 8, sigma0: 1, start: [0, 0])
    state.evaluationsLarge = 800
    let r1 = state.restart(after: "tolx", strategy: .bipop, lambda0: 8, sigma0: 1, maxRestarts: 9, seed: 1)
    #expect(r1)
    #expect(!state.small && state.lambda == 16 && state.largeRestarts == 1)
    let r2 = state.restart(after: "tolx", strategy: .bipop, lambda0: 8, sigma0: 1, maxRestarts: 9, seed: 1)
    #expect(r2)
    #expect(state.small && (2...8).contains(state.lambda) && state.sigma0 <= 1 && state.sigma0 >= 0.01)
    state.evaluationsSmall = 900
    let r3 = state.restart(after: "tolx", strategy: .bipop, lambda0: 8, sigma0: 1, maxRestarts: 9, seed: 1)
    #expect(r3)
    #expect(!state.small && state.lambda == 32 && state.largeRestarts == 2)
    var capped = CMARestartState(lambda: 8, sigma0: 1, start: [0])
    let r4 = capped.restart(after: "tolx", strategy: .ipop, lambda0: 8, sigma0: 1, maxRestarts: 1, seed: 1)
    #expect(r4)
    let r5 = capped.restart(after: "tolx", strategy: .ipop, lambda0: 8, sigma0: 1, maxRestarts: 1, seed: 1)
    #expect(!r5)
  }

  @Test("IPOP solves 10-D Rastrigin from a far start, where one search ends in a local minimum")
  func ipopRastrigin() {
    let start = TestFunction.start(seed: 1, dimension: 10)
    let single = minimize(.rastrigin, with: CMAES(config: CMAConfig(initialSigma: 2)), start: start, seed: 1, target: 1e-8, maxEvaluations: 100_000)
    let ipop = minimize(
      .rastrigin, with: CMAES(config: CMAConfig(initialSigma: 2, restarts: .ipop)), start: start, seed: 1, target: 1e-8,
      maxEvaluations: 2_000_000)
    #expect(single.best > 1e-8)
    #expect(ipop.best <= 1e-8)
  }
}

/// A full or separable CMA-ES, to run the same restart test on both.
enum AnyCMA {
  case full(CMAES)
  case separable(SepCMAES)

  func run(generations: Int) -> (restarts: Int, lambda: Int, lastStop: String?, mean: [Double], sigma: Double) {
    switch self {
    case .full(let s):
      let state = CMARestartTests().flatRun(s, generations: generations)
      return (state.restart!.restarts, state.restart!.lambda, state.restart!.lastStop, state.mean, state.sigma)
    case .separable(let s):
      let state = CMARestartTests().flatRun(s, generations: generations)
      return (state.restart!.restarts, state.restart!.lambda, state.restart!.lastStop, state.mean, state.sigma)
    }
  }
}

@Suite("Shared noise table")
struct NoiseTableTests {
  @Test("the table is its blocks' Philox streams in order, whatever the threads; offsets fit and spread")
  func table() {
    let size = 3 * NoiseTable.blockSize + 1234
    let table = NoiseTable(seed: 42, size: size)
    var expected: [Float] = []
    for b in 0..<4 {
      var stream = PhiloxStream(seed: SeedDerivation.seed(run: 42, purpose: .noiseTable, member: b))
      for _ in 0..<min(NoiseTable.blockSize, size - b * NoiseTable.blockSize) { expected.append(stream.nextGaussian()) }
    }
    #expect(table.values == expected)
    let mean = table.values.reduce(0, +) / Float(size)
    let variance = table.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(size)
    #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.01)
    let offsets = (0..<1000).map { table.offset(seed: UInt64($0), count: 1000) }
    #expect(offsets.allSatisfy { $0 >= 0 && $0 + 1000 <= size })
    #expect(Set(offsets).count > 990, "offsets spread over the table")
    #expect(NoiseTable.shared(seed: 42, size: size) === NoiseTable.shared(seed: 42, size: size), "built once")
  }

  @Test("with a table, members are θ ± σ·slice and the weighted sum adds the same slices")
  func population() {
    let table = NoiseTable(seed: 5, size: 10_000)
    let center = (0..<50).map { Float($0) / 7 }
    let population = MirroredPopulation(center: center, noiseStd: 0.1, pairs: 3, seed: 9, generation: 2, table: table)
    var buffer = [Float](repeating: 0, count: 50)
    for m in 0..<6 {
      buffer.withUnsafeMutableBufferPointer { population.write(member: m, into: $0) }
      let offset = table.offset(seed: population.noiseSeeds[m / 2], count: 50)
      let sign: Float = m % 2 == 0 ? 1 : -1
      #expect(buffer == (0..<50).map { center[$0] + sign * 0.1 * table.values[offset + $0] })
    }
    let weights: [Float] = [0.5, 0, -2]
    var expected = [Float](repeating: 0, count: 50)
    for (i, w) in weights.enumerated() where w != 0 {
      let offset = table.offset(seed: population.noiseSeeds[i], count: 50)
      for j in 0..<50 { expected[j] += w * table.values[offset + j] }
    }
    #expect(population.weightedNoiseSum(weights) == expected)
  }

  @Test("a table smaller than the network is refused by the strategy")
  func tooSmall() {
    let strategy = OpenAIES(config: { var c = OpenAIES.Config(); c.noiseTableSize = 100; return c }())
    #expect(strategy.problem(parameterCount: 114)?.contains("smaller than the network's 114 parameters") == true)
    #expect(strategy.problem(parameterCount: 100) == nil)
  }
}
