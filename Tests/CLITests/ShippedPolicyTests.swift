import Foundation
import Testing
import TestSupport

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
}
