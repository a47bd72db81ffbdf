import Foundation
import Testing
import TestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `rollout compare`: experiments, reports, and comparisons that are interrupted and finished.
@Suite("rollout compare", .serialized)
struct CompareTests {
  let work = TestPaths.temporaryDirectory("rollout-compare")

  /// Small enough for a debug build: two seeds, three algorithms, 200 k maze steps.
  static let tiny = """
    {"name": "tiny", "description": "A small comparison for the tests.", "env": "medium-maze", "reward": "final",
     "seeds": 2, "budget_steps": 200000, "success_return": 295, "evaluation_every_steps": 20000,
     "algorithms": [{"algorithm": "ns-es"}, {"algorithm": "openai-es", "label": "OAI"},
                    {"algorithm": "ppo", "budget_steps": 50000, "note": "a shorter budget"}]}
    """

  func experimentFile(_ text: String = tiny, name: String = "tiny.json") throws -> URL {
    let url = work.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
  }

  /// The run records without their timing fields (they differ between any two runs).
  func records(_ directory: URL) throws -> [String] {
    let text = try String(contentsOf: directory.appendingPathComponent("runs.jsonl"), encoding: .utf8)
    return try text.split(separator: "\n").map { line in
      var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
      object["wall_seconds"] = nil
      object["success_seconds"] = nil
      object["curve"] = (object["curve"] as! [[String: Any]]).map { point in
        var p = point
        p["seconds"] = nil
        return p
      }
      return String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
    }
  }


  @Test("--list shows the shipped experiments; the files in experiments/ are the built-in ones")
  func list() throws {
    let result = try Rollout.run(["compare", "--list"])
    #expect(result.status == 0)
    for name in ["asterix", "breakout", "cartpole", "freeway", "hard-maze", "medium-maze", "seaquest", "space-invaders"] {
      #expect(result.stdout.contains(name))
      let file = TestPaths.packageRoot.appendingPathComponent("experiments/\(name).json")
      let shipped = try String(contentsOf: file, encoding: .utf8)
      let decoded = try JSONSerialization.jsonObject(with: Data(shipped.utf8)) as! [String: Any]
      #expect(decoded["name"] as? String == name)
    }
    #expect(result.stdout.contains("NS-ES / NSR-ES / GA / OpenAI-ES / PPO"))
  }

