import Foundation
import Testing
import TestSupport
import Training

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Training runs that are killed, interrupted, configured from files or diverge.
@Suite("Surviving runs", .serialized)
struct RunSurvivalTests {
  let work = TestPaths.temporaryDirectory("rollout-survive")

  /// The policy's weights as bit patterns (plain or packed files alike).
  func weights(_ policy: URL) throws -> [UInt32] {
    try PolicyFile.read(from: policy).parameters.map(\.bitPattern)
  }


  // A fixed 10 generations (~2 s in a debug build): long enough to be killed mid-run.
  let trainArguments = [
    "train", "cartpole", "--seed", "4", "--threads", "2", "--checkpoint-every", "1", "--quiet", "--generations", "10",
    "--no-early-stop",
  ]

  /// A run killed (SIGKILL) twice at random moments and resumed each time, then let finish, for
  /// each of `runs` runs: every one ends with the weights of the run that was never stopped, no
  /// temporary file, and metrics numbered 1, 2, 3… without repeats.
  func killTwiceAndResume(_ name: String, _ arguments: [String], policy: String, runs: Int, latest: Double) throws {
    let reference = work.appendingPathComponent("\(name)-reference")
    let started = Date()
    let full = try Rollout.run(arguments + ["--out", reference.path])
    #expect(full.status == 0, "\(full.stderr)")
    // Kills spread over most of a run however slow this machine is today.
    let latest = max(latest, 0.7 * Date().timeIntervalSince(started))
    let expected = try weights(reference.appendingPathComponent(policy))
    var rng = UInt64(12345)
    var resumedRuns = 0
    for run in 0..<runs {
      let dir = work.appendingPathComponent("\(name)-killed-\(run)")
      var next = arguments + ["--out", dir.path]
      for _ in 0..<2 {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        let delay = 0.15 + Double(rng >> 40) / Double(1 << 24) * latest
        let process = try Rollout.start(next)
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpoint.json").path) {
          next = ["train", "--resume", dir.path, "--quiet"]
        } else {
          // Killed before the first checkpoint: start again from nothing.
          try? FileManager.default.removeItem(at: dir)
        }
      }
      let finished = try Rollout.run(next)
      #expect(finished.status == 0, "\(finished.stderr)")
      if next.contains("--resume") { resumedRuns += 1 }
      #expect(try weights(dir.appendingPathComponent(policy)) == expected, "\(name) run \(run)")
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
      #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
      let lines = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        .split(separator: "\n")
      let generations = try lines.map {
        (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["generation"] as! Int
      }
      #expect(generations == Array(1...generations.count))
      // The TensorBoard event file was rewritten on each resume: one event per metrics line.
      let steps = try lines.map {
        (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["env_steps"] as! Int
      }
      let eventFiles = EventFileReader.files(in: dir)
      #expect(eventFiles.count == 1)
      #expect(try EventFileReader.read(eventFiles[0]).dropFirst().map(\.step) == steps, "\(name) run \(run)")
    }
    #expect(resumedRuns >= runs / 2, "most runs should have been resumed from a checkpoint")
  }

  @Test("OpenAI-ES: SIGKILL at random moments (10 runs, checkpoint writes included), then resume: identical weights")
  func killAndResume() throws {
    try killTwiceAndResume("es", trainArguments, policy: "cartpole-openai-es.policy", runs: 10, latest: 1.2)
  }

  // 30,000 steps (~1 s in a debug build), a checkpoint every 5 updates: every env is caught
  // mid-episode, its action stream and the optimiser's moments mid-run.
  @Test("PPO and A2C: SIGKILL at random moments (10 and 3 runs), then resume: identical weights")
  func killAndResumePolicyGradient() throws {
    let common = [
      "train", "cartpole", "--seed", "3", "--threads", "2", "--max-steps", "30000", "--no-early-stop",
      "--checkpoint-every", "5", "--quiet",
    ]
    try killTwiceAndResume("ppo", common + ["--algo", "ppo"], policy: "cartpole-ppo.policy", runs: 10, latest: 0.9)
    try killTwiceAndResume("a2c", common + ["--algo", "a2c"], policy: "cartpole-a2c.policy", runs: 3, latest: 0.9)
  }

  // MinAtar envs carry arrays, ramping timers and sticky actions mid-episode; 15 updates of the
  // preset's 4,096 steps with a small convolutional network, a checkpoint every 2.
  @Test("PPO on Breakout: SIGKILL at random moments (3 runs), then resume: identical weights")
  func killAndResumeBreakout() throws {
    let arguments = [
      "train", "breakout", "--algo", "ppo", "--seed", "5", "--threads", "2", "--max-steps", "61440", "--no-early-stop",
      "--checkpoint-every", "2", "--network", "conv(8,3x3,stride=2,padding=same) dense(32)", "--quiet",
    ]
    try killTwiceAndResume("breakout", arguments, policy: "breakout-ppo.policy", runs: 3, latest: 2.5)
  }

  @Test(
    "every strategy resumes from its checkpoint to the weights of an uninterrupted run",
    arguments: Algorithm.evolutionStrategies.map(\.rawValue))
  func resumeEveryStrategy(algorithm: String) throws {
    let base = [
      "train", "cartpole", "--algo", algorithm, "--seed", "2", "--threads", "2", "--no-early-stop", "--quiet",
    ]
    let reference = work.appendingPathComponent("\(algorithm)-reference")
    let full = try Rollout.run(base + ["--generations", "6", "--out", reference.path])
    #expect(full.status == 0, "\(full.stderr)")
    let split = work.appendingPathComponent("\(algorithm)-split")
    #expect(try Rollout.run(base + ["--generations", "3", "--out", split.path]).status == 0)
    let resumed = try Rollout.run(["train", "--resume", split.path, "--generations", "6", "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let policy = "cartpole-\(algorithm).policy"
    #expect(try weights(split.appendingPathComponent(policy)) == weights(reference.appendingPathComponent(policy)))
    let checkpoint = try String(contentsOf: split.appendingPathComponent("checkpoint.json"), encoding: .utf8)
    #expect(checkpoint.contains("\"algorithm\" : \"\(algorithm)\""))
  }

  @Test("a 67,586-weight network's packed policy and compressed checkpoint: resume gives the uninterrupted weights")
  func packedFiles() throws {
    let base = ["train", "cartpole", "--hidden", "256,256", "--seed", "5", "--threads", "2", "--no-early-stop", "--quiet"]
    let reference = work.appendingPathComponent("packed-reference"), split = work.appendingPathComponent("packed-split")
    #expect(try Rollout.run(base + ["--generations", "4", "--out", reference.path]).status == 0)
    #expect(try Rollout.run(base + ["--generations", "2", "--out", split.path]).status == 0)
    let checkpoint = try Data(contentsOf: split.appendingPathComponent("checkpoint.json"))
    #expect(checkpoint.prefix(8) == Data("ROLLPZ01".utf8))
    #expect(checkpoint.count < 4 * 4 * 67_586, "mean, two moments and the best policy, compressed")
    #expect(try Rollout.run(["train", "--resume", split.path, "--generations", "4", "--quiet"]).status == 0)
    let policy = "cartpole-openai-es.policy"
    let bytes = try Data(contentsOf: split.appendingPathComponent(policy))
    #expect(bytes.prefix(8) == Data("ROLLPK01".utf8) && bytes.count < 4 * 67_586 + 8192)
    #expect(try Data(contentsOf: reference.appendingPathComponent(policy)).prefix(8) == bytes.prefix(8))
    let eval = try Rollout.run(["eval", split.appendingPathComponent(policy).path, "--episodes", "5", "--json"])
    let reference5 = try Rollout.run(["eval", reference.appendingPathComponent(policy).path, "--episodes", "5", "--json"])
    #expect(eval.status == 0 && eval.stdout == reference5.stdout, "the same weights play the same episodes")
    var damaged = checkpoint
    damaged[damaged.count - 100] ^= 0x01
    try damaged.write(to: split.appendingPathComponent("checkpoint.json"))
    let refused = try Rollout.run(["train", "--resume", split.path, "--generations", "6", "--quiet"])
    #expect(refused.status == 1 && refused.stderr.contains("checksum mismatch"), "\(refused.stderr)")
  }

  /// Trains `algorithm` on the medium maze with `config` (160 k steps: 50 updates of 8 × 400, a
  /// checkpoint every 3), SIGKILLs a second run right after its first checkpoint, resumes it, and
  /// compares the weights with the uninterrupted run's. Returns the checkpoint it was killed at.
  func killAndResume(_ name: String, algorithm: String, config text: String) throws -> String {
    let config = work.appendingPathComponent("\(name).json")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: config)
    let base = [
      "train", "medium-maze", "--algo", algorithm, "--config", config.path, "--seed", "4", "--threads", "2",
      "--no-early-stop", "--quiet",
    ]
    let reference = work.appendingPathComponent("\(name)-reference"), split = work.appendingPathComponent("\(name)-split")
    #expect(try Rollout.run(base + ["--max-steps", "160000", "--out", reference.path]).status == 0)
    let process = try Rollout.start(base + ["--max-steps", "160000", "--checkpoint-every", "3", "--out", split.path])
    let checkpoint = split.appendingPathComponent("checkpoint.json")
    let started = Date()
    while !FileManager.default.fileExists(atPath: checkpoint.path) && Date().timeIntervalSince(started) < 60 { usleep(5_000) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let saved = try String(contentsOf: checkpoint, encoding: .utf8)
    let generation = try #require(saved.firstMatch(of: /"generation" : (\d+)/).map { Int($0.1)! })
    #expect(generation < 50, "stopped mid-run, at update \(generation)")
    #expect(try Rollout.run(["train", "--resume", split.path, "--quiet"]).status == 0)
    let policy = "medium-maze-\(algorithm).policy"
    #expect(try weights(split.appendingPathComponent(policy)) == weights(reference.appendingPathComponent(policy)))
    return saved
  }

  @Test("PPO with the novelty bonus resumes to the uninterrupted weights: the archive is in the checkpoint")
  func resumeWithNovelty() throws {
    let saved = try killAndResume("novelty", algorithm: "ppo", config: #"{"strategy": {"novelty_weight": 1}}"#)
    #expect(saved.contains("\"archive\""), "the archive is checkpointed")
  }

  @Test("PPO + RND resumes to the uninterrupted weights: predictor, intrinsic critic and statistics are in the checkpoint")
  func resumeWithRND() throws {
    let saved = try killAndResume(
      "rnd", algorithm: "ppo-rnd", config: #"{"strategy": {"rnd_input": "behavior", "extrinsic_coefficient": 0.01}}"#)
    #expect(saved.contains("\"rnd\"") && saved.contains("\"return_filter\""), "RND's state is checkpointed")
  }

  @Test("OpenAI-ES with a shared noise table resumes to the uninterrupted weights (the table is rebuilt, not stored)")
  func resumeWithNoiseTable() throws {
    let config = work.appendingPathComponent("table.json")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    try Data(#"{"strategy": {"noise_table_size": 100000}}"#.utf8).write(to: config)
    let base = ["train", "cartpole", "--config", config.path, "--seed", "2", "--threads", "2", "--no-early-stop", "--quiet"]
    let reference = work.appendingPathComponent("table-reference"), split = work.appendingPathComponent("table-split")
    #expect(try Rollout.run(base + ["--generations", "6", "--out", reference.path]).status == 0)
    #expect(try Rollout.run(base + ["--generations", "3", "--out", split.path]).status == 0)
    #expect(try Rollout.run(["train", "--resume", split.path, "--generations", "6", "--quiet"]).status == 0)
    let policy = "cartpole-openai-es.policy"
    #expect(try weights(split.appendingPathComponent(policy)) == weights(reference.appendingPathComponent(policy)))
    let checkpoint = try Data(contentsOf: split.appendingPathComponent("checkpoint.json"))
    #expect(checkpoint.count < 200_000, "the table's 100,000 values are not in the checkpoint")
    let small = try Rollout.run(["train", "cartpole", "--config", config.path, "--hidden", "512,256", "--out", work.appendingPathComponent("table-small").path])
    #expect(small.status == 1 && small.stderr == "rollout: error: noise_table_size 100000 is smaller than the network's 134402 parameters\n", "\(small.stderr)")
  }

  @Test("Ctrl-C: exit 130 with a checkpoint and a policy; resuming gives the uninterrupted weights")
  // (The test runner starts children with signals blocked; rollout unblocks them, as it must.)
  func interruptAndResume() throws {
    let args = [
      "train", "cartpole", "--seed", "1", "--threads", "2", "--generations", "40", "--no-early-stop",
      "--checkpoint-every", "1", "--quiet",
    ]
    let reference = work.appendingPathComponent("pendulum-reference")
    #expect(try Rollout.run(args + ["--out", reference.path]).status == 0)
    let dir = work.appendingPathComponent("pendulum-interrupted")
    let process = try Rollout.start(args + ["--out", dir.path])
    // Interrupt as soon as the run has started generating (its first checkpoint exists).
    let checkpointPath = dir.appendingPathComponent("checkpoint.json").path
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: checkpointPath) && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.01)
    }
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpoint.json").path))
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cartpole-openai-es.policy").path))
    let resumed = try Rollout.run(["train", "--resume", dir.path, "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(
      try weights(dir.appendingPathComponent("cartpole-openai-es.policy"))
        == weights(reference.appendingPathComponent("cartpole-openai-es.policy")))
  }

  @Test("SIGTERM mid-generation (population 100,000, hard maze) stops within 2 s with the last complete generation saved")
  func promptStop() throws {
    let dir = work.appendingPathComponent("prompt")
    let process = try Rollout.start([
      "train", "hard-maze", "--population", "100000", "--generations", "3", "--threads", "2", "--checkpoint-every", "1",
      "--out", dir.path, "--quiet",
    ])
    // NS-ES's first generation evaluates its meta-population only; the second evaluates 100,000
    // members (~9 s in a release build), and the signal comes a second into it.
    let checkpoint = dir.appendingPathComponent("checkpoint.json")
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.01)
    }
    Thread.sleep(forTimeInterval: 1)
    kill(process.processIdentifier, SIGTERM)
    let asked = Date()
    process.waitUntilExit()
    let took = Date().timeIntervalSince(asked)
    #expect(process.terminationStatus == 143)
    #expect(took < 2, "stopped \(took) s after SIGTERM")
    let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)) as! [String: Any]
    #expect((saved["progress"] as! [String: Any])["generation"] as? Int == 1)
    let resumed = try Rollout.run(["train", "--resume", dir.path, "--generations", "1", "--quiet"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("after 1 generations"), "\(resumed.stdout)")
  }

  @Test("a finished run extended with --resume and a larger budget equals one given that budget from the start")
  func extendFinishedRuns() throws {
    // OpenAI-ES by env steps; PPO on Pendulum, whose preset's schedules are constant (a linear
    // schedule spans the budget, so extending one re-spans it).
    let runs: [(String, [String], String, String)] = [
      ("es", ["cartpole", "--seed", "3", "--no-early-stop"], "20000", "40000"),
      ("ppo", ["pendulum", "--algo", "ppo", "--seed", "2"], "8192", "16384"),
    ]
    for (name, arguments, budget, doubled) in runs {
      let base = ["train"] + arguments + ["--threads", "2", "--quiet"]
      let whole = work.appendingPathComponent("\(name)-whole"), extended = work.appendingPathComponent("\(name)-extended")
      #expect(try Rollout.run(base + ["--max-steps", doubled, "--out", whole.path]).status == 0)
      #expect(try Rollout.run(base + ["--max-steps", budget, "--out", extended.path]).status == 0)
      let resumed = try Rollout.run(["train", "--resume", extended.path, "--max-steps", doubled, "--quiet"])
      #expect(resumed.status == 0, "\(resumed.stderr)")
      let policy = try FileManager.default.contentsOfDirectory(atPath: whole.path).first { $0.hasSuffix(".policy") }!
      #expect(
        try weights(extended.appendingPathComponent(policy)) == weights(whole.appendingPathComponent(policy)), "\(name)")
    }
    // A run that stopped at its target carries on past it with --no-early-stop and more generations.
    let solved = work.appendingPathComponent("solved")
    let first = try Rollout.run(["train", "cartpole", "--seed", "1", "--threads", "2", "--out", solved.path])
    #expect(first.stdout.contains("solved after"))
    let more = try Rollout.run(["train", "--resume", solved.path, "--no-early-stop", "--generations", "50", "--quiet"])
    #expect(more.stdout.contains("stopped (generations) after 50 generations"), "\(more.stdout)")
  }

