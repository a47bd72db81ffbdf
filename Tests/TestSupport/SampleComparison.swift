/// The sample mean and its standard error (population standard deviation / √n).
public func meanAndError(_ x: [Double]) -> (mean: Double, error: Double) {
  let mean = x.reduce(0, +) / Double(x.count)
  let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
  return (mean, (variance / Double(x.count)).squareRoot())
}

/// The two-sample Kolmogorov–Smirnov statistic.
public func ksStatistic(_ a: [Double], _ b: [Double]) -> Double {
  let a = a.sorted(), b = b.sorted()
  var i = 0, j = 0, d = 0.0
  while i < a.count && j < b.count {
    let v = min(a[i], b[j])
    while i < a.count && a[i] <= v { i += 1 }
    while j < b.count && b[j] <= v { j += 1 }
    d = max(d, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
  }
  return d
}

/// Why two samples of one quantity look different, or nil when they agree: means within 3
/// combined standard errors and, with `ks`, a two-sample Kolmogorov–Smirnov test that does not
/// reject at the 1 % level (critical value 1.628·√((n + m)/(n·m))).
public func distributionMismatch(_ ours: [Double], _ reference: [Double], _ what: String, ks: Bool = true) -> String? {
  let a = meanAndError(ours), b = meanAndError(reference)
  let bound = 3 * (a.error * a.error + b.error * b.error).squareRoot()
  if abs(a.mean - b.mean) > max(bound, 1e-9) {
    return "\(what): rollout \(a.mean) ± \(a.error), MinAtar \(b.mean) ± \(b.error) (3 SE = \(bound))"
  }
  if ks {
    let n = Double(ours.count), m = Double(reference.count)
    let d = ksStatistic(ours, reference), critical = 1.628 * ((n + m) / (n * m)).squareRoot()
    if d > critical { return "\(what): KS statistic \(d) above the 1 % critical value \(critical)" }
  }
  return nil
}
