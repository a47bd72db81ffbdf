import Cluster
import Testing

/// A communicator that only knows its place: enough for the partition arithmetic.
final class Placed: Communicator {
  let rank: Int
  let size: Int
  init(rank: Int, size: Int) {
    self.rank = rank
    self.size = size
  }
  func allgather<T: BitwiseCopyable>(_ local: [T], counts: [Int]) -> [T] { fatalError("not used") }
  func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] { fatalError("not used") }
  func barrier() {}
  var bytesSent: Int { 0 }
  func abort(_ message: String, code: Int32) -> Never { fatalError(message) }
  func finish() {}
}

@Suite("Cluster partitions")
struct PartitionTests {
  @Test("blocks and dealt shares cover every item exactly once, for 1 to 7 ranks and 0 to 40 items")
  func coverage() {
    for size in 1...7 {
      for count in 0...40 {
        let ranks = (0..<size).map { Placed(rank: $0, size: size) }
        let blocks = ranks.map { $0.block(count) }
        #expect(blocks.flatMap { Array($0) } == Array(0..<count), "blocks of \(count) over \(size)")
        // Blocks differ in length by at most one.
        #expect(blocks.map(\.count).max()! - blocks.map(\.count).min()! <= (count == 0 ? 0 : 1))
        let dealt = ranks.map { Array($0.dealt(count)) }
        #expect(dealt.flatMap { $0 }.sorted() == Array(0..<count))
        for r in 0..<size { #expect(dealt[r].count == ranks[0].dealtCount(count, rank: r)) }
      }
    }
  }

  @Test("one process: collectives are the identity")
  func singleProcess() {
    let one = SingleProcess()
    #expect(one.rank == 0 && one.size == 1)
    #expect(one.allgather([1.5, 2.5], counts: [2]) == [1.5, 2.5])
    #expect(one.allreduceSum([1, 2]) == [1, 2])
    #expect(one.any(true) && !one.any(false))
    #expect(one.gatherDealt([1, 2, 3, 4], count: 2, width: 2) == [1, 2, 3, 4])
    #expect(Array(one.dealt(3)) == [0, 1, 2])
  }
}
