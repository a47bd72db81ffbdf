import Foundation
import RLCore
import Testing

@testable import Networks

/// Convolutional networks: the layer grammar, the shapes, and the determinism rules of the dense
/// kernels (a row alone or in a batch, every kernel path: the same bits). Their gradients are
/// checked against finite differences in the gradient-check suite.
@Suite("Convolutions")
struct ConvolutionTests {
  let grid = GridShape(height: 10, width: 10, channels: 4)

  @Test("the layer grammar: conv(F,HxW[,stride=S][,padding=P]) and dense(N,…), in order; bad text is nil")
  func grammar() throws {
    let d = try #require(NetworkDescription(parsing: "conv(16, 3x3) → dense(128)"))
    #expect(d.convolutions == [Convolution(filters: 16, kernelHeight: 3, kernelWidth: 3)] && d.hidden == [128])
    #expect(d.description == "conv(16,3x3) → dense(128)")
    #expect(NetworkDescription(parsing: d.description) == d)
    let e = try #require(NetworkDescription(parsing: "conv(8,4,stride=2,padding=same),conv(4,2x3) -> dense(64,64)"))
    #expect(e.convolutions[0] == Convolution(filters: 8, kernelHeight: 4, kernelWidth: 4, stride: 2, padding: .same))
    #expect(e.convolutions[1].description == "conv(4,2x3)" && e.hidden == [64, 64])
    #expect(NetworkDescription(parsing: "dense(32,32)") == NetworkDescription(hidden: [32, 32]))
    #expect(NetworkDescription(parsing: "dense()") == NetworkDescription(hidden: []))
    for bad in [
      "", "conv(16)", "conv(0,3x3)", "conv(16,3x0)", "conv(16,3x3,stride=0)", "conv(16,3x3,padding=full)",
      "conv(16,3x3,dilation=2)", "dense(128) conv(16,3x3)", "dense(-4)", "dense(12,)", "lstm(64)", "conv(16,3x3",
    ] {
      #expect(NetworkDescription(parsing: bad) == nil, "\(bad)")
    }
  }

