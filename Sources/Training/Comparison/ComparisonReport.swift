import Environments
import Foundation

/// The report of a comparison: per-algorithm outcomes, curves, maze figures, and the files.
public struct ComparisonReport {
  public var definition: ExperimentDefinition
  public var records: [RunRecord]
  public var success: Double
  public var layout: MazeLayout?
  /// The sentence stating the setup (env, seeds, budget, the success rule); a comparison run by
  /// `rollout compare` states its own, one built from other runs supplies theirs.
  public var setup: String

  public init(
    definition: ExperimentDefinition, records: [RunRecord], success: Double, layout: MazeLayout?, setup: String? = nil
  ) {
    self.definition = definition
    self.records = records
    self.success = success
    self.layout = layout
    self.setup =
      setup
      ?? "Env `\(definition.env)`\(definition.reward.map { ", reward `\($0)`" } ?? ""), \(definition.seeds) seed\(definition.seeds == 1 ? "" : "s") per algorithm, "
      + "budget \(Self.steps(Double(definition.budgetSteps))) env steps per run, "
      + (success.isFinite
        ? "success: a run whose best policy reached \(tickLabel(success)) in its evaluation and again in two confirming evaluations on fresh episodes (the rule that stops a run)."
        : "no success rule (the env has no threshold): every run uses its whole budget, and the report compares the final returns of the policies the runs kept.")
  }

  /// What one algorithm did over its seeds.
  public struct Outcome {
    public var label: String
    public var color: String
    public var runs: [RunRecord]
    public var successes: [RunRecord] { runs.filter { $0.successSteps != nil } }
    public var note: String?
    /// Its runs' step budget, and whether it is a policy-gradient method (the family sentence).
    public var budget: Int
    public var isPolicyGradient: Bool
  }

  public var outcomes: [Outcome] {
    definition.algorithms.enumerated().map { i, entry in
      Outcome(
        label: entry.displayName, color: algorithmColors[i % algorithmColors.count],
        runs: records.filter { $0.label == entry.displayName }.sorted { $0.seed < $1.seed }, note: entry.note,
        budget: entry.budgetSteps ?? definition.budgetSteps,
        isPolicyGradient: (try? Algorithm.named(entry.algorithm))?.isPolicyGradient ?? false)
    }
  }

  /// The algorithm's cell in the table: its label, and its budget when it is not the experiment's.
  func tableLabel(_ o: Outcome) -> String {
    o.budget == definition.budgetSteps ? o.label : "\(o.label) (budget \(Self.steps(Double(o.budget))) steps)"
  }

  // MARK: Numbers

