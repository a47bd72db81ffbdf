import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Lehman & Stanley's deceptive maze: a round robot with rangefinders and a goal radar must reach a
/// goal, and the reward for getting close leads into dead ends.
///
/// The robot of Lehman's novelty-search release (NS-CPP `maze.h`), step for step (Lehman &
/// Stanley 2011, "Abandoning objectives", §4 describes the robot and its sensors).
///
/// | observation | range |
/// |---|---|
/// | 0–5 rangefinders at −90°, −45°, 0°, 45°, 90°, −180° from the heading: distance to the nearest wall along the ray (up to 100), divided by 100 | [0, 1] |
/// | 6–9 goal radar: 1 in the pie slice holding the goal's bearing — [−45°, 45°), [45°, 135°), [135°, 225°), [225°, 315°) from the heading — else 0 | {0, 1} |
///
/// All ten inputs are visible. The original C++ wrote the radar into inputs 6–9, overwriting the
/// rear (−180°) rangefinder, and never set input 10; Lehman's later Python code and Uber's maze fix
/// the index, and so does rollout. A bias input is the network's business (ours have biases).
///
/// - **Actions**: `Box(0, 1, (2,))`, the network outputs o₁, o₂ of the original (NEAT sigmoids).
///   Acceleration control: angular velocity += o₁ − 0.5 and speed += o₂ − 0.5, each clamped to
///   ±3. rollout's tanh-squashed policy outputs `(tanh(x) + 1) / 2` are exactly a sigmoid of 2x.
///   Values outside [0, 1] are clipped; NaN trips an assertion in debug builds and counts as 0.5
///   (no acceleration) in release builds.
/// - **Dynamics** (one step): velocity from the heading *before* the update; heading += angular
///   velocity, wrapped into [0, 360]; the move is rejected (position kept, speed kept) if the new
///   centre would be within 8 (the body radius) of any wall. Then sensors are recomputed.
/// - **Reward** (`reward`): `final` (default, the literature's fitness): 0 per step and
///   max(300 − distance to goal, 0.1) on the episode's last step; `dense`: minus the change in
///   distance to the goal each step. Both are deceptive: the straight line to the goal ends in a
///   dead end, which is the point of this benchmark.
/// - **Start**: the maze's start point and heading, at rest. Deterministic: `reset(seed:)` ignores
///   the seed.
/// - **Episode end**: terminated when the centre comes within 5 of the goal (the robot stops there,
///   as the original freezes it); truncated on step 400. Stepping past the end keeps the robot
///   frozen at the goal, or keeps driving it after truncation.
/// - **Behaviour descriptor**: the final (x, y), for novelty search.
/// - Arithmetic is Double with π (the C++ original uses float and π ≈ 3.1415926).
public struct Maze: ConfigurableEnvironment {
  public enum RewardMode: String, Sendable, Equatable, Codable, CaseIterable {
    case final
    case dense
  }

  public struct Config: Sendable, Equatable, Codable {
    public var layout: MazeLayout
    public var reward: RewardMode = .final
    /// Steps after which an episode is truncated (400 in the literature).
    public var maxEpisodeSteps: Int = 400

    public init(layout: MazeLayout, reward: RewardMode = .final, maxEpisodeSteps: Int = 400) {
      self.layout = layout
      self.reward = reward
      self.maxEpisodeSteps = maxEpisodeSteps
    }
  }

  public static var defaultConfig: Config { Config(layout: BuiltinMazes.medium) }

  /// The robot's body radius.
  public static let robotRadius = 8.0
  /// The rangefinders' reach.
  public static let rangefinderRange = 100.0
  /// The rangefinders' angles from the heading, in degrees.
  public static let rangefinderAngles: [Double] = [-90, -45, 0, 45, 90, -180]
  /// Distance to the goal that counts as reaching it.
  public static let goalRadius = 5.0

