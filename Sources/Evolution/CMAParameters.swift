import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Settings shared by CMA-ES and sep-CMA-ES.
public struct CMAConfig: Sendable, Equatable, Codable {
  /// λ, samples per generation; 0 takes Hansen's default 4 + ⌊3 ln n⌋.
  public var populationSize: Int = 0
  /// σ₀, the initial step size.
  public var initialSigma: Double = 0.1
  /// Active CMA (full CMA-ES only): the worst λ − μ samples shrink the covariance along their
  /// directions (negative recombination weights), as pycma's default `CMA_active` does.
  public var active: Bool = true
  /// Start again when the search stalls (pycma's stopping criteria): `none`, `ipop` or `bipop`.
  public var restarts: CMARestartStrategy = .none
  /// At most this many restarts (IPOP's ninth has 512·λ₀ members).
  public var maxRestarts: Int = 9

  public init(
    populationSize: Int = 0, initialSigma: Double = 0.1, active: Bool = true, restarts: CMARestartStrategy = .none,
    maxRestarts: Int = 9
  ) {
    self.populationSize = populationSize
    self.initialSigma = initialSigma
    self.active = active
    self.restarts = restarts
    self.maxRestarts = maxRestarts
  }

  enum CodingKeys: String, CodingKey { case populationSize, initialSigma, active, restarts, maxRestarts }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    populationSize = try c.decode(Int.self, forKey: .populationSize)
    initialSigma = try c.decode(Double.self, forKey: .initialSigma)
    // A missing key takes the default, as every config key does.
    active = try c.decodeIfPresent(Bool.self, forKey: .active) ?? true
    restarts = try c.decodeIfPresent(CMARestartStrategy.self, forKey: .restarts) ?? .none
    maxRestarts = try c.decodeIfPresent(Int.self, forKey: .maxRestarts) ?? 9
  }

  /// The first search's state for restarts (nil without them).
  func restartState(start: [Double]) -> CMARestartState? {
    restarts == .none ? nil : CMARestartState(lambda: lambda(dimension: start.count), sigma0: initialSigma, start: start)
  }

  public func lambda(dimension n: Int) -> Int {
    populationSize > 0 ? populationSize : 4 + Int((3 * log(Double(max(n, 1)))).rounded(.down))
  }
}

/// Hansen's default strategy parameters ("The CMA Evolution Strategy: A Tutorial", arXiv
/// 1604.00772, Table 1), for dimension n and population λ.
public struct CMAParameters: Sendable, Equatable {
  public let n: Int
  public let lambda: Int
  /// μ = ⌊λ/2⌋ parents and their recombination weights wᵢ ∝ ln(λ/2 + 0.5) − ln i, Σw = 1.
  public let mu: Int
  public let weights: [Double]
  /// μ_eff = 1 / Σwᵢ².
  public let muEff: Double
  /// c_σ and d_σ: the step-size path's learning rate and damping.
  public let cSigma: Double
  public let dSigma: Double
  /// c_c, c₁, c_μ: the covariance path's rate and the rank-one and rank-μ rates.
  public let cc: Double
  public let c1: Double
  public let cMu: Double
  /// Active CMA's weights for the ranks μ + 1 … λ (worst last), all ≤ 0: w'ᵢ = ln((λ + 1)/2) − ln i
  /// scaled so that Σ|wᵢ| = min(1 + c₁/c_μ, 1 + 2μ⁻_eff/(μ_eff + 2), (1 − c₁ − c_μ)/(n·c_μ))
  /// (the tutorial's α⁻ bounds, which keep C positive definite). Empty without active CMA.
  public let negativeWeights: [Double]
  /// E‖N(0, I)‖ ≈ √n (1 − 1/(4n) + 1/(21n²)).
  public let expectedNorm: Double

