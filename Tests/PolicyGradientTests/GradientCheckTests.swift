import Foundation
import Networks
import PolicyGradient
import RLCore
import Testing

/// A plain Double reference of the network (exact tanh; convolutions as direct sums over each
/// output's window, TensorFlow's padding rule), for finite differences.
struct ReferenceMLP {
  let network: Network
  func forward(_ parameters: [Double], _ input: [Double]) -> [Double] {
    var x = input
    var offset = 0
    let act: (Double) -> Double = { network.activation == .tanh ? Foundation.tanh($0) : max(0, $0) }
    if var shape = network.inputShape {
      for conv in network.convolutions {
        let (kh, kw, s, f, c) = (conv.kernelHeight, conv.kernelWidth, conv.stride, conv.filters, shape.channels)
        let outH = conv.padding == .same ? (shape.height + s - 1) / s : (shape.height - kh) / s + 1
        let outW = conv.padding == .same ? (shape.width + s - 1) / s : (shape.width - kw) / s + 1
        let top = conv.padding == .same ? max((outH - 1) * s + kh - shape.height, 0) / 2 : 0
        let left = conv.padding == .same ? max((outW - 1) * s + kw - shape.width, 0) / 2 : 0
        let weights = offset, biases = offset + kh * kw * c * f
        var y = [Double](repeating: 0, count: outH * outW * f)
        for oy in 0..<outH {
          for ox in 0..<outW {
            for j in 0..<f {
              var sum = parameters[biases + j]
              for dy in 0..<kh {
                for dx in 0..<kw {
                  let iy = oy * s + dy - top, ix = ox * s + dx - left
                  guard iy >= 0, iy < shape.height, ix >= 0, ix < shape.width else { continue }
                  for ch in 0..<c {
                    sum += x[(iy * shape.width + ix) * c + ch] * parameters[weights + ((dy * kw + dx) * c + ch) * f + j]
                  }
                }
              }
              y[(oy * outW + ox) * f + j] = act(sum)
            }
          }
        }
        offset = biases + f
        shape = GridShape(height: outH, width: outW, channels: f)
        x = y
      }
    }
    for l in 0..<network.layerCount {
      let n = network.layerSizes[l], m = network.layerSizes[l + 1]
      var y = (0..<m).map { parameters[offset + n * m + $0] }
      for i in 0..<n { for j in 0..<m { y[j] += x[i] * parameters[offset + i * m + j] } }
      if l < network.layerCount - 1 { y = y.map(act) }
      offset += n * m + m
      x = y
    }
    return x
  }
}

/// ‖a − b‖ / max(‖a‖, ‖b‖).
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
  let diff = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
  let scale = max(a.reduce(0) { $0 + $1 * $1 }.squareRoot(), b.reduce(0) { $0 + $1 * $1 }.squareRoot())
  return scale == 0 ? diff : diff / scale
}

/// Central differences of `f` at `x`, per coordinate.
func numericalGradient(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
  (0..<x.count).map { i in
    var plus = x, minus = x
    plus[i] += h
    minus[i] -= h
    return (f(plus) - f(minus)) / (2 * h)
  }
}

@Suite("Gradient checks")
struct GradientCheckTests {
  /// Narrow layers take the kernels' tails; [37, 21] takes every block: 32-input blocks of δ·Wᵀ,
  /// 16- and 8-unit blocks of ∂W and of the four-row forward pass, and the one-unit ∂W path.
  @Test(
    "Network backward matches finite differences on every layer (tanh and relu, batches of 7)",
    arguments: [Activation.tanh, .relu], [[11, 9], [37, 21]])
  func mlpBackward(activation: Activation, hidden: [Int]) {
    checkBackward(Network(inputs: 5, hidden: hidden, outputs: 3, activation: activation))
  }

