import ArgumentParser
import Environments
import Networks
import Training

// The options of `rollout train`, in the groups its help shows. Each group checks its own values
// and writes them into a `TrainRequest`, which the library resolves.

extension Algorithm: ExpressibleByArgument {
  public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension ObservationScaling: ExpressibleByArgument {}

extension Maze.RewardMode: ExpressibleByArgument {}

struct EnvironmentOptions: ParsableArguments {
  @Option(help: "Maze envs: a built-in maze (medium, hard) or a maze file (docs/maze-format.md).")
  var maze: String?

  @Option(help: "Maze envs: final (300 − final distance) or dense (progress per step).")
  var reward: Maze.RewardMode?

  @Flag(name: .customLong("minimal-actions"), help: "MinAtar: the game's minimal action set, not all six.")
  var minimalActions = false

  @Flag(name: .customLong("no-sticky"), help: "MinAtar: no sticky actions (MinAtar repeats one with p = 0.1).")
  var noSticky = false

  @Flag(name: .customLong("no-ramping"), help: "MinAtar: no difficulty ramping.")
  var noRamping = false

  func write(into request: inout TrainRequest) {
    request.maze = maze
    request.reward = reward
    request.minimalActions = minimalActions
    request.noSticky = noSticky
    request.noRamping = noRamping
  }
}

struct BudgetOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Stop after this many generations or updates.")
  var generations: Int?

  @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Stop once training has taken this many env steps.")
  var maxSteps: Int?

  @Option(parsing: .unconditional, help: "The return that counts as solved (default: the env's threshold).")
  var target: Double?

  @Flag(name: .customLong("no-early-stop"), help: "Keep training after a 100-episode evaluation reaches the target.")
  var noEarlyStop = false

  func validate() throws {
    if let generations, generations <= 0 { throw ValidationError("--generations must be positive, got \(generations)") }
    if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be positive, got \(maxSteps)") }
  }

  func write(into request: inout TrainRequest) {
    request.generations = generations
    request.maxSteps = maxSteps
    request.target = target
    request.noEarlyStop = noEarlyStop
  }
}

