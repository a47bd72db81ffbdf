import Evolution

extension Bench {
  /// CMA-ES on pycma's 10-D test functions from the starts `TestFunction.start` gives seeds 1–20,
  /// σ₀ = 2, to f ≤ 1e-8: the median number of evaluations (and the spread) on the ellipsoid and
  /// Rosenbrock, and how many Rastrigin runs IPOP and BIPOP restarts solve within 2·10⁶
  /// evaluations; what `Benchmarks/cma-pycma.sh` holds against pycma run back to back.
  func benchCMA() {
    let seeds = 1...20
    for function in [TestFunction.ellipsoid, .rosenbrock] {
      for active in [true, false] {
        let strategy = CMAES(config: CMAConfig(initialSigma: 2, active: active))
        let runs = seeds.map { seed in
          minimize(
            function, with: strategy, start: TestFunction.start(seed: seed, dimension: 10), seed: UInt64(seed),
            target: 1e-8, maxEvaluations: 100_000)
        }
        let evaluations = runs.map(\.evaluations).sorted()
        let solved = runs.filter { $0.best <= 1e-8 }.count
        print(
          "\(function.rawValue) 10-D, CMA-ES\(active ? " (active)" : " (plain) ")".padding(toLength: 40, withPad: " ", startingAt: 0)
            + "median \(evaluations[evaluations.count / 2]) evaluations to 1e-8 "
            + "(min \(evaluations.first!), max \(evaluations.last!)); \(solved)/\(seeds.count) reached it")
      }
    }
    for restarts in [CMARestartStrategy.ipop, .bipop] {
      let strategy = CMAES(config: CMAConfig(initialSigma: 2, restarts: restarts))
      let runs = seeds.map { seed in
        minimize(
          .rastrigin, with: strategy, start: TestFunction.start(seed: seed, dimension: 10), seed: UInt64(seed),
          target: 1e-8, maxEvaluations: 2_000_000)
      }
      let solved = runs.filter { $0.best <= 1e-8 }.map(\.evaluations).sorted()
      print(
        "rastrigin 10-D, CMA-ES with \(restarts.rawValue.uppercased())".padding(toLength: 40, withPad: " ", startingAt: 0)
          + "\(solved.count)/\(seeds.count) reached 1e-8 within 2e6 evaluations"
          + (solved.isEmpty ? "" : ", median \(solved[solved.count / 2]) evaluations among them"))
    }
  }
}
