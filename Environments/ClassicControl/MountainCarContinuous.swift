import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// MountainCarContinuous-v0: MountainCar with a continuous engine and a reward for reaching the top.
///
/// A port of Gymnasium 1.4.0's `continuous_mountain_car.py`, bit-exact on the recorded traces. It
/// reproduces where NumPy 2 computes in float32: Gymnasium stores the state as float32 after every
/// step, and the engine term `force · 0.0015 − 0.0025·cos(3x)` is a float32 expression (the cos
/// term rounded to float32). The first step after a reset starts from a Double state and updates it
/// in Double.
///
/// | observation | min | max |
/// |---|---|---|
/// | 0 position x | −1.2 | 0.6 |
/// | 1 velocity | −0.07 | 0.07 |
///
/// - **Actions**: `Box(-1.0, 1.0, (1,))`, the engine force. Values outside [−1, 1] are clipped for
///   the physics, as in Gymnasium, but the energy cost uses the unclipped value. A NaN force is a
///   programming error: it stops debug builds with an assertion and counts as 0 in release builds
///   (Gymnasium would let the NaN into the state).
/// - **Reward**: 100 on reaching the goal, minus 0.1·a² every step.
/// - **Start state**: position uniform in [−0.6, −0.4), velocity 0.
/// - **Episode end**: terminated when position ≥ 0.45 and velocity ≥ 0; truncated on step 999.
///   Threshold: 90. Stepping after the end keeps moving the car.
/// - **Source**: Gymnasium 1.4.0 `gymnasium/envs/classic_control/continuous_mountain_car.py`, run
///   under NumPy 2 (the rounding points above); recorded traces in
///   `Tests/EnvironmentsTests/Fixtures/classic_control.jsonl`.
public struct MountainCarContinuous: ConfigurableEnvironment {
  public struct Config: Sendable, Equatable, Codable {
    /// Steps after which an episode is truncated.
    public var maxEpisodeSteps: Int = 999
    /// The least velocity that counts at the goal.
    public var goalVelocity: Double = 0

    public init(maxEpisodeSteps: Int = 999, goalVelocity: Double = 0) {
      self.maxEpisodeSteps = maxEpisodeSteps
      self.goalVelocity = goalVelocity
    }
  }

  public static var defaultConfig: Config { Config() }

  public let config: Config
  public let spec: EnvSpec
  public var position = 0.0
  public var velocity = 0.0
  /// Whether the state has been stored as float32 yet (false until the first step of an episode).
  public var stateIsFloat = false
  @usableFromInline var clock: EpisodeClock
  @usableFromInline var rng = SplitMix64(seed: 0)

  public init(config: Config = Config()) {
    self.config = config
    clock = EpisodeClock(limit: config.maxEpisodeSteps)
    spec = EnvSpec(
      id: "MountainCarContinuous-v0", name: "mountaincar-continuous",
      observationSpace: BoxSpace(low: [-1.2, -0.07], high: [0.6, 0.07]),
      actionSpace: .box(BoxSpace(low: [-1], high: [1])), maxEpisodeSteps: config.maxEpisodeSteps,
      rewardThreshold: 90)
  }

  public mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    if let seed { rng = SplitMix64(seed: seed) }
    setState(position: rng.uniform(-0.6, -0.4), velocity: 0, observation: observation)
  }

  /// Sets the (Double) state directly and starts a new episode from it.
  public mutating func setState(
    position: Double, velocity: Double, observation: UnsafeMutableBufferPointer<Float>
  ) {
    self.position = position
    self.velocity = velocity
    stateIsFloat = false
    clock.reset()
    observation[0] = Float(position)
    observation[1] = Float(velocity)
  }

  @inlinable
  public mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    var a = action.values[0]
    assert(!a.isNaN, "MountainCarContinuous: the action is NaN")
    if a.isNaN { a = 0 }
    let minSpeed = -0.07, maxSpeed = 0.07
    let terminated: Bool
    if stateIsFloat {
      // State, engine term and updates in float32 (NumPy 2 keeps float32 with Python scalars).
      let x = Float(position)
      var v = Float(velocity)
      let cosTerm = Float(0.0025 * cos(Double(3 * x)))
      v += MountainCarContinuous.forceTerm(a) - cosTerm
      var vWide = Double(v)
      if v > Float(maxSpeed) { vWide = maxSpeed }
      if v < Float(minSpeed) { vWide = minSpeed }
      var p = x + Float(vWide)
      var pWide = Double(p)
      if p > Float(0.6) { pWide = 0.6 }
      if p < Float(-1.2) { pWide = -1.2 }
      // A clamped value is a Python float, an unclamped one float32; NumPy compares either with
      // the constant rounded to float32, which equals comparing the float32 roundings.
      if Float(pWide) == Float(-1.2) && vWide < 0 { vWide = 0 }
      p = Float(pWide)
      terminated = p >= Float(0.45) && vWide >= config.goalVelocity
      position = Double(p)
      velocity = Double(Float(vWide))
    } else {
      // First step after a reset: the state is still Double.
      let cosTerm = Float(0.0025 * cos(3 * position))
      velocity += Double(MountainCarContinuous.forceTerm(a) - cosTerm)
      if velocity > maxSpeed { velocity = maxSpeed }
      if velocity < minSpeed { velocity = minSpeed }
      position += velocity
      if position > 0.6 { position = 0.6 }
      if position < -1.2 { position = -1.2 }
      if position == -1.2 && velocity < 0 { velocity = 0 }
      terminated = position >= 0.45 && velocity >= config.goalVelocity
      position = Double(Float(position))
      velocity = Double(Float(velocity))
      stateIsFloat = true
    }
    var reward = terminated ? 100.0 : 0.0
    reward -= libmPow(Double(a), 2) * 0.1  // math.pow, as Gymnasium
    let truncated = clock.tick()
    observation[0] = Float(position)
    observation[1] = Float(velocity)
    return Step(reward: reward, terminated: terminated, truncated: truncated)
  }

  /// `clip(a, −1, 1) · 0.0015` in float32.
  @inlinable
  static func forceTerm(_ a: Float) -> Float {
    min(max(a, -1), 1) * 0.0015
  }
}
