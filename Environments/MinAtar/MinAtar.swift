#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import RLCore

/// One MinAtar game's rules: a 10×10 grid of binary channels, six actions `n l u r d f`
/// (noop, left, up, right, down, fire = 0…5), one frame per `act`.
///
/// Written from the rules in Young & Tian 2019 ("MinAtar: An Atari-Inspired Testbed for Thorough
/// and Reproducible Reinforcement Learning Experiments", arXiv 1903.03176) and the measured
/// behaviour of the reference package (timer periods, spawn frames); MinAtar's code is GPL-3.0
/// and was not translated. Statistical fidelity against MinAtar 1.0.15 is a test.
public protocol MinAtarGame: Sendable, Equatable, Codable {
  static var id: String { get }
  static var name: String { get }
  /// Channel names in channel order (the observation is 10×10×channels, channels last).
  static var channels: [String] { get }
  /// The game's minimal action set, as indices into the six actions.
  static var minimalActions: [Int] { get }
  /// Whether the first frame depends on the seed (Breakout's ball side, Freeway's cars).
  static var randomStart: Bool { get }
  /// A new game (the state right after reset).
  init(rng: inout SplitMix64, ramping: Bool)
  /// Back to the state right after reset, in place (keeping array capacity: no allocation).
  mutating func restart(rng: inout SplitMix64)
  /// One frame with a full-set action; returns the reward and whether the game ended.
  mutating func act(_ action: Int, rng: inout SplitMix64) -> (reward: Double, terminal: Bool)
  /// Marks the current state's cells.
  func draw(_ grid: inout MinAtarGrid)
  /// The components of the game's behaviour descriptor (what novelty search measures and the
  /// reports chart), or nil to use the final observation.
  static var behaviorNames: [String]? { get }
  /// Writes the descriptor of the current state (`behaviorNames.count` values).
  func writeBehavior(into buffer: UnsafeMutableBufferPointer<Float>)
}

extension MinAtarGame {
  public static var behaviorNames: [String]? { nil }
  public func writeBehavior(into buffer: UnsafeMutableBufferPointer<Float>) {}
}

/// Where a game draws: channel `c` of cell (x, y) is `cells[(y · 10 + x) · channels + c]`.
public struct MinAtarGrid {
  public let channels: Int
  @usableFromInline let cells: UnsafeMutableBufferPointer<Float>

  init(channels: Int, cells: UnsafeMutableBufferPointer<Float>) {
    self.channels = channels
    self.cells = cells
  }

  /// Sets channel `c` at column x, row y (0 = top); cells off the grid are ignored.
  @inlinable
  public func set(x: Int, y: Int, _ c: Int) {
    guard (0..<10).contains(x), (0..<10).contains(y) else { return }
    cells[(y * 10 + x) * channels + c] = 1
  }
}

/// A MinAtar game as an env: sticky actions, the optional minimal action set, observations
/// written as 0/1 floats, and a safety time limit.
///
/// Sticky actions (Machado et al. 2018, as MinAtar does them): with probability 0.1 the previous
/// action is repeated instead of the chosen one; the previous action is *not* forgotten between
/// episodes of one stream (`reset(seed: nil)` continues it). A seeded reset starts a fresh stream —
/// a new MinAtar `Environment`, whose remembered action is 0 — so that every seeded episode is
/// reproducible on its own, whichever worker thread ran the episode before it. MinAtar has no time limit of its own (Freeway ends itself after 2,500 frames); a
/// good Breakout agent can play forever, so episodes are truncated after `maxEpisodeSteps`
/// (default 10,000), far beyond any random or ordinary episode.
public struct MinAtar<Game: MinAtarGame>: ConfigurableEnvironment {
  public struct Config: Sendable, Equatable, Codable {
    /// Probability that the previous action repeats (MinAtar: 0.1).
    public var stickyActionProbability: Double = 0.1
    /// Difficulty ramping, on in MinAtar by default.
    public var difficultyRamping: Bool = true
    /// Use the game's minimal action set instead of all six actions (gymnax's default).
    public var minimalActions: Bool = false
    /// Truncate episodes after this many frames.
    public var maxEpisodeSteps: Int = 10_000

    public init(stickyActionProbability: Double = 0.1, difficultyRamping: Bool = true, minimalActions: Bool = false, maxEpisodeSteps: Int = 10_000) {
      self.stickyActionProbability = stickyActionProbability
      self.difficultyRamping = difficultyRamping
      self.minimalActions = minimalActions
      self.maxEpisodeSteps = maxEpisodeSteps
    }
  }

