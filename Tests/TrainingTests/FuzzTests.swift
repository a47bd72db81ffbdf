import Environments
import Evolution
import Training
import Foundation
import Networks
import RLCore
import Testing
import TestSupport

/// Mutates bytes: truncations, bit flips, inserted junk, huge numbers, swapped values.
struct Mutator {
  var rng: SplitMix64

  mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
    var b = bytes
    for _ in 0..<(1 + Int(rng.next() % 3)) {
      guard !b.isEmpty else { break }
      let at = Int(rng.next() % UInt64(b.count))
      switch rng.next() % 7 {
      case 0: b = Array(b[..<at])
      case 1: b[at] ^= UInt8(1 << (rng.next() % 8))
      case 2: b.insert(contentsOf: Array("1e999".utf8), at: at)
      case 3: b.insert(contentsOf: Array("\"x\"".utf8), at: at)
      case 4: b.insert(contentsOf: Array("-99999999999999999999".utf8), at: at)
      case 5: b.remove(at: at)
      default:
        // Replace a number with another: a wrong but well-formed value.
        if let digit = b[at...].firstIndex(where: { (48...57).contains($0) }) { b[digit] = UInt8(48 + rng.next() % 10) }
      }
    }
    return b
  }
}

/// Re-signs JSON text so the mutation reaches the parser and validation, not just the checksum.
func resigned(_ bytes: [UInt8]) -> Data {
  var text = String(decoding: bytes, as: UTF8.self)
  guard let match = text.firstMatch(of: #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#) else { return Data(bytes) }
  text.replaceSubrange(match.1.startIndex..<match.1.endIndex, with: "00000000")
  let sum = String(format: "%08x", crc32(Array(text.utf8)))
  let again = text.firstMatch(of: #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#)!
  text.replaceSubrange(again.1.startIndex..<again.1.endIndex, with: sum)
  return Data(text.utf8)
}

@Suite("Fuzzing the files rollout reads")
struct FuzzTests {
  @Test("policy files: 3000 mutations (half re-signed), no crash, every rejection one line")
  func policyFiles() throws {
    let good = Array(try samplePolicyFile().encoded())
    var mutator = Mutator(rng: SplitMix64(seed: 1))
    var rejected = 0
    for i in 0..<3000 {
      let mutated = mutator.mutate(good)
      let data = i % 2 == 0 ? Data(mutated) : resigned(mutated)
      do {
        let file = try PolicyFile.decode(data)
        _ = file.policy  // an accepted file must build a runnable policy
      } catch let error as RolloutError {
        rejected += 1
        #expect(!error.message.contains("\n"))
      }
    }
    #expect(rejected > 1500)
  }

  @Test("checkpoints: 3000 mutations (half re-signed), no crash, every rejection one line")
  func checkpoints() throws {
    let dir = TestPaths.temporaryDirectory()
    let url = dir.appendingPathComponent("checkpoint.json")
    let es = OpenAIES()
    let state = es.initialState(parameters: [Float](repeating: 0.5, count: 114), seed: 3)
    let env = CartPole()
    let checkpoint = CheckpointFile(
      env: .init(
        id: env.spec.id, name: "cartpole", config: try EnvironmentSetup.config(of: env), observationSize: 4,
        actionSpace: env.spec.actionSpace),
      algorithm: "openai-es", strategy: try JSONValue(encoding: es.config), run: RunConfig(),
      progress: RunProgress(
        strategyState: state, statistics: RunningStatistics(dimension: 4), generation: 3, envSteps: 10,
        evaluationSteps: 5, elapsedSeconds: 0.1, best: nil))
    try checkpoint.write(to: url)
    #expect(try CheckpointFile<OpenAIES.State>.read(from: url) == {
      var c = checkpoint
      c.checksum = (try? CheckpointFile<OpenAIES.State>.read(from: url).checksum) ?? ""
      return c
    }())
    let good = Array(try Data(contentsOf: url))
    var mutator = Mutator(rng: SplitMix64(seed: 2))
    var rejected = 0
    for i in 0..<3000 {
      let mutated = mutator.mutate(good)
      try (i % 2 == 0 ? Data(mutated) : resigned(mutated)).write(to: url)
      do {
        _ = try CheckpointFile<OpenAIES.State>.read(from: url)
      } catch let error as RolloutError {
        rejected += 1
        #expect(!error.message.contains("\n"))
        #expect(error.message.hasPrefix(url.path))
      }
    }
    #expect(rejected > 1500)
  }

  @Test("config files: 3000 mutations, no crash, every rejection one line naming the file")
  func configFiles() throws {
    let base = try TrainingConfig.preset(env: "cartpole")
    let good = Array(try base.json().utf8)
    let url = TestPaths.temporaryDirectory().appendingPathComponent("config.json")
    var mutator = Mutator(rng: SplitMix64(seed: 3))
    var rejected = 0
    for _ in 0..<3000 {
      try Data(mutator.mutate(good)).write(to: url)
      do {
        _ = try base.overlaid(withFile: url)
      } catch let error as RolloutError {
        rejected += 1
        #expect(!error.message.contains("\n"))
        #expect(error.message.hasPrefix(url.path))
      }
    }
    #expect(rejected > 1000)
  }
}
