import RLCore

/// CMA-ES with a full covariance matrix (Hansen & Ostermeier 2001; the update as in Hansen's
/// tutorial, arXiv 1604.00772, with its default parameters: `CMAParameters`).
///
/// Each generation:
/// 1. **Sample** λ points xₖ = m + σ·B·D·zₖ (zₖ regenerated from seed k wherever it is needed).
/// 2. **Select** the μ best and recombine: y_w = Σ wᵢ yᵢ, m ← m + σ·y_w.
/// 3. **Paths**: p_σ ← (1 − c_σ)p_σ + √(c_σ(2 − c_σ)μ_eff)·C^{−½}y_w;
///    p_c ← (1 − c_c)p_c + h_σ√(c_c(2 − c_c)μ_eff)·y_w.
/// 4. **Covariance**: C ← (1 − c₁ − c_μΣwⱼ + (1 − h_σ)c₁c_c(2 − c_c))·C + c₁p_cp_cᵀ + c_μ Σ w°ᵢyᵢyᵢᵀ,
///    the sum over the μ best with wᵢ > 0 and, with active CMA (the default, as in pycma), over
///    the λ − μ worst with wᵢ < 0 and w°ᵢ = wᵢ·n/‖C^{−½}yᵢ‖² (the tutorial's 2016 update).
/// 5. **Step size**: σ ← σ·exp((c_σ/d_σ)(‖p_σ‖/E‖N(0, I)‖ − 1)).
/// 6. **Lazy eigendecomposition** of C (Jacobi, `SymmetricEigen`) once λ/(c₁ + c_μ)/n/10
///    evaluations have passed since the last one, as the tutorial suggests.
///
/// Costs O(n²) per sample and O(n³) per decomposition: for linear policies and small networks. For
/// thousands of parameters use sep-CMA-ES.
public struct CMAES: EvolutionStrategy {
  public typealias Config = CMAConfig

