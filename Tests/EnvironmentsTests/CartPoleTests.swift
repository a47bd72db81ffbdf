import Environments
import Foundation
import RLCore
import Testing
import TestSupport

@Suite("CartPole-v1")
struct CartPoleTests {
  @Test("Gymnasium's hand-made golden values (environments.md §1)")
  func referenceValues() {
    var env = CartPole()
    var obs = [Float](repeating: 0, count: 4)
    obs.withUnsafeMutableBufferPointer {
      env.setState(x: 0.01, xDot: 0.01, theta: 0.01, thetaDot: 0.01, observation: $0)
    }
    for a in [1, 0, 1, 1, 0, 0, 1, 0, 1, 1] {
      _ = obs.withUnsafeMutableBufferPointer { env.step(Action(index: a), observation: $0) }
    }
    // The reference prints float32 values to 8 significant digits.
    expectClose(obs, [0.03929559, 0.4011216, -0.02850428, -0.59488165])

    obs.withUnsafeMutableBufferPointer {
      env.setState(x: 0, xDot: 0, theta: 0, thetaDot: 0, observation: $0)
    }
    var steps = 0
    var last = Step(reward: 0, terminated: false, truncated: false)
    while !last.terminated {
      last = obs.withUnsafeMutableBufferPointer { env.step(Action(index: 1), observation: $0) }
      steps += 1
    }
    #expect(steps == 9)
    expectClose(obs, [0.14065097, 1.7603811, -0.21518604, -2.7778864])
    #expect(last.reward == 1)
  }

  @Test("reset draws each state value uniformly from [-0.05, 0.05) and is seed-deterministic")
  func resetDistribution() {
    var env = CartPole()
    var a = [Float](repeating: 0, count: 4), b = a
    a.withUnsafeMutableBufferPointer { env.reset(seed: 42, observation: $0) }
    b.withUnsafeMutableBufferPointer { env.reset(seed: 42, observation: $0) }
    #expect(a == b)
    b.withUnsafeMutableBufferPointer { env.reset(seed: 43, observation: $0) }
    #expect(a != b)
    var values: [Float] = []
    for seed in 0..<500 {
      a.withUnsafeMutableBufferPointer { env.reset(seed: UInt64(seed), observation: $0) }
      values += a
    }
    #expect(values.allSatisfy { $0 >= -0.05 && $0 < 0.05 })
    let mean = values.reduce(0, +) / Float(values.count)
    #expect(abs(mean) < 0.005)
  }

  @Test("truncates at the time limit; a step after termination earns 0 (Sutton–Barto: -1 then 0)")
  func endOfEpisode() {
    var env = CartPole(config: .init(maxEpisodeSteps: 7))
    var obs = [Float](repeating: 0, count: 4)
    obs.withUnsafeMutableBufferPointer { env.reset(seed: 1, observation: $0) }
    var flags: [Bool] = []
    for i in 0..<7 {
      let step = obs.withUnsafeMutableBufferPointer { env.step(Action(index: i % 2), observation: $0) }
      flags.append(step.truncated)
      #expect(!step.terminated)
    }
    #expect(flags == [false, false, false, false, false, false, true])

    var sb = CartPole(config: .init(suttonBartoReward: true))
    obs.withUnsafeMutableBufferPointer {
      sb.setState(x: 0, xDot: 0, theta: 0, thetaDot: 0, observation: $0)
    }
    var rewards: [Double] = []
    for _ in 0..<10 {
      rewards.append(obs.withUnsafeMutableBufferPointer { sb.step(Action(index: 1), observation: $0) }.reward)
    }
    #expect(rewards == [0, 0, 0, 0, 0, 0, 0, 0, -1, 0])
  }

  @Test("the registry finds it by short name and by id; its spec matches Gymnasium")
  func registry() throws {
    let entry = try #require(EnvironmentRegistry.entry(named: "CartPole-v1"))
    #expect(entry.name == "cartpole")
    #expect(EnvironmentRegistry.entry(named: "cartpole")?.id == "CartPole-v1")
    #expect(EnvironmentRegistry.entry(named: "no-such-env") == nil)
    let spec = entry.make().spec
    #expect(spec.maxEpisodeSteps == 500)
    #expect(spec.rewardThreshold == 475)
    #expect(spec.actionSpace == .discrete(count: 2))
    #expect(spec.observationSpace.high == [4.8, .infinity, 0.41887903, .infinity])
  }
}

func expectClose(_ a: [Float], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(a.count == b.count, sourceLocation: sourceLocation)
  for (x, y) in zip(a, b) {
    #expect(abs(x - y) <= 1e-7 * max(1, abs(y)), "\(x) vs \(y)", sourceLocation: sourceLocation)
  }
}