  /// Convolutions: valid and same padding, strides 1 and 2, 16 filters (whole vectors) and 5 (the
  /// kernels' tail units), two stacked (so δ goes back through a convolution onto its grid), an
  /// odd grid, and a convolution straight into the output layer.
  @Test(
    "convolutional backward matches finite differences on every layer (tanh and relu)",
    arguments: [Activation.tanh, .relu], [
      "conv(16,3x3) dense(12)", "conv(5,3x3,stride=2,padding=same) conv(4,2x2) dense(9)",
      "conv(3,3x2,padding=same) conv(6,2x3,stride=2)",
    ])
  func convolutionBackward(activation: Activation, layers: String) throws {
    let description = try #require(NetworkDescription(parsing: layers))
    let network = try #require(
      Network(
        inputShape: GridShape(height: 7, width: 6, channels: 3), convolutions: description.convolutions,
        hidden: description.hidden, outputs: 3, activation: activation))
    checkBackward(network)
  }

  /// Backward against central differences of the Double reference, per weight matrix; batch
  /// forward against the reference; Wᵀ laid out beforehand and overwriting give the same bits.
  func checkBackward(_ network: Network) {
    let n = network.inputCount, m = network.outputCount
    var rng = PhiloxStream(seed: 42)
    let parameters = network.orthogonalInitialization(seed: 3, outputGain: 1).map { $0 + 0.1 * rng.nextGaussian() }
    let rows = 7
    let inputs = (0..<(rows * n)).map { _ in rng.nextGaussian() }
    let weights = (0..<(rows * m)).map { _ in Double(rng.nextGaussian()) }
    let tape = NetworkTape(network: network, capacity: 8)
    var gradient = [Float](repeating: 0, count: network.parameterCount)
    let outputGradients = weights.map(Float.init)
    let outputs = inputs.withUnsafeBufferPointer { x in
      parameters.withUnsafeBufferPointer { p in
        Array(UnsafeBufferPointer(start: network.forward(batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape), count: rows * m))
      }
    }
    inputs.withUnsafeBufferPointer { x in
      parameters.withUnsafeBufferPointer { p in
        gradient.withUnsafeMutableBufferPointer { g in
          network.backward(
            batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape,
            outputGradients: outputGradients, gradient: g.baseAddress!)
        }
      }
    }
    // With Wᵀ laid out beforehand the gradient is the same, bit for bit.
    var transposed = [Float](repeating: .nan, count: network.transposedWeightCount)
    var again = [Float](repeating: 0, count: network.parameterCount)
    inputs.withUnsafeBufferPointer { x in
      parameters.withUnsafeBufferPointer { p in
        transposed.withUnsafeMutableBufferPointer { network.transposeWeights(parameters: p.baseAddress!, into: $0.baseAddress!) }
        again.withUnsafeMutableBufferPointer { g in
          network.backward(
            batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape,
            outputGradients: outputGradients, gradient: g.baseAddress!, transposedWeights: transposed)
        }
      }
    }
    #expect(again == gradient)
    // Overwriting a buffer of garbage gives the bits that adding to zeros gave.
    var overwritten = [Float](repeating: .nan, count: network.parameterCount)
    inputs.withUnsafeBufferPointer { x in
      parameters.withUnsafeBufferPointer { p in
        overwritten.withUnsafeMutableBufferPointer { g in
          network.backward(
            batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape,
            outputGradients: outputGradients, gradient: g.baseAddress!, overwriting: true)
        }
      }
    }
    #expect(overwritten.map(\.bitPattern) == gradient.map(\.bitPattern))
    let reference = ReferenceMLP(network: network)
    func loss(_ theta: [Double]) -> Double {
      (0..<rows).reduce(0.0) { total, r in
        let y = reference.forward(theta, (0..<n).map { Double(inputs[r * n + $0]) })
        return total + (0..<m).reduce(0.0) { $0 + weights[r * m + $1] * y[$1] }
      }
    }
    let theta = parameters.map(Double.init)
    // The Float forward pass agrees with the reference (fast tanh: < 5e-7 per unit).
    for r in 0..<rows {
      let y = reference.forward(theta, (0..<n).map { Double(inputs[r * n + $0]) })
      for k in 0..<m { #expect(abs(Double(outputs[r * m + k]) - y[k]) < 1e-5) }
    }
    let numerical = numericalGradient(theta, loss)
    let starts = network.weightMatrices.map(\.offset) + [network.parameterCount]
    for l in 0..<(starts.count - 1) {
      let error = relativeError(gradient[starts[l]..<starts[l + 1]].map(Double.init), Array(numerical[starts[l]..<starts[l + 1]]))
      #expect(error < 1e-4, "weight matrix \(l) of \(network.layerDescription): relative error \(error)")
    }
  }

  @Test("categorical log-probability and entropy gradients match finite differences")
  func categorical() {
    let logits: [Float] = [0.3, -1.2, 2.0, 0.05]
    var g = [Double](repeating: 0, count: 4), e = g
    for action in 0..<4 {
      let (logProb, entropy) = logits.withUnsafeBufferPointer {
        Categorical.evaluate(logits: $0.baseAddress!, count: 4, action: action, logProbGradient: &g, entropyGradient: &e)
      }
      func values(_ z: [Double]) -> (Double, Double) {
        let m = z.max()!
        let logTotal = log(z.reduce(0) { $0 + exp($1 - m) }) + m
        let p = z.map { exp($0 - logTotal) }
        return (z[action] - logTotal, -zip(p, z).reduce(0) { $0 + $1.0 * ($1.1 - logTotal) })
      }
      let z = logits.map(Double.init)
      #expect(abs(logProb - values(z).0) < 1e-12)
      #expect(abs(entropy - values(z).1) < 1e-12)
      #expect(relativeError(g, numericalGradient(z) { values($0).0 }) < 1e-6)
      #expect(relativeError(e, numericalGradient(z) { values($0).1 }) < 1e-6)
    }
  }

  @Test("diagonal Gaussian log-probability and entropy gradients match finite differences")
  func gaussian() {
    let mean: [Float] = [0.4, -1.5], logStd: [Float] = [-0.3, 0.2], sample: [Float] = [1.1, -2.0]
    var gm = [Double](repeating: 0, count: 2), gs = gm
    let (logProb, entropy) = DiagonalGaussian.evaluate(
      mean: mean, logStd: logStd, sample: sample, count: 2, meanGradient: &gm, logStdGradient: &gs)
    func values(_ v: [Double]) -> (Double, Double) {
      var lp = 0.0, h = 0.0
      for i in 0..<2 {
        let mu = v[i], s = v[2 + i], d = Double(sample[i]) - mu
        lp += -d * d / (2 * exp(2 * s)) - s - 0.5 * log(2 * Double.pi)
        h += s + 0.5 * log(2 * Double.pi * M_E)
      }
      return (lp, h)
    }
    let v = (mean + logStd).map(Double.init)
    #expect(abs(logProb - values(v).0) < 1e-12)
    #expect(abs(entropy - values(v).1) < 1e-12)
    #expect(relativeError(gm + gs, numericalGradient(v) { values($0).0 }) < 1e-6)
    #expect(relativeError([0, 0, 1, 1], numericalGradient(v) { values($0).1 }) < 1e-6)
  }

  /// The learner's glue: every loss term (policy, value, entropy, log σ) through both networks.
  @Test("the actor-critic gradient of a PPO-style loss matches finite differences", arguments: [false, true])
  func actorCriticLoss(continuous: Bool) {
    let space: ActionSpace = continuous ? .box(BoxSpace(low: [-1, -2], high: [1, 2])) : .discrete(count: 3)
    let model = ActorCritic(observationCount: 4, actionSpace: space, hidden: [8], activation: .tanh)
    var rng = PhiloxStream(seed: 5)
    var parameters = model.initialParameters(seed: 9, initialLogStd: -0.2)
    for i in parameters.indices { parameters[i] += 0.2 * rng.nextGaussian() }
    let n = 6
    let buffer = RolloutBuffer(envs: 1, steps: n, observationCount: 4, actionWidth: model.actionWidth)
    buffer.observations = (0..<(n * 4)).map { _ in rng.nextGaussian() }
    buffer.actions = (0..<(n * model.actionWidth)).map { _ in continuous ? rng.nextGaussian() : Float(Int(rng.nextUInt32() % 3)) }
    let learner = ActorCriticLearner(model: model, threads: 2, chunkSize: 4)
    let (logProbs, entropies, values) = learner.forward(buffer: buffer, indices: Array(0..<n)[...], parameters: parameters)
    let a = (0..<n).map { _ in Double(rng.nextGaussian()) }, returns = (0..<n).map { _ in Double(rng.nextGaussian()) }
    // L = −Σ aᵢ·log πᵢ/n + 0.5·Σ(Vᵢ − Rᵢ)²/n − 0.01·Σ Hᵢ/n
    let gradient = learner.gradient(
      parameters: parameters, logProbWeights: a.map { -$0 / Double(n) },
      entropyWeights: [Double](repeating: -0.01 / Double(n), count: n),
      valueWeights: (0..<n).map { 0.5 * 2 * (values[$0] - returns[$0]) / Double(n) }
    ).values
    let actor = ReferenceMLP(network: model.actor), critic = ReferenceMLP(network: model.critic)
    func loss(_ theta: [Double]) -> Double {
      var total = 0.0
      for r in 0..<n {
        let x = (0..<4).map { Double(buffer.observations[r * 4 + $0]) }
        let out = actor.forward(Array(theta[0..<model.actor.parameterCount]), x)
        let v = critic.forward(Array(theta[model.criticOffset..<model.logStdOffset]), x)[0]
        var logProb = 0.0, entropy = 0.0
        if continuous {
          for i in 0..<2 {
            let s = theta[model.logStdOffset + i], d = Double(buffer.actions[r * 2 + i]) - out[i]
            logProb += -d * d / (2 * exp(2 * s)) - s - 0.5 * log(2 * Double.pi)
            entropy += s + 0.5 * log(2 * Double.pi * M_E)
          }
        } else {
          let m = out.max()!
          let logTotal = log(out.reduce(0) { $0 + exp($1 - m) }) + m
          logProb = out[Int(buffer.actions[r])] - logTotal
          entropy = -out.reduce(0) { $0 + exp($1 - logTotal) * ($1 - logTotal) }
        }
        total += -a[r] * logProb / Double(n) + 0.5 * (v - returns[r]) * (v - returns[r]) / Double(n) - 0.01 * entropy / Double(n)
      }
      return total
    }
    let numerical = numericalGradient(parameters.map(Double.init), loss)
    #expect(relativeError(gradient.map(Double.init), numerical) < 1e-4)
    // Per part, so a sign error in one term cannot hide behind the others.
    for range in [0..<model.criticOffset, model.criticOffset..<model.logStdOffset] {
      #expect(relativeError(gradient[range].map(Double.init), Array(numerical[range])) < 1e-4, "\(range)")
    }
    if continuous {
      let range = model.logStdOffset..<model.parameterCount
      #expect(relativeError(gradient[range].map(Double.init), Array(numerical[range])) < 1e-4)
    }
    #expect(logProbs.count == n && entropies.count == n)
  }

  @Test("orthogonal initialisation: orthonormal rows or columns times the gain; zero biases")
  func orthogonal() {
    let network = Network(inputs: 4, hidden: [64], outputs: 2)
    let p = network.orthogonalInitialization(seed: 1, outputGain: 0.01)
    // Layer 0 is 4 × 64 input-major: its 4 input rows are orthogonal with norm √2.
    for a in 0..<4 {
      for b in 0..<4 {
        let dot = (0..<64).reduce(0.0) { $0 + Double(p[a * 64 + $1]) * Double(p[b * 64 + $1]) }
        #expect(abs(dot - (a == b ? 2 : 0)) < 1e-5)
      }
    }
    #expect(p[256..<320].allSatisfy { $0 == 0 })
    // Layer 1 is 64 × 2: its two unit columns are orthogonal with norm 0.01.
    let offset = network.weightOffset(layer: 1)
    for a in 0..<2 {
      for b in 0..<2 {
        let dot = (0..<64).reduce(0.0) { $0 + Double(p[offset + $1 * 2 + a]) * Double(p[offset + $1 * 2 + b]) }
        #expect(abs(dot - (a == b ? 1e-4 : 0)) < 1e-9)
      }
    }
  }

  @Test("Adam and RMSprop take PyTorch's steps; gradient clipping scales to the norm")
  func optimizers() {
    var p: [Float] = [1, -1]
    var state = GradientOptimizer.State(count: 2)
    GradientOptimizer.sb3Adam.step(&p, gradient: [0.5, -2], learningRate: 0.1, state: &state)
    // First Adam step: m̂ = g, v̂ = g², so θ moves by lr·g/(|g| + ε) ≈ lr·sign(g).
    #expect(abs(p[0] - (1 - 0.1 * 0.5 / (0.5 + 1e-5))) < 1e-6)
    #expect(abs(p[1] - (-1 + 0.1 * 2 / (2 + 1e-5))) < 1e-6)
    var q: [Float] = [1]
    var rms = GradientOptimizer.State(count: 1)
    GradientOptimizer.sb3RMSprop.step(&q, gradient: [2], learningRate: 0.01, state: &rms)
    #expect(abs(q[0] - (1 - 0.01 * 2 / ((0.01 * 4).squareRoot() + 1e-5))) < 1e-6)
    // The clip the learner applies: the norm, then the factor the step multiplies g by.
    let g: [Float] = [3, 4]
    let squares = g.withUnsafeBufferPointer { squaredNorm($0.baseAddress!, count: $0.count) }
    #expect(Float(squares.squareRoot()) == 5)
    let factor = clipFactor(squaredNorm: squares, maxNorm: 0.5)
    #expect(abs(g[0] * factor - 0.3) < 1e-6 && abs(g[1] * factor - 0.4) < 1e-6)
    let small: [Float] = [0.1, 0.1]
    let smallFactor = clipFactor(
      squaredNorm: small.withUnsafeBufferPointer { squaredNorm($0.baseAddress!, count: $0.count) }, maxNorm: 0.5)
    #expect(small.map { $0 * smallFactor } == [0.1, 0.1])
    #expect(LinearSchedule(start: 1e-3, end: 0).value(at: 0.25) == 7.5e-4)
    #expect(clipFactor(squaredNorm: 25, maxNorm: 0.5) == Float(0.5) / (Float(5) + 1e-6))
    #expect(clipFactor(squaredNorm: 0.02, maxNorm: 0.5) == 1)
  }

  @Test("an optimiser step with a scale is the step on the scaled gradient, bit for bit; scale 1 is the plain step")
  func scaledStep() {
    var rng = PhiloxStream(seed: 11)
    let n = 43
    let start = (0..<n).map { _ in rng.nextGaussian() }, g = (0..<n).map { _ in rng.nextGaussian() }
    let scale: Float = 0.37
    let pool = WorkerPool(threads: 2)
    for optimizer in [GradientOptimizer.sb3Adam, .sb3RMSprop] {
      var a = start, b = start, c = start, d = start
      var sa = GradientOptimizer.State(count: n), sb = sa, sc = sa, sd = sa
      for _ in 0..<3 {
        optimizer.step(&a, gradient: g, scale: scale, learningRate: 0.01, state: &sa, pool: pool, shares: [0..<20, 20..<n])
        optimizer.step(&b, gradient: g.map { $0 * scale }, learningRate: 0.01, state: &sb)
        optimizer.step(&c, gradient: g, scale: 1, learningRate: 0.01, state: &sc, pool: pool)
        optimizer.step(&d, gradient: g, learningRate: 0.01, state: &sd)
      }
      #expect(a.map(\.bitPattern) == b.map(\.bitPattern) && sa == sb)
      #expect(c.map(\.bitPattern) == d.map(\.bitPattern) && sc == sd)
    }
  }

  @Test("the learner's shares: the actor, then the critic and log σ on two threads, whole blocks otherwise; gradient and norm bit-identical for 1–3 threads")
  func learnerShares() {
    let model = ActorCritic(
      observationCount: 4, actionSpace: .box(BoxSpace(low: [-1, -1], high: [1, 1])), hidden: [40, 40], activation: .tanh)
    var rng = PhiloxStream(seed: 21)
    let parameters = model.initialParameters(seed: 2).map { $0 + 0.1 * rng.nextGaussian() }
    let n = 150
    let buffer = RolloutBuffer(envs: 1, steps: n, observationCount: 4, actionWidth: 2)
    buffer.observations = (0..<(n * 4)).map { _ in rng.nextGaussian() }
    buffer.actions = (0..<(n * 2)).map { _ in rng.nextGaussian() }
    let indices = Array((0..<n).reversed())[...]
    let weights = ActorCriticLearner.RowWeights(
      actor: { r, logProb, _ in (0.01 * Double(r % 7) - logProb * 1e-3, -0.01) },
      critic: { r, value in value - Double(r % 5) * 0.1 })
    var results: [SummedGradient] = []
    for threads in 1...3 {
      let learner = ActorCriticLearner(model: model, threads: threads)
      let shares = learner.shares
      #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == model.parameterCount)
      #expect(zip(shares, shares.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
      #expect(shares.count == min(threads, shares.count))
      if threads == 2 { #expect(shares == [0..<model.criticOffset, model.criticOffset..<model.parameterCount]) }
      results.append(learner.forwardAndGradient(buffer: buffer, indices: indices, parameters: parameters, weights: weights).gradient)
    }
    for other in results.dropFirst() {
      #expect(other.values.map(\.bitPattern) == results[0].values.map(\.bitPattern))
      #expect(other.squaredNorm.bitPattern == results[0].squaredNorm.bitPattern)
    }
    let exact = results[0].values.reduce(0.0) { $0 + Double($1) * Double($1) }
    #expect(abs(results[0].squaredNorm - exact) <= 1e-12 * exact)
  }
}
