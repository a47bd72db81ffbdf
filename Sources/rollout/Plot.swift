import ArgumentParser
import Training
import Foundation

struct Plot: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw a run's learning curve as SVG (evaluation return and population mean vs env steps).")

  @Argument(help: "A run directory (it holds metrics.jsonl).", completion: .directory)
  var directory: String

  @Option(help: "Where to write the SVG (default: RUN/learning-curve.svg).")
  var out: String?

  func run() throws {
    let runDirectory = URL(fileURLWithPath: directory)
    let curve = try LearningCurve.load(runDirectory: runDirectory)
    let url = out.map { URL(fileURLWithPath: $0) } ?? runDirectory.appendingPathComponent("learning-curve.svg")
    try AtomicFile.write(Data(curve.svg().utf8), to: url)
    print("wrote \(url.path)")
  }
}
