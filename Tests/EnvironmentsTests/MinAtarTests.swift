@testable import Environments
import Evaluation
import Foundation
import RLCore
import Testing
import TestSupport

/// MinAtar 1.0.15's random-policy statistics (Fixtures/minatar_random.json).
struct MinAtarGolden: Decodable {
  struct Game: Decodable {
    var returns: [Double]
    var lengths: [Double]
    var channels: [String]
    var minimalActionSet: [Int]
  }
  var games: [String: Game]

  static let shared: MinAtarGolden = {
    let url = TestPaths.packageRoot.appendingPathComponent("Tests/EnvironmentsTests/Fixtures/minatar_random.json")
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try! decoder.decode(MinAtarGolden.self, from: Data(contentsOf: url))
  }()
}

@Suite("MinAtar")
struct MinAtarTests {
  func randomEpisodes<G: MinAtarGame>(_ game: G.Type, episodes: Int) -> (returns: [Double], lengths: [Double]) {
    var env = MinAtar<G>()
    var obs = [Float](repeating: 0, count: env.spec.observationSpace.count)
    var returns: [Double] = [], lengths: [Double] = []
    for e in 0..<episodes {
      let outcome = obs.withUnsafeMutableBufferPointer {
        runRandomEpisode(&env, seed: SeedDerivation.seed(run: 77, purpose: .userEvaluation, episode: e), observation: $0)
      }
      returns.append(outcome.totalReward)
      lengths.append(Double(outcome.length))
    }
    return (returns, lengths)
  }

  func checkFidelity<G: MinAtarGame>(_ game: G.Type, golden key: String, episodes: Int) {
    let golden = MinAtarGolden.shared.games[key]!
    #expect(golden.channels == G.channels, "channel order")
    #expect(golden.minimalActionSet == G.minimalActions)
    let ours = randomEpisodes(game, episodes: episodes)
    let returns = distributionMismatch(ours.returns, golden.returns, "\(key) return", ks: false)
    #expect(returns == nil, "\(returns ?? "")")
    let lengths = distributionMismatch(ours.lengths, golden.lengths, "\(key) length")
    #expect(lengths == nil, "\(lengths ?? "")")
  }

  @Test("Breakout's random play matches MinAtar's statistics") func breakoutFidelity() { checkFidelity(Breakout.self, golden: "breakout", episodes: 5000) }
  @Test("Space Invaders' random play matches MinAtar's statistics") func spaceInvadersFidelity() { checkFidelity(SpaceInvaders.self, golden: "space_invaders", episodes: 5000) }
  @Test("Freeway's random play matches MinAtar's statistics") func freewayFidelity() { checkFidelity(Freeway.self, golden: "freeway", episodes: 1000) }
  @Test("Asterix's random play matches MinAtar's statistics") func asterixFidelity() { checkFidelity(Asterix.self, golden: "asterix", episodes: 5000) }
  @Test("Seaquest's random play matches MinAtar's statistics") func seaquestFidelity() { checkFidelity(Seaquest.self, golden: "seaquest", episodes: 5000) }

  // MARK: Rules at hand-built states

  func breakout() -> Breakout {
    var rng = SplitMix64(seed: 1)
    return Breakout(rng: &rng, ramping: true)
  }

  @Test("Breakout: the paddle under the previous column bounces straight back; under the new one, back the way it came; else the game ends")
  func breakoutPaddle() {
    var rng = SplitMix64(seed: 0)
    var game = breakout()
    game.bricks = GridBits()
    game.bricks[15] = true  // keep the refill from happening
    game.ballX = 4
    game.ballY = 8
    game.direction = 2  // down-right
    game.paddle = 4
    var (reward, terminal) = game.act(0, rng: &rng)
    #expect(!terminal && reward == 0 && game.ballY == 8 && game.ballX == 5 && game.direction == 1, "vertical bounce: now up-right")
    game.ballX = 4
    game.ballY = 8
    game.direction = 2
    game.paddle = 5
    (_, terminal) = game.act(0, rng: &rng)
    #expect(!terminal && game.direction == 0, "reversed: up-left")
    game.ballX = 4
    game.ballY = 8
    game.direction = 2
    game.paddle = 1
    (_, terminal) = game.act(0, rng: &rng)
    #expect(terminal)
  }

