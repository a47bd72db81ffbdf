import RLCore

extension Network {
  /// Initial parameters with OpenAI-ES's "normc" scheme: each unit's incoming weights are a
  /// Gaussian vector scaled to norm 1 (convolutions — a filter's whole kernel — and hidden layers)
  /// or `outputScale` (last layer); biases are 0.
  ///
  /// Deterministic in `seed`: the values come from one Philox stream, layer by layer, unit by unit.
  public func normcInitialization(seed: UInt64, outputScale: Float = 0.01) -> [Float] {
    var parameters = [Float](repeating: 0, count: parameterCount)
    var rng = PhiloxStream(seed: seed)
    let matrices = weightMatrices
    for (l, (offset, inCount, outCount)) in matrices.enumerated() {
      let scale: Float = l == matrices.count - 1 ? outputScale : 1
      for j in 0..<outCount {
        var column = [Float](repeating: 0, count: inCount)
        for i in 0..<inCount { column[i] = rng.nextGaussian() }
        let norm = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in 0..<inCount {
          parameters[offset + i * outCount + j] = norm > 0 ? column[i] * scale / norm : 0
        }
      }
    }
    return parameters
  }
}
