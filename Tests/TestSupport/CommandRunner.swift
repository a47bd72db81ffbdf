import Foundation

/// Runs the built `rollout` binary and captures what it prints.
public struct CommandResult: Sendable {
  public let status: Int32
  public let stdout: String
  public let stderr: String
}

public enum Rollout {
  /// The `rollout` executable next to the test bundle (SwiftPM builds it for the CLI tests), or
  /// the one named by `ROLLOUT_BINARY`.
  public static var binary: URL {
    if let path = ProcessInfo.processInfo.environment["ROLLOUT_BINARY"], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    let candidates = [
      Bundle.main.bundleURL.appendingPathComponent("rollout"),
      Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rollout"),
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("rollout"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
      ?? candidates[0]
  }

  /// Starts `rollout` without waiting for it (its output is discarded): for tests that signal or
  /// kill it.
  public static func start(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Runs `rollout` with `arguments` in `directory` and waits for it.
  @discardableResult
  public static func run(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
  ) throws -> CommandResult {
    try runProgram(binary, arguments, in: directory, environment: environment)
  }

  /// `rollout` as `ranks` Open MPI ranks on this machine (`mpirun` from PATH; root allowed, no
  /// core binding, oversubscribed when there are more ranks than cores).
  public static func mpirun(ranks: Int, _ arguments: [String]) throws -> CommandResult {
    try runProgram(
      URL(fileURLWithPath: "/usr/bin/env"), mpirunArguments(ranks: ranks) + arguments, environment: mpirunEnvironment)
  }

  /// What mpirun needs in its environment to run as root (tests run as root in CI).
  public static let mpirunEnvironment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]

  /// `env mpirun …` arguments up to the rollout binary.
  public static func mpirunArguments(ranks: Int) -> [String] {
    ["mpirun", "-np", "\(ranks)", "--bind-to", "none", "--oversubscribe", binary.path]
  }

  /// Runs any program with `arguments` in `directory` and waits for it.
  public static func runProgram(
    _ program: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
  ) throws -> CommandResult {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
    let errData = LockedData()
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errData.isSet { usleep(1000) }
    return CommandResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData.value, as: UTF8.self))
  }
}

private final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?
  func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
  var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
  var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}
