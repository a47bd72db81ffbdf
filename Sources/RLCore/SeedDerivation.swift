/// What a derived seed is for. Different purposes give unrelated streams from the same run seed.
public enum RandomPurpose: UInt64, Sendable, CaseIterable {
  /// Initial network parameters.
  case initialization = 1
  /// The perturbation (noise) of one population member.
  case perturbation = 2
  /// The start state and in-episode randomness of a training episode.
  case trainingEpisode = 3
  /// Episodes that evaluate the current policy during training.
  case evaluationEpisode = 4
  /// Whether a rollout contributes to the observation statistics.
  case statisticsSampling = 5
  /// Episodes run by `rollout eval`.
  case userEvaluation = 6
  /// Stochastic action choice inside an episode.
  case actionSampling = 7
  /// Choices a strategy makes between candidates (NS-ES's agent, the GA's parents).
  case selection = 8
  /// The values of a shared noise table (OpenAI-ES with `noise_table_size`).
  case noiseTable = 9
  /// An exploration bonus's own draws (RND's minibatch shuffles and predictor rows).
  case exploration = 10
}

/// The documented seed derivation: (run seed, purpose, iteration, member, episode) → 64-bit seed.
///
/// ```
/// h = mix(runSeed ^ (purpose · γ))
/// h = mix(h + iteration · γ);  h = mix(h + member · γ);  h = mix(h + episode · γ)
/// ```
/// where `mix` is SplitMix64's output function and γ its golden gamma `0x9E3779B97F4A7C15`
/// (wrapping arithmetic). Every random draw in rollout starts from a seed made this way, so a value
/// depends only on *what* it is for, never on which thread or rank computed it. That is why the same
/// seed gives bit-identical results for any `--threads`.
public enum SeedDerivation {
  @inlinable
  public static func seed(
    run: UInt64, purpose: RandomPurpose, iteration: Int = 0, member: Int = 0, episode: Int = 0
  ) -> UInt64 {
    let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    var h = SplitMix64.mix(run ^ (purpose.rawValue &* gamma))
    h = SplitMix64.mix(h &+ UInt64(bitPattern: Int64(iteration)) &* gamma)
    h = SplitMix64.mix(h &+ UInt64(bitPattern: Int64(member)) &* gamma)
    h = SplitMix64.mix(h &+ UInt64(bitPattern: Int64(episode)) &* gamma)
    return h
  }
}
