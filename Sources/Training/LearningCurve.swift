import Foundation

/// An SVG learning curve of one run: evaluation return and population mean against env steps,
/// with the target line. Self-contained (no scripts, no fonts beyond the generic family).
public struct LearningCurve {
  public var title: String
  public var reports: [GenerationReport]
  public var target: Double?

  public init(title: String, reports: [GenerationReport], target: Double?) {
    self.title = title
    self.reports = reports
    self.target = target
  }

  /// Reads `metrics.jsonl` (and `config.json` for the target) from a run directory.
  public static func load(runDirectory: URL) throws -> LearningCurve {
    let metrics = runDirectory.appendingPathComponent("metrics.jsonl")
    guard let text = try? String(contentsOf: metrics, encoding: .utf8) else {
      throw RolloutError("cannot read \(metrics.path): no such file (is \(runDirectory.path) a run directory?)")
    }
    var reports: [GenerationReport] = []
    for (index, line) in text.split(separator: "\n").enumerated() {
      guard let report = try? JSONDecoder.snakeCase.decode(GenerationReport.self, from: Data(line.utf8)),
        report.meanReturn.isFinite, report.evaluationReturn.isFinite, report.maxReturn.isFinite
      else {
        throw RolloutError("\(metrics.path):\(index + 1): not a metrics record")
      }
      reports.append(report)
    }
    guard !reports.isEmpty else { throw RolloutError("\(metrics.path): no generations recorded yet") }
    var title = runDirectory.lastPathComponent
    var target: Double?
    if let data = FileManager.default.contents(atPath: runDirectory.appendingPathComponent("config.json").path),
      let config = try? JSONDecoder.snakeCase.decode(TrainingConfig.self, from: data)
    {
      title = "\(config.env), \(config.algorithm), seed \(config.run.seed)"
      if let entry = try? EnvironmentSetup.entry(named: config.env),
        let env = try? EnvironmentSetup.make(entry, config: config.envConfig)
      {
        target = config.run.targetReturn ?? env.spec.rewardThreshold
      }
    }
    return LearningCurve(title: title, reports: reports, target: target)
  }

  /// What a curve's x axis measures.
  public enum XAxis: String, Sendable, CaseIterable {
    /// Training env steps.
    case steps
    /// Seconds since the run began.
    case seconds

    var label: String { self == .steps ? "env steps" : "wall time (s)" }
    func value(_ r: GenerationReport) -> Double { self == .steps ? Double(r.envSteps) : r.elapsedSeconds }
  }

  /// Several runs on one chart: each run's evaluation return in its own colour, a legend entry
  /// per run (its title, or its directory where titles repeat), and the target line when the runs
  /// share one.
  public static func overlay(_ curves: [LearningCurve], names: [String], x: XAxis = .steps, width: Int = 760) -> String {
    let targets = Set(curves.compactMap(\.target))
    let series = zip(curves, names).enumerated().map { k, pair in
      let values = pair.0.reports.map(\.evaluationReturn)
      return CurveFigure.Series(
        name: pair.1, color: algorithmColors[k % algorithmColors.count], xs: pair.0.reports.map(x.value),
        median: values, lower: values, upper: values)
    }
    let figure = CurveFigure(
      title: "evaluation return of \(curves.count) runs", xLabel: x.label, yLabel: "evaluation return", series: series,
      threshold: targets.count == 1 && curves.allSatisfy { $0.target != nil } ? targets.first : nil, bands: false,
      thresholdName: "target")
    return figure.svg(width: width)
  }

