import Foundation

/// Skilled-play statistics recorded in MinAtar 1.0.15 by `scripts/minatar-reference.py skilled`
/// (sticky actions 0.1, ramping on; Tests/EnvironmentsTests/Fixtures/README.md): one run per
/// player — a scripted controller or a shipped policy — and game.
public struct MinAtarSkilledPlay: Decodable, Sendable {
  public struct Run: Decodable, Sendable, CustomStringConvertible {
    public var game: String
    /// `controller`, or the shipped policy's path (`policies/….policy`).
    public var player: String
    public var seed: Int
    public var episodes: Int
    public var returns: [Double]
    public var lengths: [Double]
    /// The checksum of the policy file that played (policies only).
    public var checksum: String?
    public var description: String { "\(game), \(player)" }
  }

  public var frameCap: Int
  public var runs: [Run]

  public static let shared: MinAtarSkilledPlay = {
    let url = TestPaths.packageRoot.appendingPathComponent("Tests/EnvironmentsTests/Fixtures/minatar_skilled.json")
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try! decoder.decode(MinAtarSkilledPlay.self, from: Data(contentsOf: url))
  }()

  public static var controllerRuns: [Run] { shared.runs.filter { $0.player == "controller" } }
  public static var policyRuns: [Run] { shared.runs.filter { $0.player.hasPrefix("policies/") } }
}