  public static var defaultConfig: Config { Config() }

  public let config: Config
  public let spec: EnvSpec
  public var game: Game
  /// The action last executed (sticky actions repeat it); kept across episodes.
  public var lastAction = 0
  /// Whether the game has ended: stepping on changes nothing and reports the end again (as
  /// MinAtar's `act` does after a terminal frame).
  public var ended = false
  @usableFromInline var rng = SplitMix64(seed: 0)
  @usableFromInline var clock: EpisodeClock
  let actions: [Int]

  public init(config: Config = Config()) {
    self.config = config
    actions = config.minimalActions ? Game.minimalActions : Array(0..<6)
    clock = EpisodeClock(limit: config.maxEpisodeSteps)
    let cells = 100 * Game.channels.count
    spec = EnvSpec(
      id: Game.id, name: Game.name,
      observationSpace: BoxSpace(low: [Float](repeating: 0, count: cells), high: [Float](repeating: 1, count: cells)),
      actionSpace: .discrete(count: actions.count), maxEpisodeSteps: config.maxEpisodeSteps, rewardThreshold: nil,
      randomStart: Game.randomStart, observationShape: GridShape(height: 10, width: 10, channels: Game.channels.count))
    var rng = SplitMix64(seed: 0)
    game = Game(rng: &rng, ramping: config.difficultyRamping)
  }

  public mutating func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Float>) {
    if let seed {
      rng = SplitMix64(seed: seed)
      lastAction = 0
    }
    game.restart(rng: &rng)
    clock.reset()
    ended = false
    write(observation)
  }

  public mutating func step(_ action: Action, observation: UnsafeMutableBufferPointer<Float>) -> Step {
    if ended {
      write(observation)
      return Step(reward: 0, terminated: true, truncated: clock.tick())
    }
    var chosen = actions[min(max(action.index, 0), actions.count - 1)]
    if rng.nextUnit() < config.stickyActionProbability { chosen = lastAction }
    lastAction = chosen
    let (reward, terminal) = game.act(chosen, rng: &rng)
    ended = terminal
    write(observation)
    // As Gymnasium's TimeLimit: the limit step is truncated whether or not the game also ended.
    return Step(reward: reward, terminated: terminal, truncated: clock.tick())
  }

  func write(_ observation: UnsafeMutableBufferPointer<Float>) {
    observation.update(repeating: 0)
    var grid = MinAtarGrid(channels: Game.channels.count, cells: observation)
    game.draw(&grid)
  }

  // MARK: Drawing

  public var renderSize: (width: Int, height: Int) { (320, 320) }

  public var behaviorCount: Int { Game.behaviorNames?.count ?? spec.observationSpace.count }

  public var behaviorNames: [String]? { Game.behaviorNames }

  /// The game's own descriptor where it has one (Seaquest's), else the final observation.
  public func writeBehavior(into buffer: UnsafeMutableBufferPointer<Float>, finalObservation: UnsafeBufferPointer<Float>) {
    guard Game.behaviorNames != nil else {
      for i in 0..<min(buffer.count, finalObservation.count) { buffer[i] = finalObservation[i] }
      return
    }
    game.writeBehavior(into: buffer)
  }

  /// Each channel a distinct colour on black (the cubehelix colours MinAtar's own renderer uses,
  /// channel k as colour k + 1), 32 px cells, thin grid lines; where channels overlap the last wins.
  public func render(into frame: inout Frame) {
    frame.fill(RGB(0, 0, 0))
    let channels = Game.channels.count
    var cells = [Float](repeating: 0, count: 100 * channels)
    cells.withUnsafeMutableBufferPointer { buffer in
      var grid = MinAtarGrid(channels: channels, cells: buffer)
      game.draw(&grid)
    }
    for y in 0..<10 {
      for x in 0..<10 {
        for c in 0..<channels where cells[(y * 10 + x) * channels + c] > 0 {
          frame.fillRect(x: x * 32, y: y * 32, width: 32, height: 32, minAtarColor(c, of: channels))
        }
      }
    }
    for k in 1..<10 {
      frame.fillRect(x: k * 32, y: 0, width: 1, height: 320, RGB(40, 40, 40))
      frame.fillRect(x: 0, y: k * 32, width: 320, height: 1, RGB(40, 40, 40))
    }
  }
}

