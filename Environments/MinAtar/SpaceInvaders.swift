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
    var reward = 0.0
    for i in 0..<100 where friendlyBullets[i] && aliens[i] {
      friendlyBullets[i] = false
      aliens[i] = false
      reward += 1
    }
    return reward
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
    // Bullets: friendly up, enemy down, one cell each.
    var up = GridBits(), down = GridBits()
    for y in 0..<10 {
      for x in 0..<10 {
        if friendlyBullets[y * 10 + x] && y > 0 { up[(y - 1) * 10 + x] = true }
        if enemyBullets[y * 10 + x] && y < 9 { down[(y + 1) * 10 + x] = true }
      }
    }
    friendlyBullets = up
    enemyBullets = down
    if enemyBullets[90 + cannon] { terminal = true }
    // The alien block.
    if alienMoveTimer == 0 {
      alienMoveTimer = min(alienCount, moveInterval)
      var atEdge = false
      for y in 0..<10 where aliens[y * 10 + (movingLeft ? 0 : 9)] { atEdge = true }
      if atEdge {
        movingLeft.toggle()
        if (90..<100).contains(where: { aliens[$0] }) {
          terminal = true
        } else {
          var shifted = GridBits()
          for i in 0..<90 where aliens[i] { shifted[i + 10] = true }
          aliens = shifted
        }
      } else {
        var shifted = GridBits()
        for i in 0..<100 where aliens[i] { shifted[i + (movingLeft ? -1 : 1)] = true }
        aliens = shifted
      }
      if aliens[90 + cannon] { terminal = true }
    }
    // The column nearest the cannon fires from its lowest alien.
    if enemyShotTimer == 0 {
      enemyShotTimer = Self.enemyShotInterval
      // Nearest column to the cannon; the lower column index wins a tie.
      var best: Int?
      for column in 0..<10 where (0..<10).contains(where: { aliens[$0 * 10 + column] }) {
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
    for i in 0..<100 {
      if aliens[i] {
        grid.set(x: i % 10, y: i / 10, 1)
        grid.set(x: i % 10, y: i / 10, movingLeft ? 2 : 3)
      }
      if friendlyBullets[i] { grid.set(x: i % 10, y: i / 10, 4) }
      if enemyBullets[i] { grid.set(x: i % 10, y: i / 10, 5) }
    }
  }
}
