#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The processes of one run and the collective operations between them.
///
/// Every rank calls the same collectives in the same order. Reductions are done in rank order on
/// every rank (never by the transport's own reduction tree), so a run gives the same bits for any
/// number of ranks: this is what lets a cluster run reproduce a single-process run exactly.
public protocol Communicator: AnyObject, Sendable {
  /// This process's index, 0..<size. Rank 0 prints and writes files.
  var rank: Int { get }
  var size: Int { get }
  /// Concatenates every rank's `local` in rank order. `counts[r]` is rank r's element count; every
  /// rank passes the same `counts`.
  func allgather<T: BitwiseCopyable>(_ local: [T], counts: [Int]) -> [T]
  /// Rank `root`'s `bytes`, on every rank (the others' argument is ignored).
  func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8]
  /// Returns once every rank has called it.
  func barrier()
  /// Payload bytes this rank has put into collectives so far (what it sends to each peer).
  var bytesSent: Int { get }
  /// Ends the whole job: the message on stderr, every rank stopped.
  func abort(_ message: String, code: Int32) -> Never
  /// Shuts the transport down; the last call a rank makes.
  func finish()
}

extension Communicator {
  /// Element-wise sums of every rank's `values`, added in rank order.
  public func allreduceSum(_ values: [Double]) -> [Double] {
    if size == 1 { return values }
    let all = allgather(values, counts: [Int](repeating: values.count, count: size))
    var sum = Array(all[0..<values.count])
    for r in 1..<size {
      for i in sum.indices { sum[i] += all[r * values.count + i] }
    }
    return sum
  }

  /// Whether `flag` is true on any rank (a stop requested on one rank stops them all together).
  public func any(_ flag: Bool) -> Bool {
    if size == 1 { return flag }
    return allgather([UInt8(flag ? 1 : 0)], counts: [Int](repeating: 1, count: size)).contains(1)
  }

  /// The indices of `count` items this rank takes when they are dealt out in turn (item i goes to
  /// rank i mod size): ragged costs spread evenly, unlike contiguous blocks.
  public func dealt(_ count: Int) -> StrideTo<Int> {
    stride(from: rank, to: count, by: size)
  }

  /// How many of `count` items rank `r` takes when they are dealt out in turn.
  public func dealtCount(_ count: Int, rank r: Int) -> Int {
    count > r ? (count - r + size - 1) / size : 0
  }

  /// Contiguous block `r` of `count` items split as evenly as possible (the first `count % size`
  /// blocks one longer).
  public func block(_ count: Int, rank r: Int) -> Range<Int> {
    let base = count / size, extra = count % size
    let start = r * base + min(r, extra)
    return start..<(start + base + (r < extra ? 1 : 0))
  }

  /// This rank's contiguous block of `count` items.
  public func block(_ count: Int) -> Range<Int> { block(count, rank: rank) }

  /// Gathers per-item values computed by the rank that was dealt each item (`dealt(count)`, each
  /// item `width` values long, `local` in dealt order) back into item order on every rank.
  public func gatherDealt<T: BitwiseCopyable>(_ local: [T], count: Int, width: Int) -> [T] {
    if size == 1 { return local }
    let counts = (0..<size).map { dealtCount(count, rank: $0) * width }
    let all = allgather(local, counts: counts)
    guard let first = all.first else { return all }
    var ordered = [T](repeating: first, count: count * width)
    var offset = 0
    for r in 0..<size {
      for item in stride(from: r, to: count, by: size) {
        for k in 0..<width { ordered[item * width + k] = all[offset + k] }
        offset += width
      }
    }
    return ordered
  }
}

/// One process: every collective is the identity. The default.
public final class SingleProcess: Communicator {
  public init() {}
  public var rank: Int { 0 }
  public var size: Int { 1 }
  public func allgather<T: BitwiseCopyable>(_ local: [T], counts: [Int]) -> [T] { local }
  public func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] { bytes }
  public func barrier() {}
  public var bytesSent: Int { 0 }
  public func abort(_ message: String, code: Int32) -> Never {
    writeToStandardError(message)
    exit(code)
  }
  public func finish() {}
}
