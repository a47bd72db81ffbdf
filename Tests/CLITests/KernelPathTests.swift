import Foundation
import Networks
import Testing
import TestSupport

/// Every kernel path this CPU runs (`ROLLOUT_KERNELS`) trains the same bits: the promise that a
/// seed's result does not depend on the machine.
@Suite("Kernel paths", .serialized)
struct KernelPathTests {
  let work = TestPaths.temporaryDirectory("rollout-kernel-paths")

  /// A policy file's lines without its timing fields and the checksum over them.
  func withoutTiming(_ url: URL) throws -> [Substring] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter {
      !$0.contains("\"wall_time_seconds\"") && !$0.contains("\"checksum\"")
    }
  }

  static let runs: [(name: String, arguments: [String], policy: String)] = [
    ("openai-es", ["cartpole", "--algo", "openai-es", "--max-steps", "300000"], "cartpole-openai-es.policy"),
    ("ppo", ["cartpole", "--algo", "ppo", "--max-steps", "30000"], "cartpole-ppo.policy"),
    ("a2c", ["cartpole", "--algo", "a2c", "--max-steps", "30000"], "cartpole-a2c.policy"),
    ("ga", ["medium-maze", "--algo", "ga", "--generations", "40"], "medium-maze-ga.policy"),
  ]

  @Test(
    "OpenAI-ES 300 k steps, PPO and A2C 30 k, the GA on the medium maze: the same policy file on every path",
    arguments: runs.map(\.name))
  func samePolicyOnEveryPath(name: String) throws {
    let run = Self.runs.first { $0.name == name }!
    let paths = Kernels.available
    #expect(paths.contains(.scalar))
    var files: [(KernelPath, [Substring])] = []
    for path in paths {
      let out = work.appendingPathComponent("\(name)-\(path.rawValue)")
      let result = try Rollout.run(
        ["train"] + run.arguments + ["--seed", "2", "--threads", "2", "--no-early-stop", "--out", out.path],
        environment: [Kernels.variable: path.rawValue])
      try #require(result.status == 0, "\(path): \(result.stderr)")
      #expect(result.stdout.contains("\(path.description) kernels"), "the header names the path: \(result.stdout)")
      files.append((path, try withoutTiming(out.appendingPathComponent(run.policy))))
    }
    for (path, lines) in files.dropFirst() {
      #expect(lines == files[0].1, "\(name): \(path) differs from \(files[0].0)")
    }
    #expect(files[0].1.contains { $0.contains("\"parameters\"") })
  }

  @Test("ROLLOUT_KERNELS naming a path this CPU lacks, or no path, is a one-line error before anything runs")
  func refusedPath() throws {
    let missing = KernelPath.allCases.first { !Kernels.available.contains($0) }!
    let out = work.appendingPathComponent("refused")
    for value in [missing.rawValue, "fastest"] {
      let result = try Rollout.run(
        ["train", "cartpole", "--out", out.path], environment: [Kernels.variable: value])
      #expect(result.status != 0)
      #expect(result.stderr.hasPrefix("rollout: error: ROLLOUT_KERNELS=\(value)"), "\(result.stderr)")
      #expect(result.stderr.split(separator: "\n").count == 1)
      #expect(!FileManager.default.fileExists(atPath: out.path), "nothing was written")
    }
  }
}
