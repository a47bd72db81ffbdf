import Dispatch
import RLCore
import Synchronization

/// One shared table of N(0, 1) values whose slices serve as perturbations, as Salimans et al.
/// (2017, §2.1 and their code's `SharedNoiseTable`) do so that the noise never limits a large
/// network: member i's εᵢ is the `d` values starting at an offset drawn from its seed, so drawing
/// it costs one read per parameter instead of one Gaussian draw.
///
/// The table is a pure function of (seed, size): block b of 65,536 values comes from the Philox
/// stream keyed by `SeedDerivation(seed, .noiseTable, member: b)`, however many threads fill it,
/// so every worker and every MPI rank holds the same table. Tables are kept per process (one per
/// seed and size), never written to a checkpoint.
public final class NoiseTable: Sendable {
  public let seed: UInt64
  public let values: [Float]

  static let blockSize = 65_536
  private static let cache = Mutex<[String: NoiseTable]>([:])

  /// The table a strategy's `noise_table_size` asks for: none for 0.
  public static func shared(seed: UInt64, configuredSize size: Int) -> NoiseTable? {
    size > 0 ? shared(seed: seed, size: size) : nil
  }

  /// Why a `noise_table_size` cannot serve a network of `parameterCount` weights, if it cannot.
  public static func problem(configuredSize size: Int, parameterCount: Int) -> String? {
    guard size > 0, size < parameterCount else { return nil }
    return "noise_table_size \(size) is smaller than the network's \(parameterCount) parameters"
  }

  /// The table of `size` values for run seed `seed`, built once per process.
  public static func shared(seed: UInt64, size: Int) -> NoiseTable {
    let key = "\(seed) \(size)"
    if let table = cache.withLock({ $0[key] }) { return table }
    let table = NoiseTable(seed: seed, size: size)
    return cache.withLock { tables in
      if let existing = tables[key] { return existing }
      // One table at a time: a run uses one; tests and benchmarks that make others free them.
      tables = [key: table]
      return table
    }
  }

  public init(seed: UInt64, size: Int) {
    precondition(size > 0, "a noise table needs values")
    self.seed = seed
    var values = [Float](repeating: 0, count: size)
    let blocks = (size + NoiseTable.blockSize - 1) / NoiseTable.blockSize
    values.withUnsafeMutableBufferPointer { buffer in
      nonisolated(unsafe) let base = buffer.baseAddress!
      DispatchQueue.concurrentPerform(iterations: blocks) { b in
        var stream = PhiloxStream(seed: SeedDerivation.seed(run: seed, purpose: .noiseTable, member: b))
        let start = b * NoiseTable.blockSize, end = min(size, start + NoiseTable.blockSize)
        stream.fillGaussian(UnsafeMutableBufferPointer(start: base + start, count: end - start))
      }
    }
    self.values = values
  }

  public var size: Int { values.count }

  /// Calls `body` with the `count` values of the perturbation with seed `seed`.
  public func withSlice<R>(seed: UInt64, count: Int, _ body: (UnsafePointer<Float>) -> R) -> R {
    let start = offset(seed: seed, count: count)
    return values.withUnsafeBufferPointer { body($0.baseAddress! + start) }
  }

  /// Where the `count` values of the perturbation with seed `seed` start: uniform over the
  /// table's valid offsets.
  public func offset(seed: UInt64, count: Int) -> Int {
    precondition(count <= size, "the noise table is smaller than the parameter vector")
    var stream = PhiloxStream(seed: seed)
    return Int(stream.next() % UInt64(size - count + 1))
  }
}