/// Colour k + 1 of n + 1 along Green's cubehelix (start 0.5, rotations −1.5, gamma 1, hue 1):
/// distinct, ordered in brightness, readable on black.
func minAtarColor(_ channel: Int, of count: Int) -> RGB {
  let fraction = Double(channel + 1) / Double(count + 1)
  let angle = 2 * Double.pi * (0.5 / 3 + 1 - 1.5 * fraction)
  let amplitude = fraction * (1 - fraction) / 2
  func component(_ a: Double, _ b: Double) -> UInt8 {
    UInt8(max(0, min(255, (fraction + amplitude * (a * cos(angle) + b * sin(angle))) * 255)))
  }
  return RGB(component(-0.14861, 1.78277), component(-0.29227, -0.90649), component(1.97294, 0))
}

/// One bit per cell of the 10×10 grid (cell y·10 + x), in two words: games keep their bricks,
/// aliens and bullets here, so a frame allocates nothing.
public struct GridBits: Sendable, Equatable, Codable {
  public var low: UInt64 = 0
  public var high: UInt64 = 0

  public init() {}

  @inlinable
  public subscript(_ cell: Int) -> Bool {
    get { cell < 64 ? (low >> UInt64(cell)) & 1 == 1 : (high >> UInt64(cell - 64)) & 1 == 1 }
    set {
      if cell < 64 {
        if newValue { low |= 1 << UInt64(cell) } else { low &= ~(1 << UInt64(cell)) }
      } else {
        if newValue { high |= 1 << UInt64(cell - 64) } else { high &= ~(1 << UInt64(cell - 64)) }
      }
    }
  }

  public var isEmpty: Bool { low == 0 && high == 0 }
  public var count: Int { low.nonzeroBitCount + high.nonzeroBitCount }

  // Whole-grid moves as word shifts: cell i is bit i of the 100-bit value high·2⁶⁴ + low, so a
  // row is 10 bits and a column step 1 bit. Cells pushed off the grid are dropped.

  /// Cells 64…99 live in the low 36 bits of `high`.
  static let highMask: UInt64 = (1 << 36) - 1
  /// Column 0 (x = 0) and column 9 of every row.
  static let column0 = GridBits(cells: (0..<10).map { $0 * 10 })
  static let column9 = GridBits(cells: (0..<10).map { $0 * 10 + 9 })
  /// Row 9, the bottom row.
  static let bottomRow = GridBits(cells: Array(90..<100))

  public init(cells: [Int]) {
    for cell in cells { self[cell] = true }
  }

  @usableFromInline
  init(low: UInt64, high: UInt64) {
    self.low = low
    self.high = high & Self.highMask
  }

  @inlinable
  public static func & (a: GridBits, b: GridBits) -> GridBits { GridBits(low: a.low & b.low, high: a.high & b.high) }
  @inlinable
  public static func | (a: GridBits, b: GridBits) -> GridBits { GridBits(low: a.low | b.low, high: a.high | b.high) }
  @inlinable
  public static prefix func ~ (a: GridBits) -> GridBits { GridBits(low: ~a.low, high: ~a.high) }

  /// Every cell one row up (y − 1); row 0 leaves the grid.
  public var up: GridBits { GridBits(low: (low >> 10) | (high << 54), high: high >> 10) }
  /// Every cell one row down (y + 1); row 9 leaves the grid.
  public var down: GridBits { GridBits(low: low << 10, high: (high << 10) | (low >> 54)) }
  /// Every cell one column left (x − 1); column 0 leaves the grid.
  public var left: GridBits {
    let kept = self & ~Self.column0
    return GridBits(low: (kept.low >> 1) | (kept.high << 63), high: kept.high >> 1)
  }
  /// Every cell one column right (x + 1); column 9 leaves the grid.
  public var right: GridBits {
    let kept = self & ~Self.column9
    return GridBits(low: kept.low << 1, high: (kept.high << 1) | (kept.low >> 63))
  }

  /// Row y's ten cells as the low bits of a word (bit x = column x).
  @inlinable
  public func row(_ y: Int) -> UInt64 {
    let shift = 10 * y
    if shift + 10 <= 64 { return (low >> UInt64(shift)) & 0x3FF }
    if shift >= 64 { return (high >> UInt64(shift - 64)) & 0x3FF }
    return ((low >> UInt64(shift)) | (high << UInt64(64 - shift))) & 0x3FF
  }

  /// The set cells in increasing order, visiting only those (no allocation).
  @inlinable
  public func forEachCell(_ body: (Int) -> Void) {
    var word = low
    while word != 0 {
      body(word.trailingZeroBitCount)
      word &= word - 1
    }
    word = high
    while word != 0 {
      body(64 + word.trailingZeroBitCount)
      word &= word - 1
    }
  }
}
