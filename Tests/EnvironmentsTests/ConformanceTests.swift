import Environments
import Foundation
import Evaluation
import RLCore
import Testing

/// Adapts the checker to a registry entry (the env is opened as its concrete type).
struct CheckVisitor: EnvironmentVisitor {
  let episodes: Int
  func visit<E: ConfigurableEnvironment>(_ environment: E) -> [String] {
    EnvironmentChecker.check(environment, episodes: episodes)
  }
}

/// Steps an env with a fixed action pattern, saves it as JSON mid-episode, and steps the saved
/// copy and the original on: a copy that loses any part of the state (a timer, a random stream,
/// a sticky action) drifts from the original.
struct RoundTripVisitor: EnvironmentVisitor {
  func visit<E: ConfigurableEnvironment>(_ environment: E) throws -> [String] {
    var env = environment
    let d = env.spec.observationSpace.count
    var observation = [Float](repeating: 0, count: d)
    func action(_ t: Int) -> Action {
      switch env.spec.actionSpace {
      case .discrete(let count): Action(index: (t * 7 + t / 3) % count)
      case .box: Action(values: SIMD8(repeating: Float((t * 13) % 10) / 10 - 0.3))
      }
    }
    observation.withUnsafeMutableBufferPointer { env.reset(seed: 11, observation: $0) }
    for t in 0..<37 { _ = observation.withUnsafeMutableBufferPointer { env.step(action(t), observation: $0) } }
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    var copy = try decoder.decode(E.self, from: encoder.encode(env))
    var other = observation
    var problems: [String] = []
    for t in 37..<3000 {
      let a = observation.withUnsafeMutableBufferPointer { env.step(action(t), observation: $0) }
      let b = other.withUnsafeMutableBufferPointer { copy.step(action(t), observation: $0) }
      if a != b || observation != other {
        problems.append("\(env.spec.id): the restored copy differs at step \(t)")
        break
      }
      if a.isDone {
        observation.withUnsafeMutableBufferPointer { env.reset(seed: nil, observation: $0) }
        other.withUnsafeMutableBufferPointer { copy.reset(seed: nil, observation: $0) }
      }
    }
    return problems
  }
}

@Suite("Environment conformance")
struct ConformanceTests {
  @Test("every registered env saved as JSON mid-episode carries on as the original", arguments: EnvironmentRegistry.names)
  func codableState(name: String) throws {
    let entry = try #require(EnvironmentRegistry.entry(named: name))
    let problems = try EnvironmentRegistry.open(entry.make(), with: RoundTripVisitor())
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  @Test("every registered env passes the checker", arguments: EnvironmentRegistry.names)
  func registeredEnvironments(name: String) throws {
    let entry = try #require(EnvironmentRegistry.entry(named: name))
    let problems = try EnvironmentRegistry.open(entry.make(), with: CheckVisitor(episodes: 10))
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
  }

  @Test("a short time limit is honoured exactly by every env", arguments: EnvironmentRegistry.names)
  func shortTimeLimits(name: String) throws {
    let limited: any ConfigurableEnvironment
    switch name {
    case "cartpole": limited = CartPole(config: .init(maxEpisodeSteps: 3))
    case "acrobot": limited = Acrobot(config: .init(maxEpisodeSteps: 3))
    case "mountaincar": limited = MountainCar(config: .init(maxEpisodeSteps: 3))
    case "mountaincar-continuous": limited = MountainCarContinuous(config: .init(maxEpisodeSteps: 3))
    case "pendulum": limited = Pendulum(config: .init(maxEpisodeSteps: 3))
    case "medium-maze": limited = Maze(config: .init(layout: BuiltinMazes.medium, maxEpisodeSteps: 3))
    case "hard-maze": limited = Maze(config: .init(layout: BuiltinMazes.hard, reward: .dense, maxEpisodeSteps: 3))
    case "breakout": limited = MinAtar<Breakout>(config: .init(maxEpisodeSteps: 3))
    case "freeway": limited = MinAtar<Freeway>(config: .init(maxEpisodeSteps: 3))
    case "asterix": limited = MinAtar<Asterix>(config: .init(maxEpisodeSteps: 3))
    case "space-invaders": limited = MinAtar<SpaceInvaders>(config: .init(maxEpisodeSteps: 3))
    case "seaquest": limited = MinAtar<Seaquest>(config: .init(maxEpisodeSteps: 3))
    default:
      Issue.record("add \(name) to this test")
      return
    }
    #expect(limited.spec.maxEpisodeSteps == 3)
    #expect(try EnvironmentRegistry.open(limited, with: CheckVisitor(episodes: 5)).isEmpty)
  }

  /// An env that breaks the contract on purpose, to show the checker can fail.
  struct BrokenEnvironment: Environment {
    var spec = EnvSpec(
      id: "Broken-v0", name: "broken", observationSpace: BoxSpace(low: [-1], high: [1]),
      actionSpace: .discrete(count: 2), maxEpisodeSteps: 10, rewardThreshold: nil)
    var t = 0
    var leaveSpace = false
    var forgetTruncation = false
    mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
      t = 0
      observation[0] = Float((seed ?? 0) % 7) / 10
    }
    mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
      t += 1
      observation[0] = leaveSpace && t == 4 ? 2 : 0
      return Step(reward: 1, terminated: false, truncated: forgetTruncation ? false : t >= 10)
    }
  }

  @Test("the checker reports broken envs")
  func detectsProblems() {
    var outside = BrokenEnvironment()
    outside.leaveSpace = true
    #expect(EnvironmentChecker.check(outside).contains { $0.contains("outside") })
    var endless = BrokenEnvironment()
    endless.forgetTruncation = true
    #expect(EnvironmentChecker.check(endless).contains { $0.contains("truncated is false") })
    #expect(EnvironmentChecker.check(BrokenEnvironment()).isEmpty)
  }
}
