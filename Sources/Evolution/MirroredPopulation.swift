import RLCore

/// Antithetic samples around one centre: member 2i is θ + σεᵢ and member 2i + 1 is θ − σεᵢ, both
/// evaluated on the same episode seeds. Shared by OpenAI-ES, the NS-ES family and ARS.
///
/// εᵢ comes from a Philox stream keyed by `noiseSeeds[i]`, so any worker (or MPI rank) rebuilds it
/// from the seed. With a `table`, εᵢ is instead the slice of the shared noise table at an offset
/// drawn from that seed (Salimans et al.'s noise table: one read per parameter, for large networks).
public struct MirroredPopulation: CandidatePopulation {
  public let center: [Float]
  public let noiseStd: Float
  /// The Philox seed of each pair's noise vector (or of its offset in `table`).
  public let noiseSeeds: [UInt64]
  public let table: NoiseTable?

  public init(center: [Float], noiseStd: Float, noiseSeeds: [UInt64], table: NoiseTable? = nil) {
    self.center = center
    self.noiseStd = noiseStd
    self.noiseSeeds = noiseSeeds
    self.table = table
  }

  /// Pair seeds for generation `generation` of run `seed`: `SeedDerivation(.perturbation, g, i)`.
  public init(center: [Float], noiseStd: Float, pairs: Int, seed: UInt64, generation: Int, table: NoiseTable? = nil) {
    let seeds = (0..<pairs).map { i in
      SeedDerivation.seed(run: seed, purpose: .perturbation, iteration: generation, member: i)
    }
    self.init(center: center, noiseStd: noiseStd, noiseSeeds: seeds, table: table)
  }

  public var count: Int { noiseSeeds.count * 2 }
  public var pairs: Int { noiseSeeds.count }

  public func write(member m: Int, into buffer: UnsafeMutableBufferPointer<Float>) {
    let scale = (m % 2 == 0 ? 1 : -1) * noiseStd
    if let table {
      center.withUnsafeBufferPointer { c in
        table.withSlice(seed: noiseSeeds[m / 2], count: c.count) { noise in
          for j in 0..<c.count { buffer[j] = c[j] + scale * noise[j] }
        }
      }
      return
    }
    var noise = PhiloxStream(seed: noiseSeeds[m / 2])
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
    if let table {
      sum.withUnsafeMutableBufferPointer { s in
        for (i, seed) in noiseSeeds.enumerated() where weights[i] != 0 {
          let w = weights[i]
          table.withSlice(seed: seed, count: s.count) { noise in
            for j in 0..<s.count { s[j] += w * noise[j] }
          }
        }
      }
      return sum
    }
    for (i, seed) in noiseSeeds.enumerated() where weights[i] != 0 {
      var noise = PhiloxStream(seed: seed)
      let w = weights[i]
      for j in 0..<center.count { sum[j] += w * noise.nextGaussian() }
    }
    return sum
  }
}
