import RLCore

/// The nonlinearity between hidden layers.
public enum Activation: String, Sendable, Codable, CaseIterable {
  /// A fast tanh (a rational within 5e-7 of tanh), the OpenAI-ES and SB3 default for small policies.
  case tanh
  case relu
}

/// A multilayer perceptron over one flat `[Float]` parameter vector.
///
/// Layout of the parameters, layer by layer: the weights as an `in × out` matrix stored
/// input-major (`W[i * out + j]` connects input `i` to unit `j`; Flax's `kernel` convention, so
/// `y = x @ W + b`), then the `out` biases. Hidden layers apply `activation`; the last layer is
/// linear. The forward pass allocates nothing: the caller supplies a workspace of
/// `workspaceCount` floats.
public struct MLP: Sendable, Equatable, Codable {
  /// `[inputs, hidden…, outputs]`.
  public let layerSizes: [Int]
  public let activation: Activation

  public init(layerSizes: [Int], activation: Activation = .tanh) {
    precondition(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 }, "bad layer sizes")
    self.layerSizes = layerSizes
    self.activation = activation
  }

  /// An MLP with the given hidden sizes between `inputs` and `outputs`.
  public init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .tanh) {
    self.init(layerSizes: [inputs] + hidden + [outputs], activation: activation)
  }

  /// The policy network for an env: its observation in, what its action space needs out.
  public init(policyFor spec: EnvSpec, hidden: [Int], activation: Activation = .tanh) {
    self.init(
      inputs: spec.observationSpace.count, hidden: hidden, outputs: spec.actionSpace.policyOutputCount,
      activation: activation)
  }

  public var inputCount: Int { layerSizes[0] }
  public var outputCount: Int { layerSizes[layerSizes.count - 1] }
  public var layerCount: Int { layerSizes.count - 1 }

  /// Total number of weights and biases.
  public var parameterCount: Int {
    (0..<layerCount).reduce(0) { $0 + layerSizes[$1] * layerSizes[$1 + 1] + layerSizes[$1 + 1] }
  }

  /// Floats of scratch space `forward` needs: the outputs of every layer.
  public var workspaceCount: Int { layerSizes.dropFirst().reduce(0, +) }

  /// Where layer `l`'s weights start in the parameter vector (its biases follow them).
  public func weightOffset(layer l: Int) -> Int {
    (0..<l).reduce(0) { $0 + layerSizes[$1] * layerSizes[$1 + 1] + layerSizes[$1 + 1] }
  }

  /// Runs the network; returns a pointer to the `outputCount` outputs inside `workspace`.
  ///
  /// One call into the kernels (`Kernels.active` unless told otherwise) for the whole pass: about
  /// one fused multiply-add per weight plus one fast tanh per hidden unit (`rollout bench policy`
  /// times it with CartPole).
  @inlinable
  public func forward(
    parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
    workspace: UnsafeMutablePointer<Float>, kernels: KernelTable = Kernels.active
  ) -> UnsafeMutablePointer<Float> {
    layerSizes.withUnsafeBufferPointer { sizes in
      kernels.mlpForward(sizes.baseAddress, sizes.count - 1, activation.code, parameters, input, workspace)!
    }
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
