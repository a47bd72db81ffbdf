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
      """)

  @Argument(help: "A .policy file, or `random`.", completion: Completions.policies)
  var policy: String

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

  func validate() throws {
    guard episodes > 0 else { throw ValidationError("--episodes must be positive, got \(episodes)") }
    guard (1...240).contains(fps) else { throw ValidationError("--fps must be between 1 and 240, got \(fps)") }
    if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be positive, got \(maxSteps)") }
    if policy == "random" && env == nil {
      throw ValidationError("`rollout replay random` needs --env (see `rollout envs`)")
    }
  }

  func run() throws {
    let (environment, loaded) = try loadEnvironmentAndPolicy()
    let outputs = try makeOutputs(for: environment)
    try EnvironmentRegistry.open(
      environment,
      with: ReplayVisitor(
        policy: loaded, episodes: episodes, seed: seed, fps: fps, maxSteps: maxSteps ?? .max,
        mode: stochastic ? .sampled : .greedy, outputs: outputs))
    for output in outputs { try output.finish() }
    if let gif { print("wrote \(gif)") }
    if let png { print("wrote PNG frames to \(png)") }
  }

  private func loadEnvironmentAndPolicy() throws -> (any ConfigurableEnvironment, Policy?) {
    if policy == "random" {
      return (EnvironmentSetup.make(try EnvironmentSetup.entry(named: env!)), nil)
    }
    let (file, environment) = try PolicyFile.load(path: policy, expecting: env)
    return (environment, file.policy)
  }

  private func makeOutputs(for environment: any ConfigurableEnvironment) throws -> [FrameOutput] {
    let size = environment.renderSize
    var outputs: [FrameOutput] = []
    if let png {
      let directory = URL(fileURLWithPath: png)
      try createDirectory(directory)
      outputs.append(PNGOutput(directory: directory))
    }
    if let gif {
      outputs.append(try GIFOutput(path: gif, width: size.width, height: size.height, framesPerSecond: fps))
    }
    if outputs.isEmpty {
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

/// Plays episodes in the env's concrete type, rendering every state.
struct ReplayVisitor: EnvironmentVisitor {
  let policy: Policy?
  let episodes: Int
  let seed: UInt64
  let fps: Int
  let maxSteps: Int
  let mode: ActionMode
  let outputs: [FrameOutput]

  func visit<E: ConfigurableEnvironment>(_ environment: E) throws {
    var env = environment
    let size = env.renderSize
    var frame = Frame(width: size.width, height: size.height)
    let dimension = env.spec.observationSpace.count
    let network = policy?.network ?? MLP(inputs: dimension, hidden: [], outputs: 1)
    let scratch = EpisodeScratch(observationCount: dimension, network: network)
    if let policy {
      _ = scratch.parameters.update(fromContentsOf: policy.parameters)
      policy.normalizer.write(into: scratch.normalization)
    }
    let random = RandomActions(space: env.spec.actionSpace)
    let interactive = outputs.contains { $0.isInteractive }
    var framesPerSecond = Double(fps)
    var paused = false

    var episode = 0
    episodeLoop: while episode < episodes {
      let episodeSeed = SeedDerivation.seed(run: seed, purpose: .userEvaluation, episode: episode)
      var actionRNG = PhiloxStream(seed: SplitMix64.mix(episodeSeed ^ RandomPurpose.actionSampling.rawValue))
      var randomRNG = SplitMix64(seed: SplitMix64.mix(episodeSeed ^ RandomPurpose.actionSampling.rawValue))
      env.reset(seed: episodeSeed, observation: scratch.observation)
      var step = 0
      var total = 0.0
      var done = false
      while true {
        env.render(into: &frame)
        let title = "\(env.spec.id)  episode \(episode + 1)  step \(step)  return \(String(format: "%.1f", total))"
        let hud = "\(env.spec.id)  EP \(episode + 1)  STEP \(step)  RETURN \(String(format: "%.1f", total))"
        frame.drawText(hud, x: 8, y: 8, scale: hud.count * 12 + 16 <= frame.width ? 2 : 1, RGB(90, 90, 90))
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
        if done { break }
        let action: Action
        if let policy {
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
      episode += 1
    }
  }
}
