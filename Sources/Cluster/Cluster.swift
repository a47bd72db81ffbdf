#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How this process finds the rest of its job.
public enum Cluster {
  /// The number of ranks mpirun started (Open MPI sets OMPI_COMM_WORLD_SIZE in each), or nil when
  /// the process was not started by mpirun.
  public static var launchedRanks: Int? {
    guard let value = getenv("OMPI_COMM_WORLD_SIZE") else { return nil }
    return Int(String(cString: value))
  }

  /// The communicator for this process: MPI's when started by mpirun, otherwise a single process.
  /// Throws when mpirun started several ranks of a build without MPI, which would otherwise run
  /// the same job N times over, each writing the same files.
  public static func start() throws(ClusterError) -> any Communicator {
    guard let ranks = launchedRanks else { return SingleProcess() }
    #if MPI
      return MPICommunicator()
    #else
      if ranks > 1 {
        throw ClusterError(
          "mpirun started \(ranks) ranks, but this rollout was built without MPI; rebuild with --traits MPI")
      }
      return SingleProcess()
    #endif
  }
}

public struct ClusterError: Error, CustomStringConvertible {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// One line on stderr, unbuffered (so it is out before an abort).
func writeToStandardError(_ message: String) {
  let line = Array((message + "\n").utf8)
  _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
