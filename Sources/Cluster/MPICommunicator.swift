#if MPI
  import CMPI
  #if canImport(Glibc)
    import Glibc
  #endif
  import Synchronization

  /// The ranks of an Open MPI job (`mpirun -np N rollout …`); without mpirun, one rank of one.
  ///
  /// Collectives run on the thread that started MPI (the training loop's); the worker threads
  /// never call MPI, so `MPI_THREAD_FUNNELED` is all that is asked for. Errors in a collective are
  /// fatal for the job (Open MPI's default): when a rank dies, mpirun stops the others.
  public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    private let sent = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)

    /// Starts MPI. Call once per process.
    public init() {
      var provided: Int32 = 0
      MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
      var r: Int32 = 0, s: Int32 = 0
      MPI_Comm_rank(cmpi_comm_world(), &r)
      MPI_Comm_size(cmpi_comm_world(), &s)
      rank = Int(r)
      size = Int(s)
    }

    public var bytesSent: Int { sent.load(ordering: .relaxed) }

    public func allgather<T: BitwiseCopyable>(_ local: [T], counts: [Int]) -> [T] {
      precondition(counts.count == size && counts[rank] == local.count, "allgather: counts do not match")
      let stride = MemoryLayout<T>.stride
      let byteCounts = counts.map { Int32($0 * stride) }
      var displacements = [Int32](repeating: 0, count: size)
      for r in 1..<max(size, 1) { displacements[r] = displacements[r - 1] + byteCounts[r - 1] }
      let total = counts.reduce(0, +)
      guard total > 0 else { return [] }
      sent.add(local.count * stride, ordering: .relaxed)
      return [T](unsafeUninitializedCapacity: total) { out, initialized in
        local.withUnsafeBytes { send in
          _ = MPI_Allgatherv(
            send.baseAddress, Int32(send.count), cmpi_byte(), out.baseAddress, byteCounts, displacements,
            cmpi_byte(), cmpi_comm_world())
        }
        initialized = total
      }
    }

    public func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] {
      var count = Int64(bytes.count)
      if rank == root { sent.add(8 + bytes.count, ordering: .relaxed) }
      MPI_Bcast(&count, 8, cmpi_byte(), Int32(root), cmpi_comm_world())
      var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
      guard count > 0 else { return [] }
      buffer.withUnsafeMutableBytes { b in
        _ = MPI_Bcast(b.baseAddress, Int32(count), cmpi_byte(), Int32(root), cmpi_comm_world())
      }
      return buffer
    }

    public func barrier() { MPI_Barrier(cmpi_comm_world()) }

    public func abort(_ message: String, code: Int32) -> Never {
      writeToStandardError(message)
      MPI_Abort(cmpi_comm_world(), code)
      exit(code)
    }

    public func finish() {
      if !finished.exchange(true, ordering: .relaxed) { MPI_Finalize() }
    }
  }
#endif
