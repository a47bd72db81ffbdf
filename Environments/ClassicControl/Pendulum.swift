import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Pendulum-v1: swing a pendulum up and keep it upright with limited torque.
///
/// A port of Gymnasium 1.4.0's `pendulum.py`, bit-exact on the recorded traces. The state is
/// Double; as in NumPy 2 with a float32 action, `3·u` and `0.001·u²` are float32 values, and
/// squares are libm's `pow`, as NumPy computes `x ** 2`.
///
/// | observation | min | max |
/// |---|---|---|
/// | 0 cos θ (θ = 0 is upright) | −1 | 1 |
/// | 1 sin θ | −1 | 1 |
/// | 2 θ̇ (rad/s) | −8 | 8 |
///
/// - **Actions**: `Box(-2.0, 2.0, (1,))`, the torque, clipped to [−2, 2] as in Gymnasium. A NaN
///   torque stops debug builds with an assertion and counts as 0 in release builds.
/// - **Reward**: −(norm(θ)² + 0.1·θ̇² + 0.001·u²) on the state *before* the step, where norm wraps
///   θ into [−π, π); between −16.27 and 0.
/// - **Start state**: θ uniform in [−π, π), θ̇ uniform in [−1, 1).
/// - **Episode end**: never terminates; truncated on step 200. Gymnasium sets no threshold; rollout's
///   presets aim for −200. Stepping after the end keeps swinging.
/// - **Dynamics**: θ̇ += (3g/(2l)·sin θ + 3/(ml²)·u)·dt, clipped to ±8; θ += θ̇·dt; g = 10, m = l = 1,
///   dt = 0.05.
/// - **Source**: Gymnasium `gymnasium/envs/classic_control/pendulum.py`.
public struct Pendulum: ConfigurableEnvironment {
  public struct Config: Sendable, Equatable, Codable {
    /// Steps after which an episode is truncated.
    public var maxEpisodeSteps: Int = 200
    /// Gravity g (Gymnasium's `g`).
    public var gravity: Double = 10

    public init(maxEpisodeSteps: Int = 200, gravity: Double = 10) {
      self.maxEpisodeSteps = maxEpisodeSteps
      self.gravity = gravity
    }
  }

  public static var defaultConfig: Config { Config() }

  public let config: Config
  public let spec: EnvSpec
  /// Angle θ (rad, not wrapped).
  public var theta = 0.0
  /// Angular velocity θ̇ (rad/s).
  public var thetaDot = 0.0
  @usableFromInline var clock: EpisodeClock
  @usableFromInline var rng = SplitMix64(seed: 0)

  public init(config: Config = Config()) {
    self.config = config
    clock = EpisodeClock(limit: config.maxEpisodeSteps)
    spec = EnvSpec(
      id: "Pendulum-v1", name: "pendulum",
      observationSpace: BoxSpace(low: [-1, -1, -8], high: [1, 1, 8]),
      actionSpace: .box(BoxSpace(low: [-2], high: [2])), maxEpisodeSteps: config.maxEpisodeSteps,
      rewardThreshold: nil)
  }

  public mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    if let seed { rng = SplitMix64(seed: seed) }
    let theta = rng.uniform(-Double.pi, Double.pi)
    setState(theta: theta, thetaDot: rng.uniform(-1, 1), observation: observation)
  }

  /// Sets the state directly and starts a new episode from it.
  public mutating func setState(
    theta: Double, thetaDot: Double, observation: UnsafeMutableBufferPointer<Float>
  ) {
    self.theta = theta
    self.thetaDot = thetaDot
    clock.reset()
    writeObservation(observation)
  }

  @inlinable
  public mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    var u = action.values[0]
    assert(!u.isNaN, "Pendulum: the action is NaN")
    if u.isNaN { u = 0 }
    u = min(max(u, -2), 2)
    let dt = 0.05
    let angle = Pendulum.normalizeAngle(theta)
    // `x ** 2` in NumPy is libm's pow (powf for float32), which can differ from x * x in the
    // last bit; the golden traces pin these.
    let costs = libmPow(angle, 2) + 0.1 * libmPow(thetaDot, 2) + Double(Float(0.001) * libmPowf(u, 2))
    var newThetaDot =
      thetaDot + (3 * config.gravity / (2 * 1.0) * sin(theta) + Double(Float(3.0) * u)) * dt
    newThetaDot = min(max(newThetaDot, -8), 8)
    theta = theta + newThetaDot * dt
    thetaDot = newThetaDot
    let truncated = clock.tick()
    writeObservation(observation)
    return Step(reward: -costs, terminated: false, truncated: truncated)
  }

  /// `((x + π) mod 2π) − π` with a floored modulo (Python's `%`).
  @inlinable
  static func normalizeAngle(_ x: Double) -> Double {
    let period = 2 * Double.pi
    var r = fmod(x + Double.pi, period)
    if r != 0 && (r < 0) != (period < 0) { r += period }
    return r - Double.pi
  }

  @inlinable
  func writeObservation(_ observation: UnsafeMutableBufferPointer<Float>) {
    observation[0] = Float(cos(theta))
    observation[1] = Float(sin(theta))
    observation[2] = Float(thetaDot)
  }
}
