import ArgumentParser
import Dispatch
import Environments
import Evaluation
import Training
import Foundation
import Networks
import RLCore
import Rendering

struct Replay: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Watch a policy (or random actions) in its env: a window, a GIF or PNG frames.",
    discussion: """
      In the window: space pauses, → steps one frame while paused, + / − change the speed, r restarts \
      the episode, q or Esc quits. --gif FILE and --png DIR record instead and need no display. \
      The window needs the SDL trait (see the README's "Traits"); --gif and --png work in every build.

      Several policies (up to 8, for one env) play side by side on the same episode seeds, one \
      labelled tile each, with shared controls, in the window, the GIF and the PNG frames. On a maze, \
      --overlay FILE.png draws every policy's first-episode trail on one picture of the maze, in \
      distinct colours with a legend.
      """)

  @Argument(help: "One or more .policy files (or `random`), for one env.", completion: Completions.policies)
  var policies: [String] = []

  @Option(
    help: "The environment (required for `random`; for a policy, must match its env).",
    completion: Completions.environments)
  var env: String?

  @Option(parsing: .unconditional, help: "Episodes to play.")
  var episodes: Int = 1

  @Option(parsing: .unconditional, help: "Seed of the first episode's start (episode e uses the derived seed).")
  var seed: UInt64 = 0

  @Option(parsing: .unconditional, help: "Frames per second.")
  var fps: Int = 50

  @Flag(help: "Sample actions from the policy's distribution instead of taking the most likely one.")
  var stochastic = false

  @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "End each episode after this many steps (default: the env's own end).")
  var maxSteps: Int?

  @Option(help: "Record an animated GIF here instead of opening a window.")
  var gif: String?

  @Option(help: "Write one PNG per frame into this directory instead of opening a window.")
  var png: String?

  @Option(help: "Mazes: write every policy's trail on one maze picture (PNG) instead of opening a window.")
  var overlay: String?

  func validate() throws {
    guard !policies.isEmpty else { throw ValidationError("name a .policy file (or several), or `random`") }
    guard policies.count <= Replay.colors.count else {
      throw ValidationError("at most \(Replay.colors.count) policies side by side, got \(policies.count)")
    }
    guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
    guard (1...240).contains(fps) else { throw ValidationError("--fps must be between 1 and 240, got \(fps)") }
    if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be positive, got \(maxSteps)") }
    if policies.allSatisfy({ $0 == "random" }) && env == nil {
      throw ValidationError("`rollout replay random` needs --env (see `rollout envs`)")
    }
  }

  /// The players' colours: Okabe & Ito's palette, as the comparison reports use.
  static let colors = [
    RGB(0, 114, 178), RGB(213, 94, 0), RGB(0, 158, 115), RGB(204, 121, 167), RGB(230, 159, 0), RGB(86, 180, 233),
    RGB(0, 0, 0), RGB(240, 228, 66),
  ]

  func run() throws {
    let (environment, players) = try loadPlayers()
    if overlay != nil, !(environment is Maze) {
      throw RolloutError("--overlay draws trails on a maze; \(environment.spec.id) is not one (record it with --gif or --png)")
    }
    let layout = TileLayout(count: players.count, tile: environment.renderSize)
    let outputs = try makeOutputs(size: (layout.width, layout.height))
    let trails = try EnvironmentRegistry.open(
      environment,
      with: ReplayVisitor(
        players: players, layout: layout, episodes: episodes, seed: seed, fps: fps, maxSteps: maxSteps ?? .max,
        mode: stochastic ? .sampled : .greedy, outputs: outputs))
    for output in outputs { try output.finish() }
    if let gif { print("wrote \(gif)") }
    if let png { print("wrote PNG frames to \(png)") }
    if let overlay, let maze = environment as? Maze {
      let picture = maze.overlay(trails: zip(players, trails).enumerated().map { k, pair in
        (pair.0.label, pair.1, Replay.colors[k])
      })
      try AtomicFile.write(Data(try PNG.encode(picture)), to: URL(fileURLWithPath: overlay))
      print("wrote \(overlay)")
    }
  }

  /// The env and the players: each policy (or `random`) with its label, the file's name. Every
  /// policy must be for the same env, settings included.
  private func loadPlayers() throws -> (any ConfigurableEnvironment, [ReplayPlayer]) {
    var environment: (any ConfigurableEnvironment)?
    var first = ""
    var players: [ReplayPlayer] = []
    for path in policies {
      var policy: Policy?
      if path != "random" {
        let (file, loaded) = try PolicyFile.load(path: path, expecting: env)
        policy = file.policy
        if let environment {
          guard loaded.spec.id == environment.spec.id,
            try EnvironmentSetup.config(of: loaded) == EnvironmentSetup.config(of: environment)
          else {
            throw RolloutError(
              "\(path) is for \(loaded.spec.id)\(loaded.spec.id == environment.spec.id ? " with other settings" : "") and \(first) "
                + "for \(environment.spec.id); policies side by side must share one env")
          }
        } else {
          environment = loaded
          first = path
        }
      }
      let stem = path == "random" ? "random" : URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
      let repeats = players.filter { $0.label == stem || $0.label.hasPrefix(stem + " #") }.count
      players.append(ReplayPlayer(label: repeats == 0 ? stem : "\(stem) #\(repeats + 1)", policy: policy))
    }
    let resolved = try environment ?? EnvironmentSetup.make(EnvironmentSetup.entry(named: env!))
    return (resolved, players)
  }

  private func makeOutputs(size: (width: Int, height: Int)) throws -> [FrameOutput] {
    var outputs: [FrameOutput] = []
    if let png {
      let directory = URL(fileURLWithPath: png)
      try createDirectory(directory)
      outputs.append(PNGOutput(directory: directory))
    }
    if let gif {
      outputs.append(try GIFOutput(path: gif, width: size.width, height: size.height, framesPerSecond: fps))
    }
    if outputs.isEmpty && overlay == nil {
      #if SDL
        outputs.append(WindowOutput(viewer: try Viewer(title: "rollout", width: size.width, height: size.height)))
      #else
        throw RolloutError(
          "this rollout was built without the SDL trait: install libsdl2-dev and build with "
            + "`swift build -c release --traits SDL` for a window, or record with --gif FILE or --png DIR")
      #endif
    }
    return outputs
  }
}

