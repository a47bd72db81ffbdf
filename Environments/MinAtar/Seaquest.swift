import RLCore

/// # MinAtar Seaquest (`seaquest`, MinAtar/Seaquest)
///
/// - **Channels**: sub_front, sub_back, friendly_bullet, trail, enemy_bullet, enemy_fish,
///   enemy_sub, oxygen_guage, diver_guage, diver (MinAtar's spelling).
/// - **Actions**: all six: left/right move the sub and turn it, up/down move it (rows 0–8), fire
///   shoots ahead (5-frame cooldown).
/// - **Start**: the sub at (5, 0), on the surface, facing left; oxygen 200; no divers.
/// - **Each frame**: the sub acts; its bullets fly one cell and destroy an enemy they meet (+1).
///   Every 20 frames an enemy appears at x = 0 or 9 in a random row 1–8 (a sub with
///   probability ⅓, else a fish; not where an enemy already swims the other way); every 30
///   frames a diver appears likewise. Enemies step one cell every 5 + 1 frames (fewer as the game
///   ramps), divers every 5 + 1 always; enemy subs fire every 10 + 1 frames. Touching a fish, a
///   sub or an enemy bullet ends the game — checked right after the sub moves and again after
///   everything else has — and a diver in the sub's cell, before or after its step, is picked up
///   (at most 6).
/// - **Oxygen**: −1 per frame under water; a frame that starts with none left ends the game, at
///   the surface too (a sub that dives on frame 1 and stays down runs out on frame 201; one that
///   reaches the surface on its last frame of oxygen is lost). **Surfacing**: with no diver the game ends; with 1–5
///   one diver is dropped off and the oxygen refilled; with 6 the reward is
///   oxygen·10 // 200 and the divers are cleared — and, as in MinAtar 1.0.15, the count then
///   drops to −1, after which surfacing never ends the game (the quirk the reference measurably
///   has). Every surfacing ramps: enemies spawn a frame sooner (to 1) and, every other time, move
///   a frame faster (to 2).
/// - **Gauges** on row 9: oxygen from the left (oxygen·10 // 200 cells), divers from column 8
///   leftwards (column 9 stays empty).
/// - **Random play** (MinAtar 1.0.15): return 0.11, 29.7 frames.
public struct Seaquest: MinAtarGame {
  public static let id = "MinAtar/Seaquest-v0"
  public static let name = "seaquest"
  public static let channels = [
    "sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet", "enemy_fish", "enemy_sub",
    "oxygen_guage", "diver_guage", "diver",
  ]
  public static let randomStart = false
  public static let minimalActions = [0, 1, 2, 3, 4, 5]
  static let maxOxygen = 200
  /// Divers step every 5 + 1 frames whatever the enemies' ramped pace (MinAtar's `diver_move_interval`).
  static let diverMoveInterval = 5

  /// A fish, an enemy sub, or a diver.
  public struct Mover: Sendable, Equatable, Codable {
    public var x: Int, y: Int
    public var right: Bool
    public var moveTimer: Int
    public var shotTimer = 0
    public var isSub = false

    /// One frame: a step sideways when the move timer has run down (then it restarts at
    /// `speed`), otherwise the timer counts down.
    mutating func advance(every speed: Int) {
      if moveTimer == 0 {
        moveTimer = speed
        x += right ? 1 : -1
      } else {
        moveTimer -= 1
      }
    }
  }

  public struct Bullet: Sendable, Equatable, Codable {
    public var x: Int, y: Int
    public var right: Bool
  }

  public var x = 5, y = 0
  public var facingLeft = true
  public var oxygen = Seaquest.maxOxygen
  public var divers = 0
  public var surfaced = true
  public var shotTimer = 0
  public var bullets: [Bullet] = []
  public var enemyBullets: [Bullet] = []
  public var enemies: [Mover] = []
  public var diversInWater: [Mover] = []
  public var enemySpawnSpeed = 20, enemySpawnTimer = 20
  public var diverSpawnTimer = 30
  public var moveSpeed = 5
  public var rampIndex = 0
  /// Times the sub surfaced with divers this episode (refilling its oxygen): the move the big
  /// scores need and a shoot-and-drown agent never learns.
  public var surfacings = 0
  let ramping: Bool

