import ArgumentParser
import Cluster
import Training
import Foundation
import Networks

@main
struct Rollout: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rollout",
    abstract: "Train, evaluate and compare reinforcement-learning agents.",
    version: rolloutVersion,
    subcommands: [
      Envs.self, Train.self, Eval.self, Replay.self, Compare.self, Plot.self, Export.self, Bench.self, Completion.self,
    ])

  /// The ranks of this run: Open MPI's when started by mpirun, else this process alone. Started
  /// on first use (only `train` uses it), so other commands never touch MPI.
  static let cluster: Result<any Communicator, ClusterError> = Result { () throws(ClusterError) in try Cluster.start() }

  /// Runs a command; every failure ends in one line on stderr and a non-zero exit code.
  static func main() {
    do {
      var command = try parseAsRoot()
      if let problem = Kernels.problem { throw RolloutError(problem) }
      #if AVX2 || AVX512
        FileHandle.standardError.write(
          Data("rollout: note: the AVX2 and AVX512 traits are deprecated and do nothing: kernels are chosen at run time\n".utf8))
      #endif
      if let ranks = Cluster.launchedRanks, ranks > 1, !(command is Train) {
        // Every rank would run the whole command and write the same files.
        throw RolloutError("only `rollout train` runs across MPI ranks; run this command without mpirun")
      }
      try command.run()
      finishCluster()
    } catch let error as RolloutError {
      fail(error.message, code: 1)
    } catch {
      let code = exitCode(for: error)
      if code == .success || error is CleanExit {
        exit(withError: error)
      }
      let lines = Rollout.message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      var message = lines.first ?? "\(error)"
      // The parser lists an option's valid values one per line ("- name"): keep them on the line.
      let values = lines.dropFirst().prefix { $0.hasPrefix("- ") }.map { $0.dropFirst(2) }
      if !values.isEmpty { message += " " + values.joined(separator: ", ") }
      let cleaned = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
      fail(cleaned, code: code.rawValue)
    }
  }

  static func fail(_ message: String, code: Int32) -> Never {
    // In a job of several ranks one failing rank must end them all, or the rest would wait for it
    // forever in the next collective.
    if Cluster.launchedRanks != nil, case .success(let cluster) = cluster, cluster.size > 1 {
      cluster.abort("rollout: error: \(cluster.rank == 0 ? "" : "rank \(cluster.rank): ")\(message)", code: code)
    }
    FileHandle.standardError.write(Data("rollout: error: \(message)\n".utf8))
    Foundation.exit(code)
  }

  /// Ends MPI cleanly when this process started it (mpirun reports ranks that exit without it).
  static func finishCluster() {
    if Cluster.launchedRanks != nil, case .success(let cluster) = cluster { cluster.finish() }
  }

  /// The communicator `train` runs on, or the one-line reason there is none.
  static func communicator() throws -> any Communicator {
    do { return try cluster.get() } catch { throw RolloutError(error.message) }
  }
}

/// Flags shared by commands that run episodes.
struct RunOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Seed for every random draw; the same seed gives the same result.")
  var seed: UInt64 = 0

  @Option(name: .customLong("threads"), parsing: .unconditional, help: "Worker threads (default: the number of cores). Results do not depend on it.")
  var threadCount: Int?
  /// --threads, or the number of cores (an optional, so that the help names the default once).
  var threads: Int { threadCount ?? ProcessInfo.processInfo.activeProcessorCount }

  func validate() throws {
    guard threads > 0 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    guard threads <= 1024 else { throw ValidationError("--threads must be at most 1024, got \(threads)") }
  }
}