  public let config: Config
  public let spec: EnvSpec
  public var x = 0.0
  public var y = 0.0
  /// Heading in degrees.
  public var heading = 0.0
  public var speed = 0.0
  public var angularVelocity = 0.0
  public var reachedGoal = false
  @usableFromInline var clock: EpisodeClock
  @usableFromInline var previousDistance = 0.0
  /// cos and sin of the heading, refreshed with the sensors (the next step's velocity reuses them).
  @usableFromInline var headingCosSin = SIMD2<Double>(1, 0)
  /// Positions visited this episode, for drawing the trail (capacity reserved up front).
  public var trail: [SIMD2<Double>] = []
  @usableFromInline let walls: [Wall]
  /// Per wall: start point, direction and 1/|direction|², precomputed for the hot loops.
  @usableFromInline let segments: [Segment]
  @usableFromInline let rangefinderDirections: [SIMD2<Double>]

  @usableFromInline
  struct Segment: Sendable, Equatable, Codable {
    @usableFromInline let x1, y1, ex, ey, inverseLengthSquared: Double
    init(_ wall: Wall) {
      x1 = wall.x1
      y1 = wall.y1
      ex = wall.x2 - wall.x1
      ey = wall.y2 - wall.y1
      inverseLengthSquared = 1 / (ex * ex + ey * ey)
    }

    /// Squared distance from a point to the segment.
    @inlinable
    func distanceSquared(x px: Double, y py: Double) -> Double {
      let ax = px - x1, ay = py - y1
      let u = min(max((ax * ex + ay * ey) * inverseLengthSquared, 0), 1)
      let dx = ax - u * ex, dy = ay - u * ey
      return dx * dx + dy * dy
    }
  }

  public init(config: Config) {
    self.config = config
    walls = config.layout.walls
    segments = config.layout.walls.map(Segment.init)
    rangefinderDirections = Maze.rangefinderAngles.map {
      SIMD2(cos($0 * .pi / 180), sin($0 * .pi / 180))
    }
    clock = EpisodeClock(limit: config.maxEpisodeSteps)
    let builtin = ["medium", "hard"].contains(config.layout.name)
    spec = EnvSpec(
      id: builtin ? (config.layout.name == "hard" ? "HardMaze-v0" : "MediumMaze-v0") : "Maze-v0",
      name: builtin ? "\(config.layout.name)-maze" : "maze",
      observationSpace: BoxSpace(
        low: [Float](repeating: 0, count: 10), high: [Float](repeating: 1, count: 10)),
      actionSpace: .box(BoxSpace(low: [0, 0], high: [1, 1])),
      maxEpisodeSteps: config.maxEpisodeSteps,
      rewardThreshold: config.reward == .final ? 300 - Maze.goalRadius : nil, randomStart: false)
    trail.reserveCapacity(config.maxEpisodeSteps + 1)
  }