struct AlgorithmOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Members evaluated per generation (even for the mirrored ES).")
  var population: Int?

  @Option(parsing: .unconditional, help: "σ: the noise, mutation or initial step size.")
  var sigma: Float?

  @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "α: the step size (Adam's, ARS's, PPO's…).")
  var learningRate: Float?

  @Option(parsing: .unconditional, help: "λ: OpenAI-ES's and NS-ES's L2 coefficient (weight decay).")
  var l2: Float?

  @Option(name: .customLong("obs-scaling"), help: "How observations are scaled.")
  var observationScaling: ObservationScaling?

  @Option(name: .customLong("init-scale"), parsing: .unconditional, help: "Norm of each output unit's initial weights.")
  var initScale: Float?

  @Option(help: "An MLP's hidden layer sizes, comma-separated (e.g. 32,32; empty: a linear policy); replaces the preset's layers.")
  var hidden: String?

  @Option(
    help: ArgumentHelp(
      "The policy's hidden layers in words, e.g. 'conv(16,3x3) → dense(128)' (convolutions need a grid env: MinAtar).",
      discussion: "conv(F,HxW[,stride=S][,padding=valid|same]) and dense(N,...), convolutions first; instead of --hidden."))
  var network: String?

  @Option(name: .customLong("episodes-per-member"), parsing: .unconditional, help: "Episodes averaged into a member's fitness.")
  var episodesPerMember: Int?

  func validate() throws {
    if let population, population < 1 { throw ValidationError("--population must be positive, got \(population)") }
    if let sigma, !(sigma > 0 && sigma.isFinite) { throw ValidationError("--sigma must be a positive number, got \(sigma)") }
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
      throw ValidationError("--learning-rate must be a positive number, got \(learningRate)")
    }
    if let l2, !(l2 >= 0 && l2.isFinite) { throw ValidationError("--l2 must be a number >= 0, got \(l2)") }
    if let initScale, !(initScale > 0 && initScale.isFinite) {
      throw ValidationError("--init-scale must be a positive number, got \(initScale)")
    }
    if let hidden, hiddenSizes(hidden) == nil {
      let sizes = hidden.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
      if let big = sizes.first(where: { $0 > TrainRequest.maximumHiddenSize }) {
        throw ValidationError("--hidden sizes can be at most \(TrainRequest.maximumHiddenSize) units per layer, got \(big)")
      }
      throw ValidationError("--hidden must be positive sizes separated by commas (e.g. 32,32), got '\(hidden)'")
    }
    if let network {
      if hidden != nil { throw ValidationError("--network and --hidden both give the hidden layers; give one") }
      guard let description = NetworkDescription(parsing: network) else {
        throw ValidationError(
          "--network must be layers like 'conv(16,3x3) → dense(128)' (conv(F,HxW[,stride=S][,padding=valid|same]), dense(N,...)), got '\(network)'")
      }
      let limit = TrainRequest.maximumHiddenSize
      if description.hidden.contains(where: { $0 > limit }) || description.convolutions.contains(where: { $0.filters > limit }) {
        throw ValidationError("--network layers can have at most \(limit) units or filters, got '\(network)'")
      }
    }
    if let episodesPerMember, episodesPerMember <= 0 {
      throw ValidationError("--episodes-per-member must be positive, got \(episodesPerMember)")
    }
  }

  func write(into request: inout TrainRequest) {
    request.population = population
    request.sigma = sigma
    request.learningRate = learningRate
    request.l2 = l2
    request.observationScaling = observationScaling
    request.initScale = initScale
    request.hidden = hidden.flatMap(hiddenSizes)
    request.network = network.flatMap { NetworkDescription(parsing: $0) }
    request.episodesPerMember = episodesPerMember
  }
}

struct RunDirectoryOptions: ParsableArguments {
  @Option(help: "The run directory (default: runs/<env>-<algo>-<seed>-<time>).", completion: .directory)
  var out: String?

  @Flag(help: "With --out: replace the run already there (its files only).")
  var force = false

  @Option(help: "Continue the run in this directory; a larger budget extends a finished run.", completion: .directory)
  var resume: String?

  @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Write a checkpoint every N generations (default 100).")
  var checkpointEvery: Int?

  @Option(name: .customLong("checkpoint-seconds"), parsing: .unconditional, help: "…and every S seconds (default 30).")
  var checkpointSeconds: Double?

  @Flag(name: .customLong("no-tensorboard"), help: "Write no TensorBoard event file (events.out.tfevents.*).")
  var noTensorBoard = false

  func validate() throws {
    if resume != nil, out != nil || force {
      throw ValidationError("--resume continues a run in its own directory; it takes no --out or --force")
    }
    if force, out == nil { throw ValidationError("--force replaces the run in --out DIR; give --out") }
    if let checkpointEvery, checkpointEvery <= 0 {
      throw ValidationError("--checkpoint-every must be positive, got \(checkpointEvery)")
    }
    if let checkpointSeconds, !(checkpointSeconds > 0) {
      throw ValidationError("--checkpoint-seconds must be positive, got \(checkpointSeconds)")
    }
  }

  func write(into request: inout TrainRequest) {
    request.checkpointEvery = checkpointEvery
    request.checkpointSeconds = checkpointSeconds
  }
}

/// Hidden sizes from "32,32"; nil unless every part is a positive integer no wider than the
/// limit (an empty string is no hidden layer at all: a linear policy).
func hiddenSizes(_ text: String) -> [Int]? {
  if text.isEmpty { return [] }
  let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map {
    Int($0.trimmingCharacters(in: .whitespaces))
  }
  guard sizes.allSatisfy({ ($0 ?? 0) > 0 && $0! <= TrainRequest.maximumHiddenSize }) else { return nil }
  return sizes.map { $0! }
}
