@testable import Environments
import Foundation
import RLCore
import Testing
import TestSupport

/// Expects two samples of one quantity to agree (`distributionMismatch`).
func expectSameDistribution(_ ours: [Double], _ reference: [Double], _ what: String, ks: Bool = true) {
  let problem = distributionMismatch(ours, reference, what, ks: ks)
  #expect(problem == nil, "\(problem ?? "")")
}

@Suite("MinAtar under skilled play")
struct MinAtarSkilledPlayTests {
  /// Plays `episodes` episodes of one game with its scripted controller (sticky actions and
  /// ramping as MinAtar's defaults, truncated at the reference run's frame cap).
  func play<G: MinAtarGame>(_: G.Type, episodes: Int, cap: Int) -> (returns: [Double], lengths: [Double]) {
    let controller = MinAtarControllers.named(G.name)!
    var env = MinAtar<G>(config: .init(maxEpisodeSteps: cap))
    var observation = [Float](repeating: 0, count: env.spec.observationSpace.count)
    var returns: [Double] = [], lengths: [Double] = []
    for e in 0..<episodes {
      observation.withUnsafeMutableBufferPointer {
        env.reset(seed: SeedDerivation.seed(run: 20, purpose: .userEvaluation, episode: e), observation: $0)
      }
      var total = 0.0, length = 0
      while true {
        let action = observation.withUnsafeBufferPointer {
          controller(MinAtarControllers.Grid($0, channels: G.channels.count))
        }
        let step = observation.withUnsafeMutableBufferPointer { env.step(Action(index: action), observation: $0) }
        total += step.reward
        length += 1
        if step.isDone { break }
      }
      returns.append(total)
      lengths.append(Double(length))
    }
    return (returns, lengths)
  }

  func play(_ game: String, episodes: Int, cap: Int) -> (returns: [Double], lengths: [Double]) {
    switch game {
    case Breakout.name: play(Breakout.self, episodes: episodes, cap: cap)
    case SpaceInvaders.name: play(SpaceInvaders.self, episodes: episodes, cap: cap)
    case Freeway.name: play(Freeway.self, episodes: episodes, cap: cap)
    case Asterix.name: play(Asterix.self, episodes: episodes, cap: cap)
    default: play(Seaquest.self, episodes: episodes, cap: cap)
    }
  }

  @Test("the Swift controllers choose the Python controllers' action on every frame of a recorded episode per game")
  func controllersAgree() throws {
    let url = TestPaths.packageRoot.appendingPathComponent("Tests/EnvironmentsTests/Fixtures/minatar_controller_episodes.jsonl")
    let episodes = try MinAtarTraceEpisode.load(url)
    let names = ["breakout": Breakout.name, "space_invaders": SpaceInvaders.name, "freeway": Freeway.name, "asterix": Asterix.name, "seaquest": Seaquest.name]
    #expect(Set(episodes.map(\.game)) == Set(names.keys))
    for episode in episodes {
      #expect(episode.epsilon == 0, "every action must be the controller's")
      let controller = try #require(MinAtarControllers.named(names[episode.game]!))
      var observation = MinAtarTraceEpisode.decode(episode.initialObs)
      var disagreements: [Int] = []
      for step in episode.steps {
        let action = observation.withUnsafeBufferPointer { controller(.init($0, channels: episode.channels.count)) }
        if action != step.action { disagreements.append(step.t) }
        observation = MinAtarTraceEpisode.decode(step.obs)
      }
      #expect(disagreements.isEmpty, "\(episode.game): frames \(disagreements.prefix(10)) of \(episode.steps.count)")
    }
  }

  @Test("every game has a scripted controller's reference run")
  func coverage() {
    let games = Set(MinAtarSkilledPlay.controllerRuns.map(\.game))
    #expect(games == [Breakout.name, SpaceInvaders.name, Freeway.name, Asterix.name, Seaquest.name])
  }

  @Test("a scripted controller scores as it does in MinAtar: return and length within 3 SE, lengths' KS at 1 %",
        arguments: MinAtarSkilledPlay.controllerRuns)
  func controller(run: MinAtarSkilledPlay.Run) {
    let ours = play(run.game, episodes: run.episodes, cap: MinAtarSkilledPlay.shared.frameCap)
    // Returns get the KS test too: Freeway's episodes all last 2,501 frames, so there only the
    // returns carry the distribution.
    expectSameDistribution(ours.returns, run.returns, "\(run.game) return")
    expectSameDistribution(ours.lengths, run.lengths, "\(run.game) length")
  }

  @Test("the scripted controllers are competent: each beats random play several times over")
  func competent() {
    // MinAtar's random-play means (../golden, copied in minatar_random.json) are 0.1–2.9.
    let floor = [Breakout.name: 5.0, SpaceInvaders.name: 15, Freeway.name: 20, Asterix.name: 10, Seaquest.name: 5]
    for run in MinAtarSkilledPlay.controllerRuns {
      #expect(meanAndError(run.returns).mean >= floor[run.game]!, "\(run.game)")
    }
  }
}
