import ArgumentParser
import Dispatch
import Environments
import Evaluation
import Evolution
import Training
import Foundation
import Networks
import RLCore

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure throughput: env steps/s, policy steps/s, evaluator scaling, allocations.",
    discussion: """
      envs         random-policy steps/s per env on one thread
      policy       CartPole stepped by a 4→16→2 tanh policy, steps/s on one thread
      evaluator    a heavy OpenAI-ES generation (population 256, full-length CartPole
                   episodes) on 1 thread and on --threads threads, and the speed-up
      allocations  heap allocations per env step and per policy forward; needs the
                   counting malloc of Benchmarks/run.sh (LD_PRELOAD)
      render       software-rendered frames per second per env at its default size
                   (drawing only)
      strategies   generations/s of every evolution strategy on CartPole at
                   population 256 (4→16→2 tanh policy, 10 generations from the
                   initial policy, --threads threads)
      learner      PPO's gradient step on CartPole's [64, 64] actor-critic, one
                   256-row minibatch, on 1 thread and on --threads threads
                   (minibatches/s and multiply-adds/s)
      cma          CMA-ES on the 10-D ellipsoid, Rosenbrock and Rastrigin functions
                   (evaluations to 1e-8, 20 seeds; Benchmarks/cma-pycma.sh runs pycma
                   beside it)
      noise        OpenAI-ES perturbations of a 1 M-parameter policy, population 256,
                   --threads threads: per-pair Philox streams against a shared noise
                   table (noise_table_size), N(0, 1) values per second

      Figures are medians of --repeats runs. Machines are shared and noisy: compare \
      runs made back to back, never one figure against a remembered one.
      """)

  enum Kind: String, ExpressibleByArgument, CaseIterable {
    case envs, policy, evaluator, allocations, render, strategies, learner, cma, noise
  }

  @Argument(help: "What to measure (the list above).")
  var kind: Kind = .envs

  @Option(parsing: .unconditional, help: "Seconds per measurement.")
  var seconds: Double = 1

  @Option(parsing: .unconditional, help: "Repeats; the median is reported.")
  var repeats: Int = 3

  @Option(name: .customLong("threads"), parsing: .unconditional, help: "Threads for the evaluator benchmark (default: the number of cores).")
  var threadCount: Int?
  /// --threads, or the number of cores (an optional, so that the help names the default once).
  var threads: Int { threadCount ?? ProcessInfo.processInfo.activeProcessorCount }

  func validate() throws {
    guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
    guard repeats > 0 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
    guard threads > 0 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
  }

  func run() throws {
    switch kind {
    case .envs:
      for entry in EnvironmentRegistry.entries {
        let rate = try median {
          try EnvironmentRegistry.open(EnvironmentSetup.make(entry), with: RandomStepping(seconds: seconds))
        }
        let name = entry.name.padding(toLength: 24, withPad: " ", startingAt: 0)
        print(name + String(format: "%8.2f M steps/s (random actions, 1 thread)", rate / 1e6))
      }
    case .policy:
      let rate = median { policySteps(seconds: seconds) }
      print(String(format: "cartpole + 4→16→2 tanh policy: %.2f M steps/s (1 thread)", rate / 1e6) + "; kernels: \(Kernels.name)")
    case .evaluator:
      try benchEvaluator()
    case .allocations:
      try benchAllocations()
    case .strategies:
      try benchStrategies()
    case .learner:
      benchLearner()
    case .cma:
      benchCMA()
    case .noise:
      benchNoise()
    case .render:
      for entry in EnvironmentRegistry.entries {
        let rate = try median {
          try EnvironmentRegistry.open(EnvironmentSetup.make(entry), with: RenderTiming(seconds: seconds))
        }
        let env = EnvironmentSetup.make(entry)
        let name = entry.name.padding(toLength: 24, withPad: " ", startingAt: 0)
        print(name + String(format: "%8.0f frames/s at %d×%d", rate, env.renderSize.width, env.renderSize.height))
      }
    }
  }

  func median(_ measure: () throws -> Double) rethrows -> Double {
    let values = try (0..<repeats).map { _ in try measure() }.sorted()
    return values[values.count / 2]
  }

  // MARK: Strategies

  private func benchStrategies() throws {
    for algorithm in Algorithm.evolutionStrategies {
      let preset = try algorithm.preset(env: "cartpole")
      guard case .object(var fields) = preset.strategy, let key = algorithm.configKey(for: .population) else { continue }
      fields[key] = .number(algorithm == .ars ? 128 : 256)
      var run = preset.run
      run.hidden = [16]
      run.threads = threads
      run.maxGenerations = 10
      run.stopAtThreshold = false
      run.checkpointEverySeconds = .infinity
      run.checkpointEveryGenerations = .max
      guard case .evolution(let strategy) = try algorithm.make(config: .object(fields)) else { continue }
      let measured = try median { try generationsPerSecond(strategy, run: run) }
      print(
        algorithm.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
          + String(format: "%8.1f generations/s  (%d threads)", measured, threads))
    }
  }

  private func generationsPerSecond<S: EvolutionStrategy>(_ strategy: S, run: RunConfig) throws -> Double {
    // Timed to the end of the last generation (the final 100-episode evaluation is not counted).
    var last: GenerationReport?
    _ = try runEvolution(
      environment: CartPole(), strategy: strategy, config: run, hooks: TrainingHooks(onGeneration: { last = $0 }))
    return Double(last!.generation) / last!.elapsedSeconds
  }

  // MARK: Evaluator scaling

  private func benchEvaluator() throws {
    // A policy that balances the pole, so episodes run their full 500 steps.
    var preset = Presets.openAIES(env: "cartpole")
    preset.run.threads = threads
    let trained = try trainEvolution(
      environment: CartPole(), strategy: OpenAIES(config: preset.strategy), config: preset.run)
    let strategy = OpenAIES(config: OpenAIES.Config(populationSize: 256, noiseStd: 0.005))
    let state = strategy.initialState(parameters: trained.policy.parameters, seed: 7)
    let population = strategy.ask(state)
    func generationTime(threads: Int) -> (seconds: Double, steps: Int) {
      let evaluator = Evaluator(environment: CartPole(), network: trained.policy.network, threads: threads)
      let plan = EvaluationPlan(
        members: population.count, episodesPerMember: 1, mode: .greedy,
        normalizer: trained.policy.normalizer,
        episodeSeed: { m, _ in SeedDerivation.seed(run: 7, purpose: .trainingEpisode, member: m) })
      var best = Double.infinity, steps = 0
      for _ in 0..<max(repeats, 3) {
        let start = DispatchTime.now().uptimeNanoseconds
        let results = evaluator.evaluate(plan) { m, buffer in population.write(member: m, into: buffer) }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        steps = results.totalSteps
      }
      return (best, steps)
    }
    let one = generationTime(threads: 1)
    let many = generationTime(threads: threads)
    print(
      String(
        format: "evaluator, population 256, %d env steps: 1 thread %.2f ms, %d threads %.2f ms, speed-up %.2f×",
        one.steps, one.seconds * 1e3, threads, many.seconds * 1e3, one.seconds / many.seconds)
        + "; kernels: \(Kernels.name)")
  }

  // MARK: Allocations

  private func benchAllocations() throws {
    guard let counter = MallocCounter() else {
      throw RolloutError(
        "allocation counting needs the counting malloc: run Benchmarks/run.sh allocations")
    }
    let steps = 100_000
    for entry in EnvironmentRegistry.entries {
      let count = try EnvironmentRegistry.open(
        EnvironmentSetup.make(entry), with: CountingStepper(counter: counter, steps: steps))
      print("\(entry.name): \(Double(count) / Double(steps)) heap allocations per env step (\(steps) steps)")
    }
    let mlp = Network(inputs: 4, hidden: [16], outputs: 2)
    // The MinAtar presets' network on Breakout's 10×10×4 grid.
    let convolutional = Network(
      inputShape: GridShape(height: 10, width: 10, channels: 4),
      convolutions: [Convolution(filters: 16, kernelHeight: 3, kernelWidth: 3)], hidden: [128], outputs: 6,
      activation: .relu)!
    for (name, network, calls) in [("4→16→2", mlp, steps), ("conv(16,3x3) → dense(128)", convolutional, steps / 10)] {
      let scratch = EpisodeScratch(observationCount: network.inputCount, network: network)
      _ = scratch.parameters.update(fromContentsOf: network.normcInitialization(seed: 1))
      var sink: Float = 0
      let forward = counter.allocations(calls: calls) {
        let out = network.forward(
          parameters: scratch.parameters.baseAddress!, input: scratch.observation.baseAddress!,
          workspace: scratch.workspace.baseAddress!)
        sink += out[0]
      }
      print(
        "\(name) policy forward: \(Double(forward) / Double(calls)) heap allocations per call "
          + "(\(calls) calls\(sink.isNaN ? ", NaN" : ""))")
    }
  }
}

