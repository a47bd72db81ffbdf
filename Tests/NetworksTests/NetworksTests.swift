import Foundation
import Networks
import RLCore
import Testing

/// A plain Double implementation of the documented MLP layout, to check the SIMD kernels against.
func referenceForward(_ mlp: Network, _ parameters: [Float], _ input: [Float]) -> [Double] {
  var x = input.map(Double.init)
  var offset = 0
  for l in 0..<mlp.layerCount {
    let n = mlp.layerSizes[l], m = mlp.layerSizes[l + 1]
    var y = [Double](repeating: 0, count: m)
    for j in 0..<m {
      var s = Double(parameters[offset + n * m + j])
      for i in 0..<n { s += x[i] * Double(parameters[offset + i * m + j]) }
      y[j] = l == mlp.layerCount - 1 ? s : (mlp.activation == .tanh ? tanh(s) : max(0, s))
    }
    offset += n * m + m
    x = y
  }
  return x
}

@Suite("Networks")
struct NetworksTests {
  @Test(
    "forward matches a Double reference for many shapes; the batched pass matches it bit for bit",
    arguments: [[4, 16, 2], [4, 64, 64, 2], [4, 64, 64, 1], [3, 5, 1], [10, 24, 7], [2, 8, 33, 9], [17, 3], [64, 21, 13]])
  func forwardMatchesReference(sizes: [Int]) {
    for activation in Activation.allCases {
      let mlp = Network(layerSizes: sizes, activation: activation)
      var rng = PhiloxStream(seed: UInt64(sizes.reduce(0, +)))
      let parameters = (0..<mlp.parameterCount).map { _ in rng.nextGaussian() * 0.5 }
      var workspace = [Float](repeating: .nan, count: mlp.workspaceCount)
      for _ in 0..<5 {
        let input = (0..<mlp.inputCount).map { _ in rng.nextGaussian() }
        let expected = referenceForward(mlp, parameters, input)
        let output: [Float] = parameters.withUnsafeBufferPointer { p in
          input.withUnsafeBufferPointer { x in
            workspace.withUnsafeMutableBufferPointer { w in
              let out = mlp.forward(parameters: p.baseAddress!, input: x.baseAddress!, workspace: w.baseAddress!)
              return Array(UnsafeBufferPointer(start: out, count: mlp.outputCount))
            }
          }
        }
        for j in 0..<mlp.outputCount {
          #expect(abs(Double(output[j]) - expected[j]) < 1e-4 * max(1, abs(expected[j])))
        }
      }
      // 11 rows: two four-row blocks and three single rows, every unit block and the narrow tail.
      let rows = 11
      let inputs = (0..<(rows * mlp.inputCount)).map { _ in rng.nextGaussian() }
      let tape = NetworkTape(network: mlp, capacity: rows)
      let batched: [Float] = parameters.withUnsafeBufferPointer { p in
        inputs.withUnsafeBufferPointer { x in
          let out = mlp.forward(batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape)
          return Array(UnsafeBufferPointer(start: out, count: rows * mlp.outputCount))
        }
      }
      for r in 0..<rows {
        let single: [Float] = parameters.withUnsafeBufferPointer { p in
          inputs.withUnsafeBufferPointer { x in
            workspace.withUnsafeMutableBufferPointer { w in
              let out = mlp.forward(parameters: p.baseAddress!, input: x.baseAddress! + r * mlp.inputCount, workspace: w.baseAddress!)
              return Array(UnsafeBufferPointer(start: out, count: mlp.outputCount))
            }
          }
        }
        let row = Array(batched[(r * mlp.outputCount)..<((r + 1) * mlp.outputCount)])
        #expect(row.map(\.bitPattern) == single.map(\.bitPattern), "row \(r)")
      }
    }
  }

  @Test("layout arithmetic: 4→16→2 has 114 parameters; offsets follow the documented order")
  func layout() {
    let mlp = Network(inputs: 4, hidden: [16], outputs: 2)
    #expect(mlp.parameterCount == 4 * 16 + 16 + 16 * 2 + 2)
    #expect(mlp.weightOffset(layer: 1) == 80)
    #expect(mlp.workspaceCount == 18)
  }

