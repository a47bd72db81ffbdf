import Environments
import Evaluation
import Evolution
import Networks
import RLCore
import Testing

@Suite("Evolution strategies")
struct EvolutionTests {
  @Test("centred ranks lie in [-0.5, 0.5], keep the order, and share ranks on ties")
  func ranks() {
    #expect(centeredRanks([3, 1, 2]) == [0.5, -0.5, 0])
    #expect(centeredRanks([5, 5, 1, 9]) == [1.5 / 3 - 0.5, 1.5 / 3 - 0.5, -0.5, 0.5])
    #expect(centeredRanks([7]) == [0])
    #expect(centeredRanks([]) == [])
    #expect(centeredRanks([.nan, 0, 1]) == [-0.5, 0, 0.5])
    let shaped = centeredRanks((0..<101).map { _ in Double.random(in: -1e9...1e9) })
    #expect(shaped.allSatisfy { $0 >= -0.5 && $0 <= 0.5 })
    #expect(abs(shaped.reduce(0, +)) < 1e-9)
  }

  @Test("the population is mirrored: members 2i and 2i+1 are θ ± σε with the same ε")
  func mirroredPopulation() {
    let es = OpenAIES(config: .init(populationSize: 6, noiseStd: 0.5))
    let state = es.initialState(parameters: [1, 2, 3], seed: 4)
    let population = es.ask(state)
    #expect(population.count == 6)
    var plus = [Float](repeating: 0, count: 3), minus = plus
    plus.withUnsafeMutableBufferPointer { population.write(member: 2, into: $0) }
    minus.withUnsafeMutableBufferPointer { population.write(member: 3, into: $0) }
    for j in 0..<3 {
      #expect(abs((plus[j] + minus[j]) / 2 - state.mean[j]) < 1e-6)
      #expect(plus[j] != minus[j])
    }
    #expect(population.seedGroup(of: 2) == population.seedGroup(of: 3))
    #expect(population.seedGroup(of: 1) != population.seedGroup(of: 2))
  }

  @Test("ask/tell maximises a sphere function and is deterministic in its seed")
  func sphere() throws {
    let target: [Float] = [0.5, -1, 2, 0, 1.5]
    let es = OpenAIES(config: .init(populationSize: 40, noiseStd: 0.1, learningRate: 0.05, l2Coefficient: 0))
    func run(seed: UInt64) -> OpenAIES.State {
      var state = es.initialState(parameters: [Float](repeating: 0, count: 5), seed: seed)
      for _ in 0..<300 {
        let population = es.ask(state)
        var buffer = [Float](repeating: 0, count: 5)
        let fitness = (0..<population.count).map { m -> Double in
          buffer.withUnsafeMutableBufferPointer { population.write(member: m, into: $0) }
          return -zip(buffer, target).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +)
        }
        state = es.tell(state, population: population, fitness: fitness)
      }
      return state
    }
    let state = run(seed: 1)
    let distance = zip(state.mean, target).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    #expect(distance < 0.1, "distance to the optimum \(distance)")
    #expect(state.generation == 300)
    #expect(run(seed: 1) == state)
    #expect(run(seed: 2).mean != state.mean)
  }

  @Test("the state is a Codable value: encoding and decoding gives the same state")
  func stateRoundTrip() throws {
    let es = OpenAIES()
    var state = es.initialState(parameters: [0.25, -1, 3], seed: 99)
    state = es.tell(state, population: es.ask(state), fitness: (0..<64).map(Double.init))
    let data = try JSONEncoder().encode(state)
    #expect(try JSONDecoder().decode(OpenAIES.State.self, from: data) == state)
  }
}

@Suite("Evaluator")
struct EvaluatorTests {
  func evaluate(threads: Int, onPool: Bool = false, lanes: Int? = nil, only: StrideTo<Int>? = nil) -> EvaluationResults {
    let network = Network(inputs: 4, hidden: [16], outputs: 2)
    let evaluator =
      onPool
      ? Evaluator(environment: CartPole(), network: network, pool: WorkerPool(threads: threads), lanes: lanes)
      : Evaluator(environment: CartPole(), network: network, threads: threads, lanes: lanes)
    let es = OpenAIES(config: .init(populationSize: 64, noiseStd: 0.5))
    let population = es.ask(es.initialState(parameters: network.normcInitialization(seed: 1, outputScale: 1), seed: 3))
    let plan = EvaluationPlan(
      members: population.count, episodesPerMember: 3, mode: .sampled,
      normalizer: .identity(dimension: 4),
      episodeSeed: { m, e in SeedDerivation.seed(run: 3, purpose: .trainingEpisode, member: m, episode: e) },
      collectsStatistics: { m in m % 3 == 0 })
    return evaluator.evaluate(plan, only: only) { m, buffer in population.write(member: m, into: buffer) }
  }