  public mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    let layout = config.layout
    x = layout.startX
    y = layout.startY
    heading = layout.heading
    speed = 0
    angularVelocity = 0
    reachedGoal = false
    clock.reset()
    previousDistance = distanceToGoal
    trail.removeAll(keepingCapacity: true)
    trail.append(SIMD2(x, y))
    writeObservation(observation)
  }

  /// Places the robot (for tests and pictures) without starting a new episode.
  public mutating func place(
    x: Double, y: Double, heading: Double, speed: Double = 0, angularVelocity: Double = 0,
    observation: UnsafeMutableBufferPointer<Float>
  ) {
    self.x = x
    self.y = y
    self.heading = heading
    self.speed = speed
    self.angularVelocity = angularVelocity
    previousDistance = distanceToGoal
    writeObservation(observation)
  }

  /// Distance from the robot's centre to the goal.
  @inlinable public var distanceToGoal: Double {
    let dx = config.layout.goalX - x, dy = config.layout.goalY - y
    return (dx * dx + dy * dy).squareRoot()
  }

  @inlinable
  public mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    if !reachedGoal {
      var o1 = action.values[0], o2 = action.values[1]
      assert(!o1.isNaN && !o2.isNaN, "Maze: the action is NaN")
      if o1.isNaN { o1 = 0.5 }
      if o2.isNaN { o2 = 0.5 }
      angularVelocity = min(max(angularVelocity + Double(min(max(o1, 0), 1)) - 0.5, -3), 3)
      speed = min(max(speed + Double(min(max(o2, 0), 1)) - 0.5, -3), 3)

      let vx = headingCosSin.x * speed, vy = headingCosSin.y * speed
      heading += angularVelocity
      if heading > 360 { heading -= 360 }
      if heading < 0 { heading += 360 }
      let nx = x + vx, ny = y + vy
      if !collides(x: nx, y: ny) {
        x = nx
        y = ny
      }
      if distanceToGoal < Maze.goalRadius { reachedGoal = true }
      if trail.count <= config.maxEpisodeSteps { trail.append(SIMD2(x, y)) }
    }
    let truncated = clock.tick()
    let distance = distanceToGoal
    let reward: Double
    switch config.reward {
    case .final:
      reward = reachedGoal || truncated ? max(300 - distance, 0.1) : 0
    case .dense:
      reward = previousDistance - distance
    }
    previousDistance = distance
    writeObservation(observation)
    return Step(reward: reward, terminated: reachedGoal, truncated: truncated)
  }

  /// Whether a centre at (px, py) would be closer than the body radius to a wall. Clamping the
  /// projection to the segment gives the same distance as the original's nearest-endpoint rule.
  @inlinable
  func collides(x px: Double, y py: Double) -> Bool {
    let limit = Maze.robotRadius * Maze.robotRadius
    for k in segments.indices where segments[k].distanceSquared(x: px, y: py) < limit {
      return true
    }
    return false
  }

  /// Rangefinder readings and goal radar, in the documented order.
  @inlinable
  mutating func writeObservation(_ observation: UnsafeMutableBufferPointer<Float>) {
    let radians = heading / 180 * .pi
    let c = cos(radians), s = sin(radians)
    headingCosSin = SIMD2(c, s)
    for i in rangefinderDirections.indices {
      let d = rangefinderDirections[i]
      // The sensor's direction rotated by the heading.
      let dx = (c * d.x - s * d.y) * Maze.rangefinderRange
      let dy = (s * d.x + c * d.y) * Maze.rangefinderRange
      observation[i] = Float(rayLength(dx: dx, dy: dy) / Maze.rangefinderRange)
    }
    // Bearing of the goal relative to the heading, in [0, 360).
    let gx = config.layout.goalX - x, gy = config.layout.goalY - y
    var bearing = atan2(gy, gx) * 180 / .pi - heading
    bearing = bearing - 360 * (bearing / 360).rounded(.down)
    let slice = Int(((bearing + 45).truncatingRemainder(dividingBy: 360)) / 90) & 3
    for k in 0..<4 { observation[6 + k] = k == slice ? 1 : 0 }
  }

  /// Distance along the ray from the robot to the nearest wall crossing it, or the ray's length.
  /// The crossing test is strict at both ends, as in the original.
  @inlinable
  func rayLength(dx: Double, dy: Double) -> Double {
    var nearest = 1.0  // as a fraction of the ray
    for k in segments.indices {
      let segment = segments[k]
      let ex = segment.ex, ey = segment.ey
      let denominator = ex * dy - ey * dx
      if denominator == 0 { continue }
      let ax = segment.x1 - x, ay = segment.y1 - y
      // r along the wall, t along the ray: both strictly inside (0, 1), tested without dividing.
      let rNumerator = ay * dx - ax * dy
      let tNumerator = ay * ex - ax * ey
      let sign: Double = denominator > 0 ? 1 : -1
      let d = denominator * sign, rn = rNumerator * sign, tn = tNumerator * sign
      if rn > 0 && rn < d && tn > 0 && tn < d {
        nearest = min(nearest, tn / d)
      }
    }
    return nearest * Maze.rangefinderRange
  }

  public var behaviorCount: Int { 2 }

  public var behaviorNames: [String]? { ["x", "y"] }

  public func writeBehavior(
    into buffer: UnsafeMutableBufferPointer<Float>, finalObservation: UnsafeBufferPointer<Float>
  ) {
    buffer[0] = Float(x)
    buffer[1] = Float(y)
  }

  // MARK: Drawing

  /// Colours of the maze picture.
  public enum Palette {
    public static let wall = RGB(20, 20, 20)
    public static let goal = RGB(40, 170, 70)
    public static let start = RGB(150, 150, 150)
    public static let robot = RGB(40, 90, 200)
    public static let ray = RGB(230, 150, 150)
    public static let trail = RGB(140, 180, 240)
  }

  /// Maps maze units to pixels so the walls fill `frame` with a 10-pixel margin.
  public func pixelTransform(for frame: Frame) -> (scale: Double, x: (Double) -> Double, y: (Double) -> Double) {
    let xs = walls.flatMap { [$0.x1, $0.x2] }, ys = walls.flatMap { [$0.y1, $0.y2] }
    let minX = xs.min() ?? 0, maxX = xs.max() ?? 1, minY = ys.min() ?? 0, maxY = ys.max() ?? 1
    let scale = min(
      Double(frame.width - 20) / max(maxX - minX, 1), Double(frame.height - 20) / max(maxY - minY, 1))
    return (scale, { 10 + ($0 - minX) * scale }, { 10 + ($0 - minY) * scale })
  }

  /// Two pixels per maze unit plus the margin.
  public var renderSize: (width: Int, height: Int) {
    let xs = walls.flatMap { [$0.x1, $0.x2] }, ys = walls.flatMap { [$0.y1, $0.y2] }
    let w = (xs.max() ?? 100) - (xs.min() ?? 0), h = (ys.max() ?? 100) - (ys.min() ?? 0)
    return (Int(w * 2) + 20, Int(h * 2) + 20)
  }

  /// Walls, goal, start, the trail so far, the rangefinder rays and the robot with its heading.
  public func render(into frame: inout Frame) {
    frame.fill(.white)
    let (scale, px, py) = pixelTransform(for: frame)
    let layout = config.layout
    frame.fillCircle(centerX: px(layout.startX), centerY: py(layout.startY), radius: 3 * scale, Palette.start)
    frame.fillCircle(
      centerX: px(layout.goalX), centerY: py(layout.goalY), radius: Maze.goalRadius * scale, Palette.goal)
    for (a, b) in zip(trail, trail.dropFirst()) {
      frame.drawLine(fromX: px(a.x), fromY: py(a.y), toX: px(b.x), toY: py(b.y), lineWidth: 1.5, Palette.trail)
    }
    let radians = heading / 180 * .pi
    let c = cos(radians), s = sin(radians)
    for d in rangefinderDirections {
      let dx = c * d.x - s * d.y, dy = s * d.x + c * d.y
      let length = rayLength(dx: dx * Maze.rangefinderRange, dy: dy * Maze.rangefinderRange)
      frame.drawLine(
        fromX: px(x), fromY: py(y), toX: px(x + dx * length), toY: py(y + dy * length), Palette.ray)
    }
    for wall in walls {
      frame.drawLine(
        fromX: px(wall.x1), fromY: py(wall.y1), toX: px(wall.x2), toY: py(wall.y2),
        lineWidth: max(2, scale), Palette.wall)
    }
    frame.fillCircle(centerX: px(x), centerY: py(y), radius: Maze.robotRadius * scale, Palette.robot)
    frame.drawLine(
      fromX: px(x), fromY: py(y), toX: px(x + c * Maze.robotRadius), toY: py(y + s * Maze.robotRadius),
      lineWidth: max(1.5, scale / 2), .white)
  }
}
