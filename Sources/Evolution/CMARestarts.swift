import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a CMA strategy starts again once its search has stopped making progress.
public enum CMARestartStrategy: String, Sendable, Equatable, Codable, CaseIterable {
  /// Never: the search carries on whatever happens.
  case none
  /// IPOP (Auger & Hansen 2005): each restart doubles the population, from the same start and σ₀.
  case ipop
  /// BIPOP (Hansen 2009): restarts alternate between IPOP's growing populations and small ones
  /// with a random λ and a smaller σ, whichever regime has spent fewer evaluations so far.
  case bipop
}

/// What a CMA run with restarts carries besides its current search: the restart counters, the
/// current search's λ and σ₀, the histories the stopping criteria read, and the best point seen
/// over all searches (the incumbent).
public struct CMARestartState: Sendable, Equatable, Codable {
  /// Restarts made, and those of them in the large (IPOP) regime.
  public var restarts = 0
  public var largeRestarts = 0
  /// Whether the current search is one of BIPOP's small ones.
  public var small = false
  public var lambda: Int
  public var sigma0: Double
  /// Where every search starts (the initial mean).
  public var start: [Double]
  /// Evaluations spent in each regime (BIPOP picks the regime that has spent fewer).
  public var evaluationsLarge = 0
  public var evaluationsSmall = 0
  /// Generations of the current search, and its best and median fitness per generation (the
  /// most recent ones only: as many as the longest criterion reads).
  public var generations = 0
  public var bestHistory: [Double] = []
  public var medianHistory: [Double] = []
  /// The best member over all searches, and its fitness.
  public var incumbent: [Double]? = nil
  public var incumbentFitness = -Double.infinity
  /// Why the last search stopped (`tolfun`, `tolx`, `conditioncov`, `noeffectaxis`,
  /// `noeffectcoord`, `tolstagnation`), for reports.
  public var lastStop: String? = nil

  public init(lambda: Int, sigma0: Double, start: [Double]) {
    self.lambda = lambda
    self.sigma0 = sigma0
    self.start = start
  }
}

/// The view of a CMA search the stopping criteria need, whatever the covariance model.
struct CMASearch {
  var mean: [Double]
  var sigma: Double
  var pathC: [Double]
  /// The diagonal of C.
  var variances: [Double]
  /// The axis lengths D (square roots of C's eigenvalues, or of its diagonal) and, for a full
  /// model, the axes B (row-major, eigenvectors as columns).
  var scales: [Double]
  var axes: [Double]?
}

extension CMARestartState {
  /// The longest history a criterion reads: tolstagnation's 100 + 100·n^1.5/λ generations.
  static func stagnationWindow(n: Int, lambda: Int) -> Int {
    100 + Int(100 * pow(Double(n), 1.5) / Double(lambda))
  }

  /// Records a generation's fitness (higher is better) and its best member.
  mutating func record(fitness: [Double], best member: [Double]) {
    let sorted = fitness.sorted(by: >)
    generations += 1
    let window = Self.stagnationWindow(n: start.count, lambda: lambda)
    bestHistory.append(sorted[0])
    medianHistory.append(sorted[sorted.count / 2])
    if bestHistory.count > window {
      bestHistory.removeFirst(bestHistory.count - window)
      medianHistory.removeFirst(medianHistory.count - window)
    }
    if sorted[0] > incumbentFitness {
      incumbentFitness = sorted[0]
      incumbent = member
    }
    if small { evaluationsSmall += fitness.count } else { evaluationsLarge += fitness.count }
  }

  /// After a generation: records it, and when a stopping criterion ends the search and a restart
  /// is left, sets up the next search's λ and σ₀ (the caller resets the search to `start`).
  /// Returns whether the search restarts.
  mutating func endGeneration(
    _ search: CMASearch, fitness: [Double], best member: [Double], config: CMAConfig, seed: UInt64
  ) -> Bool {
    record(fitness: fitness, best: member)
    guard let reason = stopReason(search, fitness: fitness) else { return false }
    return restart(
      after: reason, strategy: config.restarts, lambda0: config.lambda(dimension: search.mean.count),
      sigma0: config.initialSigma, maxRestarts: config.maxRestarts, seed: seed)
  }

