import Environments
import Foundation

/// The report's colours, one per algorithm (Okabe & Ito's palette, readable by colour-blind
/// readers).
let algorithmColors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

/// Learning curves of several algorithms: the median over seeds as a line and the inter-quartile
/// range as a band, with a dashed threshold line and a legend.
struct CurveFigure {
  struct Series {
    var name: String
    var color: String
    var xs: [Double]
    var median: [Double]
    var lower: [Double]
    var upper: [Double]
  }
  var title: String
  var xLabel: String
  var yLabel: String
  var series: [Series]
  var threshold: Double?
  /// Whether the series have inter-quartile bands (single runs have none), and what the legend
  /// calls the threshold line.
  var bands = true
  var thresholdName = "success"

  func svg(width: Int = 760, height baseHeight: Int = 440) -> String {
    var items = series.map { ($0.color, "2.2", $0.name + (bands ? " (median, IQR band)" : "")) }
    if threshold != nil { items.append(("#444", "1.5\" stroke-dasharray=\"6 4", thresholdName)) }
    // The legend's rows beyond two push the plot down; the picture grows by as much.
    let extra = 16 * max(0, legendRows(items.map(\.2), maxWidth: Double(width) - 92) - 2)
    let height = baseHeight + extra
    let area = PlotArea(
      width: width, height: height, left: 72, right: 20,
      top: 62 + extraTitleHeight(title, width: width, left: 72) + Double(extra), bottom: 50,
      xMax: max(series.flatMap(\.xs).max() ?? 1, 1e-9),
      ys: series.flatMap { $0.lower + $0.upper }.filter(\.isFinite) + (threshold.map { [$0] } ?? []))
    let left = area.left, top = area.top, plotWidth = area.width, plotHeight = area.height
    let px = area.x, py = area.y
    var svg = svgHeader(width: width, height: height, title: title, left: left) + area.grid()
    for s in series where bands {
      let upper = zip(s.xs, s.upper).map { String(format: "%.1f,%.1f", px($0), py($1)) }
      let lower = zip(s.xs, s.lower).reversed().map { String(format: "%.1f,%.1f", px($0), py($1)) }
      svg += "<polygon fill=\"\(s.color)\" fill-opacity=\"0.15\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
    }
    for s in series {
      let points = zip(s.xs, s.median).map { String(format: "%.1f,%.1f", px($0), py($1)) }.joined(separator: " ")
      svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2.2\" points=\"\(points)\"/>\n"
    }
    if let threshold {
      svg += String(
        format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\" stroke-dasharray=\"6 4\"/>\n",
        left, py(threshold), left + plotWidth, py(threshold))
    }
    svg += area.frame()
    svg += String(format: "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%@</text>\n", left + plotWidth / 2, height - 10, xmlEscape(xLabel))
    svg += "<text transform=\"translate(16 \(Int(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(xmlEscape(yLabel))</text>\n"
    svg += legend(items, x: left, y: top - 12 - Double(extra), maxWidth: plotWidth)
    return svg + "</svg>\n"
  }
}

/// Entry widths in a legend row: a line sample, a gap and the name.
func legendEntryWidth(_ name: String) -> Double { 36 + Double(name.count) * 7 }

/// The rows `legend` needs for these names.
func legendRows(_ names: [String], maxWidth: Double) -> Int {
  var rows = 1, cx = 0.0
  for name in names {
    let w = legendEntryWidth(name)
    if cx > 0 && cx + w > maxWidth {
      rows += 1
      cx = 0
    }
    cx += w
  }
  return rows
}

/// A legend of line samples and names, in rows that start at `y` and go down.
func legend(_ items: [(color: String, width: String, name: String)], x: Double, y: Double, maxWidth: Double) -> String {
  var svg = ""
  var cx = x, cy = y - 16
  for item in items {
    let w = legendEntryWidth(item.name)
    if cx > x && cx + w > x + maxWidth {
      cx = x
      cy += 16
    }
    svg += String(
      format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"%@\"/><text x=\"%.1f\" y=\"%.1f\">%@</text>\n",
      cx, cy - 4, cx + 18, cy - 4, item.color, item.width, cx + 22, cy, xmlEscape(item.name))
    cx += w
  }
  return svg
}

