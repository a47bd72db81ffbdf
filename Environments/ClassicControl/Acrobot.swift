import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Acrobot-v1: swing the free end of a two-link pendulum above a line by torquing the middle joint.
///
/// A port of Gymnasium 1.4.0's `acrobot.py` (Sutton 1996; Sutton & Barto 2018), bit-exact on the
/// recorded traces: Double state, Gymnasium's order of operations, Float observations.
///
/// | observation | min | max |
/// |---|---|---|
/// | 0 cos θ₁ | −1 | 1 |
/// | 1 sin θ₁ | −1 | 1 |
/// | 2 cos θ₂ (relative to link 1) | −1 | 1 |
/// | 3 sin θ₂ | −1 | 1 |
/// | 4 θ̇₁ (rad/s) | −4π | 4π |
/// | 5 θ̇₂ (rad/s) | −9π | 9π |
///
/// - **Actions**: `Discrete(3)`: torque −1, 0, +1 on the joint between the links.
/// - **Reward**: −1 per step; 0 on the step that reaches the goal.
/// - **Start state**: θ₁, θ₂, θ̇₁, θ̇₂ uniform in [−0.1, 0.1), rounded to Float as Gymnasium does.
/// - **Episode end**: terminated when −cos θ₁ − cos(θ₂ + θ₁) > 1 (the tip is one link length above
///   the base); truncated on step 500. Threshold: −100.
/// - **Dynamics**: the "book" equations, one RK4 step over dt = 0.2 s, then θ wrapped to [−π, π]
///   and the velocities clamped. Stepping after the end keeps integrating (reward keeps the formula).
/// - **Source**: Gymnasium 1.4.0 `gymnasium/envs/classic_control/acrobot.py`; recorded traces in
///   `Tests/EnvironmentsTests/Fixtures/classic_control.jsonl`.
public struct Acrobot: ConfigurableEnvironment {
  public struct Config: Sendable, Equatable, Codable {
    /// Steps after which an episode is truncated.
    public var maxEpisodeSteps: Int = 500

    public init(maxEpisodeSteps: Int = 500) {
      self.maxEpisodeSteps = maxEpisodeSteps
    }
  }

  public static var defaultConfig: Config { Config() }

  @usableFromInline static let maxVelocity1 = 4 * Double.pi
  @usableFromInline static let maxVelocity2 = 9 * Double.pi
  @usableFromInline static let dt = 0.2

  public let config: Config
  public let spec: EnvSpec
  /// θ₁, θ₂ (rad), θ̇₁, θ̇₂ (rad/s).
  public var state: SIMD4<Double> = .zero
  @usableFromInline var clock: EpisodeClock
  @usableFromInline var rng = SplitMix64(seed: 0)

  public init(config: Config = Config()) {
    self.config = config
    clock = EpisodeClock(limit: config.maxEpisodeSteps)
    let high: [Float] = [1, 1, 1, 1, Float(Acrobot.maxVelocity1), Float(Acrobot.maxVelocity2)]
    spec = EnvSpec(
      id: "Acrobot-v1", name: "acrobot",
      observationSpace: BoxSpace(low: high.map { -$0 }, high: high),
      actionSpace: .discrete(count: 3), maxEpisodeSteps: config.maxEpisodeSteps,
      rewardThreshold: -100)
  }

  public mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    if let seed { rng = SplitMix64(seed: seed) }
    for i in 0..<4 {
      state[i] = Double(Float(rng.uniform(-0.1, 0.1)))
    }
    clock.reset()
    writeObservation(observation)
  }

  /// Sets the state directly (the golden tests do) and starts a new episode from it.
  public mutating func setState(_ state: SIMD4<Double>, observation: UnsafeMutableBufferPointer<Float>) {
    self.state = state
    clock.reset()
    writeObservation(observation)
  }

  @inlinable
  public mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    let torque = Double(action.index) - 1
    // One RK4 step over [0, dt] on (θ₁, θ₂, θ̇₁, θ̇₂), in the reference's order of operations.
    let s = state
    let dt = Acrobot.dt
    let half = dt / 2.0
    let k1 = Acrobot.derivatives(s, torque)
    let k2 = Acrobot.derivatives(s + half * k1, torque)
    let k3 = Acrobot.derivatives(s + half * k2, torque)
    let k4 = Acrobot.derivatives(s + dt * k3, torque)
    var next = s + dt / 6.0 * (((k1 + 2 * k2) + 2 * k3) + k4)

    next[0] = Acrobot.wrap(next[0])
    next[1] = Acrobot.wrap(next[1])
    next[2] = min(max(next[2], -Acrobot.maxVelocity1), Acrobot.maxVelocity1)
    next[3] = min(max(next[3], -Acrobot.maxVelocity2), Acrobot.maxVelocity2)
    state = next
    let terminated = -cos(next[0]) - cos(next[1] + next[0]) > 1.0
    let truncated = clock.tick()
    writeObservation(observation)
    return Step(reward: terminated ? 0 : -1, terminated: terminated, truncated: truncated)
  }

  /// The "book" dynamics: (θ̇₁, θ̇₂, θ̈₁, θ̈₂) for torque `a`. Masses, lengths and inertias are 1,
  /// the centres of mass at 0.5, g = 9.8; the products keep Gymnasium's grouping.
  ///
  /// Squares of state-derived values are `pow(x, 2)`, not `x * x`: NumPy's `float64 ** 2` calls
  /// libm's `pow`, which is not correctly rounded and differs from `x * x` in the last bit now and
  /// then (the golden traces catch it).
  @inlinable
  static func derivatives(_ s: SIMD4<Double>, _ a: Double) -> SIMD4<Double> {
    let m1 = 1.0, m2 = 1.0, l1 = 1.0, lc1 = 0.5, lc2 = 0.5, i1 = 1.0, i2 = 1.0, g = 9.8
    let theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3]
    let cos2 = cos(theta2), sin2 = sin(theta2)
    let d1 = m1 * (lc1 * lc1) + m2 * ((l1 * l1) + (lc2 * lc2) + 2 * l1 * lc2 * cos2) + i1 + i2
    let d2 = m2 * ((lc2 * lc2) + l1 * lc2 * cos2) + i2
    let phi2 = m2 * lc2 * g * cos(theta1 + theta2 - Double.pi / 2.0)
    let phi1 =
      -m2 * l1 * lc2 * libmPow(dtheta2, 2) * sin2
      - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2
      + (m1 * lc1 + m2 * l1) * g * cos(theta1 - Double.pi / 2)
      + phi2
    let ddtheta2 =
      (a + d2 / d1 * phi1 - m2 * l1 * lc2 * libmPow(dtheta1, 2) * sin2 - phi2)
      / (m2 * (lc2 * lc2) + i2 - libmPow(d2, 2) / d1)
    let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return SIMD4(dtheta1, dtheta2, ddtheta1, ddtheta2)
  }

  /// Wraps an angle into [−π, π] by whole turns, as the reference's loop does.
  @inlinable
  static func wrap(_ x: Double) -> Double {
    let turn = Double.pi - -Double.pi
    var x = x
    while x > Double.pi { x = x - turn }
    while x < -Double.pi { x = x + turn }
    return x
  }

  @inlinable
  func writeObservation(_ observation: UnsafeMutableBufferPointer<Float>) {
    observation[0] = Float(cos(state[0]))
    observation[1] = Float(sin(state[0]))
    observation[2] = Float(cos(state[1]))
    observation[3] = Float(sin(state[1]))
    observation[4] = Float(state[2])
    observation[5] = Float(state[3])
  }
}
