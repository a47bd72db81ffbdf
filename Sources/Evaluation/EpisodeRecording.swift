import Networks
import RLCore

/// One step of a recorded episode: the raw observation the policy saw and the action it took.
public struct RecordedStep: Sendable, Equatable {
  public var episode: Int
  public var observation: [Float]
  public var action: Action
}

/// Runs `episodes` episodes of `policy` one after another, exactly as the evaluator runs them
/// (same seeds, normaliser, head and mode), and keeps their steps until `maxSteps` are recorded.
/// What `rollout eval --record` writes: the observations and actions against which an exported
/// policy (ONNX) is checked.
public func recordEpisodes<E: Environment>(
  _ env: E, policy: Policy, episodes: Int, mode: ActionMode, maxSteps: Int, episodeSeed: (Int) -> UInt64
) -> [RecordedStep] {
  var env = env
  let scratch = EpisodeScratch(
    observationCount: env.spec.observationSpace.count, network: policy.network, behaviorCount: env.behaviorCount)
  _ = scratch.parameters.update(fromContentsOf: policy.parameters)
  let head = ActionHead(space: env.spec.actionSpace)
  var recorder = StepRecorder(limit: maxSteps)
  for e in 0..<episodes where recorder.steps.count < maxSteps {
    recorder.episode = e
    _ = runEpisode(
      &env, seed: episodeSeed(e), network: policy.network, normalizer: policy.normalizer, head: head, mode: mode,
      scratch: scratch, observer: &recorder)
  }
  return recorder.steps
}

/// Keeps the steps it sees, up to `limit`.
struct StepRecorder: StepObserver {
  var episode = 0
  var steps: [RecordedStep] = []
  let limit: Int

  mutating func observe(observation: UnsafeBufferPointer<Float>, action: Action) {
    if steps.count < limit { steps.append(RecordedStep(episode: episode, observation: Array(observation), action: action)) }
  }
}
