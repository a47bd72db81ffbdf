import ArgumentParser
import Foundation
import Training

extension LearningCurve.XAxis: ExpressibleByArgument {}

struct Plot: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw learning curves as SVG: one run's, or several runs' on one chart.",
    discussion: """
      One run: its evaluation return and population mean, with the target. Several runs (their \
      directories, from `rollout train` or a comparison's runs/): each run's evaluation return in its own \
      colour with a legend entry, and the target when they share one; --out is then required.
      """)

  @Argument(help: "Run directories (each holds metrics.jsonl).", completion: .directory)
  var directories: [String] = []

  @Option(help: "Where to write the SVG (default for one run: RUN/learning-curve.svg).", completion: .file(extensions: ["svg"]))
  var out: String?

  @Option(help: "The x axis: steps (env steps) or seconds.")
  var x: LearningCurve.XAxis = .steps

  func validate() throws {
    if directories.isEmpty { throw ValidationError("name a run directory (or several to overlay them)") }
    if directories.count > 1 && out == nil { throw ValidationError("several runs need --out FILE.svg") }
  }

  func run() throws {
    let runs = directories.map { URL(fileURLWithPath: $0) }
    let curves = try runs.map { try LearningCurve.load(runDirectory: $0) }
    let url = out.map { URL(fileURLWithPath: $0) } ?? runs[0].appendingPathComponent("learning-curve.svg")
    let svg: String
    if curves.count == 1 {
      svg = curves[0].svg(x: x)
    } else {
      // Legend names: the runs' titles, or their directories where two titles are the same.
      let titles = curves.map(\.title)
      let names = Set(titles).count == titles.count ? titles : runs.map(\.lastPathComponent)
      svg = LearningCurve.overlay(curves, names: names, x: x)
    }
    try AtomicFile.write(Data(svg.utf8), to: url)
    print("wrote \(url.path)")
  }
}