/// Somewhere frames go. `show` returns what the user asked for (only a window asks anything).
protocol FrameOutput: AnyObject {
  func show(_ frame: Frame, title: String) throws -> [ReplayCommand]
  func finish() throws
  /// Whether frames should be paced to the wall clock.
  var isInteractive: Bool { get }
}

enum ReplayCommand {
  case quit, togglePause, stepOnce, faster, slower, restart
}

final class PNGOutput: FrameOutput {
  let directory: URL
  var index = 0
  init(directory: URL) { self.directory = directory }
  var isInteractive: Bool { false }

  func show(_ frame: Frame, title: String) throws -> [ReplayCommand] {
    index += 1
    let url = directory.appendingPathComponent(String(format: "frame-%06d.png", index))
    try AtomicFile.write(Data(try PNG.encode(frame)), to: url)
    return []
  }

  func finish() throws {}
}

  /// Records into a temporary file next to the target and renames it when done, so an
  /// interrupted replay never leaves half a GIF under the user's name.
  final class GIFOutput: FrameOutput {
    let writer: GIFWriter
    let path: String
    let temporary: String
    init(path: String, width: Int, height: Int, framesPerSecond: Int) throws {
      let url = URL(fileURLWithPath: path)
      self.path = path
      temporary = url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
      do {
        writer = try GIFWriter(path: temporary, width: width, height: height, framesPerSecond: framesPerSecond)
      } catch {
        throw RolloutError("cannot write \(path): \(error)")
      }
    }
    var isInteractive: Bool { false }
    func show(_ frame: Frame, title: String) throws -> [ReplayCommand] {
      try writer.append(frame)
      return []
    }
    func finish() throws {
      try writer.close()
      chmod(temporary, 0o644)
      guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw RolloutError("cannot write \(path): \(String(cString: strerror(errno)))")
      }
    }
    deinit {
      unlink(temporary)
    }
  }

#if SDL
  final class WindowOutput: FrameOutput {
    let viewer: Viewer
    init(viewer: Viewer) { self.viewer = viewer }
    var isInteractive: Bool { true }
    func show(_ frame: Frame, title: String) throws -> [ReplayCommand] {
      viewer.setTitle(title)
      viewer.show(frame)
      return viewer.poll().map {
        switch $0 {
        case .quit: .quit
        case .togglePause: .togglePause
        case .stepOnce: .stepOnce
        case .faster: .faster
        case .slower: .slower
        case .restart: .restart
        }
      }
    }
    func finish() throws {}
  }
#endif

/// One policy in a replay (nil: random actions) and the label its tile shows.
struct ReplayPlayer {
  let label: String
  let policy: Policy?
}

/// Where each player's tile goes: side by side, up to three a row, 8 pixels apart.
struct TileLayout {
  let count: Int
  let tile: (width: Int, height: Int)
  static let gap = 8

  var columns: Int { min(count, 3) }
  var rows: Int { (count + columns - 1) / columns }
  var width: Int { columns * tile.width + (columns - 1) * TileLayout.gap }
  var height: Int { rows * tile.height + (rows - 1) * TileLayout.gap }

  func origin(_ k: Int) -> (x: Int, y: Int) {
    ((k % columns) * (tile.width + TileLayout.gap), (k / columns) * (tile.height + TileLayout.gap))
  }
}

/// Plays episodes in the env's concrete type, every player on the same episode seeds, rendering
/// every state; returns each player's first-episode trail on a maze (empty elsewhere).
struct ReplayVisitor: EnvironmentVisitor {
  let players: [ReplayPlayer]
  let layout: TileLayout
  let episodes: Int
  let seed: UInt64
  let fps: Int
  let maxSteps: Int
  let mode: ActionMode
  let outputs: [FrameOutput]

