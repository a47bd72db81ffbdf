import RLCore

/// The nonlinearity between hidden layers.
public enum Activation: String, Sendable, Codable, CaseIterable {
  /// A fast tanh (a rational within 5e-7 of tanh), the OpenAI-ES and SB3 default for small policies.
  case tanh
  case relu
}

/// A policy or value network over one flat `[Float]` parameter vector: optional convolutions over
/// a grid observation (`Convolution`), flattened channels-last, then dense layers — a multilayer
/// perceptron when there are no convolutions.
///
/// Layout of the parameters: each convolution's kernel and biases (`Convolution` gives their
/// order), then the dense layers, layer by layer: the weights as an `in × out` matrix stored
/// input-major (`W[i * out + j]` connects input `i` to unit `j`; Flax's `kernel` convention, so
/// `y = x @ W + b`), then the `out` biases. Convolutions and hidden layers apply `activation`;
/// the last layer is linear. The forward pass allocates nothing: the caller supplies a workspace
/// of `workspaceCount` floats.
public struct Network: Sendable, Equatable, Codable {
  /// The grid the convolutions read; nil for a network without them.
  public let inputShape: GridShape?
  /// Convolutions applied before the dense layers, in order (empty for an MLP).
  public let convolutions: [Convolution]
  /// The dense layers: `[inputs, hidden…, outputs]`, where the inputs are the flattened output of
  /// the last convolution when there are convolutions.
  public let layerSizes: [Int]
  public let activation: Activation

  /// Convolution weights and biases, and the floats the convolutions' forward pass needs in front
  /// of the dense layers' outputs: kept so that an MLP's forward pass skips them for free.
  @usableFromInline let convolutionParameterCount: Int
  @usableFromInline let convolutionWorkspaceCount: Int
  /// The grid each convolution reads, then the last one's output (empty without convolutions).
  public let gridShapes: [GridShape]
  /// Floats of the single-row workspace that hold the widest layer's patches, then the room for
  /// one layer's trailing `filters % 8` kernel columns laid out unit-major.
  let patchRoom: Int
  let tailRoom: Int

