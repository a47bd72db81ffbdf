import Dispatch
import Networks
import PolicyGradient
import RLCore

extension Bench {
  /// PPO's gradient step for the zoo CartPole config: forward and backward passes of the
  /// [64, 64] tanh actor and critic over one 256-row minibatch, the gradient-norm clip and the
  /// Adam step, on 1 thread and on `threads`.
  /// Reported as minibatches/s and as multiply-adds per second, the figure to hold against the
  /// CPU's peak.
  func benchLearner() {
    let model = ActorCritic(observationCount: 4, actionSpace: .discrete(count: 2), hidden: [64, 64], activation: .tanh)
    let initial = model.initialParameters(seed: 1)
    let buffer = RolloutBuffer(envs: 8, steps: 32, observationCount: 4, actionWidth: 1)
    var rng = PhiloxStream(seed: 1)
    for i in buffer.observations.indices { buffer.observations[i] = rng.nextGaussian() }
    for i in buffer.actions.indices { buffer.actions[i] = Float(rng.next() % 2) }
    let indices = Array(0..<buffer.count)[...]
    let rows = Double(buffer.count)
    func rate(threads: Int) -> Double {
      let learner = ActorCriticLearner(model: model, threads: threads)
      var parameters = initial
      var state = GradientOptimizer.State(count: model.parameterCount)
      return median {
        var steps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
          let weights = ActorCriticLearner.RowWeights(actor: { _, _, _ in (-1 / rows, 0) }, critic: { _, value in (value - 1) / rows })
          let gradient = learner.forwardAndGradient(
            buffer: buffer, indices: indices, parameters: parameters, weights: weights
          ).gradient
          learner.apply(
            gradient, to: &parameters, optimizer: .sb3Adam, state: &state, maxGradientNorm: 0.5, learningRate: 1e-4)
          steps += 1
          elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return Double(steps) / elapsed
      }
    }
    let macs = rows * Double(multiplyAdds(model.actor) + multiplyAdds(model.critic))
    let one = rate(threads: 1)
    let many = rate(threads: threads)
    print(
      String(
        format: "learner, 256-row minibatch, actor and critic [64, 64] tanh: 1 thread %.0f minibatches/s (%.1f GMAC/s), "
          + "%d threads %.0f/s (%.1f GMAC/s), speed-up %.2f×",
        one, one * macs / 1e9, threads, many, many * macs / 1e9, many / one) + "; kernels: \(Kernels.name)")
  }
}

/// Multiply-adds per row of one forward and backward pass: the forward pass and ∂W touch every
/// weight once; δ flows down through every layer but the first.
private func multiplyAdds(_ network: Network) -> Int {
  let weights = (0..<network.layerCount).map { network.layerSizes[$0] * network.layerSizes[$0 + 1] }
  return 2 * weights.reduce(0, +) + weights.dropFirst().reduce(0, +)
}
