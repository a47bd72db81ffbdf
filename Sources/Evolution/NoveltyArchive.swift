/// The archive of behaviour descriptors novelty search measures against (Lehman & Stanley 2011;
/// Conti et al. 2018): novelty of a behaviour b is the mean Euclidean distance from b to its k
/// nearest neighbours in the archive.
///
/// Behaviours are stored flat (`count × dimension`). The search is exact and brute force: one pass
/// that keeps the k smallest squared distances in a sorted buffer, O(archive · (dimension + k)).
/// Mazes produce a few thousand 2-D points per run, where this costs microseconds; a k-d tree would
/// only pay off far beyond that.
public struct NoveltyArchive: Sendable, Equatable, Codable {
  /// Values per behaviour.
  public let dimension: Int
  /// The stored behaviours, one after another.
  public private(set) var points: [Float]

  public init(dimension: Int) {
    self.dimension = dimension
    points = []
  }

  public var count: Int { dimension == 0 ? 0 : points.count / dimension }

  public mutating func add(_ behavior: [Float]) {
    precondition(behavior.count == dimension, "behaviour has \(behavior.count) values, archive \(dimension)")
    points.append(contentsOf: behavior)
  }

  /// Behaviour `i`.
  public subscript(i: Int) -> ArraySlice<Float> { points[(i * dimension)..<((i + 1) * dimension)] }

  /// The squared distances to the `k` nearest archived behaviours, nearest first (fewer when the
  /// archive is smaller than k). Ties keep archive order.
  public func nearestSquaredDistances(to behavior: [Float], k: Int) -> [Double] {
    precondition(behavior.count == dimension, "behaviour has \(behavior.count) values, archive \(dimension)")
    guard k > 0 else { return [] }
    var best: [Double] = []
    best.reserveCapacity(k + 1)
    points.withUnsafeBufferPointer { p in
      for i in 0..<count {
        var d = 0.0
        for j in 0..<dimension {
          let delta = Double(p[i * dimension + j]) - Double(behavior[j])
          d += delta * delta
        }
        if best.count == k, d >= best[k - 1] { continue }
        var position = best.count
        while position > 0 && best[position - 1] > d { position -= 1 }
        best.insert(d, at: position)
        if best.count > k { best.removeLast() }
      }
    }
    return best
  }

  /// Novelty: the mean Euclidean distance to the k nearest archived behaviours (0 for an empty
  /// archive).
  public func novelty(of behavior: [Float], k: Int) -> Double {
    let nearest = nearestSquaredDistances(to: behavior, k: k)
    guard !nearest.isEmpty else { return 0 }
    return nearest.reduce(0) { $0 + $1.squareRoot() } / Double(nearest.count)
  }
}
