/// Centred-rank fitness shaping (Salimans et al. 2017, §2.1): each value is replaced by its rank
/// scaled to [−0.5, 0.5], `u = rank / (n − 1) − 0.5`.
///
/// Ties share the mean of their ranks (SciPy's `rankdata(method="average")`). The reference code's
/// `argsort` breaks ties arbitrarily, which on CartPole — where many members score exactly 500 —
/// would turn equal returns into gradient noise and make the result depend on the sort algorithm.
/// NaN ranks lowest. Cost: one sort, O(n log n).
public func centeredRanks(_ values: [Double]) -> [Double] {
  let n = values.count
  guard n > 1 else { return [Double](repeating: 0, count: n) }
  let key = values.map { $0.isNaN ? -Double.infinity : $0 }
  let order = (0..<n).sorted { key[$0] < key[$1] || (key[$0] == key[$1] && $0 < $1) }
  var ranks = [Double](repeating: 0, count: n)
  var start = 0
  while start < n {
    var end = start + 1
    while end < n && key[order[end]] == key[order[start]] { end += 1 }
    let shared = Double(start + end - 1) / 2
    for k in start..<end { ranks[order[k]] = shared }
    start = end
  }
  return ranks.map { $0 / Double(n - 1) - 0.5 }
}
