import RLCore

/// # MinAtar Asterix (`asterix`, MinAtar/Asterix)
///
/// - **Channels**: player, enemy, trail (the cell behind each entity), gold.
/// - **Actions**: six; left, up, right, down move the player one cell. Minimal set: n, l, u, r, d.
/// - **Start**: the player at (5, 5), inside x 0–9, y 1–8; no entities.
/// - **Each frame**: when the spawn timer runs out (every `spawnSpeed` = 10 frames, first on
///   frame 11), an entity appears in a random row 1–8 that is free at the start of the frame, at
///   x = 0 moving right or x = 9 moving left (½ each), gold with probability ⅓ else an enemy;
///   then the player moves; every `moveSpeed` = 5 frames every entity steps one cell, leaving the
///   grid at the far edge.
///   Touching gold (after either moves) gives +1 and removes it; touching an enemy ends the game.
/// - **Ramping** (default on): every 102 frames `spawnSpeed` drops by 1 (to at least 1) and, on
///   every other ramp, `moveSpeed` too.
/// - **Random play** (MinAtar 1.0.15): return 0.51, 69.8 frames.
public struct Asterix: MinAtarGame {
  public static let id = "MinAtar/Asterix-v0"
  public static let name = "asterix"
  public static let channels = ["player", "enemy", "trail", "gold"]
  public static let randomStart = false
  public static let minimalActions = [0, 1, 2, 3, 4]
  static let rampInterval = 102

  public struct Entity: Sendable, Equatable, Codable {
    public var x: Int
    public var movesRight: Bool
    public var gold: Bool
  }

  public var x = 5, y = 5
  /// One slot per row 1–8.
  public var entities = [Entity?](repeating: nil, count: 8)
  public var spawnSpeed = 10, moveSpeed = 5
  public var spawnTimer = 10, moveTimer = 5
  public var frames = 0, rampIndex = 0
  let ramping: Bool

  public init(rng: inout SplitMix64, ramping: Bool) {
    self.ramping = ramping
  }

  public mutating func restart(rng: inout SplitMix64) {
    x = 5
    y = 5
    for i in entities.indices { entities[i] = nil }
    spawnSpeed = 10
    moveSpeed = 5
    spawnTimer = 10
    moveTimer = 5
    frames = 0
    rampIndex = 0
  }

  /// Gold at the player's cell is collected; an enemy there ends the game.
  mutating func collide() -> (reward: Double, terminal: Bool) {
    guard (1...8).contains(y), let e = entities[y - 1], e.x == x else { return (0, false) }
    if e.gold {
      entities[y - 1] = nil
      return (1, false)
    }
    return (0, true)
  }

  public mutating func act(_ action: Int, rng: inout SplitMix64) -> (reward: Double, terminal: Bool) {
    // The spawn comes first: a row the player empties this frame (by taking its gold) is not free
    // for it yet — MinAtar measurably never spawns there.
    if spawnTimer == 0 {
      let free = entities.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
      if free > 0 {
        // The k-th free row, k uniform.
        var k = Int(rng.next() % UInt64(free))
        var row = 0
        while entities[row] != nil || k > 0 {
          if entities[row] == nil { k -= 1 }
          row += 1
        }
        let right = rng.nextUnit() < 0.5
        let gold = rng.nextUnit() < 1.0 / 3
        entities[row] = Entity(x: right ? 0 : 9, movesRight: right, gold: gold)
      }
      spawnTimer = spawnSpeed
    }
    switch action {
    case 1: x = max(0, x - 1)
    case 2: y = max(1, y - 1)
    case 3: x = min(9, x + 1)
    case 4: y = min(8, y + 1)
    default: break
    }
    var (reward, terminal) = collide()
    if moveTimer == 0 {
      for i in entities.indices {
        guard var e = entities[i] else { continue }
        e.x += e.movesRight ? 1 : -1
        entities[i] = (0..<10).contains(e.x) ? e : nil
      }
      moveTimer = moveSpeed
    }
    let (r2, t2) = collide()
    reward += r2
    terminal = terminal || t2
    spawnTimer -= 1
    moveTimer -= 1
    frames += 1
    if ramping && frames % Self.rampInterval == 0 {
      if spawnSpeed > 1 { spawnSpeed -= 1 }
      if moveSpeed > 1 && rampIndex % 2 == 1 { moveSpeed -= 1 }
      rampIndex += 1
    }
    return (reward, terminal)
  }

  public func draw(_ grid: inout MinAtarGrid) {
    grid.set(x: x, y: y, 0)
    for (i, slot) in entities.enumerated() {
      guard let e = slot else { continue }
      grid.set(x: e.x, y: i + 1, e.gold ? 3 : 1)
      grid.set(x: e.x - (e.movesRight ? 1 : -1), y: i + 1, 2)
    }
  }
}