  @Test("Breakout: a brick scores, vanishes and bounces the ball, but not twice in a row; the wall reflects")
  func breakoutBricks() {
    var rng = SplitMix64(seed: 0)
    var game = breakout()
    game.ballX = 4
    game.ballY = 5
    game.direction = 1  // up-right into (5, 4)? no brick there: rows 1–3 only
    var (reward, _) = game.act(0, rng: &rng)
    #expect(reward == 0 && game.ballX == 5 && game.ballY == 4)
    (reward, _) = game.act(0, rng: &rng)  // into (6, 3): a brick
    #expect(reward == 1 && !game.bricks[36] && game.ballY == 4 && game.direction == 2 && game.strike)
    game.ballX = 0
    game.ballY = 6
    game.direction = 0  // up-left into the wall
    (reward, _) = game.act(0, rng: &rng)
    #expect(game.ballX == 0 && game.ballY == 5 && game.direction == 1)
  }

  @Test("Space Invaders: the block moves every 12 frames (first on frame 13), every n frames when n < 12 aliens are left")
  func spaceInvadersSpeed() {
    var rng = SplitMix64(seed: 0)
    var game = SpaceInvaders(rng: &rng, ramping: true)
    var moved: [Int] = []
    var previous = game.aliens
    for frame in 1...40 {
      _ = game.act(0, rng: &rng)
      if game.aliens != previous { moved.append(frame) }
      previous = game.aliens
    }
    #expect(moved.prefix(3) == [13, 25, 37])
    // Leave 5 aliens: the block then moves every 5 frames.
    game.aliens = GridBits()
    for x in 3...7 { game.aliens[20 + x] = true }
    game.alienMoveTimer = 0
    game.enemyBullets = GridBits()
    moved = []
    previous = game.aliens
    for frame in 1...11 {
      _ = game.act(0, rng: &rng)
      if game.aliens != previous { moved.append(frame) }
      previous = game.aliens
    }
    #expect(moved.prefix(3) == [1, 6, 11])
  }

  /// A Space Invaders block of the given cells, the cannon at x = 9 out of the way, no bullets.
  func invaders(_ cells: [Int], moveTimer: Int, shotTimer: Int = 5) -> SpaceInvaders {
    var rng = SplitMix64(seed: 0)
    var game = SpaceInvaders(rng: &rng, ramping: true)
    game.aliens = GridBits()
    for cell in cells { game.aliens[cell] = true }
    game.alienMoveTimer = moveTimer
    game.enemyShotTimer = shotTimer
    game.cannon = 9
    return game
  }

  @Test("Space Invaders: bullets meet aliens after the block moves: a bullet and an alien that swap cells pass each other")
  func spaceInvadersCrossing() {
    var rng = SplitMix64(seed: 0)
    // Alien at (4, 2) moving left, bullet at (4, 3) rising: they swap cells and both survive.
    var game = invaders([24, 29], moveTimer: 0)
    game.friendlyBullets[34] = true
    var (reward, _) = game.act(0, rng: &rng)
    #expect(reward == 0 && game.aliens[23] && game.friendlyBullets[24], "passed each other")
    // Alien at (5, 2) moving left into the cell the bullet rises into: hit.
    game = invaders([25, 29], moveTimer: 0)
    game.friendlyBullets[34] = true
    (reward, _) = game.act(0, rng: &rng)
    #expect(reward == 1 && !game.aliens[24] && !game.friendlyBullets[24] && game.aliens.count == 1)
    // No move this frame: the bullet rises into the alien's cell and hits it.
    game = invaders([24, 29], moveTimer: 3)
    game.friendlyBullets[34] = true
    (reward, _) = game.act(0, rng: &rng)
    #expect(reward == 1 && game.aliens.count == 1)
  }