  @Test("normc initialisation: unit-norm hidden columns, output columns of norm 0.01, zero biases")
  func normc() {
    let mlp = Network(inputs: 4, hidden: [16], outputs: 2)
    let p = mlp.normcInitialization(seed: 5)
    #expect(p == mlp.normcInitialization(seed: 5))
    #expect(p != mlp.normcInitialization(seed: 6))
    for j in 0..<16 {
      let norm = (0..<4).map { p[$0 * 16 + j] * p[$0 * 16 + j] }.reduce(0, +).squareRoot()
      #expect(abs(norm - 1) < 1e-5)
    }
    for j in 0..<2 {
      let norm = (0..<16).map { p[80 + $0 * 2 + j] * p[80 + $0 * 2 + j] }.reduce(0, +).squareRoot()
      #expect(abs(norm - 0.01) < 1e-7)
    }
    #expect(p[64..<80].allSatisfy { $0 == 0 } && p[112..<114].allSatisfy { $0 == 0 })
  }

  @Test("action heads: argmax takes the first of ties; softmax sampling follows the probabilities")
  func actionHeads() {
    var rng = PhiloxStream(seed: 1)
    let head = ActionHead(space: .discrete(count: 3))
    let logits: [Float] = [0.5, 2, 2]
    #expect(logits.withUnsafeBufferPointer { head.action(outputs: $0.baseAddress!, mode: .greedy, rng: &rng) }.index == 1)
    let skewed: [Float] = [0, log(3), 0]  // probabilities 0.2, 0.6, 0.2
    var counts = [0, 0, 0]
    for _ in 0..<50_000 {
      counts[skewed.withUnsafeBufferPointer { head.action(outputs: $0.baseAddress!, mode: .sampled, rng: &rng) }.index] += 1
    }
    #expect(abs(Double(counts[1]) / 50_000 - 0.6) < 0.01)
    #expect(abs(Double(counts[0]) / 50_000 - 0.2) < 0.01)

    let box = ActionHead(space: .box(BoxSpace(low: [-2, 0], high: [2, 1])))
    let outputs: [Float] = [0, 100]
    let action = outputs.withUnsafeBufferPointer { box.action(outputs: $0.baseAddress!, mode: .greedy, rng: &rng) }
    #expect(action.values[0] == 0 && action.values[1] == 1)
  }

  @Test("observation normaliser: (o - mean) / std, clipped")
  func normalizer() {
    let n = ObservationNormalizer(mean: [1, 0], std: [2, 0.1], clip: 5)
    var out = [Float](repeating: 0, count: 2)
    let obs: [Float] = [3, 1]
    obs.withUnsafeBufferPointer { o in out.withUnsafeMutableBufferPointer { n.apply(o.baseAddress!, into: $0.baseAddress!) } }
    #expect(out == [1, 5])
    var stats = RunningStatistics(dimension: 2)
    stats.add(sum: [0, 0], sumOfSquares: [0, 0], count: 0)
    #expect(ObservationNormalizer(statistics: stats).std == [1, 1])
  }

  @Test("Adam: first step moves each parameter by about α against the gradient's sign")
  func adam() {
    let adam = Adam(learningRate: 0.1)
    var state = Adam.State(count: 3)
    var theta: [Float] = [1, 1, 1]
    adam.update(&theta, gradient: [2, -0.5, 0], state: &state)
    #expect(abs(theta[0] - 0.9) < 1e-6)
    #expect(abs(theta[1] - 1.1) < 1e-6)
    #expect(theta[2] == 1)
    #expect(state.t == 1)
    // Second step by hand: m = 0.9·0.2 + 0.1·2, v = 0.999·0.004 + 0.001·4.
    adam.update(&theta, gradient: [2, -0.5, 0], state: &state)
    let a = 0.1 * (1 - pow(0.999, 2.0)).squareRoot() / (1 - pow(0.9, 2.0))
    let m = 0.9 * 0.2 + 0.1 * 2.0, v = 0.999 * 0.004 + 0.001 * 4.0
    #expect(abs(Double(theta[0]) - (0.9 - a * m / (v.squareRoot() + 1e-8))) < 1e-6)
  }
}