  /// The SVG document, against env steps or seconds.
  public func svg(width: Int = 720, height: Int = 420, x: XAxis = .steps) -> String {
    let xs = reports.map(x.value)
    let area = PlotArea(
      width: width, height: height, left: 70, right: 20, top: 40, bottom: 50, xMax: max(xs.max() ?? 1, 1),
      ys: reports.flatMap { [$0.evaluationReturn, $0.meanReturn] } + (target.map { [$0] } ?? []))
    let left = area.left, top = area.top, plotWidth = area.width, plotHeight = area.height
    let px = area.x, py = area.y
    func polyline(_ values: [Double], _ color: String, width: Double) -> String {
      let points = zip(xs, values).map { String(format: "%.1f,%.1f", px($0), py($1)) }.joined(separator: " ")
      return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\" points=\"\(points)\"/>"
    }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(Int(left))" y="24" font-size="15">\(xmlEscape(title))</text>

      """
    svg += area.grid() + area.frame()
    if let target {
      svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#2a9d3a\" stroke-dasharray=\"6 4\"/>\n", left, py(target), left + plotWidth, py(target))
    }
    svg += polyline(reports.map(\.meanReturn), "#9ab8e8", width: 1.5) + "\n"
    svg += polyline(reports.map(\.evaluationReturn), "#1f4fa8", width: 2.5) + "\n"
    svg += String(format: "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%@</text>\n", left + plotWidth / 2, height - 10, x.label)
    svg += "<text transform=\"translate(16 \(Int(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">return</text>\n"
    // The legend sits in one row above the plot, clear of the curves.
    let legendY = top - 10
    let items: [(String, String, String)] =
      [("#1f4fa8", "2.5", "evaluation (mean policy)"), ("#9ab8e8", "1.5", "population mean")]
      + (target == nil ? [] : [("#2a9d3a", "1.5\" stroke-dasharray=\"6 4", "target")])
    var legendX = left + plotWidth - items.reduce(0) { $0 + 28 + Double($1.2.count) * 6.6 }
    for (color, strokeWidth, name) in items {
      svg += String(
        format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"%@\"/><text x=\"%.1f\" y=\"%.1f\">%@</text>\n",
        legendX, legendY - 4, legendX + 18, legendY - 4, color, strokeWidth, legendX + 22, legendY, name)
      legendX += 28 + Double(name.count) * 6.6
    }
    return svg + "</svg>\n"
  }
}

/// A chart's plotting rectangle inside a `width × height` picture, and the mapping of data into
/// it: x from 0 to `xMax`, y over the values given with 5 % to spare on each side (±1 around a
/// flat series).
struct PlotArea {
  let left: Double, top: Double, width: Double, height: Double
  let xMax: Double
  let yMin: Double, yMax: Double

  init(width: Int, height: Int, left: Double, right: Double, top: Double, bottom: Double, xMax: Double, ys: [Double]) {
    self.left = left
    self.top = top
    self.width = Double(width) - left - right
    self.height = Double(height) - top - bottom
    self.xMax = xMax
    var low = ys.min() ?? 0, high = ys.max() ?? 1
    if high - low < 1e-9 {
      low -= 1
      high += 1
    }
    let pad = (high - low) * 0.05
    yMin = low - pad
    yMax = high + pad
  }

  func x(_ value: Double) -> Double { left + value / xMax * width }
  func y(_ value: Double) -> Double { top + (1 - (value - yMin) / (yMax - yMin)) * height }

  /// Light grid lines at round values of both axes, with their labels.
  func grid() -> String {
    var svg = ""
    for tick in niceTicks(yMin, yMax) {
      svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>", left, y(tick), left + width, y(tick))
      svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>\n", left - 6, y(tick) + 4, tickLabel(tick))
    }
    for tick in niceTicks(0, xMax) where tick <= xMax {
      svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>", x(tick), top, x(tick), top + height)
      svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n", x(tick), top + height + 18, tickLabel(tick))
    }
    return svg
  }

  /// The rectangle's outline.
  func frame() -> String {
    String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", left, top, width, height)
  }
}

/// About five round tick values covering [low, high].
func niceTicks(_ low: Double, _ high: Double) -> [Double] {
  let span = high - low
  guard span > 0, span.isFinite else { return [low] }
  let raw = span / 5
  let magnitude = pow(10, (log10(raw)).rounded(.down))
  let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
  var tick = (low / step).rounded(.up) * step
  var ticks: [Double] = []
  while tick <= high + step * 1e-9 && ticks.count < 20 {
    ticks.append(tick)
    tick += step
  }
  return ticks
}

func tickLabel(_ value: Double) -> String {
  // A tick computed as −0.0 (a negative range rounded up to zero) reads "0", not "-0".
  if value == 0 { return "0" }
  if abs(value) >= 1_000_000 { return String(format: "%gM", value / 1_000_000) }
  if abs(value) >= 10_000 { return String(format: "%gk", value / 1000) }
  return String(format: "%g", value)
}

func xmlEscape(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;")
}