  @Test("Space Invaders: the column's lowest alien fires even when a bullet destroys it on that frame")
  func spaceInvadersShotOnHit() {
    var rng = SplitMix64(seed: 0)
    // Column 5 holds aliens on rows 2 and 3; the cannon sits under it; a bullet rises into (5, 3).
    var game = invaders([25, 35], moveTimer: 5, shotTimer: 0)
    game.cannon = 5
    game.friendlyBullets[45] = true
    let (reward, _) = game.act(0, rng: &rng)
    #expect(reward == 1 && !game.aliens[35] && game.aliens[25])
    #expect(game.enemyBullets[35] && game.enemyBullets.count == 1, "the shot starts where the hit alien was")
  }

  @Test("Space Invaders: a cleared wave comes back in place, keeps its direction and move timer, and ramps the interval")
  func spaceInvadersNewWave() {
    var rng = SplitMix64(seed: 0)
    // The last alien, at (4, 5), moving right, hit from below on a frame the block does not move.
    var game = invaders([54], moveTimer: 1)
    game.movingLeft = false
    game.friendlyBullets[64] = true
    var (reward, _) = game.act(0, rng: &rng)
    #expect(reward == 1 && game.aliens.count == 24 && game.aliens[2] && game.aliens[37] && !game.movingLeft)
    #expect(game.moveInterval == 11)
    // The move timer was not restarted: the new block moves on the next frame, to the right.
    (reward, _) = game.act(0, rng: &rng)
    #expect(game.aliens[3] && game.aliens[38] && !game.aliens[2])
    // From then on every min(aliens, interval) = 11 frames.
    var moved: [Int] = []
    var previous = game.aliens
    for frame in 1...23 {
      game.enemyBullets = GridBits()
      _ = game.act(0, rng: &rng)
      if game.aliens != previous { moved.append(frame) }
      previous = game.aliens
    }
    #expect(moved == [11, 22])
    // Without ramping the interval stays at 12.
    var flat = SpaceInvaders(rng: &rng, ramping: false)
    flat.aliens = GridBits()
    flat.aliens[54] = true
    flat.alienMoveTimer = 1
    flat.friendlyBullets[64] = true
    _ = flat.act(0, rng: &rng)
    #expect(flat.moveInterval == 12 && flat.aliens.count == 24)
  }

  @Test("Freeway: a car on the chicken's cell sends it back to the bottom; a crossing scores; episodes are 2,501 frames")
  func freeway() {
    var rng = SplitMix64(seed: 3)
    var game = Freeway(rng: &rng, ramping: true)
    game.chicken = 5
    game.cars[3] = Freeway.Car(x: 4, speed: 2, timer: 2)  // row 4, parked on the chicken's column
    game.moveTimer = 0
    _ = game.act(2, rng: &rng)  // up into row 4
    #expect(game.chicken == 9)
    game.chicken = 1
    game.moveTimer = 0
    game.cars = game.cars.map { Freeway.Car(x: 0, speed: $0.speed, timer: 5) }
    let (reward, _) = game.act(2, rng: &rng)
    #expect(reward == 1 && game.chicken == 9)
    var env = MinAtar<Freeway>()
    var obs = [Float](repeating: 0, count: 700)
    let outcome = obs.withUnsafeMutableBufferPointer { runRandomEpisode(&env, seed: 5, observation: $0) }
    #expect(outcome.length == 2501)
  }

  @Test("Asterix: the first entity appears on frame 11; gold scores; an enemy ends the game")
  func asterix() {
    var rng = SplitMix64(seed: 4)
    var game = Asterix(rng: &rng, ramping: true)
    var first = 0
    for frame in 1...12 where first == 0 {
      _ = game.act(0, rng: &rng)
      if game.entities.contains(where: { $0 != nil }) { first = frame }
    }
    #expect(first == 11)
    game.entities = [Asterix.Entity?](repeating: nil, count: 8)
    game.entities[4] = Asterix.Entity(x: 6, movesRight: false, gold: true)
    game.x = 5
    game.y = 5
    var (reward, terminal) = game.act(3, rng: &rng)  // right onto the gold
    #expect(reward == 1 && !terminal && game.entities[4] == nil)
    game.entities[4] = Asterix.Entity(x: 5, movesRight: false, gold: false)
    game.x = 4
    (reward, terminal) = game.act(3, rng: &rng)
    #expect(terminal)
  }