  public struct State: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var sigma: Double
    /// C, row-major n × n.
    public var covariance: [Double]
    public var pathSigma: [Double]
    public var pathC: [Double]
    /// B (eigenvectors as columns, row-major) and D (√eigenvalues) of C at the last decomposition.
    public var eigenvectors: [Double]
    public var scales: [Double]
    public var evaluations: Int
    public var evaluationsAtDecomposition: Int
    public var generation: Int
    public var seed: UInt64
    /// Restart bookkeeping, with IPOP or BIPOP (nil without restarts).
    public var restart: CMARestartState? = nil
  }

  public let config: Config

  public init(config: Config = Config()) {
    precondition(config.initialSigma > 0, "CMA-ES needs σ₀ > 0")
    self.config = config
  }

  public func initialState(initialize: (Int) -> [Float], seed: UInt64) -> State {
    let mean = initialize(0).map(Double.init)
    let n = mean.count
    var identity = [Double](repeating: 0, count: n * n)
    for i in 0..<n { identity[i * n + i] = 1 }
    return State(
      mean: mean, sigma: config.initialSigma, covariance: identity,
      pathSigma: [Double](repeating: 0, count: n), pathC: [Double](repeating: 0, count: n),
      eigenvectors: identity, scales: [Double](repeating: 1, count: n), evaluations: 0,
      evaluationsAtDecomposition: 0, generation: 0, seed: seed, restart: config.restartState(start: mean))
  }

  // MARK: Sample

  public func ask(_ state: State) -> CMAPopulation {
    let n = state.mean.count
    var transform = state.eigenvectors
    for i in 0..<n { for j in 0..<n { transform[i * n + j] *= state.scales[j] } }
    return CMAPopulation(
      mean: state.mean, sigma: state.sigma, transform: transform, scales: state.scales,
      seeds: CMAPopulation.seeds(
        run: state.seed, generation: state.generation, count: state.restart?.lambda ?? config.lambda(dimension: n)))
  }

  // MARK: Update

  public func tell(_ state: State, population: CMAPopulation, evaluations: MemberEvaluations) -> State {
    precondition(evaluations.fitness.count == population.count, "one fitness value per member")
    let n = state.mean.count
    let p = CMAParameters(n: n, lambda: population.count, separable: false, active: config.active)
    let ranked = CMAPopulation.ranking(evaluations.fitness)
    let selected = ranked.prefix(p.mu).map(population.step(of:))
    // Active CMA: the worst samples, each weighted by n/‖C^{−½}y‖² = n/‖z‖² so that a long step
    // does not shrink C more than a short one.
    let rejected = zip(p.negativeWeights, ranked.suffix(p.negativeWeights.count)).map { w, k in
      let squaredLength = population.noise(of: k).reduce(0) { $0 + $1 * $1 }
      return (weight: w * Double(n) / squaredLength, y: population.step(of: k))
    }
    var yw = [Double](repeating: 0, count: n)
    for (w, y) in zip(p.weights, selected) { for i in 0..<n { yw[i] += w * y[i] } }

    var next = state
    for i in 0..<n { next.mean[i] += state.sigma * yw[i] }

    // C^{−½}·y_w = B·D⁻¹·Bᵀ·y_w, with the B and D the samples were drawn with.
    let b = state.eigenvectors
    let projected = (0..<n).map { j in (0..<n).reduce(0.0) { $0 + b[$1 * n + j] * yw[$1] } / state.scales[j] }
    let whitened = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + b[i * n + $1] * projected[$1] } }
    let sigmaRate = (p.cSigma * (2 - p.cSigma) * p.muEff).squareRoot()
    for i in 0..<n { next.pathSigma[i] = (1 - p.cSigma) * state.pathSigma[i] + sigmaRate * whitened[i] }
    let h = p.hSigma(pathSigma: next.pathSigma, generation: state.restart?.generations ?? state.generation)
    let cRate = h * (p.cc * (2 - p.cc) * p.muEff).squareRoot()
    for i in 0..<n { next.pathC[i] = (1 - p.cc) * state.pathC[i] + cRate * yw[i] }

    let weightSum = 1 + p.negativeWeights.reduce(0, +)
    let decay = 1 - p.c1 - p.cMu * weightSum + (1 - h) * p.c1 * p.cc * (2 - p.cc)
    for i in 0..<n {
      for j in 0...i {
        var rankMu = 0.0
        for (w, y) in zip(p.weights, selected) { rankMu += w * y[i] * y[j] }
        for (w, y) in rejected { rankMu += w * y[i] * y[j] }
        let value = decay * state.covariance[i * n + j] + p.c1 * next.pathC[i] * next.pathC[j] + p.cMu * rankMu
        next.covariance[i * n + j] = value
        next.covariance[j * n + i] = value
      }
    }
    next.sigma = p.nextSigma(state.sigma, pathSigma: next.pathSigma)
    next.evaluations += population.count
    next.generation += 1

    let gap = Double(p.lambda) / (p.c1 + p.cMu) / Double(n) / 10
    if Double(next.evaluations - state.evaluationsAtDecomposition) > gap {
      let (values, vectors) = SymmetricEigen.decompose(next.covariance, n: n)
      next.eigenvectors = vectors
      next.scales = values.map { max($0, 1e-300).squareRoot() }
      next.evaluationsAtDecomposition = next.evaluations
    }
    if var restart = next.restart {
      let search = CMASearch(
        mean: next.mean, sigma: next.sigma, pathC: next.pathC, variances: (0..<n).map { next.covariance[$0 * n + $0] },
        scales: next.scales, axes: next.eigenvectors)
      if restart.endGeneration(
        search, fitness: evaluations.fitness, best: population.point(of: ranked[0]), config: config, seed: state.seed)
      {
        // A new search from the start: C = B = I, D = 1, paths at zero, the new σ₀.
        var identity = [Double](repeating: 0, count: n * n)
        for i in 0..<n { identity[i * n + i] = 1 }
        let zeros = [Double](repeating: 0, count: n)
        next.mean = restart.start
        next.sigma = restart.sigma0
        next.covariance = identity
        next.eigenvectors = identity
        next.scales = [Double](repeating: 1, count: n)
        next.pathSigma = zeros
        next.pathC = zeros
        next.evaluationsAtDecomposition = next.evaluations
      }
      next.restart = restart
    }
    return next
  }

  public func solution(_ state: State) -> [Float] { state.mean.map(Float.init) }

  /// The most parameters full CMA-ES takes. Its n × n covariance costs O(n³) per
  /// eigendecomposition: 0.67 s a generation at n = 513 and 5.6 s at n = 945 here (Pendulum,
  /// one thread), hours a run beyond; at MinAtar sizes (26,000) the matrices alone need 16 GB.
  public static let maxParameters = 1_000

  public func problem(parameterCount: Int) -> String? {
    guard parameterCount > CMAES.maxParameters else { return nil }
    return "cma-es keeps a full covariance matrix, so it takes at most \(CMAES.maxParameters) parameters "
      + "(this network has \(parameterCount)); use sep-cma-es (diagonal covariance, any size) or a smaller network (--hidden, --network)"
  }

  public func isConsistent(_ state: State) -> Bool {
    let n = state.mean.count
    return state.covariance.count == n * n && state.eigenvectors.count == n * n && state.scales.count == n
      && state.pathSigma.count == n && state.pathC.count == n && state.sigma > 0
  }
}