/// Steps an env with random actions and counts the heap allocations the steps make.
struct CountingStepper: EnvironmentVisitor {
  let counter: MallocCounter
  let steps: Int

  func visit<E: ConfigurableEnvironment>(_ environment: E) -> UInt64 {
    var driver = RandomDriver(environment)
    defer { driver.release() }
    return counter.allocations(calls: steps) { driver.step() }
  }
}

/// Reads the counter of Benchmarks/malloc_counter.c when it is preloaded.
struct MallocCounter {
  private let read: @convention(c) () -> UInt64

  init?() {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "rollout_malloc_count") else {
      return nil
    }
    read = unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
  }

  var count: UInt64 { read() }

  /// Heap allocations made by `calls` calls of `body`, after 1000 warm-up calls (the runtime
  /// builds some type metadata on first use, once per process).
  func allocations(calls: Int, _ body: () -> Void) -> UInt64 {
    for _ in 0..<1000 { body() }
    let before = count
    for _ in 0..<calls { body() }
    return count - before
  }
}

/// Steps an env with random actions for a while; returns steps per second.
struct RandomStepping: EnvironmentVisitor {
  let seconds: Double

  func visit<E: ConfigurableEnvironment>(_ environment: E) -> Double {
    var driver = RandomDriver(environment)
    defer { driver.release() }
    let start = DispatchTime.now().uptimeNanoseconds
    let deadline = start + UInt64(seconds * 1e9)
    var steps = 0
    var now = start
    repeat {
      for _ in 0..<20_000 { driver.step() }
      steps += 20_000
      now = DispatchTime.now().uptimeNanoseconds
    } while now < deadline
    return Double(steps) / (Double(now - start) / 1e9)
  }
}