  public init(rng: inout SplitMix64, ramping: Bool) {
    self.ramping = ramping
    // Room for more than the grid can hold, so frames never grow an array.
    bullets.reserveCapacity(64)
    enemyBullets.reserveCapacity(64)
    enemies.reserveCapacity(64)
    diversInWater.reserveCapacity(64)
  }

  public mutating func restart(rng: inout SplitMix64) {
    x = 5
    y = 0
    facingLeft = true
    oxygen = Self.maxOxygen
    divers = 0
    surfaced = true
    shotTimer = 0
    bullets.removeAll(keepingCapacity: true)
    enemyBullets.removeAll(keepingCapacity: true)
    enemies.removeAll(keepingCapacity: true)
    diversInWater.removeAll(keepingCapacity: true)
    enemySpawnSpeed = 20
    enemySpawnTimer = 20
    diverSpawnTimer = 30
    moveSpeed = 5
    rampIndex = 0
    surfacings = 0
  }

  /// The sub's cell (x, y), its oxygen in gauge cells (oxygen / 20, 0–10), the divers it carries
  /// and its surfacings so far: where an episode ended and whether the agent learned to surface
  /// (Conti et al. 2018 used the final position alone).
  public static var behaviorNames: [String]? { ["x", "y", "oxygen", "divers", "surfacings"] }

  public func writeBehavior(into buffer: UnsafeMutableBufferPointer<Float>) {
    buffer[0] = Float(x)
    buffer[1] = Float(y)
    buffer[2] = Float(oxygen) / 20
    buffer[3] = Float(divers)
    buffer[4] = Float(surfacings)
  }

  func touches(_ bx: Int, _ by: Int) -> Bool { bx == x && by == y }

  /// Whether a fish, an enemy sub or an enemy bullet is in the sub's cell.
  func collides() -> Bool {
    enemies.contains { touches($0.x, $0.y) } || enemyBullets.contains { touches($0.x, $0.y) }
  }

