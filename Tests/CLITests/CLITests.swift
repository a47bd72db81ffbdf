import Foundation
import Networks
import Training
import Testing
import TestSupport

/// End-to-end tests of the `rollout` command: real processes, real files.
@Suite("rollout CLI", .serialized)
struct CLITests {
  let work = TestPaths.temporaryDirectory("rollout-cli")

  func expectOneLineError(
    _ result: CommandResult, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(result.status != 0, "exit status", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("rollout: error: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
  }

  /// A help line that ends before its width is full, followed by more of the same paragraph, is a
  /// sentence broken by a hard newline in the source (the parser wraps at 80 columns).
  @Test("every command's help wraps only where a line is full, and names each default once", arguments: [
    "train", "eval", "replay", "compare", "plot", "bench", "envs", "completion", "export",
  ])
  func helpWrapping(command: String) throws {
    let help = try Rollout.run([command, "--help"])
    #expect(help.status == 0)
    let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for (a, b) in zip(lines, lines.dropFirst()) {
      let next = b.trimmingCharacters(in: .whitespaces)
      let startsItem =
        next.isEmpty || next.hasPrefix("-") || b.firstMatch(of: #/^\S+\s{2,}/#) != nil
        || b.firstMatch(of: #/^[A-Z ]+:/#) != nil || a.hasSuffix(":") || a.trimmingCharacters(in: .whitespaces).isEmpty
        // An option too long for its column puts its help on the next line.
        || a.wholeMatch(of: #/\s+-[-\w, ]+( <[\w-]+>)?/#) != nil
      if startsItem { continue }
      let word = next.split(separator: " ").first.map(String.init) ?? ""
      // The parser fills lines to 79 columns.
      #expect(a.count + 1 + word.count > 79, "'\(a)' breaks before '\(word)' in `rollout \(command) --help`")
      #expect(a.count <= 80, "'\(a)' is wider than 80 columns")
    }
    for line in lines {
      #expect(line.components(separatedBy: "(default:").count <= 2, "a default named twice: \(line)")
    }
  }

  @Test("the binary exists")
  func binaryExists() {
    #expect(FileManager.default.isExecutableFile(atPath: Rollout.binary.path), "\(Rollout.binary.path)")
  }

  @Test("envs lists every env with its spaces, limit and threshold")
  func envs() throws {
    let result = try Rollout.run(["envs"])
    #expect(result.status == 0)
    let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
    for row in [
      "cartpole CartPole-v1 Box(4) Discrete(2) 500 475.0",
      "acrobot Acrobot-v1 Box(6) Discrete(3) 500 -100.0",
      "mountaincar MountainCar-v0 Box(2) Discrete(3) 200 -110.0",
      "mountaincar-continuous MountainCarContinuous-v0 Box(2) Box(-1.0, 1.0, (1,)) 999 90.0",
      "pendulum Pendulum-v1 Box(3) Box(-2.0, 2.0, (1,)) 200 -200.0*",
    ] {
      #expect(rows.contains(row), "missing row: \(row)\n\(result.stdout)")
    }
  }

  @Test("train → eval: the saved policy solves CartPole, and eval --json has the promised fields")
  func trainAndEvaluate() throws {
    let out = work.appendingPathComponent("run")
    let train = try Rollout.run(["train", "cartpole", "--seed", "3", "--threads", "2", "--out", out.path])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stdout.contains("solved after"))
    #expect(train.stdout.contains("gen    1"), "non-TTY output has plain progress lines")
    let policy = out.appendingPathComponent("cartpole-openai-es.policy")
    #expect(FileManager.default.fileExists(atPath: policy.path))
    let metrics = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    let first = try JSONSerialization.jsonObject(with: Data(metrics.split(separator: "\n")[0].utf8)) as! [String: Any]
    for key in ["generation", "mean_return", "max_return", "evaluation_return", "env_steps", "steps_per_second", "elapsed_seconds"] {
      #expect(first[key] != nil, "metrics field \(key)")
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    #expect(
      files.filter { !$0.hasPrefix("events.out.tfevents.") } == [
        "cartpole-openai-es.policy", "checkpoint.json", "config.json", "metrics.csv", "metrics.jsonl",
      ])
    #expect(files.filter { $0.hasPrefix("events.out.tfevents.") }.count == 1, "one TensorBoard event file")

    let eval = try Rollout.run(["eval", policy.path, "--episodes", "20", "--json"])
    #expect(eval.status == 0, "\(eval.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
    #expect(object["env"] as? String == "CartPole-v1")
    #expect(object["episodes"] as? Int == 20)
    #expect(object["seed"] as? Int == 0)
    for key in ["return", "length"] {
      let stats = try #require(object[key] as? [String: Double])
      #expect(Set(stats.keys) == ["mean", "std", "min", "max"])
    }
    #expect((object["return"] as! [String: Double])["mean"]! >= 475)

    let text = try Rollout.run(["eval", policy.path, "--episodes", "5", "--env", "CartPole-v1"])
    #expect(text.status == 0)
    #expect(text.stdout.contains("5 episodes, return"))
  }

  @Test("continuous actions: train on Pendulum, the policy file records the box, eval and Python read it")
  func continuousActions() throws {
    let out = work.appendingPathComponent("pendulum")
    let train = try Rollout.run(["train", "Pendulum-v1", "--algo", "openai-es", "--generations", "3", "--out", out.path, "--quiet"])
    #expect(train.status == 0, "\(train.stderr)")
    let policy = out.appendingPathComponent("pendulum-openai-es.policy")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: policy)) as! [String: Any]
    let env = object["env"] as! [String: Any]
    let box = (env["action_space"] as! [String: Any])["box"] as! [String: [Double]]
    #expect(box["low"] == [-2] && box["high"] == [2])
    #expect((object["network"] as! [String: Any])["action_head"] as? String == "tanh-squash")
    let eval = try Rollout.run(["eval", policy.path, "--episodes", "4", "--json", "--env", "pendulum"])
    #expect(eval.status == 0, "\(eval.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
    #expect((summary["length"] as! [String: Double])["mean"] == 200)
    let mismatch = try Rollout.run(["eval", policy.path, "--env", "cartpole"])
    expectOneLineError(mismatch, containing: "was trained on Pendulum-v1, not CartPole-v1")
  }

  @Test("policy gradient from the CLI: ppo trains, logs losses, saves a policy that eval and replay use")
  func policyGradient() throws {
    let out = work.appendingPathComponent("ppo-run")
    let train = try Rollout.run([
      "train", "cartpole", "--algo", "ppo", "--max-steps", "3000", "--no-early-stop", "--out", out.path,
    ])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stdout.contains("upd   11") && train.stdout.contains("  kl "))
    let policy = out.appendingPathComponent("cartpole-ppo.policy")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: policy)) as! [String: Any]
    #expect((object["algorithm"] as! [String: Any])["name"] as? String == "ppo")
    #expect((object["network"] as! [String: Any])["layer_sizes"] as? [Int] == [4, 64, 64, 2])
    let csv = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
    #expect(csv[0].hasSuffix("policy_loss,value_loss,entropy,approx_kl,clip_fraction,learning_rate"))
    #expect(csv.count == 13 && !csv[1].hasSuffix(",,,,,"), "12 updates of 256 steps")
    let events = try EventFileReader.read(EventFileReader.files(in: out)[0])
    #expect(events.dropFirst().map(\.step) == (1...12).map { $0 * 256 })
    #expect(events.last?.scalars["losses/approx_kl"] == Float(csv[12].split(separator: ",")[11])!)
    let quiet = work.appendingPathComponent("ppo-no-events")
    let noEvents = try Rollout.run([
      "train", "cartpole", "--algo", "ppo", "--max-steps", "512", "--no-tensorboard", "--quiet", "--out", quiet.path,
    ])
    #expect(noEvents.status == 0 && EventFileReader.files(in: quiet).isEmpty, "--no-tensorboard writes none")
    let eval = try Rollout.run(["eval", policy.path, "--episodes", "3", "--json"])
    #expect(eval.status == 0, "\(eval.stderr)")
    let replay = try Rollout.run(["replay", policy.path, "--png", out.appendingPathComponent("frames").path, "--max-steps", "3"])
    #expect(replay.status == 0, "\(replay.stderr)")
    // A finished run's checkpoint is its end: resuming it with the same budget adds nothing.
    let resume = try Rollout.run(["train", "--resume", out.path])
    #expect(resume.status == 0, "\(resume.stderr)")
    #expect(resume.stdout.contains("after 12 updates"), "\(resume.stdout)")
  }

  @Test("mazes: train on a maze file, the policy records the maze, eval reports the final position")
  func mazes() throws {
    let maze = work.appendingPathComponent("box.maze")
    try Data("""
      # a box with a wall across most of it
      start 20 20
      goal 80 80
      0 0 100 0
      100 0 100 100
      100 100 0 100
      0 100 0 0
      0 50 70 50
      """.utf8).write(to: maze)
    let out = work.appendingPathComponent("maze-run")
    let train = try Rollout.run([
      "train", "maze", "--maze", maze.path, "--reward", "dense", "--generations", "3", "--no-early-stop",
      "--out", out.path, "--quiet",
    ])
    #expect(train.status == 0, "\(train.stderr)")
    // The mazes default to NS-ES, the method that solves them.
    let policy = out.appendingPathComponent("maze-ns-es.policy")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: policy)) as! [String: Any]
    let env = object["env"] as! [String: Any]
    #expect(env["id"] as? String == "Maze-v0")
    let config = env["config"] as! [String: Any]
    #expect(config["reward"] as? String == "dense")
    #expect(((config["layout"] as! [String: Any])["walls"] as! [Any]).count == 5)
    try FileManager.default.removeItem(at: maze)  // the policy does not need the maze file
    let eval = try Rollout.run(["eval", policy.path, "--episodes", "1"])
    #expect(eval.status == 0, "\(eval.stderr)")
    #expect(eval.stdout.contains("mean final position: ("))

    let hard = try Rollout.run(["eval", "random", "--env", "hard-maze", "--episodes", "2", "--json"])
    let summary = try JSONSerialization.jsonObject(with: Data(hard.stdout.utf8)) as! [String: Any]
    #expect((summary["final_behavior"] as? [Double])?.count == 2)
    // The shipped Seaquest agent shoots and drowns: it carries divers but never surfaces.
    let sub = try Rollout.run(["eval", TestPaths.packageRoot.appendingPathComponent("policies/seaquest-ppo.policy").path, "--episodes", "20"])
    #expect(sub.status == 0, "\(sub.stderr)")
    #expect(sub.stdout.contains("mean at the end: x "), "\(sub.stdout)")
    #expect(sub.stdout.contains(", surfacings 0.00\n"), "\(sub.stdout)")
  }

  @Test("bad maze input is one line naming the file and the line")
  func badMazes() throws {
    let bad = work.appendingPathComponent("bad.maze")
    try Data("start 20 20\ngoal 80 80\n0 0 100 0\n5 5 5 5\n".utf8).write(to: bad)
    expectOneLineError(
      try Rollout.run(["train", "maze", "--maze", bad.path]), containing: "\(bad.path):4: the wall has zero length")
    expectOneLineError(
      try Rollout.run(["train", "maze", "--maze", "/nonexistent.maze"]),
      containing: "cannot read maze file /nonexistent.maze: no such file (built-in mazes: medium, hard)")
    expectOneLineError(try Rollout.run(["train", "cartpole", "--maze", "hard"]), containing: "apply to the maze envs only")
    expectOneLineError(
      try Rollout.run(["train", "maze", "--reward", "sparse"]),
      containing: "The value 'sparse' is invalid for '--reward <reward>'. Please provide one of 'final' and 'dense'")
  }

  @Test("replay records PNG frames and GIFs of a policy in any build")
  func replay() throws {
    let out = work.appendingPathComponent("replay")
    #expect(try Rollout.run(["train", "cartpole", "--generations", "2", "--no-early-stop", "--out", out.path, "--quiet"]).status == 0)
    let policy = out.appendingPathComponent("cartpole-openai-es.policy").path
    let frames = work.appendingPathComponent("frames")
    let png = try Rollout.run(["replay", policy, "--png", frames.path, "--max-steps", "5"])
    #expect(png.status == 0, "\(png.stderr)")
    let files = try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted()
    #expect(files.count == 6, "the start and five steps: \(files)")
    #expect(files.first == "frame-000001.png")
    let bytes = try Data(contentsOf: frames.appendingPathComponent(files[0]))
    #expect(Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])

    let gif = work.appendingPathComponent("cartpole.gif")
    let recorded = try Rollout.run(["replay", "random", "--env", "acrobot", "--gif", gif.path, "--max-steps", "3"])
    #expect(recorded.status == 0, "\(recorded.stderr)")
    let gifBytes = try Data(contentsOf: gif)
    #expect(gifBytes.prefix(6) == Data("GIF89a".utf8))
    #expect(gifBytes.last == 0x3B, "the trailer")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
    #if !SDL
      expectOneLineError(
        try Rollout.run(["replay", policy]), containing: "built without the SDL trait: install libsdl2-dev")
    #endif
    expectOneLineError(try Rollout.run(["replay", "random"]), containing: "needs --env")
    expectOneLineError(try Rollout.run(["replay", policy, "--fps", "0", "--png", frames.path]), containing: "--fps must be between 1 and 240")
  }

  @Test("the same seed gives byte-identical weights with 1 and 2 threads")
  func threadDeterminism() throws {
    var weights: [[Double]] = []
    for threads in ["1", "2"] {
      let out = work.appendingPathComponent("t\(threads)")
      let result = try Rollout.run([
        "train", "cartpole", "--seed", "5", "--threads", threads, "--generations", "12", "--out", out.path, "--quiet",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let data = try Data(contentsOf: out.appendingPathComponent("cartpole-openai-es.policy"))
      let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
      weights.append(object["parameters"] as! [Double])
    }
    #expect(weights[0] == weights[1])
    #expect(weights[0].count == 114)
  }

  @Test("--network trains convolutional PPO and OpenAI-ES policies on a MinAtar grid, the same bits on 1 and 2 threads", arguments: ["ppo", "openai-es"])
  func convolutionalTraining(algorithm: String) throws {
    var weights: [[Double]] = []
    for threads in ["1", "2"] {
      let out = work.appendingPathComponent("conv-\(algorithm)-\(threads)")
      let budget = algorithm == "ppo" ? ["--max-steps", "3000"] : ["--generations", "2", "--population", "6"]
      let result = try Rollout.run(
        ["train", "breakout", "--algo", algorithm, "--network", "conv(4,3x3) → dense(16)", "--seed", "3", "--threads", threads,
         "--no-early-stop", "--out", out.path, "--quiet"] + budget)
      #expect(result.status == 0, "\(result.stderr)")
      let file = try PolicyFile.read(from: out.appendingPathComponent("breakout-\(algorithm).policy"))
      #expect(file.network.kind == "convolutional" && file.network.inputShape == [10, 10, 4])
      #expect(file.policy.network.layerDescription == "10×10×4 → conv(4,3x3) → dense(16) → 6")
      weights.append(file.parameters.map(Double.init))
    }
    #expect(weights[0] == weights[1])
    #expect(weights[0].count == (36 * 4 + 4) + (256 * 16 + 16) + (16 * 6 + 6))
  }

  @Test("--network mistakes are one line: a flat env, a kernel larger than the grid, bad grammar, with --hidden")
  func networkMistakes() throws {
    let out = work.appendingPathComponent("bad-network")
    expectOneLineError(
      try Rollout.run(["train", "cartpole", "--network", "conv(4,3x3) dense(8)", "--out", out.path]),
      containing: "CartPole-v1 observations are a flat vector of 4, not a grid: convolutions need a grid env (MinAtar)")
    expectOneLineError(
      try Rollout.run(["train", "breakout", "--network", "conv(4,11x3)", "--out", out.path]),
      containing: "conv(4,11x3) does not fit MinAtar/Breakout-v0's 10×10×4 grid")
    expectOneLineError(
      try Rollout.run(["train", "breakout", "--network", "conv(4,3x3,stride=x)", "--out", out.path]),
      containing: "--network must be layers like 'conv(16,3x3) → dense(128)'")
    expectOneLineError(
      try Rollout.run(["train", "breakout", "--network", "dense(8)", "--hidden", "8", "--out", out.path]),
      containing: "--network and --hidden both give the hidden layers; give one")
    #expect(!FileManager.default.fileExists(atPath: out.path))
    // The same layers in dense form only: --network dense(8,8) is --hidden 8,8.
    let printed = try Rollout.run(["train", "cartpole", "--network", "dense(8,8)", "--print-config"])
    #expect(printed.status == 0 && printed.stdout.contains("\"hidden\" : [\n      8,\n      8\n    ]"), "\(printed.stdout)")
  }

  @Test("a config file that names an algorithm lays its settings over that algorithm's preset")
  func configFileAlgorithm() throws {
    let file = work.appendingPathComponent("ars.json")
    try Data(#"{"env": "breakout", "algorithm": "openai-es", "run": {"convolutions": ["conv(4,3x3)"], "hidden": [8]}}"#.utf8).write(to: file)
    let printed = try Rollout.run(["train", "--config", file.path, "--print-config"])
    #expect(printed.status == 0, "\(printed.stderr)")
    #expect(printed.stdout.contains("\"algorithm\" : \"openai-es\"") && printed.stdout.contains("\"conv(4,3x3)\""), "\(printed.stdout)")
  }

  @Test("eval random gives CartPole's random-policy return (about 22)")
  func evalRandom() throws {
    let result = try Rollout.run(["eval", "random", "--env", "cartpole", "--episodes", "1000", "--json"])
    #expect(result.status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let mean = (object["return"] as! [String: Double])["mean"]!
    #expect(mean > 18 && mean < 28, "random return \(mean)")
    #expect(object["solved"] as? Bool == false)
  }

  @Test("eval --per-episode lists every episode's return and length, in episode order, matching the summary")
  func evalPerEpisode() throws {
    let listed = try Rollout.run(["eval", "random", "--env", "cartpole", "--episodes", "30", "--json", "--per-episode"])
    #expect(listed.status == 0, "\(listed.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as! [String: Any]
    let returns = try #require(object["episode_returns"] as? [Double])
    let lengths = try #require(object["episode_lengths"] as? [Int])
    #expect(returns.count == 30 && lengths.count == 30)
    // CartPole pays 1 per step: each return is its episode's length.
    #expect(returns == lengths.map(Double.init))
    let summary = object["return"] as! [String: Double]
    #expect(abs(summary["mean"]! - returns.reduce(0, +) / 30) < 1e-9)
    #expect(summary["max"]! == returns.max()!)
    // Without the flag the summary stays short.
    let plain = try Rollout.run(["eval", "random", "--env", "cartpole", "--episodes", "30", "--json"])
    #expect(!plain.stdout.contains("episode_returns"))
    #expect(plain.stdout.contains(#""return":"#))
  }

  @Test(
    "bad arguments end with one clear line and a non-zero exit",
    arguments: [
      (["train", "pong"], "unknown environment 'pong'; valid names: cartpole, acrobot, mountaincar, mountaincar-continuous, pendulum"),
      (["train", "cartpole", "--hidden", "16,x"], "--hidden must be positive sizes"),
      (["train", "cartpole", "--hidden", "100000,100000"], "--hidden sizes can be at most 4096 units per layer, got 100000"),
      (["train", "cartpole", "--episodes-per-member", "0"], "--episodes-per-member must be positive"),
      (["train", "cartpole", "--algo", "sgd"], "The value 'sgd' is invalid for '--algo <algo>'. Please provide one of the following: openai-es, ns-es"),
      (["train", "cartpole", "--threads", "0"], "--threads must be between 1 and 1024, got 0"),
      (["train", "cartpole", "--threads", "-2"], "--threads must be between 1 and 1024, got -2"),
      (["train", "cartpole", "--population", "-3"], "--population must be positive, got -3"),
      (["train", "cartpole", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
      (["train", "cartpole", "--target", "--quiet"], "The value '--quiet' is invalid for '--target <target>'"),
      (["train", "cartpole", "--generations", "0"], "--generations must be positive"),
      (["train", "cartpole", "--max-steps", "-5"], "--max-steps must be positive, got -5"),
      (["train", "cartpole", "--population", "7"], "invalid openai-es settings: population_size must be even"),
      (["train", "cartpole", "--algo", "ga", "--l2", "0.1"], "--l2 does not apply to ga"),
      (["train", "cartpole", "--algo", "ppo", "--sigma", "0.1"], "--sigma does not apply to ppo"),
      (["train", "cartpole", "--algo", "a2c", "--hidden", "8", "--max-steps", "0"], "--max-steps must be positive"),
      (["train", "cartpole", "--algo", "simulated-annealing"], "'simulated-annealing' is invalid for '--algo <algo>'. Please provide one of the following: openai-es, ns-es, nsr-es, nsra-es, ga, cma-es, sep-cma-es, ars, ppo, ppo-rnd, ppo-novelty, a2c, reinforce"),
      (["train", "cartpole", "--sigma", "0"], "--sigma must be a positive number"),
      (["train", "cartpole", "--seed", "abc"], "abc"),
      (["eval", "random"], "needs --env"),
      (["eval", "random", "--env", "pong"], "unknown environment 'pong'"),
      (["eval", "random", "--env", "cartpole", "--episodes", "0"], "--episodes must be positive"),
      (["eval", "random", "--env", "cartpole", "--episodes", "-5"], "--episodes must be positive, got -5"),
      (["eval", "random", "--env", "cartpole", "--per-episode"], "--per-episode needs --json"),
      (["eval", "/nonexistent/p.policy"], "cannot read policy file /nonexistent/p.policy: no such file"),
      (["bench", "quantum"], "quantum"),
      (["frobnicate"], "frobnicate"),
    ])
  func badArguments(arguments: [String], fragment: String) throws {
    expectOneLineError(try Rollout.run(arguments), containing: fragment)
  }

  @Test("--list-presets says what CMA-ES's population_size 0 means, since --population 0 is refused")
  func presetListingExplainsZero() throws {
    // Acrobot's CMA presets take Hansen's λ (CartPole's set 20).
    let result = try Rollout.run(["train", "acrobot", "--list-presets"])
    #expect(result.status == 0, "\(result.stderr)")
    let cma = result.stdout.split(separator: "\n").filter { $0.contains("cma-es ") }
    #expect(cma.count == 2, "\(result.stdout)")
    for line in cma { #expect(line.contains("(population_size 0: Hansen's λ = 4 + ⌊3 ln n⌋ for n parameters)"), "\(line)") }
    expectOneLineError(try Rollout.run(["train", "cartpole", "--algo", "cma-es", "--population", "0"]), containing: "--population")
  }

  @Test("full CMA-ES on a network over 1,000 parameters is refused before anything is written, and its preset says so")
  func cmaSizeLimit() throws {
    let out = work.appendingPathComponent("cma-breakout")
    let result = try Rollout.run(["train", "breakout", "--algo", "cma-es", "--out", out.path])
    expectOneLineError(result, containing: "takes at most 1000 parameters (this network has 132566); use sep-cma-es")
    #expect(!FileManager.default.fileExists(atPath: out.path), "nothing written")
    expectOneLineError(
      try Rollout.run(["train", "cartpole", "--algo", "cma-es", "--hidden", "64,16"]), containing: "this network has 1394")
    let listing = try Rollout.run(["train", "seaquest", "--list-presets"]).stdout.split(separator: "\n")
    #expect(listing.contains { $0.contains(" cma-es ") && $0.contains("not runnable: cma-es keeps a full covariance") })
    // The MinAtar presets name their convolutional layers; ARS stays linear.
    #expect(listing.contains { $0.hasPrefix("  * ppo         network conv(16,3x3) → dense(128), 5000000 steps") }, "\(listing)")
    #expect(listing.contains { $0.hasPrefix("    ars         hidden [], ") })
    #expect(!listing.contains { $0.hasPrefix("    sep-cma-es") && $0.contains("not runnable") })
    // Every other preset of every env runs.
    let all = try Rollout.run(["train", "--list-presets"]).stdout.split(separator: "\n").filter { $0.contains("not runnable") }
    #expect(all.count == 5 && all.allSatisfy { $0.hasPrefix("    cma-es") }, "only the MinAtar games' full CMA-ES: \(all)")
  }

  @Test("--list-presets marks the presets the 20-seed sweep found unreliable, with their measured rate")
  func presetListingMarksUnreliable() throws {
    let result = try Rollout.run(["train", "mountaincar", "--list-presets"])
    let lines = result.stdout.split(separator: "\n")
    let cma = try #require(lines.first { $0.contains(" cma-es ") })
    #expect(cma.hasSuffix("does not reliably solve: 14/20 seeds passed `rollout eval` on seeds 0–3 (Benchmarks/results/preset-sweep.md)"))
    let openAIES = try #require(lines.first { $0.contains(" openai-es ") })
    #expect(!openAIES.contains("reliably"))
    let hard = try Rollout.run(["train", "hard-maze", "--list-presets"]).stdout.split(separator: "\n")
    #expect(try #require(hard.first { $0.hasPrefix("    ppo") }).hasSuffix(
      "; does not reliably solve: 0/1 seeds passed `rollout eval` on seeds 0–3 (Benchmarks/results/preset-sweep.md, stopped at the first unsolved seed)"))
    #expect(try #require(hard.first { $0.hasPrefix("    nsra-es") }).contains("does not reliably solve: 2/3 seeds"))
    // Every preset of an env with a threshold has been measured, but for PPO's exploration
    // variants on classic control, which say so.
    let unmeasured = try Rollout.run(["train", "--list-presets"]).stdout.split(separator: "\n").filter { $0.contains("not measured") }
    #expect(unmeasured.count == 10 && unmeasured.allSatisfy { $0.hasPrefix("    ppo-rnd ") || $0.hasPrefix("    ppo-novelty ") }, "\(unmeasured)")
    #expect(try #require(hard.first { $0.hasPrefix("    ppo-rnd") }).contains("does not reliably solve: 0/10 seeds"))
    #expect(try #require(hard.first { $0.hasPrefix("    ns-es") || $0.hasPrefix("  * ns-es") })
      .contains("does not reliably solve: 4/10 seeds passed `rollout eval` on seeds 0–3 (rollout compare hard-maze, reports/hard-maze)"))
  }

  @Test("the README's env table gives the time limits and thresholds `rollout envs` prints")
  func readmeEnvTable() throws {
    let result = try Rollout.run(["envs"])
    #expect(result.status == 0, "\(result.stderr)")
    var printed: [String: (limit: String, threshold: String)] = [:]
    // The table runs up to the first empty line; one-line summaries follow it.
    for line in result.stdout.components(separatedBy: "\n\n")[0].split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      guard fields.count >= 6, fields[0] != "*" else { continue }
      printed[fields[0]] = (fields[fields.count - 2], fields[fields.count - 1])
    }
    #expect(printed["pendulum"]?.threshold == "-200.0*", "Pendulum shows rollout's bar, marked")
    #expect(result.stdout.contains("* rollout's bar"))
    let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    /// The first number of a README cell ("10,000 (safety)" → 10000, "−200 (…)" → -200), or nil for "—".
    func number(_ cell: Substring) -> Double? {
      let token = cell.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
      return Double(token.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: ",", with: ""))
    }
    var checked = 0
    for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
      let cells = line.split(separator: "|", omittingEmptySubsequences: false)
      let quoted = cells.count > 1 ? cells[1].split(separator: "`", omittingEmptySubsequences: false) : []
      guard cells.count == 8, quoted.count > 1, let row = printed[String(quoted[1])]
      else { continue }
      let name = quoted[1]
      #expect(number(cells[5]) == Double(row.limit), "\(name): README time limit \(cells[5]) vs \(row.limit)")
      #expect(
        number(cells[6]) == Double(row.threshold.replacingOccurrences(of: "*", with: "")),
        "\(name): README threshold \(cells[6]) vs \(row.threshold)")
      checked += 1
    }
    #expect(checked == printed.count, "every env has a README row")
  }

  @Test("every option's help says its default at most once", arguments: ["train", "eval", "replay", "compare", "bench", "plot", "envs", "completion", "export"])
  func helpDefaultsOnce(command: String) throws {
    let result = try Rollout.run([command, "--help"])
    #expect(result.status == 0, "\(result.stderr)")
    // An option's entry starts with "  -" and runs on over the more indented lines after it.
    var entries: [String] = []
    for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("  -") {
        entries.append(String(line))
      } else if line.hasPrefix("      "), !entries.isEmpty {
        entries[entries.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
      }
    }
    #expect(!entries.isEmpty)
    for entry in entries {
      #expect(entry.components(separatedBy: "(default").count <= 2, "\(command): \(entry)")
    }
  }

  @Test("eval --json writes a MinAtar env id as it is spelled, without an escaped slash, and a null threshold")
  func jsonEnvironmentId() throws {
    let result = try Rollout.run(["eval", "random", "--env", "freeway", "--episodes", "1", "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("\"env\":\"MinAtar/Freeway-v0\""), "\(result.stdout)")
    // The same keys as an env with a threshold, null where there is none.
    #expect(result.stdout.contains("\"solved\":null") && result.stdout.contains("\"threshold\":null"), "\(result.stdout)")
  }

  @Test("a number option takes a negative value as a separate argument: --target -105, --l2 -0")
  func negativeValues() throws {
    let out = work.appendingPathComponent("negative")
    let result = try Rollout.run([
      "train", "cartpole", "--target", "-105", "--l2", "-0", "--generations", "2", "--no-early-stop", "--quiet",
      "--out", out.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let config = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
    #expect(config.contains("\"target_return\" : -105"), "\(config)")
    #expect(config.contains("\"l2_coefficient\" : -0"), "\(config)")
  }

  @Test("broken policy files are rejected with one line naming the file and the problem")
  func brokenPolicies() throws {
    let out = work.appendingPathComponent("good")
    #expect(try Rollout.run(["train", "cartpole", "--generations", "2", "--no-early-stop", "--out", out.path, "--quiet"]).status == 0)
    let good = try Data(contentsOf: out.appendingPathComponent("cartpole-openai-es.policy"))

    func check(_ name: String, _ data: Data, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
      let url = work.appendingPathComponent(name)
      try data.write(to: url)
      let result = try Rollout.run(["eval", url.path, "--episodes", "2"])
      expectOneLineError(result, containing: url.path, sourceLocation: sourceLocation)
      expectOneLineError(result, containing: fragment, sourceLocation: sourceLocation)
    }
    try check("empty.policy", Data(), "empty file")
    try check("truncated.policy", good.prefix(good.count - 40), "not a rollout policy file")
    try check("text.policy", Data("not json at all\n".utf8), "not a rollout policy file")
    var flipped = good
    // Change one digit of one weight: still valid JSON, but not what was written.
    var index = flipped.firstRange(of: Data("\"parameters\"".utf8))!.upperBound + 20
    while !(UInt8(ascii: "3")...UInt8(ascii: "8")).contains(flipped[index]) { index += 1 }
    flipped[index] += 1
    try check("flipped.policy", flipped, "checksum mismatch")

    // A policy for another observation size, correctly signed.
    let text = String(decoding: good, as: UTF8.self)
      .replacingOccurrences(of: "\"observation_size\" : 4", with: "\"observation_size\" : 6")
    try check("other.policy", resign(text), "observation size 6")

    let wrongEnv = String(decoding: good, as: UTF8.self)
      .replacingOccurrences(of: "\"name\" : \"cartpole\"", with: "\"name\" : \"pong\"")
    try check("unknown-env.policy", resign(wrongEnv), "unknown environment 'pong'")

    let otherEnv = String(decoding: good, as: UTF8.self)
      .replacingOccurrences(of: "\"name\" : \"cartpole\"", with: "\"name\" : \"acrobot\"")
    try check("other-env.policy", resign(otherEnv), "policy expects 4 observations and Discrete(2) actions, but Acrobot-v1 has 6 and Discrete(3)")
  }

  @Test(
    "the documented Python reader (standard library only) accepts a policy and rejects a corrupt one",
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
      || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3")))
  func pythonReader() throws {
    let out = work.appendingPathComponent("py")
    #expect(try Rollout.run(["train", "cartpole", "--generations", "2", "--no-early-stop", "--out", out.path, "--quiet"]).status == 0)
    let policy = out.appendingPathComponent("cartpole-openai-es.policy")
    let script = TestPaths.packageRoot.appendingPathComponent("docs/read_policy.py").path
    func python(_ arguments: [String]) throws -> (Int32, String) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3", script] + arguments
      let pipe = Pipe()
      process.standardOutput = pipe
      process.standardError = pipe
      try process.run()
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
    let (status, text) = try python([policy.path, "--obs", "0.01", "0.02", "-0.03", "0.04"])
    #expect(status == 0, "\(text)")
    #expect(text.contains("CartPole-v1: [4, 16, 2] tanh network, 114 weights, openai-es seed 0, 2 iterations"))
    #expect(text.contains("action: 0") || text.contains("action: 1"))

    var corrupt = try Data(contentsOf: policy)
    let at = corrupt.firstRange(of: Data("\"seed\" : 0".utf8))!.upperBound - 1
    corrupt[at] = UInt8(ascii: "9")
    let bad = work.appendingPathComponent("py-corrupt.policy")
    try corrupt.write(to: bad)
    let (badStatus, badText) = try python([bad.path])
    #expect(badStatus != 0)
    #expect(badText.contains("checksum mismatch"))

    // A packed policy (65,536 weights or more) reads too, and the reader takes rollout's action.
    let big = work.appendingPathComponent("py-packed")
    #expect(try Rollout.run(["train", "cartpole", "--hidden", "256,256", "--generations", "1", "--no-early-stop", "--out", big.path, "--quiet"]).status == 0)
    let (packedStatus, packedText) = try python([big.appendingPathComponent("cartpole-openai-es.policy").path, "--obs", "0.01", "0.02", "-0.03", "0.04"])
    #expect(packedStatus == 0, "\(packedText)")
    #expect(packedText.contains("[4, 256, 256, 2] tanh network, 67586 weights"), "\(packedText)")
    // A convolutional policy: the reader takes rollout's action on every recorded step.
    let conv = work.appendingPathComponent("py-conv")
    #expect(try Rollout.run([
      "train", "breakout", "--algo", "openai-es", "--network", "conv(4,3x3,stride=2,padding=same) conv(3,2x2) dense(8)",
      "--population", "4", "--generations", "1", "--no-early-stop", "--out", conv.path, "--quiet",
    ]).status == 0)
    let convPolicy = conv.appendingPathComponent("breakout-openai-es.policy").path
    let steps = work.appendingPathComponent("py-conv-steps.jsonl").path
    #expect(try Rollout.run(["eval", convPolicy, "--episodes", "2", "--record", steps]).status == 0)
    let compare = """
      import json, sys
      sys.path.insert(0, sys.argv[1])
      from read_policy import load_policy, greedy_action
      policy = load_policy(sys.argv[2])
      steps = [json.loads(line) for line in open(sys.argv[3])]
      print(len(steps), sum(greedy_action(policy, s["observation"]) != s["action"] for s in steps), policy["network"]["kind"])
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", compare, TestPaths.packageRoot.appendingPathComponent("docs").path, convPolicy, steps]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let compared = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let fields = compared.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
    #expect(fields.count == 3 && (Int(fields[0]) ?? 0) > 10 && fields[1] == "0" && fields[2] == "convolutional", "\(compared)")
    // Every shipped policy runs in the reader (its network on an observation of zeros).
    for name in try FileManager.default.contentsOfDirectory(atPath: TestPaths.packageRoot.appendingPathComponent("policies").path)
    where name.hasSuffix(".policy") {
      let url = TestPaths.packageRoot.appendingPathComponent("policies/\(name)")
      let zeros = [String](repeating: "0", count: try PolicyFile.read(from: url).env.observationSize)
      let (shippedStatus, shippedText) = try python([url.path, "--obs"] + zeros)
      #expect(shippedStatus == 0 && shippedText.contains("action: "), "\(name): \(shippedText)")
    }
  }

  @Test("no heap allocation per env step (every env) or per policy forward, under a counting malloc")
  func noAllocations() throws {
    let compiler = ["/usr/bin/cc", "/usr/bin/clang", "/usr/bin/gcc"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    try #require(compiler != nil, "a C compiler is needed to build Benchmarks/malloc_counter.c")
    let library = work.appendingPathComponent("libmalloc_counter.so")
    let build = Process()
    build.executableURL = URL(fileURLWithPath: compiler!)
    build.arguments = [
      "-O2", "-shared", "-fPIC",
      TestPaths.packageRoot.appendingPathComponent("Benchmarks/malloc_counter.c").path,
      "-o", library.path, "-ldl",
    ]
    try build.run()
    build.waitUntilExit()
    try #require(build.terminationStatus == 0)
    let result = try Rollout.run(["bench", "allocations"], environment: ["LD_PRELOAD": library.path])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 14, "\(result.stdout)")  // twelve envs, an MLP's and a convolutional policy's forward
    #expect(lines.allSatisfy { $0.contains(": 0.0 heap allocations per") }, "\(result.stdout)")
    // Without the counter the command says how to get it.
    expectOneLineError(try Rollout.run(["bench", "allocations"]), containing: "Benchmarks/run.sh allocations")
  }

  @Test("bench learner times PPO's gradient step on 1 and 2 threads, reports both rates and names the kernel path")
  func benchLearner() throws {
    let result = try Rollout.run(["bench", "learner", "--seconds", "0.05", "--repeats", "1", "--threads", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(line.hasPrefix("learner, 256-row minibatch"), "\(line)")
    let rates = line.components(separatedBy: " minibatches/s")[0].split(separator: " ").last.flatMap { Double($0) }
    #expect((rates ?? 0) > 0, "\(line)")
    #expect(line.contains("2 threads") && line.contains("GMAC/s") && line.contains("speed-up"), "\(line)")
    #expect(line.hasSuffix("; kernels: \(Kernels.name)"), "the path in use: \(line)")
    let forced = try Rollout.run(
      ["bench", "policy", "--seconds", "0.05", "--repeats", "1"], environment: [Kernels.variable: "scalar"])
    #expect(forced.stdout.hasSuffix("; kernels: \(KernelPath.scalar.description)\n"), "\(forced.stdout)")
  }

  @Test("an unwritable output directory is reported, and nothing is left half-written")
  func unwritableOutput() throws {
    let file = work.appendingPathComponent("plain-file")
    try Data("x".utf8).write(to: file)
    expectOneLineError(
      try Rollout.run(["train", "cartpole", "--out", file.path, "--quiet"]), containing: "is not a directory")
  }

  @Test("training without --out makes a fresh run directory under runs/")
  func defaultRunDirectory() throws {
    let dir = work.appendingPathComponent("cwd")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for _ in 0..<2 {
      #expect(try Rollout.run(["train", "cartpole", "--generations", "1", "--no-early-stop", "--quiet"], in: dir).status == 0)
    }
    let runs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("runs").path)
    #expect(runs.count == 2, "\(runs)")
    #expect(runs.allSatisfy { $0.hasPrefix("cartpole-openai-es-0-") })
  }
}

/// Rewrites a policy file's checksum after an edit.
func resign(_ text: String) -> Data {
  var edited = text
  let pattern = #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#
  let match = edited.firstMatch(of: pattern)!
  edited.replaceSubrange(match.1.startIndex..<match.1.endIndex, with: "00000000")
  let sum = String(format: "%08x", crc32(Array(edited.utf8)))
  let again = edited.firstMatch(of: pattern)!
  edited.replaceSubrange(again.1.startIndex..<again.1.endIndex, with: sum)
  return Data(edited.utf8)
}

/// CRC-32 as zlib computes it (an independent copy, so the test does not trust the code it checks).
func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

/// The progress output: an updating status line on a terminal, plain lines in a pipe.
@Suite("Progress line")
struct ProgressLineTests {
  let work = TestPaths.temporaryDirectory("rollout-progress")

  @Test("under a pseudo-terminal the status line updates in place with percent done and ETA")
  func terminal() throws {
    let out = work.appendingPathComponent("tty")
    let command = ([Rollout.binary.path, "train", "cartpole", "--algo", "ppo", "--seed", "2", "--max-steps", "40000",
      "--no-early-stop", "--threads", "1", "--out", out.path]).map { "'\($0)'" }.joined(separator: " ")
    // script(1) runs the command with a pseudo-terminal as its stdout (-e: its exit status).
    let result = try Rollout.runProgram(
      URL(fileURLWithPath: "/usr/bin/script"), ["-qfec", "stty cols 100; \(command)", "/dev/null"])
    #expect(result.status == 0, "\(result.stdout)")
    let updates = result.stdout.components(separatedBy: "\r\u{1B}[K").dropFirst()
    #expect(updates.count >= 100, "one update per PPO update (157 of 256 steps)")
    let percents = updates.compactMap { Int($0.prefix(4).trimmingCharacters(in: .whitespaces).dropLast()) }
    #expect(percents.count == updates.count, "every update starts with the share done: \(updates.prefix(2))")
    #expect(percents == percents.sorted() && percents.first! < 5 && percents.last! == 100, "\(percents)")
    let etas = Set(updates.compactMap { $0.firstMatch(of: /ETA (\S+)/).map { String($0.1) } })
    #expect(etas.count >= 2 || etas.count == 1 && etas.first == "0s", "the ETA changes: \(etas)")
    #expect(updates.allSatisfy { $0.contains(" best ") && $0.contains("steps/s") })
    for update in updates {
      let line = update.split(separator: "\r\n").first ?? ""
      #expect(line.count < 100, "fits the terminal's 100 columns: \(line)")
    }
    #expect(!result.stdout.contains("upd    1  mean"), "no plain lines on a terminal")
  }

  @Test("in a pipe every update is a plain line in the log format")
  func pipe() throws {
    let out = work.appendingPathComponent("pipe")
    let result = try Rollout.run([
      "train", "cartpole", "--algo", "ppo", "--seed", "2", "--max-steps", "2048", "--no-early-stop", "--out", out.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stdout.contains("\r") && !result.stdout.contains("ETA"))
    let updates = result.stdout.split(separator: "\n").filter { $0.hasPrefix("upd ") }
    #expect(updates.count == 8)
    let format = /upd +\d+  mean +-?[\d.]+  max +-?[\d.]+  eval +-?[\d.]+  steps +\d+ +[\d.]+M steps\/s +[\d.]+s  pg .*  vf .*  ent .*  kl .*  clip .*/
    #expect(updates.allSatisfy { (try? format.wholeMatch(in: String($0))) != nil }, "\(updates.first ?? "")")
  }
}

@Suite("Shell completion")
struct CompletionTests {
  let work = TestPaths.temporaryDirectory("rollout-completion")

  /// What bash offers after `words` (the last one being completed), with rollout's script sourced
  /// and `rollout` on PATH, run in `work`.
  func complete(_ words: [String]) throws -> [String] {
    let script = work.appendingPathComponent("rollout.bash")
    let generated = try Rollout.run(["completion", "bash"])
    #expect(generated.status == 0, "\(generated.stderr)")
    try Data(generated.stdout.utf8).write(to: script)
    let quoted = words.map { "'\($0)'" }.joined(separator: " ")
    let driver = """
      source '\(script.path)'
      COMP_WORDS=(\(quoted)); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
      COMPREPLY=(); _rollout rollout "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"; printf '%s\\n' "${COMPREPLY[@]}"
      """
    let result = try Rollout.runProgram(
      URL(fileURLWithPath: "/bin/bash"), ["-c", driver], in: work,
      environment: ["PATH": Rollout.binary.deletingLastPathComponent().path + ":/usr/bin:/bin"])
    #expect(result.status == 0, "\(result.stderr)")
    return result.stdout.split(separator: "\n").map(String.init)
  }

  @Test("bash completes commands, env and algorithm names, experiments and policy files")
  func bash() throws {
    try FileManager.default.createDirectory(at: work.appendingPathComponent("policies"), withIntermediateDirectories: true)
    for file in ["a.policy", "exp.json", "notes.txt"] {
      try Data().write(to: work.appendingPathComponent(file))
    }
    #expect(try complete(["rollout", ""]).contains("completion"))
    #expect(try complete(["rollout", "train", ""]) == EnvironmentNames.all)
    #expect(try complete(["rollout", "train", "moun"]) == ["mountaincar", "mountaincar-continuous"])
    #expect(try complete(["rollout", "train", "cartpole", "--algo", ""]).contains("nsra-es"))
    #expect(try complete(["rollout", "train", "cartpole", "--algo", "cma"]) == ["cma-es"])
    #expect(try complete(["rollout", "compare", ""]) == ["asterix", "breakout", "cartpole", "freeway", "hard-maze", "medium-maze", "seaquest", "space-invaders", "exp.json", "policies/"])
    let policies = try complete(["rollout", "eval", ""])
    #expect(policies.contains("a.policy") && !policies.contains("notes.txt") && !policies.contains("exp.json"), "\(policies)")
    #expect(try complete(["rollout", "replay", "x", "--env", "sea"]) == ["seaquest"])
  }

  @Test("an unknown shell is one line naming the choices")
  func unknownShell() throws {
    let result = try Rollout.run(["completion", "tcsh"])
    #expect(result.status != 0 && result.stderr.split(separator: "\n").count == 1)
    #expect(result.stderr.contains("choose bash, zsh or fish"), "\(result.stderr)")
    for shell in ["zsh", "fish"] {
      let script = try Rollout.run(["completion", shell])
      #expect(script.status == 0 && script.stdout.contains("seaquest") && script.stdout.contains("nsra-es"))
    }
  }
}

enum EnvironmentNames {
  static let all = [
    "cartpole", "acrobot", "mountaincar", "mountaincar-continuous", "pendulum", "medium-maze", "hard-maze", "breakout",
    "freeway", "asterix", "space-invaders", "seaquest",
  ]
}

@Suite("Export and recording")
struct ExportTests {
  let work = TestPaths.temporaryDirectory("rollout-export")

  typealias Fields = [(number: Int, value: EventFileReader.Value)]

  func strings(_ fields: Fields, _ number: Int) -> [String] { fields.filter { $0.number == number }.compactMap(\.value.string) }
  func messages(_ fields: Fields, _ number: Int) throws -> [Fields] {
    try fields.filter { $0.number == number }.compactMap(\.value.bytes).map(EventFileReader.fields)
  }

  @Test("export --onnx writes an opset-13 model: normaliser, dense layers, the action head, the policy's weights")
  func onnxModel() throws {
    // CartPole's PPO policy has no normaliser (no Sub/Div/Clip); Pendulum's has one.
    for (name, head) in [("cartpole-ppo", "ArgMax"), ("pendulum-ppo", "Add")] {
      let policy = TestPaths.packageRoot.appendingPathComponent("policies/\(name).policy")
      let model = work.appendingPathComponent("\(name).onnx")
      try? FileManager.default.removeItem(at: model)
      let result = try Rollout.run(["export", policy.path, "--onnx", model.path])
      #expect(result.status == 0, "\(result.stderr)")
      let top = try EventFileReader.fields([UInt8](Data(contentsOf: model)))
      #expect(top.first { $0.number == 1 }?.value.integer == 7, "IR version 7")
      let opset = try messages(top, 8)
      #expect(opset.count == 1 && opset[0].first { $0.number == 2 }?.value.integer == 13)
      let graph = try #require(try messages(top, 7).first)
      let ops = try messages(graph, 1).map { strings($0, 4).first ?? "" }
      #expect(ops.prefix(3) == (head == "ArgMax" ? ["MatMul", "Add", "Tanh"] : ["Sub", "Div", "Clip"]), "\(ops)")
      #expect(ops.filter { $0 == "MatMul" }.count == 3 && ops.filter { $0 == "Tanh" }.count == (head == "ArgMax" ? 2 : 3))
      #expect(ops.last == head, "\(ops)")
      #expect(try messages(graph, 11).map { strings($0, 1) } == [["observation"]])
      #expect(try messages(graph, 12).map { strings($0, 1) } == [["outputs"], ["action"]])
      // The first layer's weights are the policy file's first parameters, as float32 raw data.
      let file = try JSONSerialization.jsonObject(with: Data(contentsOf: policy)) as! [String: Any]
      let parameters = (file["parameters"] as! [Double]).map(Float.init)
      let sizes = (file["network"] as! [String: Any])["layer_sizes"] as! [Int]
      let weight = try #require(try messages(graph, 5).first { strings($0, 8) == ["layer0_weight"] })
      let raw = try #require(weight.first { $0.number == 9 }?.value.bytes)
      let floats = stride(from: 0, to: raw.count, by: 4).map {
        Float(bitPattern: UInt32(raw[$0]) | UInt32(raw[$0 + 1]) << 8 | UInt32(raw[$0 + 2]) << 16 | UInt32(raw[$0 + 3]) << 24)
      }
      #expect(floats == Array(parameters.prefix(sizes[0] * sizes[1])))
    }
  }

  @Test("export refuses to replace a file without --force, and names a broken policy in one line")
  func exportRefusals() throws {
    let policy = TestPaths.packageRoot.appendingPathComponent("policies/cartpole-openai-es.policy").path
    let existing = work.appendingPathComponent("mine.onnx")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    try Data("keep me".utf8).write(to: existing)
    let refused = try Rollout.run(["export", policy, "--onnx", existing.path])
    #expect(refused.status == 1 && refused.stderr == "rollout: error: \(existing.path) exists; add --force to replace it\n")
    #expect(try String(contentsOf: existing, encoding: .utf8) == "keep me")
    #expect(try Rollout.run(["export", policy, "--onnx", existing.path, "--force"]).status == 0)
    #expect(try Data(contentsOf: existing).count > 1000)
    let broken = try Rollout.run(["export", existing.path, "--onnx", work.appendingPathComponent("x.onnx").path])
    #expect(broken.status == 1 && broken.stderr.split(separator: "\n").count == 1 && broken.stderr.contains("not a rollout policy"))
  }

  @Test("eval --record writes the evaluated episodes' observations and actions, up to --record-steps")
  func record() throws {
    let policy = TestPaths.packageRoot.appendingPathComponent("policies/mountaincar-openai-es.policy").path
    let file = work.appendingPathComponent("steps.jsonl")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let result = try Rollout.run(["eval", policy, "--episodes", "4", "--seed", "3", "--json", "--per-episode", "--record", file.path])
    #expect(result.status == 0, "\(result.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let lengths = summary["episode_lengths"] as! [Int]
    let steps = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    #expect(steps.count == lengths.reduce(0, +))
    #expect((0..<4).map { e in steps.filter { $0["episode"] as! Int == e }.count } == lengths, "the same episodes as the evaluation")
    #expect(steps.allSatisfy { ($0["observation"] as! [Double]).count == 2 && [0, 1, 2].contains($0["action"] as! Int) })
    let limited = try Rollout.run(["eval", policy, "--episodes", "4", "--record", file.path, "--record-steps", "7"])
    #expect(limited.status == 0)
    #expect(try String(contentsOf: file, encoding: .utf8).split(separator: "\n").count == 7)
    for (arguments, message) in [
      (["eval", policy, "--record-steps", "7"], "--record-steps needs --record FILE"),
      (["eval", "random", "--env", "cartpole", "--record", file.path], "--record needs a policy file"),
      (["eval", policy, "--record", file.path, "--record-steps", "0"], "--record-steps must be positive"),
    ] {
      let bad = try Rollout.run(arguments)
      #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains(message), "\(bad.stderr)")
    }
  }
}

@Suite("Side-by-side replay")
struct SideBySideReplayTests {
  let work = TestPaths.temporaryDirectory("rollout-side-by-side")
  func shipped(_ name: String) -> String { TestPaths.packageRoot.appendingPathComponent("policies/\(name).policy").path }

  @Test("two policies play in two labelled tiles that both change; the GIF holds both")
  func tiles() throws {
    let frames = work.appendingPathComponent("frames")
    let result = try Rollout.run([
      "replay", shipped("cartpole-ppo"), shipped("cartpole-openai-es"), "--png", frames.path, "--max-steps", "40",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let files = try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted()
    #expect(files.count == 41)
    let first = try DecodedPNG(contentsOf: frames.appendingPathComponent(files[0]))
    let last = try DecodedPNG(contentsOf: frames.appendingPathComponent(files[40]))
    #expect(first.width == 2 * 600 + 8 && first.height == 400, "two 600 × 400 tiles, 8 pixels apart")
    for (k, x) in [0, 608].enumerated() {
      #expect(first.crop(x: x, y: 0, width: 600, height: 400) != last.crop(x: x, y: 0, width: 600, height: 400), "tile \(k) changes")
      // Each tile's label carries the player's colour in a bar along its top.
      let bar = first.crop(x: x, y: 0, width: 600, height: 4)
      let colour: [UInt8] = k == 0 ? [0, 114, 178] : [213, 94, 0]
      #expect(Array(bar.prefix(3)) == colour && Array(bar.suffix(3)) == colour)
    }
    let gif = work.appendingPathComponent("both.gif")
    #expect(try Rollout.run(["replay", shipped("cartpole-ppo"), shipped("cartpole-openai-es"), "--gif", gif.path, "--max-steps", "5"]).status == 0)
    let bytes = [UInt8](try Data(contentsOf: gif))
    #expect(Int(bytes[6]) | Int(bytes[7]) << 8 == 1208 && Int(bytes[8]) | Int(bytes[9]) << 8 == 400, "the GIF is both tiles wide")
  }

  @Test("--overlay draws both hard-maze policies' trails on one maze picture, each in its colour")
  func overlay() throws {
    let picture = work.appendingPathComponent("trails.png")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let result = try Rollout.run(["replay", shipped("hard-maze-ns-es"), shipped("hard-maze-openai-es"), "--overlay", picture.path])
    #expect(result.status == 0, "\(result.stderr)")
    let png = try DecodedPNG(contentsOf: picture)
    let blue = png.count(r: 0, g: 114, b: 178), orange = png.count(r: 213, g: 94, b: 0)
    #expect(blue > 1500 && orange > 1500, "two trails: \(blue) blue and \(orange) orange pixels")
    let single = work.appendingPathComponent("one.png")
    #expect(try Rollout.run(["replay", shipped("hard-maze-ns-es"), "--overlay", single.path]).status == 0)
    #expect(try DecodedPNG(contentsOf: single).count(r: 213, g: 94, b: 0) == 0, "one policy, one colour")
  }

  @Test("policies for different envs, --overlay off a maze and too many policies are one-line errors")
  func refusals() throws {
    func expectError(_ arguments: [String], _ fragment: String) throws {
      let result = try Rollout.run(arguments)
      #expect(result.status != 0 && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
      #expect(result.stderr.contains(fragment), "\(result.stderr)")
    }
    try expectError(["replay", shipped("cartpole-ppo"), shipped("acrobot-openai-es"), "--gif", "/tmp/x.gif"], "must share one env")
    try expectError(["replay", shipped("hard-maze-ns-es"), shipped("medium-maze-ns-es"), "--gif", "/tmp/x.gif"], "must share one env")
    try expectError(["replay", shipped("cartpole-ppo"), "--overlay", "/tmp/x.png"], "is not one")
    try expectError(["replay"] + Array(repeating: shipped("cartpole-ppo"), count: 9), "at most 8 policies")
  }
}