  @Test("a MinAtar game's shipped experiment runs PPO, A2C, OpenAI-ES and the GA on their convolutional presets")
  func minAtarGame() throws {
    let out = work.appendingPathComponent("breakout")
    let result = try Rollout.run(["compare", "breakout", "--budget", "20000", "--seeds", "1", "--out", out.path, "--no-tensorboard"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("comparing PPO, A2C, OpenAI-ES, GA on MinAtar/Breakout-v0, 1 seed: 4 runs → "), "\(result.stdout)")
    let rows = try String(contentsOf: out.appendingPathComponent("runs.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(Set(rows.map { String($0.prefix { $0 != "," }) }) == ["PPO", "A2C", "OpenAI-ES", "GA"])
    for row in rows { #expect(Int(row.split(separator: ",", omittingEmptySubsequences: false)[9])! >= 20000, "\(row)") }
    let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
    // One seed: each method's one return, no median or IQR to give.
    #expect(summary.contains("- A2C: final return ") && summary.contains(" in 1 run.") && !summary.contains("over 1 runs"), "\(summary)")
  }

  @Test("a behaviour curve: Seaquest's surfacings per training episode, charted and tabled; unknown components refused")
  func behaviorCurve() throws {
    let text = """
      {"name": "sub", "description": "Seaquest, briefly.", "env": "seaquest", "seeds": 2, "budget_steps": 8192,
       "evaluation_every_steps": 4096, "evaluation_episodes": 2, "behavior_curve": "surfacings",
       "algorithms": [{"algorithm": "ppo", "run": {"convolutions": [], "hidden": [16]}},
                      {"algorithm": "ppo-novelty", "run": {"convolutions": [], "hidden": [16]}}]}
      """
    let out = work.appendingPathComponent("behavior")
    let result = try Rollout.run(["compare", try experimentFile(text, name: "sub.json").path, "--out", out.path, "--quiet"])
    #expect(result.status == 0, "\(result.stderr)")
    let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
    #expect(summary.contains("surfacings in the final policy's episodes: mean"))
    // No success rule: the sentences give each method's final return and surfacings.
    #expect(summary.contains("- ppo: final return median ") && summary.contains(") over 2 runs; surfacings"), "\(summary)")
    // Nor a success column or a threshold of "inf": the final returns' median (IQR) instead.
    #expect(summary.contains("no success rule (the env has no threshold)") && !summary.contains("reached inf"), "\(summary)")
    #expect(summary.contains("| algorithm | final return: median (IQR) | final return: mean ± std |"))
    #expect(!summary.contains("env steps to success"))
    #expect(summary.contains("; surfacings in its final policies' episodes: mean "))
    #expect(summary.contains("(behavior-steps.svg)"))
    let svg = try Data(contentsOf: out.appendingPathComponent("behavior-steps.svg"))
    _ = try XMLDocument(data: svg)
    let record = try String(contentsOf: out.appendingPathComponent("runs.jsonl"), encoding: .utf8)
    #expect(record.contains("\"behavior_curve\":[{\"env_steps\":4096"), "\(record.prefix(600))")
    let bad = try Rollout.run([
      "compare", try experimentFile(text.replacingOccurrences(of: "\"surfacings\"", with: "\"lives\""), name: "bad.json").path,
      "--out", work.appendingPathComponent("bad").path,
    ])
    #expect(bad.status == 1)
    #expect(
      bad.stderr.hasSuffix(
        "'behavior_curve' lives is not a component of seaquest's behaviour (x, y, oxygen, divers, surfacings)\n"),
      "\(bad.stderr)")
  }

  @Test("a comparison writes the report: HTML, markdown, CSV, JSONL and SVG figures that parse")
  func report() throws {
    let out = work.appendingPathComponent("report")
    let result = try Rollout.run(["compare", try experimentFile().path, "--out", out.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("[6/6]"))
    #expect(result.stdout.contains("ns-es reached the goal in"))
    let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
    for name in ["index.html", "summary.md", "runs.csv", "runs.jsonl", "curves-steps.svg", "curves-time.svg",
      "final-positions.svg", "heatmap-ns-es.svg", "heatmap-OAI.svg", "heatmap-ppo.svg", "runs"]
    {
      #expect(files.contains(name), "\(name) missing from \(files)")
    }
    for svg in files where svg.hasSuffix(".svg") {
      let data = try Data(contentsOf: out.appendingPathComponent(svg))
      let parser = XMLParser(data: data)
      #expect(parser.parse(), "\(svg) is not well-formed XML")
      // Every title line fits the figure (at the 9 px a 15 px character can take), so none is cut off.
      let text = String(decoding: data, as: UTF8.self)
      let width = Double(text.firstMatch(of: /width="(\d+)"/).map { String($0.1) } ?? "0") ?? 0
      for title in text.matches(of: /<text x="(\d+)" y="\d+" font-size="15">([^<]*)<\/text>/) {
        let left = Double(String(title.1)) ?? 0
        #expect(left + Double(title.2.count) * 9 <= width - left + 1, "\(svg): title line '\(title.2)' is cut off at \(width) px")
      }
    }
    let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
    // Self-contained: inline SVG, no scripts, nothing fetched.
    #expect(html.contains("<svg"))
    #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
    #expect(html.contains("a shorter budget"))
    let csv = try String(contentsOf: out.appendingPathComponent("runs.csv"), encoding: .utf8).split(separator: "\n")
    #expect(csv.count == 7)
    // Each run has its metrics and a TensorBoard event file in runs/<label>-seed<N>/.
    for label in ["ns-es", "OAI", "ppo"] {
      for seed in 1...2 {
        let logs = out.appendingPathComponent("runs/\(label)-seed\(seed)")
        let metrics = try String(contentsOf: logs.appendingPathComponent("metrics.csv"), encoding: .utf8)
          .split(separator: "\n")
        let events = try EventFileReader.read(try #require(EventFileReader.files(in: logs).first))
        #expect(events.count == metrics.count, "\(label) seed \(seed): header event + one per row")
      }
    }
    let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
    #expect(summary.contains("| ns-es | ") && summary.contains("| OAI | "))
    // Running it again finds every run saved and only rewrites the report.
    let again = try Rollout.run(["compare", try experimentFile().path, "--out", out.path])
    #expect(again.stdout.contains("6 already done"))
    #expect(try records(out) == records(out))
  }

  @Test("SIGKILL and Ctrl-C mid-comparison, then the same command: the same report as one uninterrupted run")
  func interrupted() throws {
    let file = try experimentFile()
    let reference = work.appendingPathComponent("uninterrupted")
    #expect(try Rollout.run(["compare", file.path, "--out", reference.path, "--quiet"]).status == 0)
    let out = work.appendingPathComponent("interrupted")
    let killed = try Rollout.start(["compare", file.path, "--out", out.path, "--quiet"])
    Thread.sleep(forTimeInterval: 2.5)
    kill(killed.processIdentifier, SIGKILL)
    killed.waitUntilExit()
    let interrupted = try Rollout.start(["compare", file.path, "--out", out.path, "--quiet"])
    Thread.sleep(forTimeInterval: 1.5)
    kill(interrupted.processIdentifier, SIGINT)
    interrupted.waitUntilExit()
    #expect([130, 0].contains(interrupted.terminationStatus))
    let finished = try Rollout.run(["compare", file.path, "--out", out.path])
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(try records(out) == records(reference))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("runs").path)
      .filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }

  func expectError(_ arguments: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try Rollout.run(arguments)
    #expect(result.status != 0, sourceLocation: sourceLocation)
    #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation)
  }

  @Test("bad experiments and flags end in one line")
  func badInput() throws {
    try expectError(["compare", "no-such-experiment"], "no experiment 'no-such-experiment'")
    try expectError(["compare", try experimentFile("{\"name\": 3}", name: "bad1.json").path], "bad1.json")
    try expectError(
      ["compare", try experimentFile(Self.tiny.replacingOccurrences(of: "\"seeds\"", with: "\"sedes\""), name: "bad2.json").path],
      "unknown key 'sedes'")
    try expectError(
      ["compare", try experimentFile(Self.tiny.replacingOccurrences(of: "\"ns-es\"", with: "\"ns-ess\""), name: "bad3.json").path],
      "unknown algorithm 'ns-ess'")
    try expectError(["compare", "medium-maze", "--seeds", "0"], "--seeds must be between 1 and 1000")
    try expectError(["compare"], "name an experiment")
    // A directory of another experiment's runs is refused rather than mixed in.
    let out = work.appendingPathComponent("mixed")
    #expect(try Rollout.run(["compare", try experimentFile().path, "--out", out.path, "--seeds", "1", "--budget", "20000", "--quiet"]).status == 0)
    let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
    #expect(summary.contains(", 1 seed per algorithm, "), "one seed, in the singular: \(summary)")
    try expectError(["compare", try experimentFile().path, "--out", out.path, "--seeds", "1"], "different definition")
  }

  @Test("compare --from builds a report from train runs: one entry per algorithm and settings, success by the final evaluation")
  func fromTrainRuns() throws {
    let runs = work.appendingPathComponent("trained")
    var dirs: [String] = []
    for (algo, seed, extra) in [("ppo", "1", [String]()), ("ppo", "2", []), ("a2c", "1", []), ("ppo", "1", ["--learning-rate", "0.002"])] {
      let dir = runs.appendingPathComponent("\(algo)-\(seed)-\(extra.count)")
      try? FileManager.default.removeItem(at: dir)
      let train = try Rollout.run(["train", "cartpole", "--algo", algo, "--seed", seed, "--max-steps", "20000", "--out", dir.path, "--quiet"] + extra)
      #expect(train.status == 0, "\(train.stderr)")
      dirs.append(dir.path)
    }
    let out = work.appendingPathComponent("from-report")
    let result = try Rollout.run(["compare", "--from"] + dirs + ["--out", out.path])
    #expect(result.status == 0, "\(result.stderr)")
    for svg in ["curves-steps.svg", "curves-time.svg"] {
      #expect(XMLParser(data: try Data(contentsOf: out.appendingPathComponent(svg))).parse(), "\(svg) parses")
    }
    let csv = try String(contentsOf: out.appendingPathComponent("runs.csv"), encoding: .utf8).split(separator: "\n")
    #expect(csv.count == 5, "a header and four runs")
    let rows = csv.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let labelsAndSeeds = rows.map { "\($0[0]) \($0[2])" }
    #expect(labelsAndSeeds.sorted() == ["a2c 1", "ppo 1", "ppo 2", "ppo 2 1"], "the run with another learning rate is an entry of its own")
    // Each run succeeds exactly when its policy file's final evaluation reached 475.
    for (key, dir) in zip(["ppo 1", "ppo 2", "a2c 1", "ppo 2 1"], dirs) {
      let line = try #require(rows.first { "\($0[0]) \($0[2])" == key })
      let name = URL(fileURLWithPath: dir).lastPathComponent.hasPrefix("a2c") ? "cartpole-a2c.policy" : "cartpole-ppo.policy"
      let policy = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(name))) as! [String: Any]
      let final = ((policy["training"] as! [String: Any])["final_evaluation"] as! [String: Any])["return"] as! [String: Any]
      let succeeded = !line[4].isEmpty
      #expect(succeeded == ((final["mean"] as! Double) >= 475), "\(line)")
    }
    let summary = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
    #expect(summary.contains("each run with its own budget") && summary.contains("runs from rollout train: ppo-1-0, ppo-2-0"))

    // Maze runs: the final positions figure, no heat maps (train runs count no training episodes).
    var mazeRuns: [String] = []
    for algo in ["ns-es", "openai-es"] {
      let dir = runs.appendingPathComponent("maze-\(algo)")
      try? FileManager.default.removeItem(at: dir)
      #expect(try Rollout.run(["train", "medium-maze", "--algo", algo, "--max-steps", "200000", "--out", dir.path, "--quiet"]).status == 0)
      mazeRuns.append(dir.path)
    }
    let mazeReport = work.appendingPathComponent("from-maze-report")
    let maze = try Rollout.run(["compare", "--from"] + mazeRuns + ["--out", mazeReport.path])
    #expect(maze.status == 0, "\(maze.stderr)")
    #expect(maze.stdout.contains("ns-es reached the goal in 0/1 runs; the run ended at ("), "\(maze.stdout)")
    let mazeFiles = try FileManager.default.contentsOfDirectory(atPath: mazeReport.path)
    #expect(mazeFiles.contains("final-positions.svg") && !mazeFiles.contains { $0.hasPrefix("heatmap-") }, "\(mazeFiles)")

    let other = runs.appendingPathComponent("acrobot")
    try? FileManager.default.removeItem(at: other)
    #expect(try Rollout.run(["train", "acrobot", "--generations", "1", "--out", other.path, "--quiet"]).status == 0)
    try expectError(["compare", "--from", dirs[0], other.path], "a comparison holds runs of one env")
    try expectError(["compare", "--from", dirs[0], dirs[0]], "both used seed 1")
    try expectError(["compare", "--from", runs.path], "is \(runs.path) a run directory of rollout train?")
    try expectError(["compare", "medium-maze", "--from", dirs[0]], "not both")
    try expectError(["compare", "--from", dirs[0], "--seeds", "3"], "takes no --seeds or --budget")
  }
}
