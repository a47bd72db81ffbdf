import Dispatch
import Synchronization

/// A fork-join pool for many short parallel sections in a row: `threads − 1` long-lived workers
/// plus the calling thread, which works too.
///
/// PPO's update is twenty parallel sections of ~0.1 ms each, one per minibatch, with a little
/// serial work between them. `DispatchQueue.concurrentPerform` parks its helper threads between
/// sections, and waking one costs a good part of a section, so two threads ran such updates only
/// ~1.3× faster than one. Here a worker spins for `spinMicroseconds` after a section before it
/// sleeps, so back-to-back sections find it awake; spinning is bounded, so a pool left idle costs
/// nothing.
///
/// Callers write results by item index, so their outputs never depend on which thread ran an
/// item, nor on the thread count. `run` must not be called from inside a `run` body.
public final class WorkerPool: @unchecked Sendable {
  /// Threads working on a section, the caller's included.
  public let threads: Int

  final class Worker: @unchecked Sendable {
    let sleeping = Atomic<Bool>(false)
    let wake = DispatchSemaphore(value: 0)
  }

  final class Shared: @unchecked Sendable {
    /// Bumped once per section (and once to stop); workers run a section when they see it change.
    let epoch = Atomic<Int>(0)
    let next = Atomic<Int>(0)
    /// Workers done with the current section.
    let finished = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// The current section, written only while every worker is between sections.
    var body: ((_ item: Int, _ thread: Int) -> Void)?
    var count = 0
    /// Item i goes to participant i mod (workers + 1), the caller being 0 (see `run`).
    var sameThreads = false
    let spinNanoseconds: UInt64
    let workers: [Worker]
    let exited = DispatchGroup()

    init(workers: Int, spinNanoseconds: UInt64) {
      self.workers = (0..<workers).map { _ in Worker() }
      self.spinNanoseconds = spinNanoseconds
    }

    func workLoop(_ worker: Worker, participant: Int) {
      var seen = 0
      while true {
        waitForSection(after: seen, worker)
        let current = epoch.load(ordering: .acquiring)
        // A wake-up without a new section (a signal left over from a race) just waits again.
        if current == seen { continue }
        seen = current
        if stopping.load(ordering: .acquiring) { break }
        runItems(participant: participant)
        finished.add(1, ordering: .releasing)
      }
      exited.leave()
    }

    func runItems(participant: Int) {
      let body = self.body!, count = self.count
      if sameThreads {
        for i in stride(from: participant, to: count, by: workers.count + 1) { body(i, participant) }
        return
      }
      while true {
        let i = next.add(1, ordering: .relaxed).oldValue
        if i >= count { break }
        body(i, participant)
      }
    }

    /// Spins until the epoch moves past `seen`; after `spinNanoseconds` sleeps until woken.
    private func waitForSection(after seen: Int, _ worker: Worker) {
      let start = DispatchTime.now().uptimeNanoseconds
      var spins = 0
      while epoch.load(ordering: .acquiring) == seen {
        spins &+= 1
        if spins & 255 == 0 && DispatchTime.now().uptimeNanoseconds - start > spinNanoseconds {
          // Announce the sleep, then look once more: a section started in between must not be
          // missed. Whoever clears the flag owes the semaphore one signal.
          worker.sleeping.store(true, ordering: .sequentiallyConsistent)
          if epoch.load(ordering: .sequentiallyConsistent) != seen {
            if !worker.sleeping.exchange(false, ordering: .sequentiallyConsistent) { worker.wake.wait() }
            return
          }
          worker.wake.wait()
          return
        }
      }
    }

    func startSection() {
      epoch.add(1, ordering: .sequentiallyConsistent)
      for worker in workers where worker.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
        worker.wake.signal()
      }
    }
  }

  let shared: Shared

  /// A pool of `threads` threads in all (at least 1; 1 runs everything on the caller).
  /// `spinMicroseconds`: how long an idle worker stays awake for the next section.
  public init(threads: Int, spinMicroseconds: Int = 200) {
    precondition(threads > 0, "a pool needs at least one thread")
    self.threads = threads
    shared = Shared(workers: threads - 1, spinNanoseconds: UInt64(max(spinMicroseconds, 0)) * 1000)
    for (index, worker) in shared.workers.enumerated() {
      let shared = self.shared
      shared.exited.enter()
      DispatchQueue(label: "rollout.worker.\(index)", qos: .userInitiated).async {
        shared.workLoop(worker, participant: index + 1)
      }
    }
  }

  deinit {
    shared.stopping.store(true, ordering: .releasing)
    shared.startSection()
    shared.exited.wait()
  }

  /// `0..<count` cut into one contiguous range per thread (fewer when there are under `minimum`
  /// elements per thread), each a whole multiple of `multiple` long but the last. Run with
  /// `sameThreads`, range k stays on thread k: passes over one vector split this way (a sum, then
  /// an optimiser step) find their range in the cache of the core that last wrote it.
  public func ranges(of count: Int, multiple: Int = 8, minimum: Int = 1024) -> [Range<Int>] {
    let shares = min(threads, max(count / minimum, 1))
    let share = (count / shares + multiple - 1) / multiple * multiple
    return (0..<shares).map { k in
      let start = min(k * share, count)
      return start..<(k == shares - 1 ? count : min(start + share, count))
    }
  }

  /// Runs `body(i)` for every i in `0..<count`, spread over the pool; returns when all are done.
  ///
  /// Items go to whichever thread is free next, unless `sameThreads`: then item i always runs
  /// on thread i mod `threads`, after that thread's earlier items — for one item per thread, or
  /// per-item state that should stay in one core's caches. Free-for-all suits equal items on a
  /// shared machine better: a thread slowed by a busy core leaves its items to the others.
  public func run(_ count: Int, sameThreads: Bool = false, _ body: (Int) -> Void) {
    run(count, sameThreads: sameThreads) { item, _ in body(item) }
  }

  /// `run`, telling `body` which thread (0 = the caller, 1… the workers) runs the item, for
  /// per-thread scratch space.
  public func run(_ count: Int, sameThreads: Bool = false, _ body: (_ item: Int, _ thread: Int) -> Void) {
    guard count > 0 else { return }
    if threads == 1 || count == 1 {
      for i in 0..<count { body(i, 0) }
      return
    }
    withoutActuallyEscaping(body) { body in
      shared.body = body
      shared.count = count
      shared.sameThreads = sameThreads
      shared.next.store(0, ordering: .relaxed)
      shared.finished.store(0, ordering: .relaxed)
      shared.startSection()
      shared.runItems(participant: 0)
      // Every worker reports in before the section's closure goes out of scope.
      while shared.finished.load(ordering: .acquiring) < shared.workers.count {}
      shared.body = nil
    }
  }
}
