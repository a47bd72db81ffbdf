@testable import Environments
import Foundation
import RLCore
import Testing
import TestSupport

/// One episode of skilled play recorded in MinAtar 1.0.15 with sticky actions off
/// (Tests/EnvironmentsTests/Fixtures/README.md describes the format).
struct MinAtarTraceEpisode: Decodable {
  struct Step: Decodable {
    var t: Int
    var action: Int
    var reward: Double
    var terminal: Bool
    var obs: [String]
  }

  struct Initial: Decodable {
    var ballStartX: Int?
    var ballStartDir: Int?
  }

  var game: String
  var episodeIndex: Int
  var stickyActionProb: Double
  var difficultyRamping: Bool
  var epsilon: Double
  var channels: [String]
  var initial: Initial
  var initialObs: [String]
  var steps: [Step]
  var length: Int

  /// The file named by `ROLLOUT_MINATAR_TRACES` when set (same format), else the fixtures: the
  /// golden episodes and the further ones `scripts/minatar-reference.py traces` recorded.
  static var urls: [URL] {
    if let override = ProcessInfo.processInfo.environment["ROLLOUT_MINATAR_TRACES"], !override.isEmpty {
      return [URL(fileURLWithPath: override)]
    }
    return ["minatar_traces.jsonl", "minatar_traces_more.jsonl"].map {
      TestPaths.packageRoot.appendingPathComponent("Tests/EnvironmentsTests/Fixtures/\($0)")
    }
  }

  /// The episodes of one file, one JSON object a line.
  static func load(_ url: URL) throws -> [MinAtarTraceEpisode] {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.isEmpty }.map {
      try decoder.decode(MinAtarTraceEpisode.self, from: Data($0.utf8))
    }
  }

  /// Every episode in `urls`, with the file it came from.
  static func load() throws -> [(file: String, episode: MinAtarTraceEpisode)] {
    try urls.flatMap { url in try load(url).map { (url.lastPathComponent, $0) } }
  }

  /// A recorded observation (one 25-hex-digit string per channel, cell (0, 0) the most
  /// significant of 100 bits) as rollout's channels-last 0/1 floats.
  static func decode(_ channels: [String]) -> [Float] {
    var cells = [Float](repeating: 0, count: 100 * channels.count)
    for (c, hex) in channels.enumerated() {
      let digits = Array(hex.utf8)
      precondition(digits.count == 25, "a channel is 25 hex digits")
      for (d, digit) in digits.enumerated() {
        let value = Int(String(UnicodeScalar(digit)), radix: 16)!
        for bit in 0..<4 where value & (8 >> bit) != 0 {
          cells[(d * 4 + bit) * channels.count + c] = 1
        }
      }
    }
    return cells
  }
}

/// A cell-by-cell account of where two observations differ, for a failing step's message.
func describeDifference(_ got: [Float], _ want: [Float], channels: [String]) -> String {
  var lines: [String] = []
  for (c, name) in channels.enumerated() {
    var extra: [String] = [], missing: [String] = []
    for cell in 0..<100 where got[cell * channels.count + c] != want[cell * channels.count + c] {
      let at = "(x\(cell % 10),y\(cell / 10))"
      if got[cell * channels.count + c] > 0 { extra.append(at) } else { missing.append(at) }
    }
    if !extra.isEmpty || !missing.isEmpty {
      lines.append("\(name): rollout only \(extra), MinAtar only \(missing)")
    }
  }
  return lines.joined(separator: "; ")
}

@Suite("MinAtar frame-by-frame traces")
struct MinAtarTraceTests {
  /// Replays each recorded episode of one game from the recorded start and requires every
  /// observation, reward and terminal flag to match; returns the frames replayed.
  func replay<G: MinAtarGame>(_: G.Type, key: String, start: (inout G, MinAtarTraceEpisode) -> Void) throws -> Int {
    let episodes = try MinAtarTraceEpisode.load().filter { $0.episode.game == key }
    try #require(!episodes.isEmpty, "no \(key) episodes in \(MinAtarTraceEpisode.urls.map(\.path))")
    var frames = 0
    for (file, episode) in episodes {
      #expect(episode.channels == G.channels)
      var env = MinAtar<G>(
        config: .init(stickyActionProbability: episode.stickyActionProb, difficultyRamping: episode.difficultyRamping))
      var observation = [Float](repeating: 0, count: env.spec.observationSpace.count)
      observation.withUnsafeMutableBufferPointer { env.reset(seed: 0, observation: $0) }
      start(&env.game, episode)
      observation.withUnsafeMutableBufferPointer { env.write($0) }
      let label = "\(file): \(key) episode \(episode.episodeIndex) (ε \(episode.epsilon))"
      #expect(observation == MinAtarTraceEpisode.decode(episode.initialObs), "\(label): reset")
      for step in episode.steps {
        let result = observation.withUnsafeMutableBufferPointer { env.step(Action(index: step.action), observation: $0) }
        let want = MinAtarTraceEpisode.decode(step.obs)
        let at = "\(label) frame \(step.t) (action \(step.action))"
        #expect(result.reward == step.reward, "\(at): reward \(result.reward), MinAtar \(step.reward)")
        #expect(result.terminated == step.terminal, "\(at): terminal \(result.terminated), MinAtar \(step.terminal)")
        let same = observation == want
        #expect(same, "\(at): \(describeDifference(observation, want, channels: G.channels))")
        frames += 1
        // One report per episode: after a difference every later frame differs too.
        if !same || result.reward != step.reward || result.terminated != step.terminal { break }
      }
    }
    return frames
  }

  @Test("Space Invaders replays MinAtar's skilled-play episodes frame for frame (waves cleared, ramped speeds)")
  func spaceInvaders() throws {
    let frames = try replay(SpaceInvaders.self, key: "space_invaders") { _, _ in }
    #expect(frames >= 1_000)
  }

  @Test("Breakout replays MinAtar's skilled-play episodes frame for frame (from the recorded ball start)")
  func breakout() throws {
    let frames = try replay(Breakout.self, key: "breakout") { game, episode in
      let x = episode.initial.ballStartX ?? 0
      game.ballX = x
      game.lastX = x
      game.direction = episode.initial.ballStartDir ?? (x == 0 ? 2 : 3)
    }
    #expect(frames > 0)
  }

  @Test("a recorded observation decodes cell (0, 0) from the first hex digit's top bit, channels last")
  func decoding() {
    let cells = MinAtarTraceEpisode.decode(["8000000000000000000000001", "0000000000000000000000000"])
    #expect(cells[0] == 1 && cells[1] == 0)
    #expect(cells[99 * 2] == 1)
    #expect(cells.reduce(0, +) == 2)
  }
}
