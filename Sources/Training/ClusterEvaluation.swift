import Cluster
import Evaluation
import RLCore

extension Evaluator {
  /// Evaluates `plan` across the ranks of `cluster`: members are dealt out in turn (member m to
  /// rank m mod size, which spreads ragged episode lengths), each rank evaluates its own on its
  /// threads, and the results are gathered back into member order on every rank. What crosses the
  /// wire is per episode a return, a length and a behaviour descriptor, plus the observation sums
  /// of the few members sampled for the statistics — never a parameter vector. The results are
  /// the same bits as a single process's.
  func evaluate(
    _ plan: EvaluationPlan, cluster: any Communicator,
    parameters: @Sendable (_ member: Int, _ into: UnsafeMutableBufferPointer<Float>) -> Void
  ) -> EvaluationResults {
    guard cluster.size > 1 else { return evaluate(plan, parameters: parameters) }
    let members = plan.members, e = plan.episodesPerMember, b = behaviorCount, d = network.inputCount
    let mine = cluster.dealt(members)
    let local = evaluate(plan, only: mine, parameters: parameters)

    var returns: [Double] = [], lengths: [Int] = [], behaviors: [Float] = [], statistics: [Double] = []
    for m in mine {
      returns += local.episodeReturns[(m * e)..<((m + 1) * e)]
      lengths += local.episodeLengths[(m * e)..<((m + 1) * e)]
      behaviors += local.episodeBehaviors[(m * e * b)..<((m + 1) * e * b)]
      if plan.collectsStatistics(m) {
        statistics += local.statisticsSum[(m * d)..<((m + 1) * d)]
        statistics += local.statisticsSumOfSquares[(m * d)..<((m + 1) * d)]
        statistics.append(local.statisticsCount[m])
      }
    }
    // Which members were sampled is known everywhere (it is drawn from the seed), so only their
    // sums travel, each from the rank that ran it.
    let sampled = (0..<members).filter(plan.collectsStatistics)
    let width = 2 * d + 1
    let statisticsCounts = (0..<cluster.size).map { r in sampled.count { $0 % cluster.size == r } * width }
    let gathered = cluster.allgather(statistics, counts: statisticsCounts)
    var sums = [Double](repeating: 0, count: members * d), squares = sums
    var counts = [Double](repeating: 0, count: members)
    var offset = 0
    for r in 0..<cluster.size {
      for m in sampled where m % cluster.size == r {
        for i in 0..<d {
          sums[m * d + i] = gathered[offset + i]
          squares[m * d + i] = gathered[offset + d + i]
        }
        counts[m] = gathered[offset + 2 * d]
        offset += width
      }
    }
    var results = EvaluationResults(
      members: members, episodesPerMember: e,
      episodeReturns: cluster.gatherDealt(returns, count: members, width: e),
      episodeLengths: cluster.gatherDealt(lengths, count: members, width: e),
      behaviorCount: b, episodeBehaviors: cluster.gatherDealt(behaviors, count: members, width: e * b),
      statisticsSum: sums, statisticsSumOfSquares: squares, statisticsCount: counts)
    // Abandoned on one rank is abandoned on all: every rank then stops at the same point.
    results.cancelled = cluster.any(local.cancelled)
    return results
  }
}