  private init(inputShape: GridShape?, convolutions: [Convolution], layerSizes: [Int], activation: Activation) {
    precondition(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 }, "bad layer sizes")
    self.inputShape = convolutions.isEmpty ? nil : inputShape
    self.convolutions = convolutions
    self.layerSizes = layerSizes
    self.activation = activation
    var parameters = 0, patches = 0, tails = 0, outputs = 0
    var shapes: [GridShape] = []
    if var shape = self.inputShape {
      shapes.append(shape)
      for convolution in convolutions {
        let next = convolution.outputShape(input: shape)!
        let patch = convolution.patchCount(input: shape)
        parameters += convolution.parameterCount(input: shape)
        patches = max(patches, next.positions * patch)
        tails = max(tails, (convolution.filters % 8) * patch)
        outputs += next.count
        shape = next
        shapes.append(shape)
      }
      precondition(shape.count == layerSizes[0], "the dense layers do not read the convolutions' output")
    }
    convolutionParameterCount = parameters
    convolutionWorkspaceCount = patches + tails + outputs
    gridShapes = shapes
    patchRoom = patches
    tailRoom = tails
  }

  public init(layerSizes: [Int], activation: Activation = .tanh) {
    self.init(inputShape: nil, convolutions: [], layerSizes: layerSizes, activation: activation)
  }

  /// An MLP with the given hidden sizes between `inputs` and `outputs`.
  public init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .tanh) {
    self.init(layerSizes: [inputs] + hidden + [outputs], activation: activation)
  }

  /// Convolutions over `inputShape`, then dense layers of the given hidden sizes, then `outputs`.
  /// Nil when a convolution's kernel does not fit the grid it reads.
  public init?(
    inputShape: GridShape, convolutions: [Convolution], hidden: [Int], outputs: Int, activation: Activation = .tanh
  ) {
    var shape = inputShape
    for convolution in convolutions {
      guard let next = convolution.outputShape(input: shape) else { return nil }
      shape = next
    }
    self.init(
      inputShape: inputShape, convolutions: convolutions, layerSizes: [shape.count] + hidden + [outputs],
      activation: activation)
  }

  /// The policy MLP for an env: its observation in, what its action space needs out.
  public init(policyFor spec: EnvSpec, hidden: [Int], activation: Activation = .tanh) {
    self.init(
      inputs: spec.observationSpace.count, hidden: hidden, outputs: spec.actionSpace.policyOutputCount,
      activation: activation)
  }

  /// The policy network for an env with convolutions in front. Convolutions need the env's grid
  /// shape (`EnvSpec.observationShape`): nil without one, or when a kernel does not fit.
  public init?(policyFor spec: EnvSpec, convolutions: [Convolution], hidden: [Int], activation: Activation = .tanh) {
    self.init(
      observation: spec, convolutions: convolutions, hidden: hidden, outputs: spec.actionSpace.policyOutputCount,
      activation: activation)
  }

  /// A network reading `spec`'s observations with `outputs` outputs (nil as `init(policyFor:…)`).
  public init?(
    observation spec: EnvSpec, convolutions: [Convolution], hidden: [Int], outputs: Int, activation: Activation = .tanh
  ) {
    if convolutions.isEmpty {
      self.init(inputs: spec.observationSpace.count, hidden: hidden, outputs: outputs, activation: activation)
    } else {
      guard let shape = spec.observationShape else { return nil }
      self.init(inputShape: shape, convolutions: convolutions, hidden: hidden, outputs: outputs, activation: activation)
    }
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let inputShape = try container.decodeIfPresent(GridShape.self, forKey: .inputShape)
    let convolutions = try container.decodeIfPresent([Convolution].self, forKey: .convolutions) ?? []
    let layerSizes = try container.decode([Int].self, forKey: .layerSizes)
    let activation = try container.decode(Activation.self, forKey: .activation)
    guard layerSizes.count >= 2, layerSizes.allSatisfy({ $0 > 0 }) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad layer sizes"))
    }
    if convolutions.isEmpty {
      self.init(layerSizes: layerSizes, activation: activation)
    } else {
      guard let inputShape,
        let network = Network(
          inputShape: inputShape, convolutions: convolutions, hidden: Array(layerSizes.dropFirst().dropLast()),
          outputs: layerSizes.last!, activation: activation),
        network.layerSizes == layerSizes
      else {
        throw DecodingError.dataCorrupted(
          .init(codingPath: decoder.codingPath, debugDescription: "the convolutions do not fit the grid or the dense layers"))
      }
      self = network
    }
  }

  private enum CodingKeys: String, CodingKey {
    case inputShape, convolutions, layerSizes, activation
  }

  /// The observation size.
  public var inputCount: Int { convolutions.isEmpty ? layerSizes[0] : inputShape!.count }
  public var outputCount: Int { layerSizes[layerSizes.count - 1] }
  /// Dense layers.
  public var layerCount: Int { layerSizes.count - 1 }

  /// Where convolution `k`'s kernel starts in the parameter vector (its biases follow it).
  public func convolutionOffset(_ k: Int) -> Int {
    let shapes = gridShapes
    return (0..<k).reduce(0) { $0 + convolutions[$1].parameterCount(input: shapes[$1]) }
  }

  /// Total number of weights and biases.
  public var parameterCount: Int { weightOffset(layer: layerCount) }

  /// Where dense layer `l`'s weights start in the parameter vector (its biases follow them).
  public func weightOffset(layer l: Int) -> Int {
    (0..<l).reduce(convolutionParameterCount) { $0 + layerSizes[$1] * layerSizes[$1 + 1] + layerSizes[$1 + 1] }
  }

  /// Every weight matrix in parameter order — the convolutions' kernels (`patch × filters`) then
  /// the dense layers' — with where it starts: what the initialisations walk.
  public var weightMatrices: [(offset: Int, inputs: Int, outputs: Int)] {
    let shapes = gridShapes
    let kernels = convolutions.indices.map {
      (convolutionOffset($0), convolutions[$0].patchCount(input: shapes[$0]), convolutions[$0].filters)
    }
    return kernels + (0..<layerCount).map { (weightOffset(layer: $0), layerSizes[$0], layerSizes[$0 + 1]) }
  }

  /// The layers in words: `conv(16,3x3) → dense(128) → 6`, or `4 → 16 → 2` for an MLP.
  public var layerDescription: String {
    guard !convolutions.isEmpty else { return layerSizes.map(String.init).joined(separator: "→") }
    let hidden = NetworkDescription(convolutions: convolutions, hidden: Array(layerSizes.dropFirst().dropLast()))
    return [inputShape!.description, hidden.description, String(outputCount)].joined(separator: " → ")
  }

  /// Floats of scratch space `forward` needs: the outputs of every layer (and the convolutions' patches).
  public var workspaceCount: Int { convolutionWorkspaceCount + layerSizes.dropFirst().reduce(0, +) }

  /// Runs the network; returns a pointer to the `outputCount` outputs inside `workspace`.
  ///
  /// For an MLP, one call into the kernels (`Kernels.active` unless told otherwise) for the whole
  /// pass: about one fused multiply-add per weight plus one fast tanh per hidden unit (`rollout
  /// bench policy` times it with CartPole). Convolutions first lay each layer's patches out as
  /// rows and run the dense kernels on them.
  @inlinable
  public func forward(
    parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
    workspace: UnsafeMutablePointer<Float>, kernels: KernelTable = Kernels.active
  ) -> UnsafeMutablePointer<Float> {
    guard convolutionWorkspaceCount == 0 else {
      return forwardWithConvolutions(parameters: parameters, input: input, workspace: workspace, kernels: kernels)
    }
    return layerSizes.withUnsafeBufferPointer { sizes in
      kernels.mlpForward(sizes.baseAddress, sizes.count - 1, activation.code, parameters, input, workspace)!
    }
  }

  /// The forward pass of a network with convolutions: out of line, so that an MLP's stays as small
  /// as it was (the ES evaluator's hot path).
  @usableFromInline
  func forwardWithConvolutions(
    parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, workspace: UnsafeMutablePointer<Float>,
    kernels: KernelTable
  ) -> UnsafeMutablePointer<Float> {
    let last = forwardConvolutions(parameters: parameters, input: input, workspace: workspace, kernels: kernels)
    return layerSizes.withUnsafeBufferPointer { sizes in
      kernels.mlpForward(
        sizes.baseAddress, sizes.count - 1, activation.code, parameters + convolutionParameterCount, last,
        workspace + convolutionWorkspaceCount)!
    }
  }

  /// The convolutions of one observation; returns the last one's outputs (inside `workspace`).
  @usableFromInline
  func forwardConvolutions(
    parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, workspace: UnsafeMutablePointer<Float>,
    kernels: KernelTable
  ) -> UnsafeMutablePointer<Float> {
    let shapes = gridShapes
    let patches = workspace, tail = workspace + patchRoom
    var x = input, y = tail + tailRoom, p = parameters
    for (k, convolution) in convolutions.enumerated() {
      let inShape = shapes[k], outShape = shapes[k + 1]
      let patch = convolution.patchCount(input: inShape), filters = convolution.filters
      convolution.gatherPatches(
        x, input: inShape, output: outShape, pad: convolution.leadingPadding(input: inShape, output: outShape),
        into: patches)
      layOutTailUnits(p, inputs: patch, outputs: filters, into: tail)
      kernels.denseRows(patches, outShape.positions, patch, p, p + patch * filters, filters, y, tail)
      kernels.activate(y, outShape.count, activation.code)
      p += patch * filters + filters
      x = UnsafePointer(y)
      y += outShape.count
    }
    return UnsafeMutablePointer(mutating: x)
  }
}

/// Lays out the last `outputs % 8` units' weights unit-major (`t[u * inputs + i]`), which the
/// dense kernels read for a layer's few trailing units.
@usableFromInline
func layOutTailUnits(_ w: UnsafePointer<Float>, inputs: Int, outputs: Int, into t: UnsafeMutablePointer<Float>) {
  let tail = outputs - outputs % 8
  for u in tail..<outputs {
    for i in 0..<inputs { t[(u - tail) * inputs + i] = w[i * outputs + u] }
  }
}

extension Activation {
  /// The kernels' name for it.
  @usableFromInline var code: Int32 {
    switch self {
    case .tanh: 0
    case .relu: 1
    }
  }
}

@inlinable @inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Applies the activation in place to `count` values: the hidden layers' kernel (for tanh, a
/// clamped 13/6 rational with Eigen's coefficients, within 5e-7 of tanh, in [−1, 1]).
@inlinable
public func activate(
  _ y: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation, kernels: KernelTable = Kernels.active
) {
  kernels.activate(y, count, activation.code)
}