  @Test("--out onto a run is refused unless --force, which replaces only that run's files; resume flags that change results are refused")
  func existingRuns() throws {
    let dir = work.appendingPathComponent("taken")
    let arguments = ["train", "cartpole", "--generations", "2", "--quiet", "--out", dir.path]
    #expect(try Rollout.run(arguments).status == 0)
    try Data("<svg/>".utf8).write(to: dir.appendingPathComponent("learning-curve.svg"))
    try Data("mine".utf8).write(to: dir.appendingPathComponent("notes.txt"))
    let policy = dir.appendingPathComponent("cartpole-openai-es.policy")
    let before = try Data(contentsOf: policy)
    let refused = try Rollout.run(arguments)
    #expect(refused.status != 0 && refused.stderr.split(separator: "\n").count == 1)
    #expect(refused.stderr.contains("already holds a run") && refused.stderr.contains("--force"), "\(refused.stderr)")
    #expect(try Data(contentsOf: policy) == before, "the run was left alone")
    let forced = try Rollout.run(arguments + ["--force", "--seed", "9"])
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("learning-curve.svg").path))
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("notes.txt").path), "other files stay")
    #expect(EventFileReader.files(in: dir).count == 1, "the old run's event file went with it")
    #expect(try Data(contentsOf: policy) != before)
    for (flags, named) in [(["--seed", "3"], "--seed"), (["--algo", "ga"], "--algo"), (["--hidden", "8"], "--hidden")] {
      let result = try Rollout.run(["train", "--resume", dir.path] + flags)
      #expect(result.status != 0 && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
      #expect(result.stderr.contains("\(named) cannot be changed when resuming"), "\(result.stderr)")
    }
    let both = try Rollout.run(["train", "--resume", dir.path, "--force"])
    #expect(both.status != 0 && both.stderr.contains("takes no --out or --force"), "\(both.stderr)")
  }

  @Test("settings that cannot fit in memory are refused at once, with what they need")
  func memoryBound() throws {
    let started = Date()
    let result = try Rollout.run(["train", "cartpole", "--population", "100000000", "--generations", "1", "--out", work.appendingPathComponent("huge").path])
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(result.status == 1)
    #expect(result.stderr.contains("these settings need about") && result.stderr.contains("GB of memory"), "\(result.stderr)")
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("huge").path), "nothing written")
  }

  @Test("a second Ctrl-C exits at once; whatever is on disk stays readable")
  func secondInterrupt() throws {
    let dir = work.appendingPathComponent("double")
    let process = try Rollout.start([
      "train", "cartpole", "--seed", "2", "--generations", "200", "--no-early-stop", "--checkpoint-every", "1",
      "--out", dir.path, "--quiet",
    ])
    let checkpointPath = dir.appendingPathComponent("checkpoint.json").path
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: checkpointPath) && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.01)
    }
    kill(process.processIdentifier, SIGINT)
    kill(process.processIdentifier, SIGINT)
    let asked = Date()
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    #expect(Date().timeIntervalSince(asked) < 5)
    // Every file that exists is whole: the checkpoint reads back and resuming works.
    if FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpoint.json").path) {
      let resumed = try Rollout.run(["train", "--resume", dir.path, "--generations", "1", "--quiet"])
      #expect(!resumed.stderr.contains("corrupt") && !resumed.stderr.contains("not a rollout"), "\(resumed.stderr)")
    }
    for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".jsonl") {
      let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
      #expect(text.isEmpty || text.hasSuffix("\n"))
    }
  }

  @Test("a diverging run stops with the iteration and quantity, keeps its checkpoint, writes no policy")
  func divergence() throws {
    let dir = work.appendingPathComponent("nan")
    let result = try Rollout.run([
      "train", "cartpole", "--learning-rate", "1e38", "--checkpoint-every", "1", "--out", dir.path, "--quiet",
    ])
    #expect(result.status != 0)
    #expect(result.stderr.contains("training diverged: parameter"), "\(result.stderr)")
    #expect(result.stderr.contains("in generation 2"))
    #expect(result.stderr.contains("the last good checkpoint is in"))
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("cartpole-openai-es.policy").path))
    let checkpoint = try Rollout.run(["train", "--resume", dir.path, "--quiet"])
    #expect(checkpoint.stderr.contains("training diverged"), "the checkpoint is readable and resumes")
  }

  @Test("--print-config output is a config file; flags override it; unknown keys are named")
  func configFiles() throws {
    let printed = try Rollout.run(["train", "acrobot", "--population", "32", "--print-config"])
    #expect(printed.status == 0)
    let file = work.appendingPathComponent("acrobot.json")
    try Data(printed.stdout.utf8).write(to: file)
    let again = try Rollout.run(["train", "--config", file.path, "--print-config"])
    #expect(again.stdout == printed.stdout)
    let overridden = try Rollout.run(["train", "--config", file.path, "--sigma", "0.3", "--print-config"])
    #expect(overridden.stdout.contains("\"noise_std\" : 0.3"))
    #expect(overridden.stdout.contains("\"population_size\" : 32"))

    let partial = work.appendingPathComponent("partial.json")
    try Data(#"{"env": "mountaincar", "strategy": {"population_size": 16}}"#.utf8).write(to: partial)
    let fromPartial = try Rollout.run(["train", "--config", partial.path, "--print-config"])
    #expect(fromPartial.stdout.contains("\"population_size\" : 16"))
    #expect(fromPartial.stdout.contains("\"env\" : \"mountaincar\""))

    // An optional key left unset (PPO's target_kl) is printed as null, and a file may set it.
    #expect(try Rollout.run(["train", "cartpole", "--algo", "ppo", "--print-config"]).stdout.contains("\"target_kl\" : null"))
    let kl = work.appendingPathComponent("kl.json")
    try Data(#"{"strategy": {"target_kl": 0.02}}"#.utf8).write(to: kl)
    let withKL = try Rollout.run(["train", "cartpole", "--algo", "ppo", "--config", kl.path, "--print-config"])
    #expect(withKL.status == 0 && withKL.stdout.contains("\"target_kl\" : 0.02"), "\(withKL.stderr)")
    // And it takes effect: a tiny target stops the first update's epochs after a step or two (of 20).
    try Data(#"{"strategy": {"target_kl": 0.00001}}"#.utf8).write(to: kl)
    let stopped = work.appendingPathComponent("kl-run")
    #expect(try Rollout.run(["train", "cartpole", "--algo", "ppo", "--config", kl.path, "--max-steps", "768", "--quiet", "--out", stopped.path]).status == 0)
    let steps = try String(contentsOf: stopped.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
      .matches(of: /"gradient_steps":(\d+)/).map { Int($0.1)! }
    #expect(steps.count == 3 && steps[0] <= 2, "gradient steps per update: \(steps)")

    let unknown = work.appendingPathComponent("unknown.json")
    try Data(#"{"strategy": {"sigma": 0.1}}"#.utf8).write(to: unknown)
    let rejected = try Rollout.run(["train", "cartpole", "--config", unknown.path])
    #expect(rejected.status != 0)
    #expect(rejected.stderr.contains("unknown key 'strategy.sigma'; valid keys in 'strategy': beta1, beta2"), "\(rejected.stderr)")
    #expect(rejected.stderr.split(separator: "\n").count == 1)

    let wrongType = work.appendingPathComponent("type.json")
    try Data(#"{"run": {"max_generations": "many"}}"#.utf8).write(to: wrongType)
    let typeError = try Rollout.run(["train", "cartpole", "--config", wrongType.path])
    #expect(typeError.stderr.contains("field 'run.max_generations' has the wrong type"), "\(typeError.stderr)")

    let missing = try Rollout.run(["train", "--resume", work.appendingPathComponent("nowhere").path])
    #expect(missing.stderr.contains("cannot read checkpoint"))
  }
}

@Suite("Plots")
struct PlotTests {
  @Test("rollout plot draws the run's learning curve as SVG, and names what is missing")
  func plot() throws {
    let work = TestPaths.temporaryDirectory("rollout-plot")
    let run = work.appendingPathComponent("run")
    #expect(try Rollout.run(["train", "cartpole", "--generations", "4", "--no-early-stop", "--out", run.path, "--quiet"]).status == 0)
    let result = try Rollout.run(["plot", run.path])
    #expect(result.status == 0, "\(result.stderr)")
    let svg = try String(contentsOf: run.appendingPathComponent("learning-curve.svg"), encoding: .utf8)
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.contains("cartpole, openai-es, seed 0"))
    #expect(svg.contains("stroke-dasharray"), "the target line (475)")
    let curves = svg.components(separatedBy: "<polyline").dropFirst()
    #expect(curves.count == 2)
    for curve in curves {
      let points = curve.components(separatedBy: "points=\"")[1].components(separatedBy: "\"")[0]
      #expect(points.split(separator: " ").count == 4, "one point per generation")
    }
    let elsewhere = work.appendingPathComponent("curve.svg")
    #expect(try Rollout.run(["plot", run.path, "--out", elsewhere.path]).status == 0)
    #expect(FileManager.default.fileExists(atPath: elsewhere.path))

    let empty = try Rollout.run(["plot", work.appendingPathComponent("nothing").path])
    #expect(empty.status != 0)
    #expect(empty.stderr.contains("cannot read") && empty.stderr.contains("metrics.jsonl"))
    try Data("{\"generation\": 1}\nnot json\n".utf8).write(to: run.appendingPathComponent("metrics.jsonl"))
    let broken = try Rollout.run(["plot", run.path])
    #expect(broken.stderr.contains("metrics.jsonl:1: not a metrics record"), "\(broken.stderr)")
  }

  @Test("rollout plot reads a policy-gradient run's metrics, whose records carry the update's statistics")
  func plotPolicyGradient() throws {
    let run = TestPaths.temporaryDirectory("rollout-plot-ppo").appendingPathComponent("run")
    let train = try Rollout.run(
      ["train", "cartpole", "--algo", "ppo", "--max-steps", "2048", "--no-early-stop", "--out", run.path, "--quiet"])
    #expect(train.status == 0, "\(train.stderr)")
    let metrics = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    #expect(metrics.contains("\"approx_kl\""))
    let result = try Rollout.run(["plot", run.path])
    #expect(result.status == 0, "\(result.stderr)")
    let svg = try String(contentsOf: run.appendingPathComponent("learning-curve.svg"), encoding: .utf8)
    #expect(svg.contains("cartpole, ppo, seed 0"))
  }

  @Test("rollout plot A B C overlays the runs, one coloured curve and legend entry each, in steps or seconds")
  func overlay() throws {
    let work = TestPaths.temporaryDirectory("rollout-plot-overlay")
    var runs: [String] = []
    for (algo, seed) in [("ppo", "1"), ("a2c", "1"), ("openai-es", "2")] {
      let run = work.appendingPathComponent("\(algo)-\(seed)")
      let train = try Rollout.run(["train", "cartpole", "--algo", algo, "--seed", seed, "--max-steps", "3000", "--out", run.path, "--quiet"])
      #expect(train.status == 0, "\(train.stderr)")
      runs.append(run.path)
    }
    for axis in ["steps", "seconds"] {
      let out = work.appendingPathComponent("overlay-\(axis).svg")
      let result = try Rollout.run(["plot"] + runs + ["--out", out.path, "--x", axis])
      #expect(result.status == 0, "\(result.stderr)")
      let data = try Data(contentsOf: out)
      #expect(XMLParser(data: data).parse(), "well-formed SVG")
      let svg = String(decoding: data, as: UTF8.self)
      let colours = Set(svg.matches(of: /<polyline fill="none" stroke="(#[0-9A-Fa-f]{6})"/).map { String($0.1) })
      #expect(colours.count == 3, "one colour per run: \(colours)")
      for name in ["cartpole, ppo, seed 1", "cartpole, a2c, seed 1", "cartpole, openai-es, seed 2"] {
        #expect(svg.contains(">\(name)</text>"), "legend entry \(name)")
      }
      #expect(svg.contains(axis == "steps" ? ">env steps</text>" : ">wall time (s)</text>"))
      #expect(svg.contains(">target</text>"), "the runs share CartPole's target")
    }
    // Runs with the same title are named by their directories.
    let copy = work.appendingPathComponent("ppo-copy")
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(atPath: runs[0], toPath: copy.path)
    let twins = work.appendingPathComponent("twins.svg")
    #expect(try Rollout.run(["plot", runs[0], copy.path, "--out", twins.path]).status == 0)
    let svg = try String(contentsOf: twins, encoding: .utf8)
    #expect(svg.contains(">ppo-1</text>") && svg.contains(">ppo-copy</text>"))
    let noOut = try Rollout.run(["plot", runs[0], runs[1]])
    #expect(noOut.status != 0 && noOut.stderr.contains("several runs need --out FILE.svg"), "\(noOut.stderr)")
  }
}