  /// pycma's default stopping criteria for the search after this generation, or nil to go on.
  func stopReason(_ search: CMASearch, fitness: [Double]) -> String? {
    let n = search.mean.count
    // tolfun: the last 10 + ⌈30n/λ⌉ generations' bests and this generation all within 1e-11.
    let recent = 10 + Int((30 * Double(n) / Double(lambda)).rounded(.up))
    if bestHistory.count >= recent {
      let values = bestHistory.suffix(recent) + fitness
      if values.max()! - values.min()! < 1e-11 { return "tolfun" }
    }
    // tolx: every coordinate's standard deviation and path component below 1e-11·σ₀.
    if (0..<n).allSatisfy({ search.sigma * max(abs(search.pathC[$0]), search.variances[$0].squareRoot()) < 1e-11 * sigma0 }) {
      return "tolx"
    }
    // conditioncov: C's condition number above 1e14.
    let longest = search.scales.max()!, shortest = search.scales.min()!
    if shortest <= 0 || (longest / shortest) * (longest / shortest) > 1e14 { return "conditioncov" }
    // noeffectaxis: a step of 0.1σ along one principal axis (in turn) leaves the mean unchanged.
    if let axes = search.axes {
      let i = generations % n
      if (0..<n).allSatisfy({ search.mean[$0] == search.mean[$0] + 0.1 * search.sigma * search.scales[i] * axes[$0 * n + i] }) {
        return "noeffectaxis"
      }
    }
    // noeffectcoord: a step of 0.2σ·√cᵢᵢ leaves some coordinate unchanged.
    if (0..<n).contains(where: { search.mean[$0] == search.mean[$0] + 0.2 * search.sigma * search.variances[$0].squareRoot() }) {
      return "noeffectcoord"
    }
    // tolstagnation: over the last 100 + 100·n^1.5/λ generations, neither the best nor the median
    // fitness of the last fifth beats that of the first fifth.
    let window = Self.stagnationWindow(n: n, lambda: lambda)
    if generations >= window && bestHistory.count >= window {
      let fifth = max(window / 5, 1)
      func median(_ v: ArraySlice<Double>) -> Double { v.sorted()[v.count / 2] }
      if median(bestHistory.suffix(fifth)) <= median(bestHistory.prefix(fifth))
        && median(medianHistory.suffix(fifth)) <= median(medianHistory.prefix(fifth))
      {
        return "tolstagnation"
      }
    }
    return nil
  }

  /// Starts the next search after one stopped for `reason`: its λ and σ₀ by the restart strategy
  /// (λ₀ is the first search's population, σ₀ the configured step size), with the counters and
  /// histories of a new search. `maxRestarts` bounds the large (IPOP) restarts, as in pycma;
  /// BIPOP's small ones are bounded by their share of the evaluations. Returns false when no
  /// restart is left.
  mutating func restart(
    after reason: String, strategy: CMARestartStrategy, lambda0: Int, sigma0 initialSigma: Double, maxRestarts: Int,
    seed: UInt64
  ) -> Bool {
    // BIPOP's small regime when it has spent less than the large one (never for the first restart).
    let smallNext = strategy == .bipop && largeRestarts > 0 && evaluationsSmall < evaluationsLarge
    guard strategy != .none, smallNext || largeRestarts < maxRestarts else { return false }
    lastStop = reason
    restarts += 1
    if smallNext {
      var rng = SplitMix64(seed: seed ^ UInt64(restarts) &* 0x9E37_79B9_7F4A_7C15)
      let u1 = rng.nextUnit(), u2 = rng.nextUnit()
      let largeLambda = Double(lambda0) * pow(2, Double(largeRestarts))
      lambda = max(2, Int(Double(lambda0) * pow(0.5 * largeLambda / Double(lambda0), u1 * u1)))
      sigma0 = initialSigma * pow(10, -2 * u2)
      small = true
    } else {
      largeRestarts += 1
      lambda = lambda0 << largeRestarts
      sigma0 = initialSigma
      small = false
    }
    generations = 0
    bestHistory = []
    medianHistory = []
    return true
  }
}
