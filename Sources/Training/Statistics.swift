/// Mean, standard deviation (population, ddof 0), minimum and maximum of a sample.
public struct SummaryStatistics: Sendable, Equatable, Codable {
  public var mean: Double
  public var std: Double
  public var min: Double
  public var max: Double

  public init(_ values: [Double]) {
    precondition(!values.isEmpty, "statistics of an empty sample")
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    self.mean = mean
    std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
    min = values.min()!
    max = values.max()!
  }
}

/// The result of evaluating a policy over several episodes (also `rollout eval --json`).
public struct EvaluationSummary: Sendable, Equatable, Codable {
  public var env: String
  public var episodes: Int
  public var seed: UInt64
  public var `return`: SummaryStatistics
  public var length: SummaryStatistics
  /// The env's reward threshold (mean return that counts as solved), where it has one.
  public var threshold: Double?
  /// Whether the mean return reaches the threshold.
  public var solved: Bool?
  /// The mean behaviour descriptor at the end of the episodes (the final (x, y) in a maze; the
  /// final observation elsewhere). Left out when it has more than 16 values (a MinAtar grid):
  /// nobody reads 400 averaged cells in a summary.
  public var finalBehavior: [Float]?
  /// Every episode's return and length, in episode order, when asked for (`eval --per-episode`).
  public var episodeReturns: [Double]?
  public var episodeLengths: [Int]?

  public init(
    env: String, seed: UInt64, returns: [Double], lengths: [Int], threshold: Double?,
    finalBehavior: [Float]? = nil, listingEpisodes: Bool = false
  ) {
    if listingEpisodes {
      episodeReturns = returns
      episodeLengths = lengths
    }
    self.finalBehavior = (finalBehavior?.count ?? 0) <= 16 ? finalBehavior : nil
    self.env = env
    episodes = returns.count
    self.seed = seed
    self.return = SummaryStatistics(returns)
    length = SummaryStatistics(lengths.map(Double.init))
    self.threshold = threshold
    solved = threshold.map { self.return.mean >= $0 }
  }

  private enum CodingKeys: String, CodingKey {
    case env, episodes, seed, `return`, length, threshold, solved, finalBehavior, episodeReturns, episodeLengths
  }

  /// Every key but the optional listings is always written: an env without a threshold (Pendulum,
  /// MinAtar) gets `"threshold": null, "solved": null`, so readers see one shape.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(env, forKey: .env)
    try container.encode(episodes, forKey: .episodes)
    try container.encode(seed, forKey: .seed)
    try container.encode(self.return, forKey: .return)
    try container.encode(length, forKey: .length)
    try container.encode(threshold, forKey: .threshold)
    try container.encode(solved, forKey: .solved)
    try container.encodeIfPresent(finalBehavior, forKey: .finalBehavior)
    try container.encodeIfPresent(episodeReturns, forKey: .episodeReturns)
    try container.encodeIfPresent(episodeLengths, forKey: .episodeLengths)
  }
}