  @Test("Asterix: the spawn takes a row free at the start of the frame, not the one the player empties by taking its gold")
  func asterixSpawnBeforeCollect() {
    for seed in 0..<20 as Range<UInt64> {
      var rng = SplitMix64(seed: seed)
      var game = Asterix(rng: &rng, ramping: true)
      // Rows 1–8 full of enemies far from the player, except gold right of the player in row 5.
      for row in 1...8 { game.entities[row - 1] = Asterix.Entity(x: row % 2 == 0 ? 0 : 9, movesRight: row % 2 == 0, gold: false) }
      game.entities[4] = Asterix.Entity(x: 6, movesRight: false, gold: true)
      game.x = 5
      game.y = 5
      game.spawnTimer = 0
      game.moveTimer = 3
      let (reward, terminal) = game.act(3, rng: &rng)  // right onto the gold, on a spawn frame
      #expect(reward == 1 && !terminal)
      #expect(game.entities[4] == nil, "seed \(seed): nothing spawns in the row the gold left")
      #expect(game.spawnTimer == game.spawnSpeed - 1)
    }
  }

  @Test("Seaquest: the sub that moves into a fish or an enemy bullet is lost even if it moves on in the same frame")
  func seaquestMoveInto() {
    var rng = SplitMix64(seed: 2)
    func sub() -> Seaquest {
      var game = Seaquest(rng: &rng, ramping: true)
      game.x = 5
      game.y = 4
      game.surfaced = false
      game.enemySpawnTimer = 1000
      game.diverSpawnTimer = 1000
      return game
    }
    // A fish below the sub, about to swim right: the sub moves down into it.
    var game = sub()
    game.enemies.append(Seaquest.Mover(x: 5, y: 5, right: true, moveTimer: 0))
    var (_, terminal) = game.act(4, rng: &rng)
    #expect(terminal && game.enemies[0].x == 6)
    // An enemy bullet above the sub, flying left: the sub moves up into it.
    game = sub()
    game.enemyBullets.append(Seaquest.Bullet(x: 5, y: 3, right: false))
    (_, terminal) = game.act(2, rng: &rng)
    #expect(terminal)
    // The fish one row further down swims away: moving down is safe.
    game = sub()
    game.enemies.append(Seaquest.Mover(x: 5, y: 6, right: true, moveTimer: 0))
    (_, terminal) = game.act(4, rng: &rng)
    #expect(!terminal)
  }

  @Test("Seaquest: oxygen runs out; surfacing with no diver ends the game, with some drops one off, with six pays and leaves −1")
  func seaquest() {
    var rng = SplitMix64(seed: 5)
    var game = Seaquest(rng: &rng, ramping: true)
    game.y = 3
    game.surfaced = false
    game.oxygen = 1
    game.enemySpawnTimer = 1000
    game.diverSpawnTimer = 1000
    var (_, terminal) = game.act(0, rng: &rng)
    #expect(!terminal && game.oxygen == 0, "the last unit lasts a frame")
    (_, terminal) = game.act(0, rng: &rng)
    #expect(terminal, "out of oxygen")
    // From the start: dive on frame 1, stay down, run out on frame 201 (MinAtar, measured).
    var diver = Seaquest(rng: &rng, ramping: true)
    diver.enemySpawnTimer = 1000
    diver.diverSpawnTimer = 1000
    var frames = 0
    repeat {
      frames += 1
      (_, terminal) = diver.act(frames == 1 ? 4 : 0, rng: &rng)
      diver.enemySpawnTimer = 1000
      diver.diverSpawnTimer = 1000
    } while !terminal && frames < 1000
    #expect(frames == 201)
    func surfacing(divers: Int, oxygen: Int = 150) -> (Seaquest, Double, Bool) {
      var g = Seaquest(rng: &rng, ramping: true)
      g.y = 1
      g.surfaced = false
      g.divers = divers
      g.oxygen = oxygen
      g.enemySpawnTimer = 1000
      g.diverSpawnTimer = 1000
      let (r, t) = g.act(2, rng: &rng)
      return (g, r, t)
    }
    (_, _, terminal) = surfacing(divers: 0)
    #expect(terminal)
    var (state, reward, _) = surfacing(divers: 3)
    #expect(state.divers == 2 && state.oxygen == 200 && reward == 0 && !state.surfaced == false)
    (state, reward, terminal) = surfacing(divers: 6, oxygen: 150)
    #expect(reward == 7 && state.divers == -1 && !terminal, "150·10 // 200 = 7, then the −1 quirk")
    #expect(state.enemySpawnSpeed == 19, "surfacing ramps the spawn speed")
  }

