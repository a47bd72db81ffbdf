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

/// Prints progress per generation or update. On a terminal: one status line, updated in place,
/// with the share of the budget done, an estimate of the time left, the best evaluation so far
/// and the speed. Otherwise (pipes, files, CI): one plain line per generation, so logs stay greppable.
final class ProgressPrinter {
  let enabled: Bool
  let isTerminal: Bool
  /// The run's budget: generations (or updates) and env steps; whichever runs out first ends it.
  let generations: Int
  let envSteps: Int
  private var wroteLine = false
  private var best = -Double.infinity

  init(enabled: Bool, generations: Int, envSteps: Int, isTerminal: Bool = isatty(STDOUT_FILENO) != 0) {
    self.enabled = enabled
    self.generations = generations
    self.envSteps = envSteps
    self.isTerminal = isTerminal
  }

  func show(_ r: GenerationReport) {
    guard enabled else { return }
    if isTerminal {
      FileHandle.standardOutput.write(Data("\r\u{1B}[K\(statusLine(r, width: terminalWidth()))".utf8))
      wroteLine = true
    } else {
      say(plainLine(r))
    }
  }

  /// The line for logs: every figure of the generation, the same format as ever.
  func plainLine(_ r: GenerationReport) -> String {
    var line = String(
      format: "%@ %4d  mean %8.2f  max %8.2f  eval %8.2f  steps %9d  %6.2fM steps/s  %6.2fs",
      r.update == nil ? "gen" : "upd", r.generation, r.meanReturn, r.maxReturn, r.evaluationReturn, r.envSteps,
      r.stepsPerSecond / 1e6, r.elapsedSeconds)
    if let u = r.update {
      line += String(
        format: "  pg %7.4f  vf %8.3f  ent %6.3f  kl %7.5f  clip %5.3f", u.policyLoss, u.valueLoss, u.entropy,
        u.approxKL, u.clipFraction)
      if let bonus = u.intrinsicReward { line += String(format: "  int %9.3g", bonus) }
    }
    return line
  }

  /// The share of the budget done after `r`: of generations or of env steps, whichever is further.
  func fractionDone(_ r: GenerationReport) -> Double {
    min(1, max(Double(r.generation) / Double(max(generations, 1)), Double(r.envSteps) / Double(max(envSteps, 1))))
  }

  /// The terminal's status line, cut to `width` columns so that it never wraps (a wrapped line
  /// cannot be rewritten in place).
  func statusLine(_ r: GenerationReport, width: Int) -> String {
    best = max(best, r.bestEvaluation ?? r.evaluationReturn)
    let done = fractionDone(r)
    let eta = done > 0 ? r.elapsedSeconds * (1 - done) / done : .infinity
    let line = String(
      format: "%3.0f%%  ETA %@  %@ %d  best %.2f  eval %.2f  mean %.2f  %@ steps/s  %@",
      (done * 100).rounded(.down), duration(eta), r.update == nil ? "gen" : "upd", r.generation, best,
      r.evaluationReturn, r.meanReturn, compact(r.stepsPerSecond), duration(r.elapsedSeconds))
    return String(line.prefix(max(width - 1, 20)))
  }

  func finish() {
    if wroteLine { FileHandle.standardOutput.write(Data("\n".utf8)) }
    wroteLine = false
  }
}

/// "42s", "3m05s", "2h07m": seconds as a person reads a countdown; "?" when unknown.
func duration(_ seconds: Double) -> String {
  guard seconds.isFinite, seconds >= 0 else { return "?" }
  let s = Int(seconds.rounded())
  if s < 60 { return "\(s)s" }
  if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
  return String(format: "%dh%02dm", s / 3600, s % 3600 / 60)
}

/// 950, 12.3k, 4.56M.
func compact(_ value: Double) -> String {
  if value >= 1e6 { return String(format: "%.2fM", value / 1e6) }
  if value >= 1e3 { return String(format: "%.1fk", value / 1e3) }
  return String(format: "%.0f", value)
}

/// The terminal's width in columns (80 when it cannot be asked).
func terminalWidth() -> Int {
  var size = winsize()
  guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
  return Int(size.ws_col)
}
