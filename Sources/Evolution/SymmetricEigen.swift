/// Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations.
///
/// CMA-ES needs B and D with C = B·diag(D²)·Bᵀ every few generations. Full CMA-ES is only
/// practical up to a few hundred dimensions (O(n²) per sample), where Jacobi's O(n³) per sweep and
/// ~6–10 sweeps cost milliseconds, and it is accurate to machine precision for symmetric matrices.
/// That is why rollout carries this ~50-line solver instead of a LAPACK dependency
/// (swift-numerics has no eigensolver).
public enum SymmetricEigen {
  /// Eigenvalues and eigenvectors of the symmetric `n × n` matrix `a` (row-major). Vector i is
  /// column i of `vectors` (row-major n × n). Values are not sorted.
  public static func decompose(_ a: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
    precondition(a.count == n * n, "matrix must be n × n")
    var m = a
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
      var off = 0.0, diagonal = 0.0
      for i in 0..<n {
        diagonal += m[i * n + i] * m[i * n + i]
        for j in (i + 1)..<max(i + 1, n) { off += m[i * n + j] * m[i * n + j] }
      }
      if off <= 1e-30 * diagonal || off == 0 { break }
      for p in 0..<n {
        for q in (p + 1)..<max(p + 1, n) {
          let apq = m[p * n + q]
          if apq == 0 { continue }
          let app = m[p * n + p], aqq = m[q * n + q]
          // The rotation angle that zeroes m[p][q] (Golub & Van Loan §8.5, the stable form).
          let theta = (aqq - app) / (2 * apq)
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let mkp = m[k * n + p], mkq = m[k * n + q]
            m[k * n + p] = c * mkp - s * mkq
            m[k * n + q] = s * mkp + c * mkq
          }
          for k in 0..<n {
            let mpk = m[p * n + k], mqk = m[q * n + k]
            m[p * n + k] = c * mpk - s * mqk
            m[q * n + k] = s * mpk + c * mqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    return ((0..<n).map { m[$0 * n + $0] }, v)
  }
}
