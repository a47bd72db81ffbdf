import RLCore

/// # MinAtar Breakout (`breakout`, MinAtar/Breakout)
///
/// - **Channels**: paddle, ball, trail (the ball's previous cell), brick.
/// - **Actions**: six (`n l u r d f`); only left and right move the paddle. Minimal set: n, l, r.
/// - **Start**: paddle at x = 4 on the bottom row; three rows of bricks (rows 1–3); the ball on
///   row 3 at x = 0 heading down-right or at x = 9 heading down-left (½ each).
/// - **Each frame**: the paddle moves, then the ball moves one cell diagonally. It reflects off
///   the side walls (staying in the edge column that frame) and the ceiling. Entering a brick:
///   +1, the brick is removed and the ball bounces back vertically — but not on two consecutive
///   frames (a strike flag lets the ball pass into a second brick right after the first).
///   Reaching the bottom row: if the paddle is under the ball's previous column the ball
///   bounces vertically; if it is under the new column the ball reverses both ways; otherwise
///   the game ends. When the last brick is gone, the three rows are refilled as the ball reaches
///   the bottom row.
/// - **Reward**: +1 per brick. **End**: the ball passes the paddle. No ramping.
/// - **Random play** (MinAtar 1.0.15, full action set, sticky 0.1): return 0.48, 10.9 frames.
public struct Breakout: MinAtarGame {
  public static let id = "MinAtar/Breakout-v0"
  public static let name = "breakout"
  public static let channels = ["paddle", "ball", "trail", "brick"]
  public static let randomStart = true
  public static let minimalActions = [0, 1, 3]

  /// (dx, dy) of the four diagonal directions: up-left, up-right, down-right, down-left.
  static let directions = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
  static let flipX = [1, 0, 3, 2]
  static let flipY = [3, 2, 1, 0]
  static let reverse = [2, 3, 0, 1]

  public var paddle = 4
  public var ballX: Int
  public var ballY = 3
  public var direction: Int
  public var lastX: Int
  public var lastY = 3
  public var bricks = GridBits()
  public var strike = false

  public init(rng: inout SplitMix64, ramping: Bool) {
    let fromLeft = rng.nextUnit() < 0.5
    ballX = fromLeft ? 0 : 9
    direction = fromLeft ? 2 : 3
    lastX = ballX
    Self.fillBricks(&bricks)
  }

  public mutating func restart(rng: inout SplitMix64) { self = Breakout(rng: &rng, ramping: false) }

  static func fillBricks(_ bricks: inout GridBits) {
    for y in 1...3 { for x in 0..<10 { bricks[y * 10 + x] = true } }
  }

  public mutating func act(_ action: Int, rng: inout SplitMix64) -> (reward: Double, terminal: Bool) {
    if action == 1 { paddle = max(0, paddle - 1) }
    if action == 3 { paddle = min(9, paddle + 1) }
    lastX = ballX
    lastY = ballY
    var (dx, dy) = Self.directions[direction]
    var newX = ballX + dx, newY = ballY + dy
    var reward = 0.0, terminal = false, struck = false
    if newX < 0 || newX > 9 {
      newX = newX < 0 ? 0 : 9
      direction = Self.flipX[direction]
      (dx, dy) = Self.directions[direction]
    }
    if newY < 0 {
      newY = 0
      direction = Self.flipY[direction]
    } else if bricks[newY * 10 + newX] {
      struck = true
      if !strike {
        reward = 1
        strike = true
        bricks[newY * 10 + newX] = false
        newY = lastY
        direction = Self.flipY[direction]
      }
    } else if newY == 9 {
      if bricks.isEmpty { Self.fillBricks(&bricks) }
      if ballX == paddle {
        direction = Self.flipY[direction]
        newY = lastY
      } else if newX == paddle {
        direction = Self.reverse[direction]
        newY = lastY
      } else {
        terminal = true
      }
    }
    if !struck { strike = false }
    ballX = newX
    ballY = newY
    return (reward, terminal)
  }

  public func draw(_ grid: inout MinAtarGrid) {
    grid.set(x: paddle, y: 9, 0)
    grid.set(x: ballX, y: ballY, 1)
    grid.set(x: lastX, y: lastY, 2)
    for y in 1...3 { for x in 0..<10 where bricks[y * 10 + x] { grid.set(x: x, y: y, 3) } }
  }
}