  /// The states an agent that surfaces reaches: ramped enemy speeds, divers met on the way up,
  /// surfacing on the last unit of oxygen (MinAtar 1.0.15's `seaquest.py`; a surfacing PPO agent
  /// scored 54.5 in rollout against 41.8 in MinAtar before these rules matched).
  @Test("Seaquest: divers keep their own pace after ramping, are picked up before they step, fill the gauge from column 8, and a sub surfacing with no oxygen left is lost")
  func seaquestSurfacingRules() {
    var rng = SplitMix64(seed: 9)
    func sub(x: Int, y: Int) -> Seaquest {
      var game = Seaquest(rng: &rng, ramping: true)
      game.x = x
      game.y = y
      game.surfaced = false
      game.enemySpawnTimer = 1000
      game.diverSpawnTimer = 1000
      return game
    }
    // Enemies ramped to a step every 3 frames; divers still step every 6.
    var game = sub(x: 9, y: 2)
    game.moveSpeed = 2
    game.diversInWater.append(Seaquest.Mover(x: 3, y: 5, right: true, moveTimer: 5))
    for _ in 0..<12 { _ = game.act(0, rng: &rng) }
    #expect(game.diversInWater.first?.x == 5, "stepped on frames 6 and 12: \(game.diversInWater)")
    // A diver spawned after ramping starts on the divers' own timer.
    game = sub(x: 9, y: 2)
    game.moveSpeed = 2
    game.diverSpawnTimer = 0
    _ = game.act(0, rng: &rng)
    #expect(game.diversInWater.count == 1 && game.diversInWater[0].moveTimer == 4)
    // The sub moves onto a diver that is about to step away: MinAtar picks it up first.
    game = sub(x: 3, y: 5)
    game.diversInWater.append(Seaquest.Mover(x: 4, y: 5, right: true, moveTimer: 0))
    _ = game.act(3, rng: &rng)
    #expect(game.divers == 1 && game.diversInWater.isEmpty)
    // The diver gauge fills row 9 from column 8 leftwards, as MinAtar draws it.
    for (count, columns) in [(1, [8]), (6, Array(3...8)), (-1, [])] {
      game = sub(x: 5, y: 1)
      game.divers = count
      var cells = [Float](repeating: 0, count: 100 * Seaquest.channels.count)
      cells.withUnsafeMutableBufferPointer { buffer in
        var grid = MinAtarGrid(channels: Seaquest.channels.count, cells: buffer)
        game.draw(&grid)
      }
      let drawn = (0..<10).filter { cells[(90 + $0) * Seaquest.channels.count + 8] > 0 }
      #expect(drawn == columns, "\(count) divers")
    }
    // A frame that starts with no oxygen ends the game, even one that reaches the surface.
    for (oxygen, lost) in [(0, true), (1, false)] {
      game = sub(x: 5, y: 1)
      game.divers = 2
      game.oxygen = oxygen
      let (_, terminal) = game.act(2, rng: &rng)
      #expect(terminal == lost, "oxygen \(oxygen)")
    }
  }

