import Foundation
import Testing

@testable import Networks

/// The hidden-layer kernels whatever the build: Swift SIMD, or the AVX512 trait's fused
/// multiply-adds (`Kernels.name` says which ran).
@Suite("Kernels")
struct KernelTests {
  /// `activate` applied to a copy of `values`.
  func activated(_ values: [Float], _ activation: Activation = .tanh) -> [Float] {
    var out = values
    out.withUnsafeMutableBufferPointer { activate($0.baseAddress!, $0.count, activation) }
    return out
  }

  @Test("hidden tanh: within 5e-7 of tanh on [-10, 10], in [-1, 1], odd, saturated beyond ±9, NaN passes through")
  func hiddenTanhAccuracy() {
    let n = 400_001
    let xs = (0..<n).map { Float(-10 + 20 * Double($0) / Double(n - 1)) }
    let ys = activated(xs)
    var worst = 0.0
    for (x, y) in zip(xs, ys) {
      worst = max(worst, abs(Double(y) - tanh(Double(x))))
      #expect(y >= -1 && y <= 1)
    }
    #expect(worst < 5e-7, "max error \(worst) (\(Kernels.name))")
    let edges: [Float] = [0, 0.3, -0.3, 9, -9, 9.5, -9.5, 1e6, -1e6, .infinity, -.infinity, .nan]
    let e = activated(edges)
    #expect(e[0] == 0 && e[1] == -e[2])
    #expect(e[3] == 1 && e[4] == -1 && e[5] == 1 && e[6] == -1 && e[7] == 1 && e[8] == -1 && e[9] == 1 && e[10] == -1)
    #expect(e[11].isNaN, "a NaN must reach the divergence check, not turn into ±1")
  }

  @Test("hidden tanh: a value gives the same bits at any position, in full blocks and in short tails")
  func hiddenTanhPositionIndependent() {
    var rng = SystemRandomNumberGenerator()
    let values = (0..<103).map { _ in Float.random(in: -12...12, using: &rng) }
    let whole = activated(values)
    for count in 1...values.count {
      for start in [0, values.count - count] {
        let part = activated(Array(values[start..<start + count]))
        let same = zip(part, whole[start..<start + count]).allSatisfy { $0.bitPattern == $1.bitPattern }
        #expect(same, "count \(count) from \(start)")
      }
    }
  }

  @Test("relu clears negatives and keeps the rest")
  func relu() {
    #expect(activated([-2, -0.0, 0, 3, 1e-30, -1e-30], .relu) == [0, -0.0, 0, 3, 1e-30, 0])
  }

  @Test("∂W of a minibatch = the rows' outer products summed in order, any width (wide blocks, 8-unit blocks, single units)",
    arguments: [(4, 64, 64), (7, 33, 17), (5, 3, 40), (3, 70, 2), (2, 16, 1)])
  func outerProducts(rows: Int, inCount: Int, outCount: Int) {
    var rng = SystemRandomNumberGenerator()
    let x = (0..<rows * inCount).map { _ in Float.random(in: -1...1, using: &rng) }
    let delta = (0..<rows * outCount).map { _ in Float.random(in: -1...1, using: &rng) }
    let start = (0..<inCount * outCount).map { _ in Float.random(in: -1...1, using: &rng) }
    var added = start, overwritten = [Float](repeating: .nan, count: start.count)
    x.withUnsafeBufferPointer { x in
      delta.withUnsafeBufferPointer { d in
        added.withUnsafeMutableBufferPointer {
          accumulateOuterProducts(
            x: x.baseAddress!, delta: d.baseAddress!, rows: rows, inCount: inCount, outCount: outCount, into: $0.baseAddress!)
        }
        overwritten.withUnsafeMutableBufferPointer {
          accumulateOuterProducts(
            x: x.baseAddress!, delta: d.baseAddress!, rows: rows, inCount: inCount, outCount: outCount,
            into: $0.baseAddress!, overwriting: true)
        }
      }
    }
    for i in 0..<inCount {
      for j in 0..<outCount {
        let sum = (0..<rows).reduce(0.0) { $0 + Double(x[$1 * inCount + i]) * Double(delta[$1 * outCount + j]) }
        let k = i * outCount + j
        #expect(abs(Double(overwritten[k]) - sum) <= 1e-5, "∂W[\(i), \(j)] (\(Kernels.name))")
        #expect(abs(Double(added[k]) - (Double(start[k]) + sum)) <= 1e-5)
      }
    }
  }

  @Test("a build that needs AVX-512F refuses, in one line, a CPU without it")
  func cpuRequirement() {
    #expect(Kernels.problem(needAVX512F: false, cpuHasAVX512F: false) == nil)
    #expect(Kernels.problem(needAVX512F: false, cpuHasAVX512F: true) == nil)
    #expect(Kernels.problem(needAVX512F: true, cpuHasAVX512F: true) == nil)
    let message = Kernels.problem(needAVX512F: true, cpuHasAVX512F: false)
    #expect(message?.contains("AVX-512F") == true && message?.contains("--traits AVX2") == true)
    #expect(message?.contains("\n") == false)
    // This test process runs, so its kernels suit this CPU.
    #expect(Kernels.problemHere == nil)
  }
}
