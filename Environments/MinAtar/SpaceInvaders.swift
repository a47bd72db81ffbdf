import RLCore

/// # MinAtar Space Invaders (`space-invaders`, MinAtar/SpaceInvaders)
///
/// - **Channels**: cannon, alien, alien_left, alien_right (the aliens again, by the block's
///   direction), friendly_bullet, enemy_bullet.
/// - **Actions**: six; left and right move the cannon, fire shoots. Minimal set: n, l, r, f.
/// - **Start**: the cannon at x = 5 on the bottom row; 24 aliens in rows 0–3, columns 2–7,
///   moving left.
/// - **Each frame**, in this order (MinAtar 1.0.15's, measured frame by frame on skilled play):
///   the cannon moves; fire launches a bullet from the cannon when the 5-frame cooldown allows.
///   Friendly bullets rise and enemy bullets fall one cell. The alien block moves one cell every
///   min(aliens left, 12) frames (first on frame 13, faster below 12 aliens): sideways, or, at an
///   edge, it turns round and drops a row. Every 10 frames the alien column nearest the cannon
///   fires from its lowest alien. Then a friendly bullet in an alien's cell destroys both (+1) —
///   once per frame, after the block has moved, so a bullet and an alien that swap cells pass
///   each other, and an alien hit on a firing frame has already fired.
/// - **End**: the cannon moves into an alien, an enemy bullet or an alien reaches the cannon, or
///   the block must drop while an alien is already on the bottom row. A cleared wave brings a new
///   block in the starting place, keeping the old one's direction and move timer, one frame
///   faster with ramping (down to 6).
/// - **Random play** (MinAtar 1.0.15): return 2.89, 51.5 frames.
public struct SpaceInvaders: MinAtarGame {
  public static let id = "MinAtar/SpaceInvaders-v0"
  public static let name = "space-invaders"
  public static let channels = ["cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet"]
  public static let randomStart = false
  public static let minimalActions = [0, 1, 3, 5]
  static let shotCooldown = 5
  static let enemyShotInterval = 10

  public var cannon = 5
  public var aliens = GridBits()
  public var movingLeft = true
  public var friendlyBullets = GridBits()
  public var enemyBullets = GridBits()
  public var shotTimer = 0
  public var moveInterval = 12
  public var alienMoveTimer: Int
  public var enemyShotTimer = SpaceInvaders.enemyShotInterval
  let ramping: Bool

  public init(rng: inout SplitMix64, ramping: Bool) {
    self.ramping = ramping
    Self.newWave(&aliens)
    alienMoveTimer = min(24, moveInterval)
  }

  public mutating func restart(rng: inout SplitMix64) { self = SpaceInvaders(rng: &rng, ramping: ramping) }

  static func newWave(_ aliens: inout GridBits) {
    for y in 0...3 { for x in 2...7 { aliens[y * 10 + x] = true } }
  }

  var alienCount: Int { aliens.count }

  /// Friendly bullets sharing a cell with an alien destroy it; returns the reward.
  mutating func hits() -> Double {
    let met = friendlyBullets & aliens
    if met.isEmpty { return 0 }
    friendlyBullets = friendlyBullets & ~met
    aliens = aliens & ~met
    return Double(met.count)
  }

  public mutating func act(_ action: Int, rng: inout SplitMix64) -> (reward: Double, terminal: Bool) {
    var reward = 0.0, terminal = false
    if action == 1 { cannon = max(0, cannon - 1) }
    if action == 3 { cannon = min(9, cannon + 1) }
    // Moving into an alien on the bottom row ends the game, even if the block then moves on.
    if aliens[90 + cannon] { terminal = true }
    if action == 5 && shotTimer == 0 {
      friendlyBullets[90 + cannon] = true
      shotTimer = Self.shotCooldown
    }
    // Bullets: friendly up, enemy down, one cell each (those leaving the grid are gone).
    friendlyBullets = friendlyBullets.up
    enemyBullets = enemyBullets.down
    if enemyBullets[90 + cannon] { terminal = true }
    // The alien block.
    if alienMoveTimer == 0 {
      alienMoveTimer = min(alienCount, moveInterval)
      if !(aliens & (movingLeft ? GridBits.column0 : GridBits.column9)).isEmpty {
        movingLeft.toggle()
        if !(aliens & GridBits.bottomRow).isEmpty {
          terminal = true
        } else {
          aliens = aliens.down
        }
      } else {
        aliens = movingLeft ? aliens.left : aliens.right
      }
      if aliens[90 + cannon] { terminal = true }
    }
    // The column nearest the cannon fires from its lowest alien.
    if enemyShotTimer == 0 {
      enemyShotTimer = Self.enemyShotInterval
      // Nearest column to the cannon; the lower column index wins a tie.
      var columns: UInt64 = 0
      for y in 0..<10 { columns |= aliens.row(y) }
      var best: Int?
      for column in 0..<10 where (columns >> UInt64(column)) & 1 == 1 {
        if best == nil || abs(column - cannon) < abs(best! - cannon) { best = column }
      }
      if let column = best {
        let lowest = (0..<10).last { aliens[$0 * 10 + column] }!
        enemyBullets[lowest * 10 + column] = true
      }
    }
    // Bullets meet aliens once, after the block has moved and fired: a bullet and an alien that
    // swap cells pass each other, and the alien hit this frame still chose where its shot starts.
    reward += hits()
    if alienCount == 0 {
      if ramping && moveInterval > 6 { moveInterval -= 1 }
      // The new block keeps the old one's direction and move timer: it moves as the timer says.
      Self.newWave(&aliens)
    }
    if shotTimer > 0 { shotTimer -= 1 }
    alienMoveTimer -= 1
    enemyShotTimer -= 1
    return (reward, terminal)
  }

  public func draw(_ grid: inout MinAtarGrid) {
    grid.set(x: cannon, y: 9, 0)
    let direction = movingLeft ? 2 : 3
    aliens.forEachCell { i in
      grid.set(x: i % 10, y: i / 10, 1)
      grid.set(x: i % 10, y: i / 10, direction)
    }
    friendlyBullets.forEachCell { grid.set(x: $0 % 10, y: $0 / 10, 4) }
    enemyBullets.forEachCell { grid.set(x: $0 % 10, y: $0 / 10, 5) }
  }
}
