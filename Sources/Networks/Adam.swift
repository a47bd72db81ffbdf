import RLCore
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Adam (Kingma & Ba 2015) in the form OpenAI-ES's reference code uses: the bias correction is
/// folded into the step size, `a = α·√(1−β₂ᵗ)/(1−β₁ᵗ)`, and `θ ← θ − a·m/(√v + ε)`.
///
/// It minimises: pass the gradient of a loss (ES passes `−g + l2·θ`).
public struct Adam: Sendable, Equatable, Codable {
  /// Step size α.
  public var learningRate: Float
  /// β₁, the decay of the first moment.
  public var beta1: Float = 0.9
  /// β₂, the decay of the second moment.
  public var beta2: Float = 0.999
  /// ε, added to √v.
  public var epsilon: Float = 1e-8

  public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// The optimiser's moments and step count: part of a strategy's state.
  public struct State: Sendable, Equatable, Codable {
    @Packed public var m: [Float]
    @Packed public var v: [Float]
    public var t: Int

    public init(count: Int) {
      m = [Float](repeating: 0, count: count)
      v = [Float](repeating: 0, count: count)
      t = 0
    }
  }

  /// Applies one step to `parameters` in place.
  public func update(_ parameters: inout [Float], gradient: [Float], state: inout State) {
    precondition(parameters.count == gradient.count && state.m.count == gradient.count)
    state.t += 1
    let t = Double(state.t)
    let a = Float(
      Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
    for i in 0..<parameters.count {
      let g = gradient[i]
      state.m[i] = beta1 * state.m[i] + (1 - beta1) * g
      state.v[i] = beta2 * state.v[i] + (1 - beta2) * (g * g)
      parameters[i] -= a * state.m[i] / (state.v[i].squareRoot() + epsilon)
    }
  }
}
