import Evolution
import PolicyGradient

/// The behaviour-novelty bonus of PPO's `novelty_weight` (the policy-gradient twin of NS-ES, so a
/// comparison on a deceptive task sets mechanism against mechanism, not family against family).
///
/// After a rollout, each episode that finished in it is scored by its novelty — the mean
/// Euclidean distance from its final behaviour descriptor to the k nearest behaviours in the
/// archive — and w × novelty is added to the reward of its last step, before GAE. Then every one
/// of those behaviours joins the archive, so a place visited often stops paying. The episodes
/// come gathered in env order and the buffer is whole on every rank, so the bonus is the same for
/// any thread or rank count; the archive is part of the checkpoint.
enum NoveltyBonus {
  /// Adds the bonus to `buffer` and the behaviours to `archive`; returns the mean bonus paid.
  static func apply(
    weight: Double, neighbours: Int, episodes: [EpisodeRecord], to buffer: RolloutBuffer,
    archive: inout NoveltyArchive
  ) -> Double {
    guard !episodes.isEmpty else { return 0 }
    // Env e's finished episodes, in order, end at its rows' done steps, in order.
    var doneRows = [[Int]](repeating: [], count: buffer.envs)
    for e in 0..<buffer.envs {
      for t in 0..<buffer.steps where buffer.dones[e * buffer.steps + t] { doneRows[e].append(e * buffer.steps + t) }
    }
    var next = [Int](repeating: 0, count: buffer.envs)
    let bonuses = episodes.map { weight * archive.novelty(of: $0.finalBehavior, k: neighbours) }
    for (episode, bonus) in zip(episodes, bonuses) {
      let row = doneRows[episode.env][next[episode.env]]
      next[episode.env] += 1
      buffer.rewards[row] += bonus
    }
    for episode in episodes { archive.add(episode.finalBehavior) }
    return bonuses.reduce(0, +) / Double(bonuses.count)
  }
}
