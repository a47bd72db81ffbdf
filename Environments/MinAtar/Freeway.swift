import RLCore

/// # MinAtar Freeway (`freeway`, MinAtar/Freeway)
///
/// - **Channels**: chicken, car, then speed1…speed5 (each car's trail cell, in the channel of
///   its speed class).
/// - **Actions**: six; only up and down move the chicken. Minimal set: n, u, d.
/// - **Start**: the chicken in column 4 on the bottom row (9); eight cars, one per row 1–8, all
///   at x = 0, each with a random speed class 1–5 and direction.
/// - **Each frame**: the chicken may move one row at most once every 3 frames. A car of speed
///   class s moves one cell every s + 1 frames (the period MinAtar measurably has), wrapping
///   around the edges. A car on the chicken's cell (after either moves) sends the chicken back to
///   the bottom row, without penalty.
/// - **Reward**: +1 each time the chicken reaches the top row; it goes back to the bottom and
///   every car gets a new random speed and direction.
/// - **End**: after 2,500 frames the next frame ends the game (episodes are exactly 2,501 frames).
/// - **Random play** (MinAtar 1.0.15): return 0.14.
public struct Freeway: MinAtarGame {
  public static let id = "MinAtar/Freeway-v0"
  public static let name = "freeway"
  public static let channels = ["chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5"]
  public static let randomStart = true
  public static let minimalActions = [0, 2, 4]
  static let playerSpeed = 3
  static let timeLimit = 2500

  public struct Car: Sendable, Equatable, Codable {
    public var x: Int
    /// Speed class 1…5; the sign is the direction.
    public var speed: Int
    public var timer: Int
  }

  public var chicken = 9
  public var moveTimer = 0
  public var cars: [Car] = []
  public var frames = 0

  public init(rng: inout SplitMix64, ramping: Bool) {
    Self.randomizeCars(&cars, rng: &rng, keepPositions: false)
  }

  public mutating func restart(rng: inout SplitMix64) {
    chicken = 9
    moveTimer = 0
    frames = 0
    Self.randomizeCars(&cars, rng: &rng, keepPositions: false)
  }

  /// New random speeds and directions for the eight cars, in place.
  static func randomizeCars(_ cars: inout [Car], rng: inout SplitMix64, keepPositions: Bool) {
    for i in 0..<8 {
      let magnitude = 1 + Int(rng.next() % 5)
      let speed = rng.nextUnit() < 0.5 ? -magnitude : magnitude
      let car = Car(x: keepPositions && i < cars.count ? cars[i].x : 0, speed: speed, timer: magnitude)
      if i < cars.count { cars[i] = car } else { cars.append(car) }
    }
  }

  func hit() -> Bool { cars.enumerated().contains { $0.offset + 1 == chicken && $0.element.x == 4 } }

  public mutating func act(_ action: Int, rng: inout SplitMix64) -> (reward: Double, terminal: Bool) {
    var reward = 0.0
    if moveTimer == 0 && (action == 2 || action == 4) {
      chicken = action == 2 ? max(0, chicken - 1) : min(9, chicken + 1)
      moveTimer = Self.playerSpeed
    }
    if chicken == 0 {
      reward = 1
      chicken = 9
      Self.randomizeCars(&cars, rng: &rng, keepPositions: true)
    }
    if hit() { chicken = 9 }
    for i in cars.indices {
      if cars[i].timer == 0 {
        cars[i].timer = abs(cars[i].speed)
        cars[i].x = (cars[i].x + (cars[i].speed > 0 ? 1 : -1) + 10) % 10
      } else {
        cars[i].timer -= 1
      }
    }
    if hit() { chicken = 9 }
    if moveTimer > 0 { moveTimer -= 1 }
    frames += 1
    return (reward, frames > Self.timeLimit)
  }

  public func draw(_ grid: inout MinAtarGrid) {
    grid.set(x: 4, y: chicken, 0)
    for (i, car) in cars.enumerated() {
      grid.set(x: car.x, y: i + 1, 1)
      let back = (car.x - (car.speed > 0 ? 1 : -1) + 10) % 10
      grid.set(x: back, y: i + 1, 1 + abs(car.speed))
    }
  }
}