/// Pixels one character of a 15 px sans-serif title takes at most (wide letters included), for
/// deciding where a title must wrap.
let titleCharacterWidth = 9.0

/// A figure title cut at spaces into lines that fit `width` pixels from `left` (a line is never
/// cut inside a word).
func titleLines(_ title: String, width: Int, left: Double) -> [String] {
  let room = max(1, Int((Double(width) - 2 * left) / titleCharacterWidth))
  var lines: [String] = []
  for word in title.split(separator: " ") {
    if let last = lines.last, last.count + 1 + word.count <= room {
      lines[lines.count - 1] = last + " " + word
    } else {
      lines.append(String(word))
    }
  }
  return lines
}

/// The extra height a title needs beyond its first line.
func extraTitleHeight(_ title: String, width: Int, left: Double) -> Double {
  Double(titleLines(title, width: width, left: left).count - 1) * 18
}

func svgHeader(width: Int, height: Int, title: String, left: Double) -> String {
  let lines = titleLines(title, width: width, left: left).enumerated().map { k, line in
    "<text x=\"\(Int(left))\" y=\"\(20 + 18 * k)\" font-size=\"15\">\(xmlEscape(line))</text>"
  }
  return """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>
    \(lines.joined(separator: "\n"))

    """
}

/// The maze with points on it: walls, start, goal, and one dot per run in its algorithm's colour;
/// or, with `heatmap`, the counts of a grid shaded from white to `color` on a log scale.
struct MazeFigure {
  var title: String
  var layout: MazeLayout
  var points: [(x: Double, y: Double, color: String)] = []
  var legendItems: [(color: String, name: String)] = []
  var heatmap: (grid: HeatmapGrid, counts: [Int], color: String)? = nil

  func svg(scale: Double = 2) -> String {
    let grid = heatmap?.grid ?? HeatmapGrid(layout: layout)
    let margin = 10.0
    let width = Int((grid.maxX - grid.minX) * scale + 2 * margin)
    let top = 44.0 + (legendItems.isEmpty ? 0 : 16) + extraTitleHeight(title, width: width, left: margin)
    let height = Int((grid.maxY - grid.minY) * scale + margin + top)
    func px(_ x: Double) -> Double { margin + (x - grid.minX) * scale }
    func py(_ y: Double) -> Double { top + (y - grid.minY) * scale }
    var svg = svgHeader(width: width, height: height, title: title, left: margin)
    if let heatmap {
      let peak = Double(heatmap.counts.max() ?? 0)
      let cw = (grid.maxX - grid.minX) / Double(grid.columns) * scale, ch = (grid.maxY - grid.minY) / Double(grid.rows) * scale
      for r in 0..<grid.rows {
        for c in 0..<grid.columns {
          let n = Double(heatmap.counts[r * grid.columns + c])
          guard n > 0, peak > 0 else { continue }
          let shade = log(1 + n) / log(1 + peak)
          svg += String(
            format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\" fill-opacity=\"%.3f\"/>",
            margin + Double(c) * cw, top + Double(r) * ch, cw + 0.3, ch + 0.3, heatmap.color, 0.1 + 0.9 * shade)
        }
      }
      svg += "\n"
    }
    for wall in layout.walls {
      svg += String(
        format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" stroke-width=\"2\"/>\n",
        px(wall.x1), py(wall.y1), px(wall.x2), py(wall.y2))
    }
    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#2a9d3a\"/>\n", px(layout.goalX), py(layout.goalY), 5 * scale)
    svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"none\" stroke=\"#777\" stroke-width=\"2\"/>\n", px(layout.startX), py(layout.startY), 4 * scale)
    for point in points {
      svg += String(
        format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\" fill-opacity=\"0.8\" stroke=\"white\" stroke-width=\"0.8\"/>\n",
        px(point.x), py(point.y), 2.6 * scale, point.color)
    }
    if !legendItems.isEmpty {
      var items = legendItems.map { ($0.color, "6", $0.name) }
      items.append(("#2a9d3a", "6", "goal"))
      svg += legend(items, x: margin, y: top - 6, maxWidth: Double(width) - 2 * margin)
    }
    return svg + "</svg>\n"
  }
}
