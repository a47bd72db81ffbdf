#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import RLCore

/// A categorical distribution over `count` actions given by logits (policy-gradient heads).
///
/// Computed in Double from Float logits: log-probabilities of unlikely actions and the entropy
/// stay accurate, and gradient checks can hold the math to 1e-4.
public enum Categorical {
  /// log π(a), the entropy H, and the gradients of both with respect to the logits:
  /// ∂log π(a)/∂zₖ = [k = a] − pₖ and ∂H/∂zₖ = −pₖ(log pₖ + H).
  public static func evaluate(
    logits z: UnsafePointer<Float>, count: Int, action a: Int,
    logProbGradient: UnsafeMutablePointer<Double>, entropyGradient: UnsafeMutablePointer<Double>
  ) -> (logProb: Double, entropy: Double) {
    var maxLogit = Double(z[0])
    for k in 1..<count { maxLogit = max(maxLogit, Double(z[k])) }
    var total = 0.0
    for k in 0..<count { total += shiftedExp(Double(z[k]) - maxLogit) }
    let logTotal = log(total) + maxLogit
    // pₖ is needed twice; the gradient slots hold it between the two passes (this runs once per
    // row of every minibatch, and exp is most of its cost).
    var entropy = 0.0
    for k in 0..<count {
      let logP = Double(z[k]) - logTotal
      let p = exp(logP)
      logProbGradient[k] = p
      entropy -= p * logP
    }
    for k in 0..<count {
      let logP = Double(z[k]) - logTotal
      let p = logProbGradient[k]
      logProbGradient[k] = (k == a ? 1 : 0) - p
      entropyGradient[k] = -p * (logP + entropy)
    }
    return (Double(z[a]) - logTotal, entropy)
  }

  /// exp(d) for d = zₖ − max z: the largest logit's term is exp(0) = 1 exactly, without the call.
  @inline(__always)
  static func shiftedExp(_ d: Double) -> Double { d == 0 ? 1 : exp(d) }

  /// A draw from softmax(z) by inverse CDF on one uniform.
  public static func sample(logits z: UnsafePointer<Float>, count: Int, rng: inout PhiloxStream) -> Int {
    var maxLogit = Double(z[0])
    for k in 1..<count { maxLogit = max(maxLogit, Double(z[k])) }
    var total = 0.0
    for k in 0..<count { total += shiftedExp(Double(z[k]) - maxLogit) }
    var threshold = Double(rng.nextUnitFloat()) * total
    for k in 0..<(count - 1) {
      threshold -= shiftedExp(Double(z[k]) - maxLogit)
      if threshold < 0 { return k }
    }
    return count - 1
  }

  /// log π(a) alone.
  public static func logProb(logits z: UnsafePointer<Float>, count: Int, action a: Int) -> Double {
    var maxLogit = Double(z[0])
    for k in 1..<count { maxLogit = max(maxLogit, Double(z[k])) }
    var total = 0.0
    for k in 0..<count { total += shiftedExp(Double(z[k]) - maxLogit) }
    return Double(z[a]) - log(total) - maxLogit
  }
}

/// A diagonal Gaussian N(μ, diag(σ²)) with a state-independent log σ (SB3's `DiagGaussian`).
public enum DiagonalGaussian {
  static let halfLogTwoPi = 0.5 * log(2 * Double.pi)

  /// log π(u) = Σᵢ −(uᵢ − μᵢ)²/(2σᵢ²) − log σᵢ − ½ log 2π, the entropy Σᵢ log σᵢ + ½ log(2πe), and
  /// the gradients: ∂log π/∂μᵢ = (uᵢ − μᵢ)/σᵢ², ∂log π/∂log σᵢ = (uᵢ − μᵢ)²/σᵢ² − 1, ∂H/∂log σᵢ = 1.
  public static func evaluate(
    mean: UnsafePointer<Float>, logStd: UnsafePointer<Float>, sample u: UnsafePointer<Float>, count: Int,
    meanGradient: UnsafeMutablePointer<Double>, logStdGradient: UnsafeMutablePointer<Double>
  ) -> (logProb: Double, entropy: Double) {
    var logProb = 0.0, entropy = 0.0
    for i in 0..<count {
      let s = Double(logStd[i])
      let variance = exp(2 * s)
      let d = Double(u[i]) - Double(mean[i])
      logProb += -d * d / (2 * variance) - s - halfLogTwoPi
      entropy += s + halfLogTwoPi + 0.5
      meanGradient[i] = d / variance
      logStdGradient[i] = d * d / variance - 1
    }
    return (logProb, entropy)
  }

  public static func logProb(mean: UnsafePointer<Float>, logStd: UnsafePointer<Float>, sample u: UnsafePointer<Float>, count: Int) -> Double {
    var logProb = 0.0
    for i in 0..<count {
      let s = Double(logStd[i])
      let d = Double(u[i]) - Double(mean[i])
      logProb += -d * d / (2 * exp(2 * s)) - s - halfLogTwoPi
    }
    return logProb
  }
}
