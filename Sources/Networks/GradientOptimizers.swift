import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The optimisers policy-gradient training uses, in PyTorch's form (what SB3 runs).
public enum GradientOptimizer: Sendable, Equatable, Codable {
  /// Adam: m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), θ ← θ − α·m̂/(√v̂ + ε). SB3 uses ε = 1e-5.
  case adam(beta1: Float, beta2: Float, epsilon: Float)
  /// RMSprop (PyTorch, not centred): v ← αv + (1 − α)g², θ ← θ − lr·g/(√v + ε). SB3's A2C: α 0.99, ε 1e-5.
  case rmsprop(alpha: Float, epsilon: Float)

  public static let sb3Adam = GradientOptimizer.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-5)
  public static let sb3RMSprop = GradientOptimizer.rmsprop(alpha: 0.99, epsilon: 1e-5)

  /// Moments and step count (RMSprop uses only v): the same value Adam keeps.
  public typealias State = Adam.State

  /// One step on `parameters` along the gradient of the loss (it minimises).
  ///
  /// The gradient is multiplied by `scale` first (a gradient-norm clip's factor; g·1 is g, bit
  /// for bit). With a `pool`, thread k updates `shares[k]` (default: `pool.ranges`), the same
  /// share every step, so its moments stay in that core's caches. Every element follows the same
  /// formula whichever share it falls in (`rollout_adam`, `rollout_rmsprop` in
  /// `Sources/CVectorMath/kernels.inc`): the result does not depend on the pool.
  public func step(
    _ parameters: inout [Float], gradient: [Float], scale: Float = 1, learningRate: Float, state: inout State,
    pool: WorkerPool? = nil, shares: [Range<Int>]? = nil, kernels: KernelTable = Kernels.active
  ) {
    precondition(parameters.count == gradient.count && state.v.count == gradient.count)
    state.t += 1
    let n = parameters.count
    let t = Double(state.t)
    // The moments are taken out of the state while the kernels run (no copy), and put back.
    var moments = ([Float](), [Float]())
    swap(&moments.0, &state.m)
    swap(&moments.1, &state.v)
    defer {
      swap(&moments.0, &state.m)
      swap(&moments.1, &state.v)
    }
    parameters.withUnsafeMutableBufferPointer { p in
      gradient.withUnsafeBufferPointer { g in
        moments.0.withUnsafeMutableBufferPointer { m in
          moments.1.withUnsafeMutableBufferPointer { v in
            let (p, g, m, v) = (p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!)
            let update: (Range<Int>) -> Void
            switch self {
            case .adam(let beta1, let beta2, let epsilon):
              let c1 = Float(1 - pow(Double(beta1), t)), c2 = Float(1 - pow(Double(beta2), t)).squareRoot()
              update = { range in
                let k = range.lowerBound
                kernels.adam(
                  p + k, g + k, m + k, v + k, range.count, scale, beta1, beta2, epsilon, c1, c2, learningRate)
              }
            case .rmsprop(let alpha, let epsilon):
              update = { range in
                let k = range.lowerBound
                kernels.rmsprop(p + k, g + k, v + k, range.count, scale, alpha, epsilon, learningRate)
              }
            }
            if let pool {
              let ranges = shares ?? pool.ranges(of: n)
              pool.run(ranges.count, sameThreads: true) { k in update(ranges[k]) }
            } else {
              update(0..<n)
            }
          }
        }
      }
    }
  }
}

/// PyTorch's `clip_grad_norm_` as a factor: what a gradient of squared norm `squaredNorm` is
/// multiplied by so its global L2 norm is at most `maxNorm` — 1, or maxNorm / (norm + 1e-6) when
/// the norm exceeds it. The optimiser step applies it (`step(scale:)`).
public func clipFactor(squaredNorm: Double, maxNorm: Float) -> Float {
  let factor = maxNorm / (Float(squaredNorm.squareRoot()) + 1e-6)
  return factor < 1 ? factor : 1
}

/// Σ gᵢ² in Double, in eight interleaved lanes (then lane by lane in order): a fixed order, so
/// the same on every machine, and eight times shorter a chain of dependent adds than one running
/// sum.
public func squaredNorm(_ g: UnsafePointer<Float>, count n: Int) -> Double {
  var lanes = (SIMD4<Double>.zero, SIMD4<Double>.zero)
  var i = 0
  while i + 8 <= n {
    let x = SIMD8<Double>(load8(g + i))
    lanes.0 += x.lowHalf * x.lowHalf
    lanes.1 += x.highHalf * x.highHalf
    i += 8
  }
  var total = 0.0
  for k in 0..<4 { total += lanes.0[k] }
  for k in 0..<4 { total += lanes.1[k] }
  while i < n {
    total += Double(g[i]) * Double(g[i])
    i += 1
  }
  return total
}

/// A value that moves linearly from `start` (progress 0) to `end` (progress 1); SB3's
/// `get_linear_fn` and the zoo's `lin_<x>` schedules (which end at 0).
public struct LinearSchedule: Sendable, Equatable, Codable {
  public var start: Double
  public var end: Double
  public init(start: Double, end: Double) {
    self.start = start
    self.end = end
  }
  public static func constant(_ value: Double) -> LinearSchedule { LinearSchedule(start: value, end: value) }
  /// The value at `progress` ∈ [0, 1] (the fraction of the budget used).
  public func value(at progress: Double) -> Double { start + (end - start) * min(max(progress, 0), 1) }
}
