import Environments
import Foundation
import RLCore
import Testing
import TestSupport

/// What the golden replay needs from an env: set the recorded state, read it back.
protocol GoldenReplayable: ConfigurableEnvironment {
  mutating func setRecordedState(_ state: [Double], observation: UnsafeMutableBufferPointer<Float>)
  var recordedState: [Double] { get }
}

extension CartPole: GoldenReplayable {
  mutating func setRecordedState(_ s: [Double], observation: UnsafeMutableBufferPointer<Float>) {
    setState(x: s[0], xDot: s[1], theta: s[2], thetaDot: s[3], observation: observation)
  }
  var recordedState: [Double] { [x, xDot, theta, thetaDot] }
}

extension Acrobot: GoldenReplayable {
  mutating func setRecordedState(_ s: [Double], observation: UnsafeMutableBufferPointer<Float>) {
    setState(SIMD4(s[0], s[1], s[2], s[3]), observation: observation)
  }
  var recordedState: [Double] { [state[0], state[1], state[2], state[3]] }
}

extension MountainCar: GoldenReplayable {
  mutating func setRecordedState(_ s: [Double], observation: UnsafeMutableBufferPointer<Float>) {
    setState(position: s[0], velocity: s[1], observation: observation)
  }
  var recordedState: [Double] { [position, velocity] }
}

extension MountainCarContinuous: GoldenReplayable {
  mutating func setRecordedState(_ s: [Double], observation: UnsafeMutableBufferPointer<Float>) {
    setState(position: s[0], velocity: s[1], observation: observation)
  }
  var recordedState: [Double] { [position, velocity] }
}

extension Pendulum: GoldenReplayable {
  mutating func setRecordedState(_ s: [Double], observation: UnsafeMutableBufferPointer<Float>) {
    setState(theta: s[0], thetaDot: s[1], observation: observation)
  }
  var recordedState: [Double] { [theta, thetaDot] }
}

/// Replays every recorded episode of one env from its initial state and requires the same
/// observations, rewards, flags and internal state at every step, bit for bit.
func replayGolden<E: GoldenReplayable>(_: E.Type, id: String) throws -> Int {
  let episodes = try GoldenTraces.episodes(of: id)
  try #require(!episodes.isEmpty, "no \(id) records in \(GoldenTraces.url.path)")
  var steps = 0
  for episode in episodes {
    var env = E(config: E.defaultConfig)
    var observation = [Float](repeating: 0, count: env.spec.observationSpace.count)
    observation.withUnsafeMutableBufferPointer { env.setRecordedState(episode.initialState, observation: $0) }
    #expect(observation == episode.initialObs.map { Float($0) }, "\(id) episode \(episode.episodeIndex): reset")
    for step in episode.steps {
      let action: Action
      switch step.action {
      case .discrete(let index): action = Action(index: index)
      case .continuous(let values):
        var lanes = SIMD8<Float>.zero
        for (i, v) in values.enumerated() { lanes[i] = Float(v) }
        action = Action(values: lanes)
      }
      let result = observation.withUnsafeMutableBufferPointer { env.step(action, observation: $0) }
      let label = "\(id) episode \(episode.episodeIndex) step \(step.t)"
      #expect(observation == step.obs.map { Float($0) }, "\(label): observation")
      #expect(env.recordedState == step.state, "\(label): state")
      #expect(result.reward == step.reward, "\(label): reward \(result.reward) vs \(step.reward)")
      #expect(result.terminated == step.terminated, "\(label): terminated")
      #expect(result.truncated == step.truncated, "\(label): truncated")
      steps += 1
      if observation != step.obs.map({ Float($0) }) { break }  // one report per episode
    }
  }
  return steps
}

@Suite("Golden traces (Gymnasium 1.4.0), bit for bit")
struct GoldenTraceTests {
  @Test func cartPole() throws { #expect(try replayGolden(CartPole.self, id: "CartPole-v1") > 0) }
  @Test func acrobot() throws { #expect(try replayGolden(Acrobot.self, id: "Acrobot-v1") > 0) }
  @Test func mountainCar() throws { #expect(try replayGolden(MountainCar.self, id: "MountainCar-v0") > 0) }
  @Test func mountainCarContinuous() throws {
    #expect(try replayGolden(MountainCarContinuous.self, id: "MountainCarContinuous-v0") > 0)
  }
  @Test func pendulum() throws { #expect(try replayGolden(Pendulum.self, id: "Pendulum-v1") > 0) }
}
