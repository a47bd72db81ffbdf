import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// MountainCar-v0: drive an underpowered car out of a valley by rocking it back and forth.
///
/// A port of Gymnasium 1.4.0's `mountain_car.py` (Moore 1990), bit-exact on the recorded traces:
/// Double state, Float observations.
///
/// | observation | min | max |
/// |---|---|---|
/// | 0 position x | −1.2 | 0.6 |
/// | 1 velocity (position units per step) | −0.07 | 0.07 |
///
/// - **Actions**: `Discrete(3)`: 0 accelerates left, 1 does nothing, 2 accelerates right.
/// - **Reward**: −1 every step.
/// - **Start state**: position uniform in [−0.6, −0.4), velocity 0.
/// - **Episode end**: terminated when position ≥ 0.5 and velocity ≥ 0 (`goalVelocity`); truncated
///   on step 200. Threshold: −110.
/// - **Dynamics**: v += (a − 1)·0.001 − 0.0025·cos(3x), clipped to ±0.07; x += v, clipped to
///   [−1.2, 0.6]; hitting the left wall stops the car. Stepping after the end keeps moving the car.
/// - **Source**: Gymnasium `gymnasium/envs/classic_control/mountain_car.py`.
public struct MountainCar: ConfigurableEnvironment {
  public struct Config: Sendable, Equatable, Codable {
    /// Steps after which an episode is truncated.
    public var maxEpisodeSteps: Int = 200
    /// The least velocity that counts at the goal (Gymnasium's `goal_velocity`).
    public var goalVelocity: Double = 0

    public init(maxEpisodeSteps: Int = 200, goalVelocity: Double = 0) {
      self.maxEpisodeSteps = maxEpisodeSteps
      self.goalVelocity = goalVelocity
    }
  }

  public static var defaultConfig: Config { Config() }

  public let config: Config
  public let spec: EnvSpec
  public var position = 0.0
  public var velocity = 0.0
  @usableFromInline var clock: EpisodeClock
  @usableFromInline var rng = SplitMix64(seed: 0)

  public init(config: Config = Config()) {
    self.config = config
    clock = EpisodeClock(limit: config.maxEpisodeSteps)
    spec = EnvSpec(
      id: "MountainCar-v0", name: "mountaincar",
      observationSpace: BoxSpace(low: [-1.2, -0.07], high: [0.6, 0.07]),
      actionSpace: .discrete(count: 3), maxEpisodeSteps: config.maxEpisodeSteps,
      rewardThreshold: -110)
  }

  public mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    if let seed { rng = SplitMix64(seed: seed) }
    setState(position: rng.uniform(-0.6, -0.4), velocity: 0, observation: observation)
  }

  /// Sets the state directly and starts a new episode from it.
  public mutating func setState(
    position: Double, velocity: Double, observation: UnsafeMutableBufferPointer<Float>
  ) {
    self.position = position
    self.velocity = velocity
    clock.reset()
    observation[0] = Float(position)
    observation[1] = Float(velocity)
  }

  @inlinable
  public mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    velocity += Double(action.index - 1) * 0.001 + cos(3 * position) * -0.0025
    velocity = min(max(velocity, -0.07), 0.07)
    position += velocity
    position = min(max(position, -1.2), 0.6)
    if position == -1.2 && velocity < 0 { velocity = 0 }
    let terminated = position >= 0.5 && velocity >= config.goalVelocity
    let truncated = clock.tick()
    observation[0] = Float(position)
    observation[1] = Float(velocity)
    return Step(reward: -1, terminated: terminated, truncated: truncated)
  }
}
