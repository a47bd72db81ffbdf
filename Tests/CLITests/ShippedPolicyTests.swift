import Foundation
import Testing
import TestSupport
import Training

/// Every policy in policies/ still loads and scores what policies/README.md says (100 greedy
/// episodes, seed 0): a change that breaks env fidelity or the file format fails here.
@Suite("Shipped policies")
struct ShippedPolicyTests {
  struct Row: CustomTestStringConvertible {
    var file: String
    var mean: Double
    var testDescription: String { file }
  }

  static let rows: [Row] = {
    let readme = TestPaths.packageRoot.appendingPathComponent("policies/README.md")
    guard let text = try? String(contentsOf: readme, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { line in
      let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      guard cells.count >= 3, cells[0].hasPrefix("`"), cells[0].hasSuffix(".policy`"),
        let mean = Double(cells[2].split(separator: " ").first ?? "")
      else { return nil }
      return Row(file: String(cells[0].dropFirst().dropLast()), mean: mean)
    }
  }()

  @Test("the table lists a policy for every env, and every listed file exists")
  func complete() throws {
    let envs = try Rollout.run(["envs"]).stdout
    let names = Self.rows.map(\.file)
    for line in envs.split(separator: "\n").dropFirst() {
      let env = String(line.prefix { $0.isLetter || $0.isNumber || $0 == "-" })
      guard !env.isEmpty else { continue }
      #expect(names.contains { $0.hasPrefix("\(env)-") }, "no shipped policy for \(env) in \(names)")
    }
    for row in Self.rows {
      #expect(FileManager.default.fileExists(atPath: TestPaths.packageRoot.appendingPathComponent("policies/\(row.file)").path))
    }
  }

  @Test("each shipped policy evaluates to its documented score", arguments: rows)
  func score(row: Row) throws {
    let path = TestPaths.packageRoot.appendingPathComponent("policies/\(row.file)").path
    let result = try Rollout.run(["eval", path, "--episodes", "100", "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let mean = (summary["return"] as! [String: Double])["mean"]!
    // Evaluation is deterministic; the margin only absorbs the table's rounding to 2 decimals.
    #expect(abs(mean - row.mean) <= 0.006 + 1e-9 * abs(row.mean), "\(row.file): \(mean) vs \(row.mean)")
    if let threshold = summary["threshold"] as? Double, !row.file.hasPrefix("hard-maze-openai-es") {
      #expect(mean >= threshold, "\(row.file) no longer reaches its threshold \(threshold)")
    }
  }

  @Test("every shipped MinAtar policy has a reference run in MinAtar itself")
  func minAtarReferences() {
    let games = ["breakout", "space-invaders", "freeway", "asterix", "seaquest"]
    let minAtar = Self.rows.filter { row in games.contains { (game: String) in row.file.hasPrefix("\(game)-") } }
    #expect(Set(minAtar.map { row in games.first { row.file.hasPrefix("\($0)-") }! }) == Set(games), "a policy for every game")
    for row in minAtar { #expect(MinAtarSkilledPlay.policyRuns.contains { $0.player == "policies/\(row.file)" }, "\(row.file)") }
  }

  @Test("a shipped MinAtar policy scores in rollout as in MinAtar 1.0.15: return and length within 3 SE, lengths' KS at 1 %",
        arguments: MinAtarSkilledPlay.policyRuns)
  func sameAsMinAtar(run: MinAtarSkilledPlay.Run) throws {
    let path = TestPaths.packageRoot.appendingPathComponent(run.player).path
    // Read as rollout reads it: the convolutional policies are packed files.
    try #require(
      try PolicyFile.read(from: URL(fileURLWithPath: path)).checksum == run.checksum,
      "\(run.player) is not the policy its MinAtar run played: rerun scripts/minatar-reference.py skilled --policies …")
    let result = try Rollout.run(["eval", path, "--episodes", "\(run.episodes)", "--seed", "\(run.seed)", "--json", "--per-episode"])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let returns = try #require(object["episode_returns"] as? [Double])
    let lengths = try #require(object["episode_lengths"] as? [Int]).map(Double.init)
    for problem in [
      distributionMismatch(returns, run.returns, "\(run.player) return", ks: false),
      distributionMismatch(lengths, run.lengths, "\(run.player) length", ks: !run.player.contains("freeway")),
      // Freeway's episodes all last 2,501 frames; its returns carry the distribution instead.
      run.player.contains("freeway") ? distributionMismatch(returns, run.returns, "\(run.player) return") : nil,
    ] {
      #expect(problem == nil, "\(problem ?? "")")
    }
  }
}
