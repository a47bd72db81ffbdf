import RLCore
import Testing
import TestSupport

@Suite("Random number generators")
struct RandomTests {
  @Test("Philox4x32-10 matches Random123's known-answer vectors")
  func philoxKnownAnswers() {
    #expect(
      philox4x32_10(counter: SIMD4(0, 0, 0, 0), key: SIMD2(0, 0))
        == SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
    #expect(
      philox4x32_10(
        counter: SIMD4(0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF),
        key: SIMD2(0xFFFF_FFFF, 0xFFFF_FFFF))
        == SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
    #expect(
      philox4x32_10(
        counter: SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344),
        key: SIMD2(0xA409_3822, 0x299F_31D0))
        == SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
  }

  @Test("a Philox stream is block n of its key, word by word, and can start at any block")
  func philoxStreamLayout() {
    let seed: UInt64 = 0x0123_4567_89AB_CDEF
    var stream = PhiloxStream(seed: seed)
    let key = SIMD2<UInt32>(0x89AB_CDEF, 0x0123_4567)
    for block in 0..<3 {
      let expected = philox4x32_10(counter: SIMD4(UInt32(block), 0, 0, 0), key: key)
      for i in 0..<4 { #expect(stream.nextUInt32() == expected[i]) }
    }
    var jumped = PhiloxStream(seed: seed, block: 2)
    #expect(jumped.nextUInt32() == philox4x32_10(counter: SIMD4(2, 0, 0, 0), key: key)[0])
  }

  @Test("Gaussian values have mean 0 and variance 1, and repeat for the same seed")
  func gaussianMoments() {
    var a = PhiloxStream(seed: 9)
    var b = PhiloxStream(seed: 9)
    let n = 200_000
    var sum = 0.0, squares = 0.0, fourth = 0.0
    for _ in 0..<n {
      let x = Double(a.nextGaussian())
      sum += x
      squares += x * x
      fourth += x * x * x * x
    }
    let mean = sum / Double(n), variance = squares / Double(n) - mean * mean
    #expect(abs(mean) < 0.01)
    #expect(abs(variance - 1) < 0.015)
    #expect(abs(fourth / Double(n) - 3) < 0.06)  // kurtosis of a normal
    var c = PhiloxStream(seed: 9)
    #expect((0..<10).map { _ in c.nextGaussian() } == (0..<10).map { _ in b.nextGaussian() })
  }

  @Test("SplitMix64 regenerates the golden traces' recorded random actions")
  func splitMixReproducesGoldenActions() throws {
    let cartpole = try GoldenTraces.episodes(of: "CartPole-v1")
    // Episodes 0–2 draw every action as (next() >> 32) % 2 from SplitMix64(action_seed).
    for episode in cartpole.prefix(3) {
      var rng = SplitMix64(seed: UInt64(500 + episode.episodeIndex))
      for step in episode.steps {
        guard case .discrete(let recorded) = step.action else { continue }
        #expect(Int((rng.next() >> 32) % 2) == recorded)
      }
    }
  }

  @Test("seed derivation: every coordinate changes the seed; equal inputs give equal seeds")
  func seedDerivation() {
    let base = SeedDerivation.seed(run: 1, purpose: .perturbation, iteration: 2, member: 3, episode: 4)
    #expect(base == SeedDerivation.seed(run: 1, purpose: .perturbation, iteration: 2, member: 3, episode: 4))
    let variants = [
      SeedDerivation.seed(run: 2, purpose: .perturbation, iteration: 2, member: 3, episode: 4),
      SeedDerivation.seed(run: 1, purpose: .trainingEpisode, iteration: 2, member: 3, episode: 4),
      SeedDerivation.seed(run: 1, purpose: .perturbation, iteration: 3, member: 3, episode: 4),
      SeedDerivation.seed(run: 1, purpose: .perturbation, iteration: 2, member: 4, episode: 4),
      SeedDerivation.seed(run: 1, purpose: .perturbation, iteration: 2, member: 3, episode: 5),
      SeedDerivation.seed(run: 1, purpose: .perturbation, iteration: 3, member: 2, episode: 4),
    ]
    #expect(Set(variants + [base]).count == variants.count + 1)
    // Many members of one generation never collide.
    let seeds = (0..<10_000).map { SeedDerivation.seed(run: 0, purpose: .perturbation, member: $0) }
    #expect(Set(seeds).count == seeds.count)
  }
}

@Suite("Core values")
struct CoreValueTests {
  @Test("running statistics follow OpenAI-ES's RunningStat (prior 1e-2, std floor 0.1)")
  func runningStatistics() {
    var stats = RunningStatistics(dimension: 2)
    #expect(stats.mean == [0, 0])
    #expect(stats.standardDeviation == [1, 1])
    stats.add(sum: [10, 0.01], sumOfSquares: [60, 0.0001], count: 10)
    let mean = stats.mean
    #expect(abs(mean[0] - 10 / 10.01) < 1e-12)
    let expectedStd = ((60 + 1e-2) / 10.01 - mean[0] * mean[0]).squareRoot()
    #expect(abs(stats.standardDeviation[0] - expectedStd) < 1e-12)
    #expect(stats.standardDeviation[1] == 0.1)
  }

  @Test("box spaces contain values inside their bounds only (NaN never)")
  func boxContains() {
    let box = BoxSpace(low: [-1, 0], high: [1, .infinity])
    #expect([Float(0), 5].withUnsafeBufferPointer { box.contains($0) })
    #expect(![Float(2), 5].withUnsafeBufferPointer { box.contains($0) })
    #expect(![Float.nan, 5].withUnsafeBufferPointer { box.contains($0) })
    #expect(![Float(0)].withUnsafeBufferPointer { box.contains($0) })
    #expect(ActionSpace.discrete(count: 3).description == "Discrete(3)")
    #expect(BoxSpace(low: [-2], high: [2]).description == "Box(-2.0, 2.0, (1,))")
  }

  @Test("frames clip rectangles to their bounds")
  func frameRectangles() {
    var frame = Frame(width: 4, height: 3, background: .black)
    frame.fillRect(x: -2, y: 1, width: 4, height: 10, RGB(1, 2, 3))
    #expect(frame[0, 0] == .black)
    #expect(frame[1, 2] == RGB(1, 2, 3))
    #expect(frame[2, 2] == .black)
    #expect(frame.pixels.count == 36)
  }
}
