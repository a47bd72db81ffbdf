import Networks
@testable import PolicyGradient
import RLCore
import Testing

@Suite("Random network distillation")
struct RandomNetworkDistillationTests {
  /// An RND on 2-D inputs (a maze position), trained on rollouts that stay near `home`.
  func model(threads: Int = 1) -> RandomNetworkDistillation {
    let config = RandomNetworkDistillation.Config(
      extrinsicCoefficient: 2, intrinsicCoefficient: 1, gamma: 0.99, features: 16, updateProportion: 0.25)
    let training = RandomNetworkDistillation.Training(
      epochs: 4, batchSize: 64, learningRate: .constant(1e-3), maxGradientNorm: 0.5, valueCoefficient: 0.5, gaeLambda: 0.95)
    return RandomNetworkDistillation(
      config: config, training: training,
      target: Network(inputs: 2, hidden: [32], outputs: 16, activation: .relu),
      predictor: Network(inputs: 2, hidden: [32, 32], outputs: 16, activation: .relu),
      critic: Network(inputs: 2, hidden: [16], outputs: 1), pool: WorkerPool(threads: threads), seed: 7)
  }

  /// A rollout of 4 envs × 64 steps whose observations are points around (0, 0) with spread 1.
  func rollout(_ k: Int) -> RolloutBuffer {
    let buffer = RolloutBuffer(envs: 4, steps: 64, observationCount: 2, actionWidth: 1)
    var rng = PhiloxStream(seed: UInt64(100 + k))
    buffer.observations = (0..<buffer.count * 2).map { _ in rng.nextGaussian() }
    buffer.lastObservations = (0..<8).map { _ in rng.nextGaussian() }
    buffer.advantages = (0..<buffer.count).map { Double($0 % 7) - 3 }
    return buffer
  }

  func train(_ rnd: RandomNetworkDistillation, iterations: Int) -> (RandomNetworkDistillation.State, [Double]) {
    var state = rnd.initialState(envs: 4)
    var means: [Double] = []
    for k in 0..<iterations {
      let buffer = rollout(k)
      let intrinsic = rnd.advantages(for: buffer, state: &state)
      means.append(intrinsic.meanError)
      rnd.train(on: intrinsic, state: &state, progress: 0, iteration: k)
    }
    return (state, means)
  }

  @Test("the intrinsic reward falls on states seen often and stays high on new ones")
  func familiarAndNovel() {
    let rnd = model()
    let (state, means) = train(rnd, iterations: 30)
    #expect(means.last! < means.first! / 10, "mean error per rollout: \(means)")
    // Whitened as the rollouts were: familiar points within 1 std of the mean, new ones 4 away.
    let familiar: [Float] = [0, 0, 0.5, -0.5, -0.8, 0.3, 0.2, 0.9]
    let novel: [Float] = [4, 4, -4, 4, 4, -4, -4, -4]
    let normalizer = ObservationNormalizer(statistics: state.inputStatistics, clip: 5)
    func errors(_ points: [Float]) -> [Double] {
      var whitened = [Float](repeating: 0, count: points.count)
      points.withUnsafeBufferPointer { p in
        whitened.withUnsafeMutableBufferPointer { w in
          for r in 0..<(points.count / 2) { normalizer.apply(p.baseAddress! + 2 * r, into: w.baseAddress! + 2 * r) }
        }
      }
      return rnd.predictionErrors(whitened: whitened, predictor: state.predictor).errors
    }
    let (seen, unseen) = (errors(familiar), errors(novel))
    #expect(unseen.min()! > 10 * seen.max()!, "familiar \(seen), novel \(unseen)")
  }

  @Test("rewards are the error at what each step led to, scaled by the intrinsic return's std; advantages combine")
  func rewardsAndAdvantages() {
    let rnd = model()
    var state = rnd.initialState(envs: 4)
    let buffer = rollout(0)
    let extrinsic = buffer.advantages
    let intrinsic = rnd.advantages(for: buffer, state: &state)
    let normalizer = ObservationNormalizer(statistics: state.inputStatistics, clip: 5)
    var whitened = [Float](repeating: 0, count: 2)
    // Env 1, step 5 led to the observation of step 6; env 2's last step to its last observation.
    func error(_ point: UnsafePointer<Float>) -> Double {
      whitened.withUnsafeMutableBufferPointer { normalizer.apply(point, into: $0.baseAddress!) }
      return rnd.predictionErrors(whitened: whitened, predictor: state.predictor).errors[0]
    }
    let next = buffer.observations.withUnsafeBufferPointer { error($0.baseAddress! + 2 * (64 + 6)) }
    let last = buffer.lastObservations.withUnsafeBufferPointer { error($0.baseAddress! + 2 * 2) }
    let scale = intrinsic.rewards[64 + 5] / next
    #expect(scale > 0 && abs(intrinsic.rewards[3 * 64 - 1] / last - scale) < 1e-9 * scale)
    #expect(abs(scale - 1 / state.returnVariance.squareRoot()) < 1e-9 * scale)
    // The intrinsic return never stops at an episode's end: dones do not change it.
    let ended = rollout(0)
    ended.dones = (0..<ended.count).map { $0 % 9 == 0 }
    var other = rnd.initialState(envs: 4)
    #expect(rnd.advantages(for: ended, state: &other).returns == intrinsic.returns)
    // A = 2·A_ext + 1·A_int, A_int = R_int − V_int.
    let values = buffer.observations.withUnsafeBufferPointer {
      rnd.criticFit.outputs(of: $0.baseAddress!, rows: buffer.count, parameters: state.critic)
    }
    for s in [0, 100, 255] {
      let expected = 2 * extrinsic[s] + (intrinsic.returns[s] - Double(values[s]))
      #expect(abs(buffer.advantages[s] - expected) < 1e-9)
    }
  }

  @Test("the same state after training on 1 and 2 threads")
  func threads() {
    let (one, _) = train(model(threads: 1), iterations: 3)
    let (two, _) = train(model(threads: 2), iterations: 3)
    #expect(one == two)
  }
}
