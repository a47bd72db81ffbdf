/// The result of one environment step, apart from the observation (written into the caller's buffer).
///
/// `terminated` means the MDP reached a terminal state (no value beyond it); `truncated` means the
/// episode was cut by something outside the MDP, usually the time limit (bootstrap from the next
/// value). Both can be true on the same step, as in Gymnasium's `TimeLimit`.
public struct Step: Sendable, Equatable {
  public var reward: Double
  public var terminated: Bool
  public var truncated: Bool

  @inlinable
  public init(reward: Double, terminated: Bool, truncated: Bool) {
    self.reward = reward
    self.terminated = terminated
    self.truncated = truncated
  }

  /// Whether the episode is over for either reason.
  @inlinable public var isDone: Bool { terminated || truncated }
}

/// An action for any environment: a discrete index, or up to `Action.maxContinuousCount` real values.
///
/// One concrete type keeps the evaluators generic over environments without boxing, and it costs
/// nothing per step: a discrete environment reads `index`, a continuous one reads `values`.
public struct Action: Sendable, Equatable {
  /// The largest continuous action dimension an environment may declare.
  public static let maxContinuousCount = 8

  /// The chosen index for a `Discrete` action space (unused for `Box`).
  public var index: Int
  /// The chosen values for a `Box` action space, in the first `count` lanes (unused for `Discrete`).
  public var values: SIMD8<Float>

  @inlinable
  public init(index: Int) {
    self.index = index
    self.values = .zero
  }

  @inlinable
  public init(values: SIMD8<Float>) {
    self.index = 0
    self.values = values
  }
}

/// Static facts about an environment: its id, spaces, time limit and the return that counts as solved.
public struct EnvSpec: Sendable, Equatable, Codable {
  /// The Gymnasium-style id, e.g. `CartPole-v1`.
  public var id: String
  /// The short name used on the command line, e.g. `cartpole`.
  public var name: String
  public var observationSpace: BoxSpace
  public var actionSpace: ActionSpace
  /// The time limit: `truncated` becomes true on this step.
  public var maxEpisodeSteps: Int
  /// The mean return over 100 episodes that counts as solving the env (Gymnasium's `reward_threshold`).
  public var rewardThreshold: Double?
  /// Whether `reset(seed:)` draws a random start (false for envs that always start the same way,
  /// like the mazes).
  public var randomStart: Bool
  /// The grid the observation lays out, channels-last, for envs whose observation is an image
  /// (MinAtar's 10×10×C): what convolutional policies read. Nil for flat feature vectors.
  public var observationShape: GridShape?

  public init(
    id: String, name: String, observationSpace: BoxSpace, actionSpace: ActionSpace,
    maxEpisodeSteps: Int, rewardThreshold: Double?, randomStart: Bool = true, observationShape: GridShape? = nil
  ) {
    precondition(observationShape.map { $0.count == observationSpace.count } ?? true, "grid and space differ in size")
    self.randomStart = randomStart
    self.observationShape = observationShape
    self.id = id
    self.name = name
    self.observationSpace = observationSpace
    self.actionSpace = actionSpace
    self.maxEpisodeSteps = maxEpisodeSteps
    self.rewardThreshold = rewardThreshold
  }
}

/// A reinforcement-learning environment: a small value that allocates nothing per step.
///
/// The caller owns the observation buffer (`spec.observationSpace.count` floats); `reset` and `step`
/// write into it. The time limit is part of the environment: `step` sets `truncated` when the episode
/// reaches `spec.maxEpisodeSteps`. Hot loops are generic over the concrete type so the compiler
/// specialises them; `any Environment` is for the command-line edge only.
public protocol Environment: Sendable {
  /// Id, spaces, time limit and threshold. Constant for the lifetime of the value.
  var spec: EnvSpec { get }

  /// Starts a new episode and writes the first observation.
  ///
  /// With a seed, the environment's random stream is re-seeded first (Gymnasium's
  /// `reset(seed:)`); with `nil` it continues from where it was.
  mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>)

  /// Advances one step and writes the next observation.
  mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step

  /// Draws the current state into `frame`.
  func render(into frame: inout Frame)

  /// The frame size `render` is laid out for (Gymnasium's screen size for classic control).
  var renderSize: (width: Int, height: Int) { get }

  /// Number of values in the behaviour descriptor that novelty search compares.
  var behaviorCount: Int { get }

  /// The descriptor's components by name, where they have names (a maze's x and y, Seaquest's
  /// surfacings): what an experiment may chart (`behavior_curve`). nil: the final observation.
  var behaviorNames: [String]? { get }

  /// Writes the behaviour descriptor at the end of an episode. `finalObservation` is the episode's
  /// last observation; envs without a better descriptor use it (CartPole: the final state).
  func writeBehavior(
    into buffer: UnsafeMutableBufferPointer<Float>, finalObservation: UnsafeBufferPointer<Float>)
}

extension Environment {
  public var renderSize: (width: Int, height: Int) { (400, 400) }

  public var behaviorCount: Int { spec.observationSpace.count }

  public var behaviorNames: [String]? { nil }

  public func writeBehavior(
    into buffer: UnsafeMutableBufferPointer<Float>, finalObservation: UnsafeBufferPointer<Float>
  ) {
    for i in 0..<min(buffer.count, finalObservation.count) { buffer[i] = finalObservation[i] }
  }

  /// Until an environment draws itself, a frame shows a plain background.
  public func render(into frame: inout Frame) {
    frame.fill(.white)
  }
}

/// Counts the steps of an episode and says when the time limit truncates it.
///
/// `tick` returns true on the step where the count reaches the limit and on every step after it,
/// so stepping past the end keeps reporting truncation.
public struct EpisodeClock: Sendable, Equatable, Codable {
  public let limit: Int
  @usableFromInline var count = 0

  public init(limit: Int) {
    self.limit = limit
  }

  /// Steps taken since the last reset.
  @inlinable public var elapsed: Int { count }

  @inlinable
  public mutating func reset() {
    count = 0
  }

  /// Counts one step; true when the episode is truncated by the limit.
  @inlinable
  public mutating func tick() -> Bool {
    count &+= 1
    return count >= limit
  }
}