  @Test("Seaquest's behaviour: the sub's cell, oxygen in gauge cells, divers and surfacings; the other games' is the final grid")
  func seaquestBehavior() throws {
    var env = MinAtar<Seaquest>()
    #expect(env.behaviorCount == 5)
    var observation = [Float](repeating: 0, count: env.spec.observationSpace.count)
    observation.withUnsafeMutableBufferPointer { env.reset(seed: 3, observation: $0) }
    env.game.y = 1
    env.game.surfaced = false
    env.game.divers = 3
    env.game.oxygen = 150
    env.game.enemySpawnTimer = 1000
    env.game.diverSpawnTimer = 1000
    _ = env.game.act(2, rng: &env.rng)
    var behavior = [Float](repeating: -1, count: 5)
    behavior.withUnsafeMutableBufferPointer { b in
      observation.withUnsafeBufferPointer { env.writeBehavior(into: b, finalObservation: $0) }
    }
    #expect(behavior == [5, 0, 10, 2, 1], "surfaced with 3 divers: refilled, one dropped off, one surfacing")
    observation.withUnsafeMutableBufferPointer { env.reset(seed: 4, observation: $0) }
    #expect(env.game.surfacings == 0, "a new episode counts afresh")
    let breakout = MinAtar<Breakout>()
    #expect(breakout.behaviorCount == breakout.spec.observationSpace.count)
  }

  @Test("GridBits' word shifts move every cell as cell-by-cell moves do, dropping what leaves the grid; rows and the cell walk agree")
  func gridBitsShifts() {
    var rng = SplitMix64(seed: 9)
    for _ in 0..<500 {
      var grid = GridBits()
      for cell in 0..<100 where rng.nextUnit() < 0.3 { grid[cell] = true }
      func moved(_ dx: Int, _ dy: Int) -> GridBits {
        var out = GridBits()
        for cell in 0..<100 where grid[cell] {
          let x = cell % 10 + dx, y = cell / 10 + dy
          if (0..<10).contains(x) && (0..<10).contains(y) { out[y * 10 + x] = true }
        }
        return out
      }
      #expect(grid.up == moved(0, -1))
      #expect(grid.down == moved(0, 1))
      #expect(grid.left == moved(-1, 0))
      #expect(grid.right == moved(1, 0))
      for y in 0..<10 {
        let bits = (0..<10).reduce(UInt64(0)) { $0 | (grid[y * 10 + $1] ? 1 << UInt64($1) : 0) }
        #expect(grid.row(y) == bits)
      }
      var visited: [Int] = []
      grid.forEachCell { visited.append($0) }
      #expect(visited == (0..<100).filter { grid[$0] })
      #expect((grid & ~grid).isEmpty && (grid | ~grid).count == 100)
    }
  }

  @Test("sticky actions repeat the previous action, which survives an unseeded reset; minimal action sets map to the full set")
  func stickyAndMinimal() {
    var env = MinAtar<Breakout>(config: .init(stickyActionProbability: 1))
    var obs = [Float](repeating: 0, count: 400)
    obs.withUnsafeMutableBufferPointer { env.reset(seed: 1, observation: $0) }
    env.lastAction = 3
    obs.withUnsafeMutableBufferPointer { env.reset(seed: nil, observation: $0) }  // the same stream
    let before = env.game.paddle
    _ = obs.withUnsafeMutableBufferPointer { env.step(Action(index: 1), observation: $0) }
    #expect(env.game.paddle == before + 1, "the remembered 'right' was repeated")
    obs.withUnsafeMutableBufferPointer { env.reset(seed: 5, observation: $0) }  // a fresh stream
    #expect(env.lastAction == 0)
    let minimal = MinAtar<Breakout>(config: .init(minimalActions: true))
    #expect(minimal.spec.actionSpace == .discrete(count: 3))
    var plain = MinAtar<Breakout>(config: .init(stickyActionProbability: 0, minimalActions: true))
    obs.withUnsafeMutableBufferPointer { plain.reset(seed: 1, observation: $0) }
    _ = obs.withUnsafeMutableBufferPointer { plain.step(Action(index: 2), observation: $0) }  // minimal 2 = right
    #expect(plain.game.paddle == 5)
    // Channels last: the paddle (channel 0) at (x 5, y 9).
    #expect(obs[(9 * 10 + 5) * 4 + 0] == 1)
    #expect(obs.reduce(0, +) >= 32, "paddle, ball, trail and 30 bricks")
  }
}
