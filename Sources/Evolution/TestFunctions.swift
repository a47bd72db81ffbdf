import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// pycma's standard test functions (`cma.ff`), to minimise: what CMA-ES is measured on against
/// pycma (`rollout bench cma`, `Benchmarks/cma-pycma.sh`).
public enum TestFunction: String, Sendable, CaseIterable {
  /// Σ 10^(6(i−1)/(n−1)) xᵢ²: a conditioning of 10⁶.
  case ellipsoid
  /// Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²: a bent valley, minimum at (1, …, 1).
  case rosenbrock
  /// 10n + Σ xᵢ² − 10 cos(2πxᵢ): a grid of ~10ⁿ local minima.
  case rastrigin

  public func callAsFunction(_ x: [Double]) -> Double {
    let n = x.count
    var sum = 0.0
    switch self {
    case .ellipsoid:
      for i in 0..<n {
        let scale: Double = pow(1e6, Double(i) / Double(max(n - 1, 1)))
        sum += scale * x[i] * x[i]
      }
    case .rosenbrock:
      for i in 0..<(n - 1) {
        let bend = x[i + 1] - x[i] * x[i], offset = 1 - x[i]
        sum += 100 * bend * bend + offset * offset
      }
    case .rastrigin:
      sum = 10 * Double(n)
      for v in x { sum += v * v - 10 * cos(2 * Double.pi * v) }
    }
    return sum
  }

  /// The start of run `seed`: xᵢ = 5·sin(13·seed + i + 1), in [−5, 5] (a formula, so that the pycma
  /// side starts from the same point).
  public static func start(seed: Int, dimension n: Int) -> [Double] {
    (0..<n).map { 5 * sin(Double(13 * seed + $0 + 1)) }
  }
}

/// Minimises `function` with a CMA strategy from `start` until the best value seen is at most
/// `target` or `maxEvaluations` have been spent. Returns the evaluations used and the best value.
public func minimize<S: EvolutionStrategy>(
  _ function: TestFunction, with strategy: S, start: [Double], seed: UInt64, target: Double, maxEvaluations: Int
) -> (evaluations: Int, best: Double) where S.Population == CMAPopulation {
  var state = strategy.initialState(initialize: { _ in start.map(Float.init) }, seed: seed)
  var evaluations = 0, best = Double.infinity
  while evaluations < maxEvaluations && best > target {
    let population = strategy.ask(state)
    let values = (0..<population.count).map { k in
      let y = population.step(of: k)
      return function((0..<y.count).map { population.mean[$0] + population.sigma * y[$0] })
    }
    evaluations += values.count
    best = min(best, values.min()!)
    state = strategy.tell(
      state, population: population,
      evaluations: MemberEvaluations(fitness: values.map { -$0 }))
  }
  return (evaluations, best)
}
