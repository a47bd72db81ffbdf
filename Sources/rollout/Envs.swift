import ArgumentParser
import Environments
import Training
import RLCore

struct Envs: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the environments with their spaces, time limits and thresholds.")

  func run() throws {
    var rows = [["name", "id", "observation", "actions", "time limit", "threshold"]]
    var presetBars = false
    for entry in EnvironmentRegistry.entries {
      let spec = EnvironmentSetup.make(entry).spec
      // Where the env sets no threshold (Pendulum), the bar rollout's presets train to.
      var threshold = spec.rewardThreshold.map { "\($0)" }
      if threshold == nil, let bar = Presets.openAIES(env: entry.name).run.targetReturn {
        threshold = "\(bar)*"
        presetBars = true
      }
      rows.append([
        entry.name, spec.id, spec.observationSpace.description, spec.actionSpace.description,
        "\(spec.maxEpisodeSteps)", threshold ?? "-",
      ])
    }
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
    for row in rows {
      print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
        .joined(separator: "  ").trimmingTrailingSpaces())
    }
    if presetBars { print("* rollout's bar (the presets' --target): the env itself sets none") }
    print("")
    for entry in EnvironmentRegistry.entries {
      print("\(entry.name): \(entry.summary)")
    }
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }
}