  public mutating func act(_ action: Int, rng: inout SplitMix64) -> (reward: Double, terminal: Bool) {
    var reward = 0.0, terminal = false
    let (startX, startY) = (x, y)
    switch action {
    case 1:
      x = max(0, x - 1)
      facingLeft = true
    case 2: y = max(0, y - 1)
    case 3:
      x = min(9, x + 1)
      facingLeft = false
    case 4: y = min(8, y + 1)
    case 5 where shotTimer == 0:
      bullets.append(Bullet(x: x, y: y, right: !facingLeft))
      shotTimer = 5
    default: break
    }
    // Moving into an enemy or an enemy bullet ends the game even if it then moves on (MinAtar
    // measurably checks here as well as after everything has moved; a sub that stayed put was
    // checked at the end of the last frame).
    if (x != startX || y != startY) && collides() { terminal = true }
    // Friendly bullets fly, and hit what they meet (in place: no allocation per frame).
    var kept = 0
    for i in bullets.indices {
      var b = bullets[i]
      b.x += b.right ? 1 : -1
      guard (0..<10).contains(b.x) else { continue }
      if let e = enemies.firstIndex(where: { $0.x == b.x && $0.y == b.y }) {
        enemies.remove(at: e)
        reward += 1
      } else {
        bullets[kept] = b
        kept += 1
      }
    }
    bullets.removeLast(bullets.count - kept)
    // Spawns.
    if enemySpawnTimer == 0 {
      enemySpawnTimer = enemySpawnSpeed
      let right = rng.nextUnit() < 0.5
      let isSub = rng.nextUnit() < 1.0 / 3
      let row = 1 + Int(rng.next() % 8)
      if !enemies.contains(where: { $0.y == row && $0.right != right }) {
        enemies.append(Mover(x: right ? 0 : 9, y: row, right: right, moveTimer: moveSpeed, shotTimer: 10, isSub: isSub))
      }
    }
    if diverSpawnTimer == 0 {
      diverSpawnTimer = 30
      let right = rng.nextUnit() < 0.5
      let row = 1 + Int(rng.next() % 8)
      diversInWater.append(Mover(x: right ? 0 : 9, y: row, right: right, moveTimer: Self.diverMoveInterval))
    }
    // Enemies move every moveSpeed + 1 frames; enemy subs fire every 11.
    kept = 0
    for i in enemies.indices {
      var e = enemies[i]
      e.advance(every: moveSpeed)
      if e.isSub {
        if e.shotTimer == 0 {
          e.shotTimer = 10
          enemyBullets.append(Bullet(x: e.x, y: e.y, right: e.right))
        } else {
          e.shotTimer -= 1
        }
      }
      guard (0..<10).contains(e.x) else { continue }
      if let b = bullets.firstIndex(where: { $0.x == e.x && $0.y == e.y }) {
        bullets.remove(at: b)
        reward += 1
        continue
      }
      enemies[kept] = e
      kept += 1
    }
    enemies.removeLast(enemies.count - kept)
    // Divers, newest first as MinAtar walks its list: picked up where the sub is, before their
    // step and after it (a sub moving onto a diver about to swim off still gets it).
    for i in diversInWater.indices.reversed() {
      var d = diversInWater[i]
      if !(touches(d.x, d.y) && divers < 6) {
        d.advance(every: Self.diverMoveInterval)
        guard (0..<10).contains(d.x) else {
          diversInWater.remove(at: i)
          continue
        }
        guard touches(d.x, d.y) && divers < 6 else {
          diversInWater[i] = d
          continue
        }
      }
      diversInWater.remove(at: i)
      divers += 1
    }
    kept = 0
    for i in enemyBullets.indices {
      var b = enemyBullets[i]
      b.x += b.right ? 1 : -1
      if (0..<10).contains(b.x) {
        enemyBullets[kept] = b
        kept += 1
      }
    }
    enemyBullets.removeLast(enemyBullets.count - kept)
    // Collisions with the sub.
    if collides() { terminal = true }
    // Oxygen and surfacing.
    if oxygen <= 0 { terminal = true }
    if y == 0 {
      if !surfaced {
        surfaced = true
        if divers == 0 {
          terminal = true
        } else {
          if divers == 6 {
            reward += Double(oxygen * 10 / Self.maxOxygen)
            divers = 0
          }
          divers -= 1
          oxygen = Self.maxOxygen
          surfacings += 1
          if ramping {
            if enemySpawnSpeed > 1 { enemySpawnSpeed -= 1 }
            if rampIndex % 2 == 1 && moveSpeed > 2 { moveSpeed -= 1 }
            rampIndex += 1
          }
        }
      }
    } else {
      surfaced = false
      oxygen -= 1
    }
    if shotTimer > 0 { shotTimer -= 1 }
    enemySpawnTimer -= 1
    diverSpawnTimer -= 1
    return (reward, terminal)
  }

  public func draw(_ grid: inout MinAtarGrid) {
    grid.set(x: x, y: y, 0)
    grid.set(x: facingLeft ? x + 1 : x - 1, y: y, 1)
    for b in bullets { grid.set(x: b.x, y: b.y, 2) }
    for b in enemyBullets { grid.set(x: b.x, y: b.y, 4) }
    for e in enemies {
      grid.set(x: e.x, y: e.y, e.isSub ? 6 : 5)
      grid.set(x: e.right ? e.x - 1 : e.x + 1, y: e.y, 3)
    }
    for d in diversInWater {
      grid.set(x: d.x, y: d.y, 9)
      grid.set(x: d.right ? d.x - 1 : d.x + 1, y: d.y, 3)
    }
    for i in 0..<(oxygen * 10 / Self.maxOxygen) { grid.set(x: i, y: 9, 7) }
    // Columns 8, 7, … (MinAtar's `9 - diver_count:9`: never column 9); none while the count is
    // negative.
    if divers > 0 { for i in 0..<divers { grid.set(x: 8 - i, y: 9, 8) } }
  }
}
