import Environments
import Evolution
import Training
import Foundation
import Networks
import RLCore
import Testing
import TestSupport

func samplePolicyFile(parameters: [Float]? = nil, hidden: [Int] = [16]) throws -> PolicyFile {
  let network = Network(inputs: 4, hidden: hidden, outputs: 2)
  let policy = Policy(
    network: network, parameters: parameters ?? network.normcInitialization(seed: 8, outputScale: 1),
    normalizer: ObservationNormalizer(mean: [0.1, -0.2, 0.003, 1e-7], std: [1, 2, 0.1, 3.5]),
    head: ActionHead(space: .discrete(count: 2)))
  let env = CartPole()
  return PolicyFile(
    env: .init(
      id: env.spec.id, name: "cartpole", config: try EnvironmentSetup.config(of: env),
      observationSize: 4, actionSpace: env.spec.actionSpace),
    policy: policy,
    algorithm: .init(name: "openai-es", config: try JSONValue(encoding: OpenAIES.Config())),
    seed: 12,
    training: .init(
      iterations: 3, envSteps: 100, evaluationSteps: 50, wallTimeSeconds: 0.5, threads: 2,
      finalEvaluation: nil))
}

@Suite("Policy files")
struct PolicyFileTests {
  @Test("write then read gives the same file, weights bit for bit")
  func roundTrip() throws {
    var rng = PhiloxStream(seed: 4)
    // Awkward values: subnormals, extremes, values with long decimal expansions.
    var weights = (0..<114).map { _ in rng.nextGaussian() / 3 }
    weights[0] = .leastNonzeroMagnitude
    weights[1] = .greatestFiniteMagnitude
    weights[2] = -0.1
    weights[3] = 1e-38
    let file = try samplePolicyFile(parameters: weights)
    let dir = TestPaths.temporaryDirectory()
    let url = dir.appendingPathComponent("p.policy")
    try file.write(to: url)
    var read = try PolicyFile.read(from: url)
    #expect(read.checksum != file.checksum)
    read.checksum = file.checksum  // in memory the unsigned file holds the placeholder
    #expect(read == file)
    #expect(read.parameters.map(\.bitPattern) == weights.map(\.bitPattern))
    #expect(read.policy.normalizer == file.policy.normalizer)
    // Nothing but the file itself is left in the directory (no temporary files).
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["p.policy"])
    // The bytes are deterministic.
    #expect(try file.encoded() == (try file.encoded()))
  }

  @Test("a network of 65,536 weights or more is written packed: a JSON header, then raw float32; it reads back exactly")
  func packed() throws {
    let dir = TestPaths.temporaryDirectory("rollout-packed")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // 4→256→248→2: 65,514 weights stay JSON; 4→256→256→2: 67,586 are packed.
    let small = try samplePolicyFile(hidden: [256, 248])
    #expect(small.parameters.count < PackedFloats.threshold)
    #expect(try small.encoded().prefix(1) == Data("{".utf8))
    var rng = PhiloxStream(seed: 7)
    let network = Network(inputs: 4, hidden: [256, 256], outputs: 2)
    var weights = (0..<network.parameterCount).map { _ in rng.nextGaussian() }
    weights[5] = .leastNonzeroMagnitude
    weights[6] = -.greatestFiniteMagnitude
    let file = try samplePolicyFile(parameters: weights, hidden: [256, 256])
    let url = dir.appendingPathComponent("big.policy")
    try file.write(to: url)
    let bytes = try Data(contentsOf: url)
    #expect(bytes.prefix(8) == Data("ROLLPK01".utf8))
    let headerLength = Int(bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    #expect((16 + headerLength) % 8 == 0 && bytes.count == 16 + headerLength + 4 * weights.count)
    let header = try JSONSerialization.jsonObject(with: bytes[16..<16 + headerLength]) as! [String: Any]
    #expect(header["parameters"] as? [String: Int] == ["offset": 0, "count": weights.count])
    // The data is the weights, little-endian float32, in order.
    let raw = bytes[(16 + headerLength)...]
    let first = raw.prefix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    #expect(first == weights[0].bitPattern)
    var read = try PolicyFile.read(from: url)
    read.checksum = file.checksum
    #expect(read.parameters.map(\.bitPattern) == weights.map(\.bitPattern))
    #expect(read == file)

    // Any damaged byte, in the header or in the weights, is caught; so is a cut file.
    for position in [20, 16 + headerLength + 4 * 1000 + 2, bytes.count - 1] {
      var damaged = bytes
      damaged[position] ^= 0x10
      try damaged.write(to: url)
      #expect(throws: RolloutError.self) { try PolicyFile.read(from: url) }
    }
    for length in [12, 40, bytes.count - 3] {
      try bytes.prefix(length).write(to: url)
      #expect(throws: RolloutError.self) { try PolicyFile.read(from: url) }
    }
  }

  @Test("docs/policy-format.md names the policy and checkpoint versions this rollout writes")
  func documentedVersions() throws {
    let doc = try String(
      contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/policy-format.md"), encoding: .utf8)
    #expect(doc.contains("# The `.policy` file format (version \(PolicyFile.currentVersion))"))
    #expect(doc.contains("`format` `\"rollout-checkpoint\"`, version \(CheckpointFormat.version) "))
  }

  @Test("the checksum is the CRC-32 of the file with its 8 digits zeroed")
  func checksumDefinition() throws {
    let data = try samplePolicyFile().encoded()
    let text = String(decoding: data, as: UTF8.self)
    let match = try #require(text.firstMatch(of: #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#))
    let zeroed = text.replacingCharacters(in: match.1.startIndex..<match.1.endIndex, with: "00000000")
    #expect(String(format: "%08x", crc32(Array(zeroed.utf8))) == String(match.1))
    #expect(crc32(Array("123456789".utf8)) == 0xCBF4_3926)  // the standard check value
  }

  func expectRejected(_ data: Data, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      _ = try PolicyFile.decode(data)
      Issue.record("accepted a bad file (expected '\(fragment)')", sourceLocation: sourceLocation)
    } catch let error as RolloutError {
      #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
      #expect(!error.message.contains("\n"), sourceLocation: sourceLocation)
    } catch {
      Issue.record("unexpected error type \(error) for \(fragment)", sourceLocation: sourceLocation)
    }
  }

  @Test("bad files are rejected with one line naming the problem")
  func badFiles() throws {
    let good = try samplePolicyFile().encoded()
    expectRejected(Data(), containing: "empty file")
    expectRejected(good.prefix(good.count / 2), containing: "not a rollout policy file")
    expectRejected(Data("[1, 2]".utf8), containing: "not a rollout policy file")
    expectRejected(Data("hello".utf8), containing: "not a rollout policy file")

    let text = String(decoding: good, as: UTF8.self)
    let flipped = text.replacingOccurrences(of: "\"seed\" : 12", with: "\"seed\" : 13")
    #expect(flipped != text)
    expectRejected(Data(flipped.utf8), containing: "checksum mismatch")

    let noChecksum = text.replacingOccurrences(of: "\"checksum\"", with: "\"checksun\"")
    expectRejected(Data(noChecksum.utf8), containing: "no checksum")

    // Edits with a valid checksum still have to make sense.
    func resigned(_ edit: (String) -> String) throws -> Data {
      var edited = edit(text)
      let match = try #require(edited.firstMatch(of: #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#))
      edited.replaceSubrange(match.1.startIndex..<match.1.endIndex, with: "00000000")
      let sum = String(format: "%08x", crc32(Array(edited.utf8)))
      let again = try #require(edited.firstMatch(of: #/"checksum"\s*:\s*"crc32:([0-9a-f]{8})"/#))
      edited.replaceSubrange(again.1.startIndex..<again.1.endIndex, with: sum)
      return Data(edited.utf8)
    }
    expectRejected(try resigned { $0.replacingOccurrences(of: "\"version\" : 2", with: "\"version\" : 7") }, containing: "version 7 is not supported (this rollout reads versions 1–2)")
    expectRejected(try resigned { $0.replacingOccurrences(of: "\"rollout-policy\"", with: "\"other\"") }, containing: "format is not")
    expectRejected(try resigned { $0.replacingOccurrences(of: "\"observation_size\" : 4", with: "\"observation_size\" : 5") }, containing: "does not match observation size 5")
    expectRejected(try resigned { $0.replacingOccurrences(of: "\"seed\" : 12", with: "\"seed\" : \"twelve\"") }, containing: "field 'seed' has the wrong type")
    var wrongShape = try samplePolicyFile()
    wrongShape.network.layerSizes = [4, 17, 2]
    expectRejected(try wrongShape.encoded(), containing: "the network's layers [16, 2] do not match its layer sizes [4, 17, 2]")
    wrongShape.network.layers = nil
    expectRejected(try wrongShape.encoded(), containing: "needs 121")
    var wrongStd = try samplePolicyFile()
    wrongStd.observationNormalization.std[2] = 0
    expectRejected(try wrongStd.encoded(), containing: "std must be positive")
  }

  @Test("version 2 keeps the layer list: a convolutional policy round-trips and runs; bad layer lists are one line; version 1 reads as an MLP")
  func convolutionalPolicy() throws {
    let env = MinAtar<Breakout>()
    let network = try #require(
      Network(
        policyFor: env.spec, convolutions: [Convolution(filters: 4, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: .same)],
        hidden: [8], activation: .relu))
    let policy = Policy(
      network: network, parameters: network.normcInitialization(seed: 3, outputScale: 1),
      normalizer: .identity(dimension: env.spec.observationSpace.count), head: ActionHead(space: env.spec.actionSpace))
    let file = PolicyFile(
      env: .init(
        id: env.spec.id, name: "breakout", config: try EnvironmentSetup.config(of: env),
        observationSize: env.spec.observationSpace.count, actionSpace: env.spec.actionSpace),
      policy: policy, algorithm: .init(name: "ppo", config: .object([:])), seed: 1,
      training: .init(iterations: 1, envSteps: 1, evaluationSteps: 0, wallTimeSeconds: 0, threads: 1, finalEvaluation: nil))
    let text = String(decoding: try file.encoded(), as: UTF8.self)
    #expect(text.contains("\"kind\" : \"convolutional\"") && text.contains("\"input_shape\" : [\n      10,\n      10,\n      4\n    ]"))
    #expect(text.contains("\"type\" : \"conv2d\"") && text.contains("\"padding\" : \"same\""))
    let read = try PolicyFile.decode(try file.encoded())
    #expect(read.policy == policy)
    // Edited layer lists (re-encoded, so the checksum holds) are refused in one line.
    var dense = file
    dense.network.layers![1].units = 9
    expectRejected(try dense.encoded(), containing: "do not match its layer sizes")
    var unknown = file
    unknown.network.layers![0].type = "lstm"
    expectRejected(try unknown.encoded(), containing: "unsupported layer type 'lstm'")
    var misfit = file
    misfit.network.inputShape = [2, 2, 100]
    expectRejected(try misfit.encoded(), containing: "do not fit its input shape [2, 2, 100]")
    // A version-1 file (no layer list, no input shape) is the MLP of its layer sizes.
    var old = try samplePolicyFile()
    old.version = 1
    old.network.layers = nil
    old.network.inputShape = nil
    let oldText = String(decoding: try old.encoded(), as: UTF8.self)
    #expect(oldText.contains("\"version\" : 1") && !oldText.contains("layers"))
    #expect(try PolicyFile.decode(try old.encoded()).policy == (try samplePolicyFile()).policy)
  }

  @Test("a missing file names the file")
  func missingFile() {
    #expect(throws: RolloutError.self) { try PolicyFile.read(from: URL(fileURLWithPath: "/nonexistent/x.policy")) }
    do {
      _ = try PolicyFile.read(from: URL(fileURLWithPath: "/nonexistent/x.policy"))
    } catch {
      #expect("\(error)" == "cannot read policy file /nonexistent/x.policy: no such file")
    }
  }

  @Test("non-finite weights are never written")
  func refusesNaN() throws {
    var weights = [Float](repeating: 0, count: 114)
    weights[7] = .nan
    let file = try samplePolicyFile(parameters: weights)
    let url = TestPaths.temporaryDirectory().appendingPathComponent("nan.policy")
    #expect(throws: RolloutError.self) { try file.write(to: url) }
    #expect(!FileManager.default.fileExists(atPath: url.path))
  }
}
