import Foundation
import Training

/// Writes a line to standard output at once (progress lines and summaries stay in order even when
/// the output is a pipe and the process is stopped).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Rows of a name and its description for a command's help, the descriptions wrapped at word
/// boundaries in a column of their own, so that the parser (which fills 79 columns) never
/// re-wraps a line.
func table(_ rows: [(String, String)], width: Int = 79) -> String {
  let column = rows.map(\.0.count).max()! + 2
  var lines: [String] = []
  for (name, description) in rows {
    var line = name.padding(toLength: column, withPad: " ", startingAt: 0)
    var empty = true
    for word in description.split(separator: " ") {
      if !empty && line.count + 1 + word.count > width {
        lines.append(line)
        line = String(repeating: " ", count: column)
        empty = true
      }
      line += (empty ? "" : " ") + word
      empty = false
    }
    lines.append(line)
  }
  return lines.joined(separator: "\n")
}

/// Prints one line per generation or update: an updating line on a terminal, plain lines otherwise.
final class ProgressPrinter {
  let enabled: Bool
  let isTerminal = isatty(STDOUT_FILENO) != 0
  private var wroteLine = false

  init(enabled: Bool) {
    self.enabled = enabled
  }

  func show(_ r: GenerationReport) {
    guard enabled else { return }
    var line = String(
      format: "%@ %4d  mean %8.2f  max %8.2f  eval %8.2f  steps %9d  %6.2fM steps/s  %6.2fs",
      r.update == nil ? "gen" : "upd", r.generation, r.meanReturn, r.maxReturn, r.evaluationReturn, r.envSteps,
      r.stepsPerSecond / 1e6, r.elapsedSeconds)
    if let u = r.update {
      line += String(
        format: "  pg %7.4f  vf %8.3f  ent %6.3f  kl %7.5f  clip %5.3f", u.policyLoss, u.valueLoss, u.entropy,
        u.approxKL, u.clipFraction)
    }
    if isTerminal {
      FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line)".utf8))
      wroteLine = true
    } else {
      say(line)
    }
  }

  func finish() {
    if wroteLine { FileHandle.standardOutput.write(Data("\n".utf8)) }
    wroteLine = false
  }
}