  static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let position = q * Double(sorted.count - 1)
    let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
    return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
  }

  static func summary(_ values: [Double]) -> (median: Double, q1: Double, q3: Double)? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    return (quantile(sorted, 0.5), quantile(sorted, 0.25), quantile(sorted, 0.75))
  }

  static func steps(_ value: Double) -> String {
    if value >= 1e6 { return String(format: "%.2f M", value / 1e6) }
    if value >= 1e4 { return String(format: "%.1f k", value / 1e3) }
    return String(format: "%.0f", value)
  }

  static func seconds(_ value: Double) -> String { value >= 100 ? String(format: "%.0f s", value) : String(format: "%.2f s", value) }

  /// Where runs that did not succeed ended: one place when they all ended within 10 units of
  /// each other, else the places, most common first.
  func endings(_ runs: [RunRecord]) -> String? {
    let points = runs.compactMap { r -> SIMD2<Double>? in
      guard let b = r.finalBehavior, b.count >= 2 else { return nil }
      return SIMD2(Double(b[0]), Double(b[1]))
    }
    guard !points.isEmpty, layout != nil else { return nil }
    var clusters: [(center: SIMD2<Double>, count: Int)] = []
    for p in points {
      if let i = clusters.firstIndex(where: { (($0.center - p) * ($0.center - p)).sum() < 100 }) {
        clusters[i].count += 1
      } else {
        clusters.append((p, 1))
      }
    }
    clusters.sort { $0.count > $1.count }
    let text = clusters.map { c in
      String(format: "(%.0f, %.0f)", c.center.x, c.center.y) + (c.count > 1 ? " ×\(c.count)" : "")
    }
    if clusters.count == 1 && points.count > 1 {
      return String(format: "all at (%.0f, %.0f)", clusters[0].center.x, clusters[0].center.y)
    }
    return text.joined(separator: ", ")
  }

  /// The outcome in words: one sentence per family (which escaped, at what median cost), then
  /// one per algorithm.
  public var sentences: [String] {
    guard success.isFinite else { return scoreSentences }
    let goal = layout == nil ? "reached \(tickLabel(success))" : "reached the goal"
    let present = outcomes.filter { !$0.runs.isEmpty }
    var families: [String] = []
    for (name, members) in [
      ("Evolution", present.filter { !$0.isPolicyGradient }), ("Policy gradient", present.filter(\.isPolicyGradient)),
    ] where !members.isEmpty {
      let runs = members.flatMap(\.runs), wins = members.flatMap(\.successes)
      let each = members.map { "\($0.label) \($0.successes.count)/\($0.runs.count)" }.joined(separator: ", ")
      var s = "\(name) \(goal) in \(wins.count) of \(runs.count) runs (\(each))"
      if let m = Self.summary(wins.compactMap { $0.successSteps.map(Double.init) }),
        let t = Self.summary(wins.compactMap(\.successSeconds))
      {
        s += ", at a median \(Self.steps(m.median)) env steps (IQR \(Self.steps(m.q1))–\(Self.steps(m.q3))) and "
        s += "\(Self.seconds(t.median)) (IQR \(Self.seconds(t.q1))–\(Self.seconds(t.q3)))"
      }
      let budgets = Set(members.map(\.budget))
      if budgets != [definition.budgetSteps] {
        s += "; budget \(budgets.sorted().map { Self.steps(Double($0)) }.joined(separator: " / ")) steps per run"
      }
      families.append(s + ".")
    }
    return families + outcomes.map { o in
      var s = "\(o.label) \(goal) in \(o.successes.count)/\(o.runs.count) runs"
      if let m = Self.summary(o.successes.compactMap { $0.successSteps.map(Double.init) }) {
        let time = Self.summary(o.successes.compactMap(\.successSeconds))!
        s += ", median \(Self.steps(m.median)) env steps (IQR \(Self.steps(m.q1))–\(Self.steps(m.q3))), "
        s += "\(Self.seconds(time.median)) (IQR \(Self.seconds(time.q1))–\(Self.seconds(time.q3)))"
      }
      let failed = o.runs.filter { $0.successSteps == nil }
      if !failed.isEmpty, let places = endings(failed) {
        s +=
          failed.count < o.runs.count
          ? "; the others ended " : failed.count == 1 ? "; the run ended " : places.hasPrefix("all at") ? "; every run ended " : "; the runs ended "
        s += places.hasPrefix("all at") ? places.replacingOccurrences(of: "all at", with: "at") : "at \(places)"
      }
      return s + "."
    }
  }

  /// Without a success rule: each family's and algorithm's final returns (median, IQR), and the
  /// behaviour curve's component in the final policies' episodes.
  var scoreSentences: [String] {
    let present = outcomes.filter { !$0.runs.isEmpty }
    // One run has no spread to give: its return alone ("5.73 in 1 run"), not a median and an IQR.
    func scores(_ runs: [RunRecord]) -> String {
      let m = Self.summary(runs.map(\.finalReturn))!
      if runs.count == 1 { return String(format: "%.2f in 1 run", m.median) }
      return String(format: "median %.2f (IQR %.2f–%.2f) over %d runs", m.median, m.q1, m.q3, runs.count)
    }
    var lines: [String] = []
    for (name, members) in [
      ("Evolution", present.filter { !$0.isPolicyGradient }), ("Policy gradient", present.filter(\.isPolicyGradient)),
    ] where !members.isEmpty {
      let best = members.max { Self.summary($0.runs.map(\.finalReturn))!.median < Self.summary($1.runs.map(\.finalReturn))!.median }!
      lines.append(
        "\(name): the best final return is \(best.label)'s, \(scores(best.runs)) of \(Self.steps(Double(best.budget))) steps.")
    }
    return lines + present.map { o in
      var s = "\(o.label): final return \(scores(o.runs))"
      if let name = definition.behaviorCurve, let mean = finalBehaviorMean(o) {
        s += String(format: "; \(name) in its final policies' episodes: mean %.2f", mean)
      }
      return s + "."
    }
  }

  // MARK: Curves

  /// Per algorithm with runs, the median and IQR over its runs of `value(run, x)` at 101 points
  /// from 0 to `xMax` (runs without a value at x left out).
  func quantileSeries(upTo xMax: Double, _ value: (RunRecord, Double) -> Double?) -> [CurveFigure.Series] {
    let xs = (0...100).map { xMax * Double($0) / 100 }
    return outcomes.filter { !$0.runs.isEmpty }.map { o in
      var median: [Double] = [], lower: [Double] = [], upper: [Double] = []
      for x in xs {
        let values = o.runs.compactMap { value($0, x) }.sorted()
        median.append(Self.quantile(values, 0.5))
        lower.append(Self.quantile(values, 0.25))
        upper.append(Self.quantile(values, 0.75))
      }
      return CurveFigure.Series(name: o.label, color: o.color, xs: xs, median: median, lower: lower, upper: upper)
    }
  }

  func curveFigure(byTime: Bool) -> CurveFigure {
    let xMax = records.map { byTime ? ($0.curve.last?.seconds ?? 0) : Double($0.budgetSteps) }.max() ?? 1
    let series = quantileSeries(upTo: xMax) { run, x in
      let reached = run.curve.last { (byTime ? $0.seconds : Double($0.envSteps)) <= x }
      return (reached ?? run.curve.first)?.bestReturn
    }
    return CurveFigure(
      title: "\(definition.name): best evaluation return so far (\(definition.seeds) seeds)",
      xLabel: byTime ? "wall time per run (s, one thread)" : "env steps", yLabel: "best evaluation return",
      series: series, threshold: success.isFinite ? success : nil)
  }

  /// Where the experiment's `behavior_curve` sits in the env's descriptor.
  var behaviorIndex: Int? {
    guard let name = definition.behaviorCurve, let entry = try? EnvironmentSetup.entry(named: definition.env) else { return nil }
    return EnvironmentSetup.make(entry).behaviorNames?.firstIndex(of: name)
  }

  /// The behaviour curve's median and IQR over seeds against env steps, when the runs have one.
  func behaviorFigure() -> CurveFigure? {
    guard let name = definition.behaviorCurve, records.contains(where: { $0.behaviorCurve != nil }) else { return nil }
    let series = quantileSeries(upTo: Double(records.map(\.budgetSteps).max() ?? 1)) { run, x in
      (run.behaviorCurve ?? []).last { Double($0.envSteps) <= x }?.mean
    }
    return CurveFigure(
      title: "\(definition.name): \(name) per training episode (\(definition.seeds) seeds)", xLabel: "env steps",
      yLabel: "\(name) per episode", series: series, threshold: nil)
  }

  /// The final policies' mean of the behaviour-curve component, per algorithm.
  func finalBehaviorMean(_ o: Outcome) -> Double? {
    guard let i = behaviorIndex else { return nil }
    let values = o.runs.compactMap { r in r.finalBehavior.flatMap { i < $0.count ? Double($0[i]) : nil } }
    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }

  // MARK: Files

  public func tableRows() -> [[String]] {
    outcomes.map { o in
      let s = Self.summary(o.successes.compactMap { $0.successSteps.map(Double.init) })
      let t = Self.summary(o.successes.compactMap(\.successSeconds))
      let finals = o.runs.map(\.finalReturn)
      let mean = finals.reduce(0, +) / Double(max(finals.count, 1))
      let std = (finals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(finals.count, 1))).squareRoot()
      let compute = o.runs.reduce(0) { $0 + $1.envSteps + $1.evaluationSteps }
      let wall = o.runs.reduce(0) { $0 + $1.wallSeconds }
      // Without a success rule the success columns would only ever read 0/n: the final returns'
      // median and IQR take their place.
      let outcome =
        success.isFinite
        ? [
          "\(o.successes.count)/\(o.runs.count)",
          s.map { "\(Self.steps($0.median)) (\(Self.steps($0.q1))–\(Self.steps($0.q3)))" } ?? "—",
          t.map { "\(Self.seconds($0.median)) (\(Self.seconds($0.q1))–\(Self.seconds($0.q3)))" } ?? "—",
        ]
        : [Self.summary(finals).map { String(format: "%.2f (%.2f–%.2f)", $0.median, $0.q1, $0.q3) } ?? "—"]
      return [tableLabel(o)] + outcome + [
        String(format: "%.1f ± %.1f", mean, std), Self.steps(Double(compute)), Self.seconds(wall),
      ] + (definition.behaviorCurve == nil ? [] : [finalBehaviorMean(o).map { String(format: "%.2f", $0) } ?? "—"])
    }
  }

  /// The table's columns: with a behaviour curve, its final-policy mean last.
  var tableHeader: [String] {
    ["algorithm"]
      + (success.isFinite
        ? ["success", "env steps to success: median (IQR)", "wall time to success: median (IQR)"]
        : ["final return: median (IQR)"])
      + ["final return: mean ± std", "env steps used (incl. evaluation)", "wall time, all runs"]
      + (definition.behaviorCurve.map { ["\($0) in the final policy's episodes: mean"] } ?? [])
  }

  /// Writes index.html, summary.md, runs.csv, runs.jsonl and the SVG figures into `directory`.
  public func write(to directory: URL) throws {
    var figures: [(file: String, svg: String, caption: String)] = [
      ("curves-steps.svg", curveFigure(byTime: false).svg(), "Best evaluation return so far against env steps: median over seeds, inter-quartile band."),
      ("curves-time.svg", curveFigure(byTime: true).svg(), "The same against each run's wall time (one thread per run)."),
    ]
    if let figure = behaviorFigure(), let name = definition.behaviorCurve {
      figures.append(
        ("behavior-steps.svg", figure.svg(), "Mean \(name) per training episode against env steps: median over seeds, inter-quartile band."))
    }
    if let layout {
      let maze = MazeFigure(
        title: "Where each run's policy ends (one dot per run)", layout: layout,
        points: outcomes.flatMap { o in
          o.runs.compactMap { r in r.finalBehavior.map { (Double($0[0]), Double($0[1]), o.color) } }
        },
        legendItems: outcomes.map { ($0.color, $0.label) })
      figures.append(("final-positions.svg", maze.svg(), "Final position of each run's returned policy, coloured by algorithm."))
      let grid = HeatmapGrid(layout: layout)
      // Runs read from `rollout train` directories (compare --from) count no training episodes.
      for o in outcomes where o.runs.contains(where: { $0.heatmap != nil }) {
        var counts = [Int](repeating: 0, count: grid.columns * grid.rows)
        for r in o.runs { for (i, n) in (r.heatmap ?? []).enumerated() where i < counts.count { counts[i] += n } }
        let file = "heatmap-\(fileSafe(o.label)).svg"
        let figure = MazeFigure(
          title: "\(o.label): where training episodes ended", layout: layout,
          heatmap: (grid, counts, o.color))
        figures.append((file, figure.svg(scale: 1.4), "Where \(o.label)'s training episodes ended, all seeds together: darker is more often."))
      }
    }
    for figure in figures { try AtomicFile.write(Data(figure.svg.utf8), to: directory.appendingPathComponent(figure.file)) }

    let rows = tableRows()
    let notes = definition.algorithms.compactMap { e in e.note.map { "\(e.displayName): \($0)" } }
    var md = "# \(definition.name)\n\n\(definition.description)\n\n"
    md += setup + "\n\n"
    md += sentences.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
    md += "| " + tableHeader.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: tableHeader.count) + "\n"
    md += rows.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n") + "\n\n"
    if !notes.isEmpty { md += notes.map { "- \($0)" }.joined(separator: "\n") + "\n\n" }
    md += figures.map { "![\($0.caption)](\($0.file))" }.joined(separator: "\n\n") + "\n"
    try AtomicFile.write(Data(md.utf8), to: directory.appendingPathComponent("summary.md"))

    var html = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>\(xmlEscape(definition.name)) — rollout compare</title>
      <style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
      table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
      th{background:#f3f3f3}figure{margin:1.5em 0}figcaption{color:#555;font-size:0.9em}</style></head><body>
      <h1>\(xmlEscape(definition.name))</h1><p>\(xmlEscape(definition.description))</p>
      <ul>\(sentences.map { "<li>\(xmlEscape($0))</li>" }.joined())</ul>
      <table><tr>\(tableHeader.map { "<th>\(xmlEscape($0))</th>" }.joined())</tr>
      \(rows.map { "<tr>" + $0.map { "<td>\(xmlEscape($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n"))</table>
      \(notes.map { "<p>\(xmlEscape($0))</p>" }.joined())

      """
    for figure in figures {
      html += "<figure>\(figure.svg)<figcaption>\(xmlEscape(figure.caption))</figcaption></figure>\n"
    }
    html += "</body></html>\n"
    try AtomicFile.write(Data(html.utf8), to: directory.appendingPathComponent("index.html"))

    var csv = "label,algorithm,seed,budget_steps,success_steps,success_seconds,final_return,final_x,final_y,env_steps,evaluation_steps,iterations,wall_seconds\n"
    var jsonl = ""
    for r in records.sorted(by: { ($0.label, $0.seed) < ($1.label, $1.seed) }) {
      let b = r.finalBehavior ?? []
      csv += "\(r.label),\(r.algorithm),\(r.seed),\(r.budgetSteps),\(r.successSteps.map(String.init) ?? ""),"
      csv += "\(r.successSeconds.map { String($0) } ?? ""),\(r.finalReturn),\(b.count >= 2 ? String(b[0]) : ""),"
      csv += "\(b.count >= 2 ? String(b[1]) : ""),\(r.envSteps),\(r.evaluationSteps),\(r.iterations),\(r.wallSeconds)\n"
      jsonl += String(decoding: try ComparisonRunner.encoder.encode(r), as: UTF8.self) + "\n"
    }
    try AtomicFile.write(Data(csv.utf8), to: directory.appendingPathComponent("runs.csv"))
    try AtomicFile.write(Data(jsonl.utf8), to: directory.appendingPathComponent("runs.jsonl"))
  }
}
