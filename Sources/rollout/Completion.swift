import ArgumentParser
import Environments
import Foundation
import Training

struct Completion: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print a shell completion script: env, algorithm and experiment names, policy files.",
    discussion: """
      bash: add `source <(rollout completion bash)` to ~/.bashrc. zsh: \
      `rollout completion zsh > "${fpath[1]}/_rollout"`. fish: \
      `rollout completion fish > ~/.config/fish/completions/rollout.fish`.
      """)

  @Argument(help: "The shell: bash, zsh or fish.", completion: .list(["bash", "zsh", "fish"]))
  var shell: String

  func validate() throws {
    guard CompletionShell(rawValue: shell) != nil else {
      throw ValidationError("no completion for the shell '\(shell)'; choose bash, zsh or fish")
    }
  }

  func run() throws {
    say(Rollout.completionScript(for: CompletionShell(rawValue: shell)!))
  }
}

/// What the shells complete, shared by the commands that take the same kind of value.
enum Completions {
  static let environments = CompletionKind.list(EnvironmentRegistry.names)
  static let algorithms = CompletionKind.list(Algorithm.allCases.map(\.rawValue))
  static let policies = CompletionKind.file(extensions: [PolicyFile.fileExtension])
  static let configs = CompletionKind.file(extensions: ["json"])

  /// The shipped experiments' names, and the experiment files (`.json`) and directories that
  /// start with the word being completed.
  static let experiments = CompletionKind.custom { _, _, prefix in
    BuiltinExperiments.all.keys.sorted().filter { $0.hasPrefix(prefix) } + paths(prefix, extensions: ["json"])
  }

  /// The entries of the prefix's directory that start with it: directories (with a slash) and
  /// files with one of `extensions`.
  static func paths(_ prefix: String, extensions: [String]) -> [String] {
    let slash = prefix.lastIndex(of: "/")
    let directory = slash.map { String(prefix[...$0]) } ?? ""
    let stem = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
    return names.sorted().compactMap { name in
      guard name.hasPrefix(stem), !name.hasPrefix(".") || stem.hasPrefix(".") else { return nil }
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: (directory.isEmpty ? "." : directory) + "/" + name, isDirectory: &isDirectory)
      if isDirectory.boolValue { return directory + name + "/" }
      return extensions.contains((name as NSString).pathExtension) ? directory + name : nil
    }
  }
}
