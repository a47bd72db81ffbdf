import Environments
import Foundation
import Networks
import RLCore

/// A trained policy as users keep it: a JSON document, described in docs/policy-format.md.
///
/// It states everything needed to run the policy again and to know where it came from: the env
/// and its config, the network, the observation normaliser, the algorithm and its config, the
/// seed, a training summary and the weights. A CRC-32 covers the whole file.
public struct PolicyFile: Sendable, Equatable, Codable {
  public static let formatName = "rollout-policy"
  public static let currentVersion = 2
  /// Version 1 (rollout before convolutions) had no `layers`: an MLP, which version 2 reads the same.
  public static let readableVersions = 1...currentVersion
  public static let fileExtension = "policy"

  public struct EnvironmentRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var config: JSONValue
    public var observationSize: Int
    public var actionSpace: ActionSpace

    public init(id: String, name: String, config: JSONValue, observationSize: Int, actionSpace: ActionSpace) {
      self.id = id
      self.name = name
      self.config = config
      self.observationSize = observationSize
      self.actionSpace = actionSpace
    }
  }

  public struct NetworkRecord: Sendable, Equatable, Codable {
    /// `mlp`, or `convolutional` when convolutions come first (version 2).
    public var kind: String
    /// The observation as the first layer reads it: `[n]`, or `[height, width, channels]` for a
    /// channels-last grid (version 2; absent in version 1, where it is `[layer_sizes[0]]`).
    public var inputShape: [Int]?
    /// Every layer in order (version 2; absent in version 1: dense layers of `layer_sizes`).
    public var layers: [LayerRecord]?
    /// The dense layers: `[inputs, hidden…, outputs]`, the inputs being the flattened output of
    /// the last convolution when there are convolutions.
    public var layerSizes: [Int]
    public var activation: Activation
    /// Always `input-major`: layer weights are `in × out`, `W[i * out + j]`, then `out` biases.
    public var weightLayout: String
    /// `argmax` (discrete: logits) or `tanh-squash` (box: `low + (tanh(o) + 1) / 2 · (high − low)`).
    public var actionHead: String
  }

  /// One layer: `{"type": "conv2d", "filters", "kernel": [h, w], "stride", "padding"}` or
  /// `{"type": "dense", "units"}`. The activation follows every layer but the last.
  public struct LayerRecord: Sendable, Equatable, Codable {
    public var type: String
    public var filters: Int?
    public var kernel: [Int]?
    public var stride: Int?
    public var padding: Convolution.Padding?
    public var units: Int?

    static func convolution(_ c: Convolution) -> LayerRecord {
      LayerRecord(
        type: "conv2d", filters: c.filters, kernel: [c.kernelHeight, c.kernelWidth], stride: c.stride, padding: c.padding,
        units: nil)
    }

    static func dense(_ units: Int) -> LayerRecord {
      LayerRecord(type: "dense", filters: nil, kernel: nil, stride: nil, padding: nil, units: units)
    }
  }

  public struct NormalizationRecord: Sendable, Equatable, Codable {
    public var mean: [Float]
    public var std: [Float]
    /// Inputs are clipped to ±clip after normalising; null means no clipping.
    public var clip: Float?
  }

  public struct AlgorithmRecord: Sendable, Equatable, Codable {
    public var name: String
    public var config: JSONValue

    public init(name: String, config: JSONValue) {
      self.name = name
      self.config = config
    }
  }

  public struct TrainingRecord: Sendable, Equatable, Codable {
    /// Generations (ES) or updates (policy gradient) completed.
    public var iterations: Int
    /// Env steps taken by training episodes (evaluation episodes not counted).
    public var envSteps: Int
    /// Env steps taken by evaluation episodes during training.
    public var evaluationSteps: Int
    public var wallTimeSeconds: Double
    public var threads: Int
    public var finalEvaluation: EvaluationSummary?

    public init(
      iterations: Int, envSteps: Int, evaluationSteps: Int, wallTimeSeconds: Double, threads: Int,
      finalEvaluation: EvaluationSummary?
    ) {
      self.iterations = iterations
      self.envSteps = envSteps
      self.evaluationSteps = evaluationSteps
      self.wallTimeSeconds = wallTimeSeconds
      self.threads = threads
      self.finalEvaluation = finalEvaluation
    }
  }

  public var format: String = PolicyFile.formatName
  public var version: Int = PolicyFile.currentVersion
  public var createdBy: String
  public var env: EnvironmentRecord
  public var network: NetworkRecord
  public var observationNormalization: NormalizationRecord
  public var algorithm: AlgorithmRecord
  public var seed: UInt64
  public var training: TrainingRecord
  @Packed public var parameters: [Float]
  /// `crc32:` and 8 hex digits: the CRC-32 of the file with these 8 digits written as zeros.
  public var checksum: String = PolicyFile.checksumPlaceholder

  static let checksumPlaceholder = ChecksummedJSON.placeholder

  public init(
    env: EnvironmentRecord, policy: Policy, algorithm: AlgorithmRecord, seed: UInt64,
    training: TrainingRecord
  ) {
    createdBy = "rollout \(rolloutVersion)"
    self.env = env
    let net = policy.network
    network = NetworkRecord(
      kind: net.convolutions.isEmpty ? "mlp" : "convolutional",
      inputShape: net.inputShape.map { [$0.height, $0.width, $0.channels] } ?? [net.inputCount],
      layers: net.convolutions.map(LayerRecord.convolution) + net.layerSizes.dropFirst().map(LayerRecord.dense),
      layerSizes: net.layerSizes, activation: net.activation, weightLayout: "input-major",
      actionHead: { if case .discrete = env.actionSpace { "argmax" } else { "tanh-squash" } }())
    observationNormalization = NormalizationRecord(
      mean: policy.normalizer.mean, std: policy.normalizer.std,
      clip: policy.normalizer.clip.isFinite ? policy.normalizer.clip : nil)
    self.algorithm = algorithm
    self.seed = seed
    self.training = training
    parameters = policy.parameters
  }

  /// The runnable policy this file describes (after `validate`, which checks that it is one).
  public var policy: Policy {
    Policy(
      network: try! network.network(),
      parameters: parameters,
      normalizer: ObservationNormalizer(
        mean: observationNormalization.mean, std: observationNormalization.std,
        clip: observationNormalization.clip ?? .infinity),
      head: ActionHead(space: env.actionSpace))
  }

  // MARK: Writing

  /// The file's bytes, checksum included.
  public func encoded() throws -> Data {
    guard parameters.allSatisfy(\.isFinite) else {
      throw RolloutError("refusing to write a policy with non-finite weights")
    }
    var unsigned = self
    unsigned.checksum = PolicyFile.checksumPlaceholder
    return try ChecksummedJSON.encode(unsigned)
  }

  /// Writes the file atomically (never a half-written policy).
  public func write(to url: URL) throws {
    try AtomicFile.write(try encoded(), to: url)
  }

  // MARK: Reading

  /// Reads and checks a policy file; every failure is one line naming the file and the problem.
  public static func read(from url: URL) throws -> PolicyFile {
    let name = url.path
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      let reason = FileManager.default.fileExists(atPath: name) ? "cannot be read" : "no such file"
      throw RolloutError("cannot read policy file \(name): \(reason)")
    }
    do {
      return try decode(data)
    } catch let error as RolloutError {
      throw RolloutError("\(name): \(error.message)")
    }
  }

  /// Checks and decodes a policy file's bytes.
  public static func decode(_ data: Data) throws -> PolicyFile {
    let file: PolicyFile = try ChecksummedJSON.decode(
      data, format: formatName, versions: readableVersions, what: "policy")
    try file.validate()
    return file
  }

  func validate() throws {
    let net = network
    guard net.kind == "mlp" || net.kind == "convolutional", net.weightLayout == "input-major" else {
      throw RolloutError("unsupported network '\(net.kind)' with layout '\(net.weightLayout)'")
    }
    guard net.layerSizes.count >= 2, net.layerSizes.allSatisfy({ $0 > 0 && $0 <= 1 << 20 }) else {
      throw RolloutError("invalid layer sizes \(net.layerSizes)")
    }
    let runnable = try net.network()
    guard parameters.count == runnable.parameterCount else {
      throw RolloutError(
        "has \(parameters.count) weights but its network \(runnable.layerDescription) needs \(runnable.parameterCount)")
    }
    guard runnable.inputCount == env.observationSize else {
      throw RolloutError(
        "network input size \(runnable.inputCount) does not match observation size \(env.observationSize)")
    }
    guard net.layerSizes.last == env.actionSpace.policyOutputCount else {
      throw RolloutError(
        "network output size \(net.layerSizes.last!) does not match action space \(env.actionSpace)")
    }
    let norm = observationNormalization
    guard norm.mean.count == env.observationSize, norm.std.count == env.observationSize else {
      throw RolloutError("observation normalisation has the wrong size")
    }
    guard norm.std.allSatisfy({ $0 > 0 && $0.isFinite }), norm.mean.allSatisfy(\.isFinite),
      norm.clip.map({ $0 > 0 }) ?? true
    else {
      throw RolloutError("observation normalisation has invalid values (std must be positive)")
    }
    if case .box(let box) = env.actionSpace, box.count > Action.maxContinuousCount {
      throw RolloutError("action space \(env.actionSpace) has more than 8 dimensions")
    }
  }

  /// Reads a policy file and builds its environment. With `expecting`, the policy must have been
  /// trained on that env. Every failure is one line naming the file.
  public static func load(path: String, expecting env: String?) throws -> (
    file: PolicyFile, environment: any ConfigurableEnvironment
  ) {
    let file = try read(from: URL(fileURLWithPath: path))
    if let env {
      let requested = try EnvironmentSetup.entry(named: env)
      guard requested.name == (try? EnvironmentSetup.entry(named: file.env.name))?.name else {
        throw RolloutError(
          "\(path) was trained on \(file.env.id), not \(requested.id); drop --env or pick a "
            + "policy for \(requested.id)")
      }
    }
    do {
      return (file, try file.makeEnvironment())
    } catch let error as RolloutError {
      throw RolloutError("\(path): \(error.message)")
    }
  }

  /// The environment this policy was trained in, built from the recorded config.
  public func makeEnvironment() throws -> any ConfigurableEnvironment {
    let entry = try EnvironmentSetup.entry(named: env.name)
    let made = try EnvironmentSetup.make(entry, config: env.config)
    guard made.spec.observationSpace.count == env.observationSize,
      made.spec.actionSpace.policyOutputCount == env.actionSpace.policyOutputCount
    else {
      throw RolloutError(
        "policy expects \(env.observationSize) observations and \(env.actionSpace) actions, but "
          + "\(made.spec.id) has \(made.spec.observationSpace.count) and \(made.spec.actionSpace)")
    }
    return made
  }
}