  @Test("results are stored by member and identical for 1, 2 and 5 threads, on Dispatch's threads or a pool's, one or two episodes interleaved per thread")
  func threadIndependence() {
    let one = evaluate(threads: 1, lanes: 1)
    for (threads, onPool, lanes) in [(1, false, 2), (2, false, 1), (2, false, 2), (5, false, 2), (2, true, 1), (3, true, 2)] {
      let many = evaluate(threads: threads, onPool: onPool, lanes: lanes)
      #expect(many.episodeReturns == one.episodeReturns)
      #expect(many.episodeLengths == one.episodeLengths)
      #expect(many.statisticsSum == one.statisticsSum)
      #expect(many.statisticsCount == one.statisticsCount)
    }
    #expect(one.episodeReturns.count == 64 * 3)
    #expect(Set(one.episodeReturns).count > 5, "different members should score differently")
    #expect(one.statisticsCount.enumerated().allSatisfy { ($0.offset % 3 == 0) == ($0.element > 0) })
    // CartPole pays 1 per step, so every return equals its length.
    #expect(zip(one.episodeReturns, one.episodeLengths).allSatisfy { $0 == Double($1) })
  }

  @Test("a subset of the members gives their results, with two lanes as with one, and zeros elsewhere")
  func subsetWithLanes() {
    let all = evaluate(threads: 1, lanes: 1)
    for lanes in [1, 2] {
      let some = evaluate(threads: 2, lanes: lanes, only: stride(from: 1, to: 64, by: 5))
      for m in 0..<64 {
        let slots = (m * 3)..<(m * 3 + 3)
        if m % 5 == 1 {
          #expect(Array(some.episodeReturns[slots]) == Array(all.episodeReturns[slots]), "member \(m), \(lanes) lanes")
        } else {
          #expect(some.episodeLengths[slots].allSatisfy { $0 == 0 }, "member \(m), \(lanes) lanes")
        }
      }
    }
  }

  @Test("two episodes are interleaved for small MLPs only: a convolution's or a large network's pass keeps the core busy alone")
  func defaultLanes() throws {
    #expect(Evaluator<CartPole>.defaultLanes(for: Network(inputs: 4, hidden: [16], outputs: 2)) == 2)
    #expect(Evaluator<CartPole>.defaultLanes(for: Network(inputs: 3, hidden: [32, 32], outputs: 1)) == 2)
    #expect(Evaluator<CartPole>.defaultLanes(for: Network(inputs: 400, hidden: [64], outputs: 6)) == 1)
    let grid = try #require(NetworkDescription(parsing: "conv(4,3x3)"))
    let convolutional = try #require(
      Network(observation: MinAtar<Breakout>().spec, convolutions: grid.convolutions, hidden: [], outputs: 6, activation: .relu))
    #expect(convolutional.parameterCount > 0 && convolutional.parameterCount < 3_000)
    #expect(Evaluator<MinAtar<Breakout>>.defaultLanes(for: convolutional) == 1)
  }

  @Test("each scratch buffer starts a 128-byte line and fills whole lines, so two threads never share one")
  func scratchOnOwnLines() {
    let scratch = EpisodeScratch(observationCount: 5, network: Network(inputs: 5, hidden: [3], outputs: 2), behaviorCount: 2)
    for address in [
      UInt(bitPattern: scratch.observation.baseAddress), UInt(bitPattern: scratch.input.baseAddress),
      UInt(bitPattern: scratch.workspace.baseAddress), UInt(bitPattern: scratch.parameters.baseAddress),
      UInt(bitPattern: scratch.statisticsSum.baseAddress), UInt(bitPattern: scratch.behavior.baseAddress),
    ] {
      #expect(address % 128 == 0)
    }
    #expect(scratch.observation.allSatisfy { $0 == 0 } && scratch.statisticsSum.allSatisfy { $0 == 0 })
  }

  @Test("statistics count every observation an action was chosen for (first included, last not)")
  func statisticsCounts() {
    let results = evaluate(threads: 2)
    for m in stride(from: 0, to: 64, by: 3) {
      let steps = (0..<3).map { results.episodeLengths[m * 3 + $0] }.reduce(0, +)
      #expect(results.statisticsCount[m] == Double(steps))
    }
  }
}

import Foundation
