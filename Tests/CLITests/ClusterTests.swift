import Foundation
import Testing
import TestSupport

#if MPI
  /// Runs under `mpirun` on this machine: the promise is the same bits as one process.
  @Suite("Open MPI runs", .serialized)
  struct ClusterTests {
    let work = TestPaths.temporaryDirectory("rollout-mpi")

    /// A policy or checkpoint file's lines without its timing fields (and the checksum over them).
    func withoutTiming(_ url: URL) throws -> [Substring] {
      try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter {
        !$0.contains("\"wall_time_seconds\"") && !$0.contains("\"elapsed_seconds\"") && !$0.contains("\"checksum\"")
      }
    }

    func weights(_ url: URL) throws -> [Double] {
      let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
      return object["parameters"] as! [Double]
    }

    /// Trains once in one process and once as `ranks` ranks (one thread each) and compares.
    func compare(_ arguments: [String], policy name: String, ranks: Int, checkpoint: Bool) throws {
      let tag = "\(name)-\(ranks)"
      let single = work.appendingPathComponent("single-\(tag)"), cluster = work.appendingPathComponent("cluster-\(tag)")
      let base = ["train"] + arguments + ["--threads", "1"]
      let one = try Rollout.run(base + ["--out", single.path])
      #expect(one.status == 0, "\(one.stderr)")
      let many = try Rollout.mpirun(ranks: ranks, base + ["--out", cluster.path])
      #expect(many.status == 0, "\(many.stderr)")
      // Rank 0 alone reports.
      #expect(many.stdout.components(separatedBy: "policy: ").count == 2, "\(many.stdout)")
      #expect(many.stdout.contains("\(ranks) ranks × 1 threads"))
      let policy = "\(name).policy"
      #expect(try weights(cluster.appendingPathComponent(policy)) == weights(single.appendingPathComponent(policy)))
      #expect(
        try withoutTiming(cluster.appendingPathComponent(policy)) == withoutTiming(single.appendingPathComponent(policy)))
      if checkpoint {
        #expect(
          try withoutTiming(cluster.appendingPathComponent("checkpoint.json"))
            == withoutTiming(single.appendingPathComponent("checkpoint.json")))
      }
      let metrics = { (dir: URL) in
        try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").count
      }
      #expect(try metrics(cluster) == metrics(single))
    }

    @Test("OpenAI-ES on CartPole: 2 and 3 ranks give the single-process policy and checkpoint")
    func openAIES() throws {
      for ranks in [2, 3] {
        try compare(
          ["cartpole", "--algo", "openai-es", "--seed", "3"], policy: "cartpole-openai-es", ranks: ranks, checkpoint: true)
      }
    }

    @Test("NS-ES on the medium maze: 2 ranks give the single-process policy and checkpoint")
    func noveltySearch() throws {
      try compare(
        ["medium-maze", "--algo", "ns-es", "--seed", "2", "--max-steps", "150000"], policy: "medium-maze-ns-es",
        ranks: 2, checkpoint: true)
    }

    @Test("Deep GA on the medium maze: 2 ranks give the single-process policy and checkpoint")
    func geneticAlgorithm() throws {
      try compare(
        ["medium-maze", "--algo", "ga", "--seed", "2", "--max-steps", "150000"], policy: "medium-maze-ga", ranks: 2,
        checkpoint: true)
    }

    @Test("PPO + RND on the medium maze: 2 ranks give the single-process policy and checkpoint")
    func ppoRND() throws {
      try compare(
        ["medium-maze", "--algo", "ppo-rnd", "--seed", "2", "--max-steps", "64000"], policy: "medium-maze-ppo-rnd",
        ranks: 2, checkpoint: true)
    }

    @Test("PPO on CartPole: 2 and 3 ranks give the single-process policy")
    func ppo() throws {
      for ranks in [2, 3] {
        try compare(
          ["cartpole", "--algo", "ppo", "--seed", "2", "--max-steps", "12000"], policy: "cartpole-ppo", ranks: ranks,
          checkpoint: false)
      }
    }

    @Test("Convolutional policies on Breakout: PPO and OpenAI-ES on 2 ranks give the single-process policy")
    func convolutional() throws {
      let network = ["--network", "conv(4,3x3,stride=2,padding=same) conv(4,2x2) dense(16)"]
      try compare(
        ["breakout", "--algo", "ppo", "--seed", "2", "--max-steps", "8192"] + network, policy: "breakout-ppo", ranks: 2,
        checkpoint: false)
      try compare(
        ["breakout", "--algo", "openai-es", "--seed", "2", "--population", "8", "--generations", "3", "--no-early-stop"]
          + network, policy: "breakout-openai-es", ranks: 2, checkpoint: true)
    }

    @Test("A checkpoint written by 2 ranks resumes in one process to the uninterrupted weights")
    func resumeAcrossRankCounts() throws {
      let arguments = ["train", "cartpole", "--seed", "4", "--threads", "1", "--no-early-stop", "--quiet"]
      let whole = work.appendingPathComponent("whole"), split = work.appendingPathComponent("split")
      #expect(try Rollout.run(arguments + ["--generations", "6", "--out", whole.path]).status == 0)
      #expect(try Rollout.mpirun(ranks: 2, arguments + ["--generations", "3", "--out", split.path]).status == 0)
      let resumed = try Rollout.run(["train", "--resume", split.path, "--generations", "6", "--quiet"])
      #expect(resumed.status == 0, "\(resumed.stderr)")
      #expect(
        try weights(split.appendingPathComponent("cartpole-openai-es.policy"))
          == weights(whole.appendingPathComponent("cartpole-openai-es.policy")))
    }

    @Test("Commands other than train refuse to run as several ranks")
    func onlyTrainRunsAcrossRanks() throws {
      let result = try Rollout.mpirun(ranks: 2, ["envs"])
      #expect(result.status != 0)
      #expect(result.stderr.contains("only `rollout train` runs across MPI ranks"), "\(result.stderr)")
      #expect(!result.stdout.contains("CartPole-v1"))
    }

    @Test("A killed rank stops the whole job within seconds, with a message naming it")
    func killedRank() throws {
      let dir = work.appendingPathComponent("killed")
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments =
        Rollout.mpirunArguments(ranks: 2) + [
          "train", "cartpole", "--threads", "1", "--no-early-stop", "--generations", "100000", "--quiet", "--out",
          dir.path,
        ]
      process.environment = ProcessInfo.processInfo.environment.merging(Rollout.mpirunEnvironment) { $1 }
      let errors = Pipe()
      process.standardOutput = FileHandle.nullDevice
      process.standardError = errors
      try process.run()
      // Wait until training is under way, then kill rank 1 (found by the rank Open MPI gave it).
      let metrics = dir.appendingPathComponent("metrics.jsonl")
      let started = Date()
      while !FileManager.default.fileExists(atPath: metrics.path) && Date().timeIntervalSince(started) < 60 {
        Thread.sleep(forTimeInterval: 0.05)
      }
      Thread.sleep(forTimeInterval: 0.3)
      let victim = try #require(rankProcess(1, under: process.processIdentifier), "rank 1 not found")
      kill(victim, SIGKILL)
      let killedAt = Date()
      while process.isRunning && Date().timeIntervalSince(killedAt) < 30 { Thread.sleep(forTimeInterval: 0.05) }
      let stopped = !process.isRunning
      if !stopped { process.terminate() }
      process.waitUntilExit()
      let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      #expect(stopped, "mpirun still running 30 s after rank 1 was killed")
      #expect(process.terminationStatus != 0)
      #expect(message.contains("rank 1") && message.contains("signal 9"), "\(message)")
    }

    /// The pid of the process with OMPI_COMM_WORLD_RANK=`rank` among `parent`'s descendants.
    func rankProcess(_ rank: Int, under parent: Int32) -> Int32? {
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
      for entry in entries {
        guard let pid = Int32(entry), pid != parent,
          let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
          let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        else { continue }
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        let parentPid = fields.count > 1 ? Int32(fields[1]) : nil
        let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if parentPid == parent, variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
      }
      return nil
    }
  }
#else
  @Suite("Without MPI")
  struct ClusterAbsentTests {
    @Test("Started as one of several mpirun ranks, a build without MPI refuses in one line")
    func refusesWithoutMPI() throws {
      let result = try Rollout.run(
        ["train", "cartpole", "--generations", "1", "--out", TestPaths.temporaryDirectory().path],
        environment: ["OMPI_COMM_WORLD_SIZE": "2"])
      #expect(result.status != 0)
      #expect(result.stderr == "rollout: error: mpirun started 2 ranks, but this rollout was built without MPI; rebuild with --traits MPI\n")
    }

    @Test("Commands other than train refuse to run as several ranks")
    func onlyTrainRunsAcrossRanks() throws {
      let result = try Rollout.run(["envs"], environment: ["OMPI_COMM_WORLD_SIZE": "2"])
      #expect(result.status != 0)
      #expect(result.stderr == "rollout: error: only `rollout train` runs across MPI ranks; run this command without mpirun\n")
    }
  }
#endif
