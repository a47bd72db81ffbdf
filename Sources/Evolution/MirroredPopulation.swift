import RLCore

/// Antithetic samples around one centre: member 2i is θ + σεᵢ and member 2i + 1 is θ − σεᵢ, both
/// evaluated on the same episode seeds. Shared by OpenAI-ES, the NS-ES family and ARS.
///
/// εᵢ comes from a Philox stream keyed by `noiseSeeds[i]`, so any worker (or MPI rank) rebuilds it
/// from the seed; there is no noise table.
public struct MirroredPopulation: CandidatePopulation {
  public let center: [Float]
  public let noiseStd: Float
  /// The Philox seed of each pair's noise vector.
  public let noiseSeeds: [UInt64]

  public init(center: [Float], noiseStd: Float, noiseSeeds: [UInt64]) {
    self.center = center
    self.noiseStd = noiseStd
    self.noiseSeeds = noiseSeeds
  }

  /// Pair seeds for generation `generation` of run `seed`: `SeedDerivation(.perturbation, g, i)`.
  public init(center: [Float], noiseStd: Float, pairs: Int, seed: UInt64, generation: Int) {
    let seeds = (0..<pairs).map { i in
      SeedDerivation.seed(run: seed, purpose: .perturbation, iteration: generation, member: i)
    }
    self.init(center: center, noiseStd: noiseStd, noiseSeeds: seeds)
  }

  public var count: Int { noiseSeeds.count * 2 }
  public var pairs: Int { noiseSeeds.count }

  public func write(member m: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
    var noise = PhiloxStream(seed: noiseSeeds[m / 2])
    let scale = (m % 2 == 0 ? 1 : -1) * noiseStd
    for j in 0..<center.count {
      buffer[j] = center[j] + scale * noise.nextGaussian()
    }
  }

  public func seedGroup(of member: Int) -> Int { member / 2 }

  /// Σᵢ wᵢ·εᵢ over the pairs, in pair order (the noise is regenerated; pairs with wᵢ = 0 are
  /// skipped).
  public func weightedNoiseSum(_ weights: [Float]) -> [Float] {
    precondition(weights.count == pairs, "one weight per pair")
    var sum = [Float](repeating: 0, count: center.count)
    for (i, seed) in noiseSeeds.enumerated() where weights[i] != 0 {
      var noise = PhiloxStream(seed: seed)
      let w = weights[i]
      for j in 0..<center.count { sum[j] += w * noise.nextGaussian() }
    }
    return sum
  }
}
