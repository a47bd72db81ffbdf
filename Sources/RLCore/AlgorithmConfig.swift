/// An algorithm's typed settings, which say themselves what is wrong with them: the command line
/// and config files report `problem` as a one-line error before anything runs.
public protocol AlgorithmConfig: Sendable, Codable, Equatable {
  /// The documented defaults (what a config file's missing keys take).
  static var defaults: Self { get }
  /// Settings with every optional key set, so that encoding it names every key a config file may
  /// hold (an optional left nil is not encoded at all); only its keys are read.
  static var everyKey: Self { get }
  /// What makes these settings unusable (e.g. "population_size must be even and at least 2"), or
  /// nil when they are fine.
  var problem: String? { get }
}

extension AlgorithmConfig {
  public static var everyKey: Self { defaults }
}
