import Foundation
import Training

/// Writes a line to standard output at once (progress lines and summaries stay in order even when
/// the output is a pipe and the process is stopped).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
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