/// An env stepped with uniformly random actions (seed 1), reset whenever an episode ends.
struct RandomDriver<E: Environment> {
  var env: E
  let observation: UnsafeMutableBufferPointer<Float>
  let actions: RandomActions
  var rng = SplitMix64(seed: 1)

  init(_ environment: E) {
    env = environment
    observation = .allocate(capacity: environment.spec.observationSpace.count)
    actions = RandomActions(space: environment.spec.actionSpace)
    env.reset(seed: 1, observation: observation)
  }

  @inline(__always)
  mutating func step() {
    if env.step(actions.next(&rng), observation: observation).isDone {
      env.reset(seed: nil, observation: observation)
    }
  }

  func release() { observation.deallocate() }
}

/// CartPole driven by a 4→16→2 tanh policy with observation normalisation, one episode at a time.
func policySteps(seconds: Double) -> Double {
  var env = CartPole()
  let network = Network(inputs: 4, hidden: [16], outputs: 2)
  let scratch = EpisodeScratch(observationCount: 4, network: network)
  _ = scratch.parameters.update(fromContentsOf: network.normcInitialization(seed: 3, outputScale: 1))
  let normalizer = ObservationNormalizer(mean: [0, 0, 0, 0], std: [1, 1, 0.1, 1])
  let head = ActionHead(space: env.spec.actionSpace)
  let start = DispatchTime.now().uptimeNanoseconds
  let deadline = start + UInt64(seconds * 1e9)
  var steps = 0
  var episode: UInt64 = 0
  var now = start
  repeat {
    for _ in 0..<200 {
      let (outcome, _) = runEpisode(
        &env, seed: episode, network: network, normalizer: normalizer, head: head, mode: .greedy,
        scratch: scratch)
      steps += outcome.length
      episode += 1
    }
    now = DispatchTime.now().uptimeNanoseconds
  } while now < deadline
  return Double(steps) / (Double(now - start) / 1e9)
}

/// Steps an env with random actions and draws every state; returns frames per second.
struct RenderTiming: EnvironmentVisitor {
  let seconds: Double

  func visit<E: ConfigurableEnvironment>(_ environment: E) -> Double {
    var driver = RandomDriver(environment)
    defer { driver.release() }
    var frame = Frame(width: environment.renderSize.width, height: environment.renderSize.height)
    let start = DispatchTime.now().uptimeNanoseconds
    var frames = 0
    var now = start
    repeat {
      for _ in 0..<10 {
        driver.step()
        driver.env.render(into: &frame)
        frames += 1
      }
      now = DispatchTime.now().uptimeNanoseconds
    } while Double(now - start) < seconds * 1e9
    return Double(frames) / (Double(now - start) / 1e9)
  }
}
