import RLCore

/// sep-CMA-ES (Ros & Hansen 2008, "A Simple Modification in CMA-ES Achieving Linear Time and
/// Space Complexity"): CMA-ES with a diagonal covariance matrix.
///
/// The update is CMA-ES's (see `CMAES`) restricted to the diagonal: cᵢ ← (1 − c₁ − c_μ + …)cᵢ +
/// c₁p_{c,i}² + c_μ Σ wₖy²ₖᵢ, C^{−½}y = y/D, and no eigendecomposition. O(n) per sample, so it
/// suits networks with thousands of parameters; the learning rates are raised to order 1/n (the
/// values pycma uses for its diagonal mode).
public struct SepCMAES: EvolutionStrategy {
  public typealias Config = CMAConfig

  public struct State: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var sigma: Double
    /// The diagonal of C.
    public var variances: [Double]
    public var pathSigma: [Double]
    public var pathC: [Double]
    public var generation: Int
    public var seed: UInt64
    /// Restart bookkeeping, with IPOP or BIPOP (nil without restarts).
    public var restart: CMARestartState? = nil
  }

  public let config: Config

  public init(config: Config = Config()) {
    precondition(config.initialSigma > 0, "sep-CMA-ES needs σ₀ > 0")
    self.config = config
  }

  public func initialState(initialize: (Int) -> [Float], seed: UInt64) -> State {
    let mean = initialize(0).map(Double.init)
    let zeros = [Double](repeating: 0, count: mean.count)
    return State(
      mean: mean, sigma: config.initialSigma, variances: [Double](repeating: 1, count: mean.count),
      pathSigma: zeros, pathC: zeros, generation: 0, seed: seed, restart: config.restartState(start: mean))
  }

  public func ask(_ state: State) -> CMAPopulation {
    CMAPopulation(
      mean: state.mean, sigma: state.sigma, transform: [], scales: state.variances.map { $0.squareRoot() },
      seeds: CMAPopulation.seeds(
        run: state.seed, generation: state.generation,
        count: state.restart?.lambda ?? config.lambda(dimension: state.mean.count)))
  }

  public func tell(_ state: State, population: CMAPopulation, evaluations: MemberEvaluations) -> State {
    precondition(evaluations.fitness.count == population.count, "one fitness value per member")
    let n = state.mean.count
    let p = CMAParameters(n: n, lambda: population.count, separable: true)
    let ranked = CMAPopulation.ranking(evaluations.fitness)
    let selected = ranked.prefix(p.mu).map(population.step(of:))
    var yw = [Double](repeating: 0, count: n)
    for (w, y) in zip(p.weights, selected) { for i in 0..<n { yw[i] += w * y[i] } }

    var next = state
    let sigmaRate = (p.cSigma * (2 - p.cSigma) * p.muEff).squareRoot()
    for i in 0..<n {
      next.mean[i] += state.sigma * yw[i]
      next.pathSigma[i] = (1 - p.cSigma) * state.pathSigma[i] + sigmaRate * yw[i] / population.scales[i]
    }
    let h = p.hSigma(pathSigma: next.pathSigma, generation: state.restart?.generations ?? state.generation)
    let cRate = h * (p.cc * (2 - p.cc) * p.muEff).squareRoot()
    let decay = 1 - p.c1 - p.cMu + (1 - h) * p.c1 * p.cc * (2 - p.cc)
    for i in 0..<n {
      next.pathC[i] = (1 - p.cc) * state.pathC[i] + cRate * yw[i]
      var rankMu = 0.0
      for (w, y) in zip(p.weights, selected) { rankMu += w * y[i] * y[i] }
      next.variances[i] = decay * state.variances[i] + p.c1 * next.pathC[i] * next.pathC[i] + p.cMu * rankMu
    }
    next.sigma = p.nextSigma(state.sigma, pathSigma: next.pathSigma)
    next.generation += 1
    if var restart = next.restart {
      let search = CMASearch(
        mean: next.mean, sigma: next.sigma, pathC: next.pathC, variances: next.variances,
        scales: next.variances.map { $0.squareRoot() }, axes: nil)
      if restart.endGeneration(
        search, fitness: evaluations.fitness, best: population.point(of: ranked[0]), config: config, seed: state.seed)
      {
        let zeros = [Double](repeating: 0, count: n)
        next.mean = restart.start
        next.sigma = restart.sigma0
        next.variances = [Double](repeating: 1, count: n)
        next.pathSigma = zeros
        next.pathC = zeros
      }
      next.restart = restart
    }
    return next
  }

  public func solution(_ state: State) -> [Float] { state.mean.map(Float.init) }

  public func isConsistent(_ state: State) -> Bool {
    let n = state.mean.count
    return state.variances.count == n && state.pathSigma.count == n && state.pathC.count == n
      && state.sigma > 0 && state.variances.allSatisfy { $0 > 0 }
  }
}
