import RLCore
import Synchronization
import Testing

@Suite("Worker pool")
struct WorkerPoolTests {
  /// Many short sections in a row, as PPO's minibatches run: every item once per section, the
  /// section over when `run` returns. Spin 0 sends idle workers to sleep at once (the wake-up
  /// path); 200 µs keeps them spinning between sections.
  @Test("every item runs exactly once per section, for 1-4 threads, sleeping or spinning", arguments: [1, 2, 3, 4], [0, 200])
  func everyItemOnce(threads: Int, spinMicroseconds: Int) {
    let pool = WorkerPool(threads: threads, spinMicroseconds: spinMicroseconds)
    for section in 0..<300 {
      let count = section % 9
      let hits = Mutex([Int](repeating: 0, count: count))
      pool.run(count) { i in hits.withLock { $0[i] += 1 } }
      #expect(hits.withLock { $0 } == [Int](repeating: 1, count: count), "section \(section)")
    }
  }

  @Test("bodies learn their thread: 0..<threads, and with sameThreads item i runs on thread i mod threads")
  func threadIndices() {
    for threads in 1...4 {
      let pool = WorkerPool(threads: threads)
      for sameThreads in [false, true] {
        let seen = Mutex([Int](repeating: -1, count: 23))
        pool.run(23, sameThreads: sameThreads) { item, thread in seen.withLock { $0[item] = thread } }
        let threadOf = seen.withLock { $0 }
        #expect(threadOf.allSatisfy { (0..<threads).contains($0) })
        if sameThreads { #expect(threadOf == (0..<23).map { $0 % threads }) }
      }
    }
  }

  @Test("results written by item index do not depend on the thread count")
  func threadIndependence() {
    func squares(threads: Int) -> [Double] {
      let pool = WorkerPool(threads: threads)
      var out = [Double](repeating: 0, count: 1000)
      out.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let b = buffer
        pool.run(1000) { i in b[i] = Double(i).squareRoot() * 3 }
      }
      return out
    }
    #expect(squares(threads: 1) == squares(threads: 3))
  }

  @Test("a pool that goes away joins its workers (pools made and dropped in a loop)")
  func teardown() {
    for threads in 1...4 {
      for _ in 0..<20 {
        let pool = WorkerPool(threads: threads, spinMicroseconds: 0)
        let total = Atomic<Int>(0)
        pool.run(5) { _ in total.add(1, ordering: .relaxed) }
        #expect(total.load(ordering: .relaxed) == 5)
      }
    }
  }

  @Test("ranges(of:) tiles 0..<count contiguously, one range per thread at most, whole multiples of 8 but the last")
  func ranges() {
    for threads in 1...4 {
      let pool = WorkerPool(threads: threads)
      for count in [0, 7, 1023, 1024, 2048, 9155, 10_001] {
        let ranges = pool.ranges(of: count)
        #expect(ranges.count >= 1 && ranges.count <= threads)
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        for range in ranges.dropLast() { #expect(range.count % 8 == 0 && !range.isEmpty) }
        if count < 2048 { #expect(ranges.count == 1, "under 1024 elements per thread stays on one") }
      }
    }
  }
}