  /// One player's env and episode.
  struct Agent<E: ConfigurableEnvironment> {
    var env: E
    let player: ReplayPlayer
    let network: Network
    let scratch: EpisodeScratch
    let random: RandomActions
    var actionRNG = PhiloxStream(seed: 0)
    var randomRNG = SplitMix64(seed: 0)
    var step = 0
    var total = 0.0
    var done = false

    init(_ env: E, _ player: ReplayPlayer) {
      self.env = env
      self.player = player
      let dimension = env.spec.observationSpace.count
      network = player.policy?.network ?? Network(inputs: dimension, hidden: [], outputs: 1)
      scratch = EpisodeScratch(observationCount: dimension, network: network)
      if let policy = player.policy {
        _ = scratch.parameters.update(fromContentsOf: policy.parameters)
        policy.normalizer.write(into: scratch.normalization)
      }
      random = RandomActions(space: env.spec.actionSpace)
    }

    mutating func reset(seed episodeSeed: UInt64) {
      actionRNG = PhiloxStream(seed: SplitMix64.mix(episodeSeed ^ RandomPurpose.actionSampling.rawValue))
      randomRNG = SplitMix64(seed: SplitMix64.mix(episodeSeed ^ RandomPurpose.actionSampling.rawValue))
      env.reset(seed: episodeSeed, observation: scratch.observation)
      step = 0
      total = 0
      done = false
    }

    mutating func advance(mode: ActionMode, maxSteps: Int) {
      let action: Action
      if let policy = player.policy {
        action = scratch.policyAction(
          network: network, head: policy.head, mode: mode, clip: policy.normalizer.clip, rng: &actionRNG)
      } else {
        action = random.next(&randomRNG)
      }
      let result = env.step(action, observation: scratch.observation)
      total += result.reward
      step += 1
      done = result.isDone || step >= maxSteps
    }
  }

  func visit<E: ConfigurableEnvironment>(_ environment: E) throws -> [[SIMD2<Double>]] {
    var agents = players.map { Agent(environment, $0) }
    var frame = Frame(width: layout.width, height: layout.height, background: RGB(200, 200, 200))
    var tile = Frame(width: layout.tile.width, height: layout.tile.height)
    let interactive = outputs.contains { $0.isInteractive }
    var framesPerSecond = Double(fps)
    var paused = false
    var trails = [[SIMD2<Double>]](repeating: [], count: agents.count)

    var episode = 0
    episodeLoop: while episode < episodes {
      let episodeSeed = SeedDerivation.seed(run: seed, purpose: .userEvaluation, episode: episode)
      for k in agents.indices { agents[k].reset(seed: episodeSeed) }
      /// Steps every player whose episode is still running; false once every episode has ended.
      func stepUnfinished() -> Bool {
        if agents.allSatisfy(\.done) { return false }
        for k in agents.indices where !agents[k].done { agents[k].advance(mode: mode, maxSteps: maxSteps) }
        return true
      }
      // With nothing to show (--overlay alone), the episodes run without drawing.
      while outputs.isEmpty, stepUnfinished() {}
      while !outputs.isEmpty {
        for (k, agent) in agents.enumerated() {
          agent.env.render(into: &tile)
          let returnText = String(format: "%.1f", agent.total)
          let hud =
            agents.count == 1
            ? "\(agent.env.spec.id)  EP \(episode + 1)  STEP \(agent.step)  RETURN \(returnText)"
            : "\(agent.player.label)  STEP \(agent.step)  RETURN \(returnText)\(agent.done ? "  DONE" : "")"
          let scale = hud.count * 12 + 16 <= tile.width ? 2 : 1
          if agents.count > 1 { tile.fillRect(x: 0, y: 0, width: tile.width, height: 4, Replay.colors[k]) }
          tile.drawText(hud, x: 8, y: 8, scale: scale, RGB(90, 90, 90))
          let origin = layout.origin(k)
          frame.draw(tile, x: origin.x, y: origin.y)
        }
        let title =
          "\(environment.spec.id)  episode \(episode + 1)  "
          + agents.map { "\(agents.count > 1 ? $0.player.label + " " : "")step \($0.step) return \(String(format: "%.1f", $0.total))" }
          .joined(separator: " | ")
        var restart = false
        var advanceOnce = false
        repeat {
          let started = DispatchTime.now().uptimeNanoseconds
          for output in outputs {
            for command in try output.show(frame, title: title) {
              switch command {
              case .quit: break episodeLoop
              case .togglePause: paused.toggle()
              case .stepOnce: advanceOnce = paused
              case .faster: framesPerSecond = min(framesPerSecond * 1.5, 480)
              case .slower: framesPerSecond = max(framesPerSecond / 1.5, 1)
              case .restart: restart = true
              }
            }
          }
          if interactive {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let wait = 1 / framesPerSecond - elapsed
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
          }
        } while interactive && paused && !restart && !advanceOnce
        if restart { continue episodeLoop }
        if !stepUnfinished() { break }
      }
      if episode == 0 {
        trails = agents.map { ($0.env as? Maze)?.trail ?? [] }
      }
      episode += 1
    }
    return trails
  }
}
