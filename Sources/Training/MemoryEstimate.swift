import Environments
import Foundation
import RLCore

/// What a run's settings will hold in memory at once, so that settings which cannot fit are
/// refused before anything runs (rather than swapping a machine to a halt).
///
/// Evolution: every member of a generation keeps its returns, lengths and behaviour per episode,
/// its observation sums (2 × observation size doubles) and its fitness and ranks. The per-member
/// constant and factors were fitted to peak resident sizes measured with `/usr/bin/time -v` (see
/// `Benchmarks/results/memory.md`); the estimate is meant to err high. Policy gradient: the
/// rollout buffer and the copies the collector and minibatches make of it.
public enum MemoryEstimate {
  /// Bytes per member besides the observation and per-episode terms.
  static let bytesPerMember = 150
  /// Bytes the process needs whatever the settings (the binary, the worker pool, the network).
  static let baseBytes = 64 << 20

  /// The peak bytes a run with these settings needs.
  public static func bytes(settings: TrainingConfig, environment: any ConfigurableEnvironment) throws -> Double {
    let spec = environment.spec
    let d = Double(spec.observationSpace.count), b = Double(environment.behaviorCount)
    let algorithm = try Algorithm.named(settings.algorithm)
    guard case .object(let fields) = settings.strategy else { return Double(baseBytes) }
    func number(_ key: String) -> Double {
      if case .number(let value)? = fields[key] { return value }
      return 0
    }
    if algorithm.isPolicyGradient {
      let samples = number("envs") * number("steps")
      // Observations are kept normalised in the buffer and gathered once more per rollout;
      // values, rewards, log-probabilities, advantages and returns are doubles.
      return Double(baseBytes) + samples * (3 * 4 * d + 8 * 8 + 4 * 8)
    }
    let members = algorithm.configKey(for: .population).map { number($0) } ?? 0
    let perMember = algorithm == .ars ? 2 * members : members
    let episodes = Double(settings.run.episodesPerMember)
    let memberBytes = Double(bytesPerMember) + 16 * d + episodes * (12 * b + 16)
    // OpenAI-ES's shared noise table: 4 bytes a value.
    return Double(baseBytes) + perMember * memberBytes + 4 * number("noise_table_size")
  }

  /// Refuses settings that need more than 80 % of this machine's memory, in one line that says
  /// what they would need and what the machine has.
  public static func check(settings: TrainingConfig, environment: any ConfigurableEnvironment) throws {
    let needed = try bytes(settings: settings, environment: environment)
    let available = Double(ProcessInfo.processInfo.physicalMemory)
    guard needed > 0.8 * available else { return }
    func gb(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1e9) }
    let what = try Algorithm.named(settings.algorithm).isPolicyGradient ? "rollout buffer (envs × steps)" : "population"
    throw RolloutError(
      "these settings need about \(gb(needed)) of memory for the \(what), more than this machine's "
        + "\(gb(available)) can give (80 % of it); use a smaller one")
  }
}
