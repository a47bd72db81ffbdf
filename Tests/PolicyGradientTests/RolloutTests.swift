import Environments
import Networks
import PolicyGradient
import RLCore
import Testing

/// Observation (t, 1); reward 1 per step; episodes end after `length` steps, by truncation or by
/// termination.
struct TimerEnvironment: Environment {
  var length: Int
  var terminates: Bool
  var t = 0
  var spec: EnvSpec {
    EnvSpec(
      id: "Timer-v0", name: "timer", observationSpace: BoxSpace(low: [0, 0], high: [100, 1]),
      actionSpace: .discrete(count: 2), maxEpisodeSteps: length, rewardThreshold: nil)
  }
  mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    t = 0
    observation[0] = 0
    observation[1] = 1
  }
  mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    t += 1
    observation[0] = Float(t)
    observation[1] = 1
    let end = t >= length
    return Step(reward: 1, terminated: end && terminates, truncated: end && !terminates)
  }
}

@Suite("Rollout collection")
struct RolloutTests {
  func collect(terminates: Bool, threads: Int = 1) -> (RolloutBuffer, [Float], ActorCritic) {
    let env = TimerEnvironment(length: 3, terminates: terminates)
    let model = ActorCritic(observationCount: 2, actionSpace: .discrete(count: 2), hidden: [4], activation: .tanh)
    var parameters = model.initialParameters(seed: 1)
    // A critic that is far from zero, so a missing bootstrap would show.
    for i in model.criticOffset..<model.logStdOffset { parameters[i] += 0.3 }
    let collector = RolloutCollector(environment: env, model: model, envs: 2, threads: threads, gamma: 0.9, seed: 4)
    let buffer = RolloutBuffer(envs: 2, steps: 7, observationCount: 2, actionWidth: 1)
    _ = collector.collect(parameters: parameters, normalizer: .identity(dimension: 2), into: buffer, collectStatistics: false)
    return (buffer, parameters, model)
  }

  func value(_ model: ActorCritic, _ parameters: [Float], _ observation: [Float]) -> Double {
    var workspace = [Float](repeating: 0, count: model.critic.workspaceCount)
    return parameters.withUnsafeBufferPointer { p in
      Double(model.critic.forward(parameters: p.baseAddress! + model.criticOffset, input: observation, workspace: &workspace)[0])
    }
  }

  @Test("a truncated step is bootstrapped with γ·V(final observation); a terminated one is not")
  func truncation() {
    let (truncated, parameters, model) = collect(terminates: false)
    let bootstrap = 0.9 * value(model, parameters, [3, 1])
    for e in 0..<2 {
      for t in 0..<7 {
        let s = e * 7 + t
        let ends = (t + 1) % 3 == 0
        #expect(truncated.dones[s] == ends)
        #expect(abs(truncated.rewards[s] - (ends ? 1 + bootstrap : 1)) < 1e-12, "step \(t)")
        #expect(truncated.observations[s * 2] == Float(t % 3), "auto-reset restarts the timer")
      }
      // The rollout's last observation is t = 1 of the third episode.
      #expect(abs(truncated.lastValues[e] - value(model, parameters, [1, 1])) < 1e-12)
    }
    let (terminated, _, _) = collect(terminates: true)
    #expect(terminated.rewards.allSatisfy { $0 == 1 })
    #expect(terminated.dones == truncated.dones)
  }

  @Test("rollouts are identical for 1 and 2 threads, and each env has its own action stream")
  func threadIndependence() {
    let env = CartPole()
    let model = ActorCritic(observationCount: 4, actionSpace: .discrete(count: 2), hidden: [16], activation: .tanh)
    let parameters = model.initialParameters(seed: 2)
    func run(threads: Int) -> RolloutBuffer {
      let collector = RolloutCollector(environment: env, model: model, envs: 5, threads: threads, gamma: 0.99, seed: 8)
      let buffer = RolloutBuffer(envs: 5, steps: 64, observationCount: 4, actionWidth: 1)
      for _ in 0..<3 {
        _ = collector.collect(parameters: parameters, normalizer: .identity(dimension: 4), into: buffer, collectStatistics: false)
      }
      return buffer
    }
    let one = run(threads: 1), two = run(threads: 2)
    #expect(one.observations == two.observations)
    #expect(one.actions == two.actions)
    #expect(one.logProbs == two.logProbs)
    #expect(one.rewards == two.rewards)
    #expect(one.actions[0..<64] != one.actions[64..<128], "different envs sample different actions")
  }
}
