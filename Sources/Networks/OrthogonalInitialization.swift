import RLCore

extension Network {
  /// Orthogonal initialisation as PyTorch's `nn.init.orthogonal_` and SB3 use it: each layer's
  /// `out × in` weight matrix (a convolution's `filters × patch`, as PyTorch flattens a kernel)
  /// is the Q of a Gaussian matrix's QR decomposition (signs fixed by R's diagonal), times the
  /// layer's gain; biases are 0. SB3's gains are √2 for hidden layers, 0.01
  /// for the policy head and 1 for the value head: pass the head's as `outputGain`.
  ///
  /// Deterministic in `seed` (one Philox stream, layer by layer). The QR runs as modified
  /// Gram–Schmidt in Double on the taller orientation, which gives the same Q as Householder QR
  /// with the sign convention above.
  public func orthogonalInitialization(seed: UInt64, hiddenGain: Float = Float(2).squareRoot(), outputGain: Float) -> [Float] {
    var parameters = [Float](repeating: 0, count: parameterCount)
    var rng = PhiloxStream(seed: seed)
    let matrices = weightMatrices
    for (l, (offset, inCount, outCount)) in matrices.enumerated() {
      let gain = Double(l == matrices.count - 1 ? outputGain : hiddenGain)
      // Q has orthonormal columns: `rows × cols` with rows ≥ cols.
      let rows = max(outCount, inCount), cols = min(outCount, inCount)
      var a = (0..<(rows * cols)).map { _ in Double(rng.nextGaussian()) }  // column-major
      for c in 0..<cols {
        for previous in 0..<c {
          var projection = 0.0
          for r in 0..<rows { projection += a[previous * rows + r] * a[c * rows + r] }
          for r in 0..<rows { a[c * rows + r] -= projection * a[previous * rows + r] }
        }
        var norm = 0.0
        for r in 0..<rows { norm += a[c * rows + r] * a[c * rows + r] }
        norm = norm.squareRoot()
        for r in 0..<rows { a[c * rows + r] /= norm > 0 ? norm : 1 }
      }
      for r in 0..<rows {
        for c in 0..<cols {
          // W (out × in) is Q when out ≥ in, else Qᵀ; stored input-major as W[i * out + j].
          let (j, i) = outCount >= inCount ? (r, c) : (c, r)
          parameters[offset + i * outCount + j] = Float(gain * a[c * rows + r])
        }
      }
    }
    return parameters
  }
}
