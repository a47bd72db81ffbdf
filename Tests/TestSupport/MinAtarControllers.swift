/// Scripted MinAtar players that reach the states random play never does: cleared waves, ramped
/// speeds, many crossings, divers brought up. Each is a function of the observation alone, written
/// with the same integer rules as in `scripts/minatar-reference.py`, so one controller plays the
/// same way in rollout and in the reference package and the two sets of statistics must agree.
public enum MinAtarControllers {
  static let noop = 0, left = 1, up = 2, right = 3, down = 4, fire = 5

  /// A channels-last 10×10 observation.
  public struct Grid {
    let cells: UnsafeBufferPointer<Float>
    let channels: Int

    public init(_ cells: UnsafeBufferPointer<Float>, channels: Int) {
      self.cells = cells
      self.channels = channels
    }

    subscript(x: Int, y: Int, c: Int) -> Bool { cells[(y * 10 + x) * channels + c] > 0 }

    /// The first set cell of channel c, row by row.
    func first(_ c: Int) -> (x: Int, y: Int)? {
      for y in 0..<10 { for x in 0..<10 where self[x, y, c] { return (x, y) } }
      return nil
    }

    func all(_ c: Int) -> [(x: Int, y: Int)] {
      var found: [(x: Int, y: Int)] = []
      for y in 0..<10 { for x in 0..<10 where self[x, y, c] { found.append((x, y)) } }
      return found
    }
  }

  /// The controller for a game's CLI name, or nil.
  public static func named(_ game: String) -> ((Grid) -> Int)? {
    switch game {
    case "breakout": breakout
    case "space-invaders": spaceInvaders
    case "freeway": freeway
    case "asterix": asterix
    case "seaquest": seaquest
    default: nil
    }
  }

  /// Keeps the paddle under the ball's landing column, predicted from the ball and its trail.
  public static func breakout(_ o: Grid) -> Int {
    guard let paddle = o.first(0)?.x, let ball = o.first(1) else { return noop }
    var target = ball.x
    if let trail = o.first(2) {
      var dx = ball.x - trail.x
      let dy = ball.y - trail.y
      if dx != 0 && dy > 0 {
        var x = ball.x
        for _ in 0..<(9 - ball.y) {
          x += dx
          if x < 0 || x > 9 {
            dx = -dx
            x = x < 0 ? 0 : 9
          }
        }
        target = x
      }
    }
    return target < paddle ? left : target > paddle ? right : noop
  }

  /// Dodges a falling shot, else walks under the nearest alien column and fires.
  public static func spaceInvaders(_ o: Grid) -> Int {
    guard let cannon = o.first(0)?.x else { return noop }
    let shots = o.all(5)
    func threatened(_ x: Int) -> Bool { shots.contains { $0.x == x && $0.y >= 6 } }
    if threatened(cannon) {
      for (step, action) in [(-1, left), (1, right)] where (0...9).contains(cannon + step) && !threatened(cannon + step) {
        return action
      }
    }
    let columns = Set(o.all(1).map(\.x)).sorted { (abs($0 - cannon), $0) < (abs($1 - cannon), $1) }
    guard let nearest = columns.first, nearest != cannon else { return fire }
    let (step, action) = nearest < cannon ? (-1, left) : (1, right)
    return threatened(cannon + step) ? fire : action
  }

  /// Steps up when no car is within one cell of the chicken's column in the row above.
  public static func freeway(_ o: Grid) -> Int {
    guard let y = o.first(0)?.y else { return noop }
    if y == 0 { return up }
    for x in 3...5 where o[x, y - 1, 1] { return noop }
    return up
  }

  /// Takes the safe move that brings the player closest to the nearest gold (staying still on ties).
  public static func asterix(_ o: Grid) -> Int {
    guard let player = o.first(0) else { return noop }
    func heading(_ x: Int, _ y: Int) -> Int {
      // An entity's trail is the cell behind it; a new one at an edge heads inwards.
      if x - 1 >= 0 && o[x - 1, y, 2] { return 1 }
      if x + 1 <= 9 && o[x + 1, y, 2] { return -1 }
      return x == 0 ? 1 : -1
    }
    func dangerous(_ x: Int, _ y: Int) -> Bool {
      if o[x, y, 1] { return true }
      for ex in [x - 1, x + 1] where (0...9).contains(ex) && o[ex, y, 1] && ex + heading(ex, y) == x { return true }
      return false
    }
    let gold = o.all(3)
    var best = noop, bestScore: Int?
    for (action, dx, dy) in [(noop, 0, 0), (left, -1, 0), (up, 0, -1), (right, 1, 0), (down, 0, 1)] {
      let x = min(max(player.x + dx, 0), 9), y = min(max(player.y + dy, 1), 8)
      if dangerous(x, y) { continue }
      let score = gold.map { abs($0.x - x) + abs($0.y - y) }.min() ?? 0
      if bestScore == nil || score < bestScore! {
        best = action
        bestScore = score
      }
    }
    return best
  }

  /// Shoots what swims in its row, collects divers, and surfaces with six divers or low oxygen.
  public static func seaquest(_ o: Grid) -> Int {
    guard let front = o.first(0) else { return noop }
    let (sx, sy) = front
    let facingLeft = (o.first(1)?.x ?? sx) > sx
    let oxygen = (0..<10).filter { o[$0, 9, 7] }.count
    let divers = (0..<10).filter { o[$0, 9, 8] }.count
    func dangerous(_ x: Int, _ y: Int) -> Bool {
      for c in 4...6 { for ex in (x - 1)...(x + 1) where (0...9).contains(ex) && o[ex, y, c] { return true } }
      return false
    }
    func move(_ dx: Int, _ dy: Int) -> Bool {
      let x = min(max(sx + dx, 0), 9), y = min(max(sy + dy, 0), 8)
      return !dangerous(x, y) || (x == sx && y == sy)
    }
    // With no diver, surfacing ends the game: only from near the top; deeper, the oxygen runs out.
    if sy > 0 && (divers == 6 || (oxygen <= 2 && divers > 0) || (oxygen <= 1 && sy <= 2)) && move(0, -1) { return up }
    let enemies = sy > 0 ? (0..<10).filter { o[$0, sy, 5] || o[$0, sy, 6] } : []
    if let first = enemies.first {
      if enemies.contains(where: { facingLeft ? $0 < sx : $0 > sx }) { return fire }
      let turn = first < sx ? left : right
      if move(turn == left ? -1 : 1, 0) { return turn }
    }
    let diversAt = o.all(9)
    var (tx, ty) = (sx, 4)
    if !diversAt.isEmpty && divers < 6 {
      let nearest = diversAt.min { (abs($0.x - sx) + abs($0.y - sy), $0.y, $0.x) < (abs($1.x - sx) + abs($1.y - sy), $1.y, $1.x) }!
      (tx, ty) = (nearest.x, nearest.y)
    }
    for (action, dx, dy, wanted) in [(down, 0, 1, ty > sy), (up, 0, -1, ty < sy), (left, -1, 0, tx < sx), (right, 1, 0, tx > sx)]
    where wanted && move(dx, dy) {
      return action
    }
    return move(0, 0) ? fire : move(0, 1) ? down : up
  }
}
