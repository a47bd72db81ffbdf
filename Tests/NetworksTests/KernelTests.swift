import Foundation
import Testing

@testable import Networks

/// Random floats in [-1, 1] from a fixed seed, so a failure reproduces.
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
  var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
  return (0..<count).map { _ in
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
  }
}

/// The paths this CPU runs, the scalar one first: every other is compared with it.
let paths: [KernelPath] = [.scalar] + Kernels.available.filter { $0 != .scalar }

func same(_ a: [Float], _ b: [Float]) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

/// The network kernels on every instruction set this CPU has: the documented recurrences
/// (`Sources/CVectorMath/kernels.inc`), and the same bits on every path.
@Suite("Kernels")
struct KernelTests {
  /// `activate` on a copy of `values` with `path`'s kernels.
  func activated(_ values: [Float], _ activation: Activation = .tanh, _ path: KernelPath = .scalar) -> [Float] {
    var out = values
    out.withUnsafeMutableBufferPointer { activate($0.baseAddress!, $0.count, activation, kernels: KernelTable(path)!) }
    return out
  }

  @Test("this machine has the scalar path, on x86-64 the SSE2 one and, with AVX2, the AVX2 one; `auto` picks the widest")
  func availablePaths() {
    #expect(Kernels.available.last == .scalar)
    #if arch(x86_64)
      let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
      if cpu.contains(" avx2 ") && cpu.contains(" fma ") { #expect(Kernels.available.contains(.avx2)) }
      if cpu.contains(" avx512f ") { #expect(Kernels.available.first == .avx512) }
      #expect(Kernels.available.contains(.sse2) && !Kernels.available.contains(.neon))
    #endif
    #expect(Kernels.choose(nil, available: Kernels.available) == .success(Kernels.available[0]))
    #expect(Kernels.choose(" AUTO ", available: Kernels.available) == .success(Kernels.available[0]))
  }

  @Test("ROLLOUT_KERNELS: a known path the CPU has is used; an unknown name or a missing path is one line")
  func choosingAPath() {
    let here: [KernelPath] = [.avx2, .scalar]
    #expect(Kernels.choose("scalar", available: here) == .success(.scalar))
    #expect(Kernels.choose("avx2", available: here) == .success(.avx2))
    guard case .failure(let missing) = Kernels.choose("avx512", available: here),
      case .failure(let unknown) = Kernels.choose("sse9", available: here)
    else {
      Issue.record("both must fail")
      return
    }
    #expect(missing.message == "ROLLOUT_KERNELS=avx512: this CPU or binary lacks AVX-512F; use one of: avx2, scalar, auto")
    #expect(unknown.message == "ROLLOUT_KERNELS=sse9 is not a kernel path; use one of: scalar, sse2, avx2, avx512, neon, auto")
  }

  @Test("tanh on every path: within 5e-7 of tanh on [-10, 10], in [-1, 1], odd, saturated beyond ±9, NaN passes through",
    arguments: paths)
  func hiddenTanhAccuracy(path: KernelPath) {
    let n = 400_001
    let xs = (0..<n).map { Float(-10 + 20 * Double($0) / Double(n - 1)) }
    let ys = activated(xs, .tanh, path)
    var worst = 0.0
    for (x, y) in zip(xs, ys) {
      worst = max(worst, abs(Double(y) - tanh(Double(x))))
      #expect(y >= -1 && y <= 1)
    }
    #expect(worst < 5e-7, "max error \(worst) (\(path))")
    let edges: [Float] = [0, 0.3, -0.3, 9, -9, 9.5, -9.5, 1e6, -1e6, .infinity, -.infinity, .nan]
    let e = activated(edges, .tanh, path)
    #expect(e[0] == 0 && e[1] == -e[2])
    #expect(e[3] == 1 && e[4] == -1 && e[5] == 1 && e[6] == -1 && e[7] == 1 && e[8] == -1 && e[9] == 1 && e[10] == -1)
    #expect(e[11].isNaN, "a NaN must reach the divergence check, not turn into ±1")
  }

  @Test("tanh: every path gives the scalar path's bits across the float range, at any position and in short tails")
  func hiddenTanhSameBits() {
    // Every 4099th bit pattern (~1M floats: both signs, subnormals, the clamp at ±9, ±inf, NaN),
    // plus the values either side of the clamp and of the saturation point.
    var values: [Float] = stride(from: UInt64(0), to: 1 << 32, by: 4099).map { Float(bitPattern: UInt32($0)) }
    for edge: Float in [9, -9, 8.100889, -8.100889] { values += [edge.nextDown, edge, edge.nextUp] }
    values += [.infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0, -0.0]
    let reference = activated(values)
    let part = Array(values[1000..<1103])
    for path in paths {
      #expect(same(activated(values, .tanh, path), reference), "\(path)")
      let whole = activated(part, .tanh, path)
      for count in 1...part.count {
        for start in [0, part.count - count] {
          #expect(same(activated(Array(part[start..<start + count]), .tanh, path), Array(whole[start..<start + count])))
        }
      }
    }
  }

  @Test("relu clears negatives and keeps the rest, on every path", arguments: paths)
  func relu(path: KernelPath) {
    #expect(activated([-2, -0.0, 0, 3, 1e-30, -1e-30], .relu, path) == [0, -0.0, 0, 3, 1e-30, 0])
  }

  /// The documented dense recurrence, written out with Swift's fused multiply-add.
  func referenceDense(_ x: [Float], rows: Int, inCount: Int, _ w: [Float], _ b: [Float], outCount: Int) -> [Float] {
    let wide = outCount - outCount % 8
    var y = [Float](repeating: 0, count: rows * outCount)
    for r in 0..<rows {
      for j in 0..<outCount {
        if j < wide {
          var acc = b[j]
          for i in 0..<inCount { acc = acc.addingProduct(x[r * inCount + i], w[i * outCount + j]) }
          y[r * outCount + j] = acc
        } else {
          var a: [Float] = [0, 0, 0, 0]
          for i in 0..<inCount { a[i % 4] = a[i % 4].addingProduct(x[r * inCount + i], w[i * outCount + j]) }
          y[r * outCount + j] = b[j] + ((a[0] + a[1]) + (a[2] + a[3]))
        }
      }
    }
    return y
  }

  static let shapes = [(5, 4, 16), (9, 64, 64), (6, 64, 2), (7, 33, 17), (4, 3, 40), (3, 70, 1), (1, 16, 24), (8, 2, 136)]

  @Test("dense layer: every path, a row alone or in a four-row tile, gives the documented recurrence's bits", arguments: shapes)
  func dense(rows: Int, inCount: Int, outCount: Int) {
    let x = randomFloats(rows * inCount, seed: 1), w = randomFloats(inCount * outCount, seed: 2)
    let b = randomFloats(outCount, seed: 3)
    let expected = referenceDense(x, rows: rows, inCount: inCount, w, b, outCount: outCount)
    let wide = outCount - outCount % 8
    var wt = [Float](repeating: 0, count: max(1, (outCount - wide) * inCount))
    for u in 0..<(outCount - wide) { for i in 0..<inCount { wt[u * inCount + i] = w[i * outCount + wide + u] } }
    for path in paths {
      let k = KernelTable(path)!
      var batch = [Float](repeating: .nan, count: rows * outCount), single = batch
      k.denseRows(x, rows, inCount, w, b, outCount, &batch, wt)
      for r in 0..<rows {
        single.withUnsafeMutableBufferPointer { y in
          x.withUnsafeBufferPointer { x in k.denseRow(x.baseAddress! + r * inCount, inCount, w, b, outCount, y.baseAddress! + r * outCount) }
        }
      }
      #expect(same(batch, expected), "\(path) batch")
      #expect(same(single, expected), "\(path) single rows")
    }
  }

  @Test("∂W: every path adds (or writes, as 0 + sum) the rows' fused products in order", arguments: shapes)
  func outerProducts(rows: Int, inCount: Int, outCount: Int) {
    let x = randomFloats(rows * inCount, seed: 4), delta = randomFloats(rows * outCount, seed: 5)
    let start = randomFloats(inCount * outCount, seed: 6)
    var expectedAdded = start, expectedWritten = start
    for i in 0..<inCount {
      for j in 0..<outCount {
        var acc: Float = 0
        for r in 0..<rows { acc = acc.addingProduct(x[r * inCount + i], delta[r * outCount + j]) }
        expectedAdded[i * outCount + j] += acc
        expectedWritten[i * outCount + j] = 0 + acc
      }
    }
    for path in paths {
      let k = KernelTable(path)!
      var added = start, written = [Float](repeating: .nan, count: start.count)
      k.outer(x, delta, rows, inCount, outCount, &added, 0)
      k.outer(x, delta, rows, inCount, outCount, &written, 1)
      #expect(same(added, expectedAdded), "\(path) adding")
      #expect(same(written, expectedWritten), "\(path) overwriting")
    }
  }

  @Test("bias sums, tanh′ and relu′, Adam and RMSprop: every path gives the scalar path's bits, any length")
  func elementwise() {
    for n in [1, 7, 8, 15, 16, 17, 31, 64, 100, 259] {
      let x = randomFloats(5 * n, seed: UInt64(n)), y = randomFloats(n, seed: 7), g = randomFloats(n, seed: 8)
      func run(_ path: KernelPath) -> [[Float]] {
        let k = KernelTable(path)!
        var sums = randomFloats(n, seed: 9)
        k.sumRows(x, 5, n, &sums)
        var dt = randomFloats(n, seed: 10), dr = dt
        k.activationGradient(&dt, y, n, 0)
        k.activationGradient(&dr, y, n, 1)
        var p = randomFloats(n, seed: 11), m = randomFloats(n, seed: 12), v = randomFloats(n, seed: 13).map { $0 * $0 }
        var p2 = p, v2 = v
        for _ in 0..<3 {
          k.adam(&p, g, &m, &v, n, 0.7, 0.9, 0.999, 1e-5, 0.271, 0.0446, 3e-4)
          k.rmsprop(&p2, g, &v2, n, 0.7, 0.99, 1e-5, 7e-4)
        }
        return [sums, dt, dr, p, m, v, p2, v2]
      }
      let reference = run(.scalar)
      for path in paths {
        let got = run(path)
        for (a, b) in zip(got, reference) { #expect(same(a, b), "\(path), n = \(n)") }
      }
      // The scalar path is the formulas as documented.
      var sums = randomFloats(n, seed: 9)
      for j in 0..<n { for r in 0..<5 { sums[j] += x[r * n + j] } }
      #expect(same(reference[0], sums))
      let dt = zip(randomFloats(n, seed: 10), y).map { d, y in d * Float(1).addingProduct(-y, y) }
      #expect(same(reference[1], dt))
    }
  }

  @Test("a whole forward pass: every path gives the same outputs, as one call and as layers", arguments: [[4, 16, 2], [4, 64, 64, 2], [128, 256, 18], [10, 9, 3]])
  func wholeForward(sizes: [Int]) {
    for activation in Activation.allCases {
      let mlp = Network(layerSizes: sizes, activation: activation)
      let theta = randomFloats(mlp.parameterCount, seed: 14), input = randomFloats(sizes[0], seed: 15)
      var outputs: [[Float]] = []
      for path in paths {
        var workspace = [Float](repeating: 0, count: mlp.workspaceCount)
        workspace.withUnsafeMutableBufferPointer { w in
          let out = mlp.forward(parameters: theta, input: input, workspace: w.baseAddress!, kernels: KernelTable(path)!)
          outputs.append(Array(UnsafeBufferPointer(start: out, count: mlp.outputCount)))
        }
      }
      for (path, out) in zip(paths, outputs) { #expect(same(out, outputs[0]), "\(path) \(sizes) \(activation)") }
    }
  }
}
