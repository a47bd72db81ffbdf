import ArgumentParser
import Foundation
import Training

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export a policy for use outside rollout (ONNX).",
    discussion: """
      --onnx FILE writes an ONNX model (opset 13) that maps a batch of raw observations \
      (input `observation`, float32 [batch, n]) to the policy's greedy actions (output `action`: \
      int64 indices, or float32 values for continuous actions), observation normalisation and \
      action head included; output `outputs` holds the network's raw outputs. \
      docs/policy-format.md shows it run with onnxruntime.
      """)

  @Argument(help: "A .policy file.", completion: Completions.policies)
  var policy: String

  @Option(help: "Where to write the ONNX model.", completion: .file(extensions: ["onnx"]))
  var onnx: String

  @Flag(help: "Replace FILE if it exists.")
  var force = false

  func run() throws {
    let (file, _) = try PolicyFile.load(path: policy, expecting: nil)
    let url = URL(fileURLWithPath: onnx)
    if FileManager.default.fileExists(atPath: url.path) && !force {
      throw RolloutError("\(onnx) exists; add --force to replace it")
    }
    try AtomicFile.write(Data(OnnxExport.model(of: file)), to: url)
    say("wrote \(onnx): \(file.env.id), \(file.policy.network.layerDescription) \(file.network.activation.rawValue) network, \(file.network.actionHead) head")
  }
}