  @Test("output shapes: valid shrinks by the kernel, same keeps ⌈side/stride⌉, a kernel larger than the grid does not fit")
  func shapes() throws {
    #expect(Convolution(filters: 16, kernelHeight: 3, kernelWidth: 3).outputShape(input: grid) == GridShape(height: 8, width: 8, channels: 16))
    #expect(
      Convolution(filters: 5, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: .same).outputShape(input: grid)
        == GridShape(height: 5, width: 5, channels: 5))
    #expect(Convolution(filters: 2, kernelHeight: 11, kernelWidth: 3).outputShape(input: grid) == nil)
    // The MinAtar paper's network: 10×10×4 → conv 16 3×3 → 1,024 → dense 128 → 6.
    let network = try #require(
      Network(inputShape: grid, convolutions: [Convolution(filters: 16, kernelHeight: 3, kernelWidth: 3)], hidden: [128], outputs: 6, activation: .relu))
    #expect(network.layerSizes == [1024, 128, 6] && network.inputCount == 400)
    #expect(network.parameterCount == (36 * 16 + 16) + (1024 * 128 + 128) + (128 * 6 + 6))
    #expect(network.weightMatrices.map(\.offset) == [0, 592, 592 + 1024 * 128 + 128])
    #expect(network.layerDescription == "10×10×4 → conv(16,3x3) → dense(128) → 6")
    #expect(Network(inputShape: grid, convolutions: [Convolution(filters: 2, kernelHeight: 11, kernelWidth: 1)], hidden: [], outputs: 3) == nil)
  }

  @Test("a network with convolutions round-trips through JSON; a kernel that does not fit is refused; MLP JSON reads as before")
  func coding() throws {
    let network = try #require(
      Network(inputShape: grid, convolutions: [Convolution(filters: 5, kernelHeight: 2, kernelWidth: 3, stride: 2, padding: .same)], hidden: [7], outputs: 3))
    let data = try JSONEncoder().encode(network)
    #expect(try JSONDecoder().decode(Network.self, from: data) == network)
    #expect(String(decoding: data, as: UTF8.self).contains("\"conv(5,2x3,stride=2,padding=same)\""))
    let mlp = try JSONDecoder().decode(Network.self, from: Data(#"{"layerSizes":[4,16,2],"activation":"tanh"}"#.utf8))
    #expect(mlp == Network(layerSizes: [4, 16, 2]))
    let misfit = #"{"inputShape":{"height":2,"width":2,"channels":1},"convolutions":["conv(3,3x3)"],"layerSizes":[3,2],"activation":"relu"}"#
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(Network.self, from: Data(misfit.utf8)) }
  }

  /// A few networks that take every kernel block: 16 filters (whole vectors), 5 and 12 (tail
  /// units), same padding with stride 2, two stacked.
  static let networks: [String] = [
    "conv(16,3x3) dense(32)", "conv(5,3x3,stride=2,padding=same) conv(12,2x2) dense(9)", "conv(12,4x3,padding=same)",
  ]

  func build(_ layers: String, _ activation: Activation = .relu) throws -> Network {
    let d = try #require(NetworkDescription(parsing: layers))
    return try #require(Network(inputShape: grid, convolutions: d.convolutions, hidden: d.hidden, outputs: 6, activation: activation))
  }

  @Test("each row of a batch gives the bits of the row alone, on every kernel path", arguments: networks)
  func batchMatchesSingle(layers: String) throws {
    let network = try build(layers)
    let parameters = network.orthogonalInitialization(seed: 7, outputGain: 1)
    let rows = 6
    let inputs = randomFloats(rows * network.inputCount, seed: 3)
    var reference: [Float] = []
    for path in paths {
      let kernels = KernelTable(path)!
      var single: [Float] = []
      var workspace = [Float](repeating: .nan, count: network.workspaceCount)
      for r in 0..<rows {
        let out = inputs.withUnsafeBufferPointer { x in
          parameters.withUnsafeBufferPointer { p in
            workspace.withUnsafeMutableBufferPointer { w in
              Array(UnsafeBufferPointer(
                start: network.forward(parameters: p.baseAddress!, input: x.baseAddress! + r * network.inputCount, workspace: w.baseAddress!, kernels: kernels),
                count: network.outputCount))
            }
          }
        }
        single += out
      }
      let tape = NetworkTape(network: network, capacity: rows)
      let batch = inputs.withUnsafeBufferPointer { x in
        parameters.withUnsafeBufferPointer { p in
          Array(UnsafeBufferPointer(
            start: network.forward(batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape, kernels: kernels),
            count: rows * network.outputCount))
        }
      }
      #expect(same(single, batch), "\(path)")
      if reference.isEmpty { reference = single } else { #expect(same(single, reference), "\(path) against scalar") }
    }
  }

  @Test("backward gives the same gradient bits on every kernel path", arguments: networks)
  func gradientsOnEveryPath(layers: String) throws {
    let network = try build(layers, .tanh)
    let parameters = network.orthogonalInitialization(seed: 5, outputGain: 1)
    let rows = 9
    let inputs = randomFloats(rows * network.inputCount, seed: 11)
    let outputGradients = randomFloats(rows * network.outputCount, seed: 12)
    var reference: [Float] = []
    for path in paths {
      let kernels = KernelTable(path)!
      let tape = NetworkTape(network: network, capacity: 16)
      var gradient = [Float](repeating: .nan, count: network.parameterCount)
      inputs.withUnsafeBufferPointer { x in
        parameters.withUnsafeBufferPointer { p in
          gradient.withUnsafeMutableBufferPointer { g in
            network.forward(batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape, kernels: kernels)
            network.backward(
              batch: x.baseAddress!, count: rows, parameters: p.baseAddress!, tape: tape, outputGradients: outputGradients,
              gradient: g.baseAddress!, overwriting: true, kernels: kernels)
          }
        }
      }
      #expect(gradient.allSatisfy(\.isFinite) && gradient.contains { $0 != 0 })
      if reference.isEmpty { reference = gradient } else { #expect(same(gradient, reference), "\(path) against scalar") }
    }
  }

  @Test("initialisations treat each convolution's kernel as a patch × filters matrix; an MLP's are unchanged")
  func initialisation() throws {
    let network = try build("conv(16,3x3) dense(32)")
    let orthogonal = network.orthogonalInitialization(seed: 1, outputGain: 0.01)
    // Rows of the 16 × 36 kernel (one filter's weights) are orthonormal times √2.
    let patch = 36
    for a in 0..<16 {
      for b in a..<16 {
        let dot = (0..<patch).reduce(Float(0)) { $0 + orthogonal[$1 * 16 + a] * orthogonal[$1 * 16 + b] }
        #expect(abs(dot - (a == b ? 2 : 0)) < 1e-4)
      }
    }
    let normc = network.normcInitialization(seed: 1, outputScale: 0.01)
    for f in 0..<16 {
      let norm = (0..<patch).reduce(Float(0)) { $0 + normc[$1 * 16 + f] * normc[$1 * 16 + f] }.squareRoot()
      #expect(abs(norm - 1) < 1e-5)
    }
    #expect(normc[(patch * 16)..<(patch * 16 + 16)].allSatisfy { $0 == 0 })
  }
}