/// The version written into files this build makes.
public let rolloutVersion = "0.1.0"

extension PolicyFile.NetworkRecord {
  /// The network these fields describe, or one line saying why they describe none: the layer list
  /// must be convolutions then dense layers matching `layer_sizes`, and fit the input shape.
  func network() throws -> Network {
    guard let layers else { return Network(layerSizes: layerSizes, activation: activation) }
    var convolutions: [Convolution] = [], dense: [Int] = []
    for layer in layers {
      switch layer.type {
      case "conv2d":
        guard dense.isEmpty, let filters = layer.filters, let kernel = layer.kernel, kernel.count == 2,
          filters > 0, filters <= 1 << 16, kernel.allSatisfy({ $0 > 0 && $0 <= 1 << 10 }), (layer.stride ?? 1) > 0
        else { throw RolloutError("invalid conv2d layer in the network's layers") }
        convolutions.append(
          Convolution(
            filters: filters, kernelHeight: kernel[0], kernelWidth: kernel[1], stride: layer.stride ?? 1,
            padding: layer.padding ?? .valid))
      case "dense":
        guard let units = layer.units, units > 0 else { throw RolloutError("invalid dense layer in the network's layers") }
        dense.append(units)
      default:
        throw RolloutError("unsupported layer type '\(layer.type)'")
      }
    }
    guard dense == Array(layerSizes.dropFirst()) else {
      throw RolloutError("the network's layers \(dense) do not match its layer sizes \(layerSizes)")
    }
    guard !convolutions.isEmpty else {
      guard inputShape == nil || inputShape! == [layerSizes[0]] else {
        throw RolloutError("the network's input shape \(inputShape!) does not match its layer sizes \(layerSizes)")
      }
      return Network(layerSizes: layerSizes, activation: activation)
    }
    guard let shape = inputShape, shape.count == 3, shape.allSatisfy({ $0 > 0 && $0 <= 1 << 12 }),
      let network = Network(
        inputShape: GridShape(height: shape[0], width: shape[1], channels: shape[2]), convolutions: convolutions,
        hidden: Array(dense.dropLast()), outputs: dense.last!, activation: activation),
      network.layerSizes == layerSizes
    else {
      throw RolloutError("the network's convolutions do not fit its input shape \(inputShape ?? []) and layer sizes \(layerSizes)")
    }
    return network
  }
}