  /// `separable` uses sep-CMA-ES's larger covariance rates (Ros & Hansen 2008, as pycma sets
  /// them), which a diagonal model can afford. `active` adds the negative weights (full CMA).
  public init(n: Int, lambda: Int, separable: Bool, active: Bool = false) {
    let dn = Double(n)
    self.n = n
    self.lambda = lambda
    mu = lambda / 2
    let raw = (1...mu).map { log(Double(lambda) / 2 + 0.5) - log(Double($0)) }
    let total = raw.reduce(0, +)
    weights = raw.map { $0 / total }
    muEff = 1 / weights.reduce(0) { $0 + $1 * $1 }
    cSigma = (muEff + 2) / (dn + muEff + 5)
    dSigma = 1 + 2 * max(0, ((muEff - 1) / (dn + 1)).squareRoot() - 1) + cSigma
    cc = (4 + muEff / dn) / (dn + 4 + 2 * muEff / dn)
    if separable {
      c1 = 1 / (dn + 2 * dn.squareRoot() + muEff / dn)
      cMu = min(1 - c1, (0.25 + muEff + 1 / muEff - 2) / (dn + 4 * dn.squareRoot() + muEff / 2))
    } else if active {
      // The tutorial's (2016) rates, with pycma's reduction of c₁ for small populations.
      c1 = 2 / ((dn + 1.3) * (dn + 1.3) + muEff) * min(1, Double(lambda) / 6)
      cMu = min(1 - c1, 2 * (0.25 + muEff + 1 / muEff - 2) / ((dn + 2) * (dn + 2) + muEff))
    } else {
      c1 = 2 / ((dn + 1.3) * (dn + 1.3) + muEff)
      cMu = min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((dn + 2) * (dn + 2) + muEff))
    }
    if active && !separable && lambda > mu {
      let rawNegative = ((mu + 1)...lambda).map { min(0, log(Double(lambda + 1) / 2) - log(Double($0))) }
      let negativeTotal = -rawNegative.reduce(0, +)
      let squares = rawNegative.reduce(0) { $0 + $1 * $1 }
      let muEffMinus = squares > 0 ? negativeTotal * negativeTotal / squares : 0
      let bound = min(1 + c1 / cMu, 1 + 2 * muEffMinus / (muEff + 2), (1 - c1 - cMu) / (dn * cMu))
      negativeWeights = negativeTotal > 0 ? rawNegative.map { $0 * bound / negativeTotal } : []
    } else {
      negativeWeights = []
    }
    expectedNorm = dn.squareRoot() * (1 - 1 / (4 * dn) + 1 / (21 * dn * dn))
  }

  /// σ ← σ·exp((c_σ/d_σ)(‖p_σ‖/E‖N‖ − 1)).
  public func nextSigma(_ sigma: Double, pathSigma: [Double]) -> Double {
    sigma * exp((cSigma / dSigma) * (norm(pathSigma) / expectedNorm - 1))
  }

  /// h_σ: 1 unless ‖p_σ‖ is too long, which stalls the update of p_c.
  public func hSigma(pathSigma: [Double], generation: Int) -> Double {
    let correction = (1 - pow(1 - cSigma, 2 * Double(generation + 1))).squareRoot()
    return norm(pathSigma) / correction < (1.4 + 2 / Double(n + 1)) * expectedNorm ? 1 : 0
  }

  func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}

/// One generation of a CMA-ES: xₖ = m + σ·yₖ with yₖ = A·zₖ, zₖ ~ N(0, I) drawn from seed k, and
/// A = B·diag(D) (full) or diag(D) (separable).
public struct CMAPopulation: CandidatePopulation {
  public let mean: [Double]
  public let sigma: Double
  /// A = B·diag(D), row-major n × n; empty for a diagonal model.
  public let transform: [Double]
  /// D, the axis lengths (the square roots of C's eigenvalues or of its diagonal).
  public let scales: [Double]
  public let seeds: [UInt64]

  public var count: Int { seeds.count }

  /// zₖ ~ N(0, I), from seed k.
  public func noise(of member: Int) -> [Double] {
    var noise = PhiloxStream(seed: seeds[member])
    return (0..<mean.count).map { _ in Double(noise.nextGaussian()) }
  }

  /// xₖ = m + σ·yₖ, in double precision.
  public func point(of member: Int) -> [Double] {
    let y = step(of: member)
    return (0..<mean.count).map { mean[$0] + sigma * y[$0] }
  }

  /// yₖ = A·zₖ.
  public func step(of member: Int) -> [Double] {
    let n = mean.count
    let z = noise(of: member)
    if transform.isEmpty { return (0..<n).map { scales[$0] * z[$0] } }
    return (0..<n).map { i in
      var s = 0.0
      for j in 0..<n { s += transform[i * n + j] * z[j] }
      return s
    }
  }

  public func write(member m: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
    let y = step(of: m)
    for i in 0..<mean.count { buffer[i] = Float(mean[i] + sigma * y[i]) }
  }

  public func seedGroup(of member: Int) -> Int { member }

  /// Member indices, best fitness first (ties keep member order).
  static func ranking(_ fitness: [Double]) -> [Int] {
    fitness.indices.sorted { fitness[$0] > fitness[$1] || (fitness[$0] == fitness[$1] && $0 < $1) }
  }

  /// Seeds of generation g: `SeedDerivation(.perturbation, g, k)`.
  static func seeds(run: UInt64, generation: Int, count: Int) -> [UInt64] {
    (0..<count).map { SeedDerivation.seed(run: run, purpose: .perturbation, iteration: generation, member: $0) }
  }
}

extension CMAConfig: AlgorithmConfig {
  public static var defaults: Self { Self() }

  public var problem: String? {
    if !(populationSize == 0 || populationSize >= 2) { return "population_size must be 0 (default) or at least 2" }
    if !(initialSigma > 0 && initialSigma.isFinite) { return "initial_sigma must be positive" }
    if !(0...20).contains(maxRestarts) { return "max_restarts must be between 0 and 20" }
    return nil
  }
}
