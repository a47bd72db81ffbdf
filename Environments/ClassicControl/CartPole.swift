import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// CartPole-v1: balance a pole on a cart that moves along a frictionless track.
///
/// A port of Gymnasium 1.4.0's `cartpole.py` (Barto, Sutton & Anderson 1983), bit-exact on the
/// recorded traces: the state is Double, the operations follow Gymnasium's order, observations are
/// the state rounded to Float.
///
/// | observation | min | max |
/// |---|---|---|
/// | 0 cart position x (m) | −4.8 | 4.8 |
/// | 1 cart velocity ẋ (m/s) | −∞ | ∞ |
/// | 2 pole angle θ (rad, 0 = upright, > 0 leans right) | −0.418 | 0.418 |
/// | 3 pole angular velocity θ̇ (rad/s) | −∞ | ∞ |
///
/// - **Actions**: `Discrete(2)`: 0 pushes the cart left (−10 N), 1 pushes it right (+10 N).
/// - **Reward**: +1 for every step, the terminating one included (so 500 is the best return). With
///   `suttonBartoReward`, 0 per step and −1 on the terminating step. A step taken after termination
///   earns 0 and keeps integrating, as in Gymnasium.
/// - **Start state**: all four values uniform in [−0.05, 0.05), drawn from SplitMix64 seeded by
///   `reset(seed:)` (Gymnasium's NumPy stream cannot be reproduced; the distribution is the same).
/// - **Episode end**: terminated when |x| > 2.4 or |θ| > 12° (strict, after the step); truncated on
///   step 500 (`maxEpisodeSteps`). Threshold: mean return 475 over 100 episodes.
/// - **Dynamics**: explicit Euler with τ = 0.02 s; positions are updated with the old velocities.
/// - **Source**: Gymnasium 1.4.0 `gymnasium/envs/classic_control/cartpole.py`; recorded traces in
///   `Tests/EnvironmentsTests/Fixtures/classic_control.jsonl`.
public struct CartPole: ConfigurableEnvironment {
  /// Settings a user can change; the defaults are CartPole-v1's.
  public struct Config: Sendable, Equatable, Codable {
    /// Steps after which an episode is truncated (Gymnasium's `max_episode_steps`).
    public var maxEpisodeSteps: Int = 500
    /// Gymnasium's `sutton_barto_reward`: 0 per step and −1 on termination.
    public var suttonBartoReward: Bool = false

    public init(maxEpisodeSteps: Int = 500, suttonBartoReward: Bool = false) {
      self.maxEpisodeSteps = maxEpisodeSteps
      self.suttonBartoReward = suttonBartoReward
    }
  }

  // Constants computed as Gymnasium computes them, so every derived double is the same.
  @usableFromInline static let gravity = 9.8
  @usableFromInline static let massCart = 1.0
  @usableFromInline static let massPole = 0.1
  @usableFromInline static let totalMass = massPole + massCart
  @usableFromInline static let length = 0.5  // half the pole's length
  @usableFromInline static let poleMassLength = massPole * length
  @usableFromInline static let forceMagnitude = 10.0
  @usableFromInline static let tau = 0.02
  @usableFromInline static let thetaThreshold = 12 * 2 * Double.pi / 360
  @usableFromInline static let xThreshold = 2.4

  public static var defaultConfig: Config { Config() }

  public let config: Config
  public let spec: EnvSpec

  /// Cart position (m).
  public var x = 0.0
  /// Cart velocity (m/s).
  public var xDot = 0.0
  /// Pole angle (rad).
  public var theta = 0.0
  /// Pole angular velocity (rad/s).
  public var thetaDot = 0.0
  @usableFromInline var clock: EpisodeClock
  /// Steps taken in the current episode.
  public var elapsedSteps: Int { clock.elapsed }
  @usableFromInline var terminatedAlready = false
  @usableFromInline var rng = SplitMix64(seed: 0)

  public init(config: Config = Config()) {
    self.config = config
    clock = EpisodeClock(limit: config.maxEpisodeSteps)
    let high: [Float] = [
      Float(CartPole.xThreshold * 2), .infinity, Float(CartPole.thetaThreshold * 2), .infinity,
    ]
    spec = EnvSpec(
      id: "CartPole-v1", name: "cartpole",
      observationSpace: BoxSpace(low: high.map { -$0 }, high: high),
      actionSpace: .discrete(count: 2),
      maxEpisodeSteps: config.maxEpisodeSteps, rewardThreshold: 475)
  }

  public mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    if let seed {
      rng = SplitMix64(seed: seed)
    }
    x = rng.uniform(-0.05, 0.05)
    xDot = rng.uniform(-0.05, 0.05)
    theta = rng.uniform(-0.05, 0.05)
    thetaDot = rng.uniform(-0.05, 0.05)
    clock.reset()
    terminatedAlready = false
    writeObservation(observation)
  }

  /// Sets the physical state directly (as the golden tests do) and starts a new episode from it.
  public mutating func setState(
    x: Double, xDot: Double, theta: Double, thetaDot: Double,
    observation: UnsafeMutableBufferPointer<Float>
  ) {
    self.x = x
    self.xDot = xDot
    self.theta = theta
    self.thetaDot = thetaDot
    clock.reset()
    terminatedAlready = false
    writeObservation(observation)
  }

  @inlinable
  public mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    let force = action.index == 1 ? CartPole.forceMagnitude : -CartPole.forceMagnitude
    let cosTheta = cos(theta)
    let sinTheta = sin(theta)
    let temp = (force + CartPole.poleMassLength * (thetaDot * thetaDot) * sinTheta) / CartPole.totalMass
    let thetaAcc =
      (CartPole.gravity * sinTheta - cosTheta * temp)
      / (CartPole.length
        * (4.0 / 3.0 - CartPole.massPole * (cosTheta * cosTheta) / CartPole.totalMass))
    let xAcc = temp - CartPole.poleMassLength * thetaAcc * cosTheta / CartPole.totalMass

    x = x + CartPole.tau * xDot
    xDot = xDot + CartPole.tau * xAcc
    theta = theta + CartPole.tau * thetaDot
    thetaDot = thetaDot + CartPole.tau * thetaAcc
    let truncated = clock.tick()

    let terminated =
      x < -CartPole.xThreshold || x > CartPole.xThreshold
      || theta < -CartPole.thetaThreshold || theta > CartPole.thetaThreshold

    let reward: Double
    if terminatedAlready {
      reward = 0
    } else if terminated {
      terminatedAlready = true
      reward = config.suttonBartoReward ? -1 : 1
    } else {
      reward = config.suttonBartoReward ? 0 : 1
    }
    writeObservation(observation)
    return Step(
      reward: reward, terminated: terminated, truncated: truncated)
  }

  @inlinable
  func writeObservation(_ observation: UnsafeMutableBufferPointer<Float>) {
    observation[0] = Float(x)
    observation[1] = Float(xDot)
    observation[2] = Float(theta)
    observation[3] = Float(thetaDot)
  }
}

