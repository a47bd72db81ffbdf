import Foundation

/// One episode recorded from Gymnasium (see Tests/EnvironmentsTests/Fixtures/README.md).
public struct GoldenEpisode: Decodable, Sendable {
  public enum Action: Decodable, Sendable {
    case discrete(Int)
    case continuous([Double])

    public init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let index = try? container.decode(Int.self) {
        self = .discrete(index)
      } else {
        self = .continuous(try container.decode([Double].self))
      }
    }
  }

  public struct Step: Decodable, Sendable {
    public let t: Int
    public let action: Action
    public let obs: [Double]
    public let reward: Double
    public let terminated: Bool
    public let truncated: Bool
    public let state: [Double]
  }

  public let envId: String
  public let episodeIndex: Int
  public let maxEpisodeSteps: Int
  public let initialState: [Double]
  public let initialObs: [Double]
  public let steps: [Step]
  public let ended: String
}

/// Loads the golden traces: the file named by `ROLLOUT_GOLDEN_TRACES` when set (same format), else
/// the copy in the test fixtures.
public enum GoldenTraces {
  public static var url: URL {
    if let override = ProcessInfo.processInfo.environment["ROLLOUT_GOLDEN_TRACES"], !override.isEmpty {
      return URL(fileURLWithPath: override)
    }
    return TestPaths.packageRoot.appendingPathComponent(
      "Tests/EnvironmentsTests/Fixtures/classic_control.jsonl")
  }

  public static func load() throws -> [GoldenEpisode] {
    let text = try String(contentsOf: url, encoding: .utf8)
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try text.split(separator: "\n").filter { !$0.isEmpty }.map { line in
      try decoder.decode(GoldenEpisode.self, from: Data(line.utf8))
    }
  }

  /// The recorded episodes of one env id.
  public static func episodes(of envId: String) throws -> [GoldenEpisode] {
    try load().filter { $0.envId == envId }
  }
}
