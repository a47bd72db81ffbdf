/// Running sums of observations, for normalisation (OpenAI-ES's `RunningStat`).
///
/// It starts at sum 0, sum of squares 1e-2 and count 1e-2, so an unseen dimension has mean 0 and
/// std 1; the std is floored at 0.1 (`sqrt(max(E[o²] − mean², 1e-2))`). Sums are Doubles and are
/// merged in a fixed order by the caller, which keeps them independent of the thread count.
public struct RunningStatistics: Sendable, Equatable, Codable {
  public private(set) var sum: [Double]
  public private(set) var sumOfSquares: [Double]
  public private(set) var count: Double

  public init(dimension: Int) {
    sum = [Double](repeating: 0, count: dimension)
    sumOfSquares = [Double](repeating: 1e-2, count: dimension)
    count = 1e-2
  }

  public var dimension: Int { sum.count }

  /// Adds the sums collected elsewhere (e.g. by one worker over one rollout).
  public mutating func add(sum s: [Double], sumOfSquares s2: [Double], count n: Double) {
    precondition(s.count == dimension && s2.count == dimension, "statistics dimension mismatch")
    for i in 0..<dimension {
      sum[i] += s[i]
      sumOfSquares[i] += s2[i]
    }
    count += n
  }

  public var mean: [Double] { sum.map { $0 / count } }

  public var standardDeviation: [Double] {
    (0..<dimension).map { i in
      let m = sum[i] / count
      return max(sumOfSquares[i] / count - m * m, 1e-2).squareRoot()
    }
  }
}
