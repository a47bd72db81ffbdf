import ArgumentParser
import Experiments
import Foundation

@main
struct Rollout: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rollout",
    abstract: "Train, evaluate and compare reinforcement-learning agents.",
    version: rolloutVersion,
    subcommands: [Envs.self, Train.self, Eval.self, Replay.self, Compare.self, Plot.self, Bench.self])

  /// Runs a command; every failure ends in one line on stderr and a non-zero exit code.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as RolloutError {
      fail(error.message, code: 1)
    } catch {
      let code = exitCode(for: error)
      if code == .success || error is CleanExit {
        exit(withError: error)
      }
      let message = Rollout.message(for: error)
        .split(separator: "\n").first.map(String.init) ?? "\(error)"
      let cleaned = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
      fail(cleaned, code: code.rawValue)
    }
  }

  static func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("rollout: error: \(message)\n".utf8))
    Foundation.exit(code)
  }
}

/// Flags shared by commands that run episodes.
struct RunOptions: ParsableArguments {
  @Option(help: "Seed for every random draw; the same seed gives the same result.")
  var seed: UInt64 = 0

  @Option(help: "Worker threads (default: the number of cores). Results do not depend on it.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  func validate() throws {
    guard threads > 0 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    guard threads <= 1024 else { throw ValidationError("--threads must be at most 1024, got \(threads)") }
  }
}
