import Foundation
import Networks
import RLCore

/// A policy as an ONNX model (`rollout export POLICY --onnx FILE`): from a batch of raw
/// observations to the actions the policy takes, with everything rollout does in between.
///
/// - input `observation`: float32 `[batch, observation size]`, as the env produces it;
/// - the observation normaliser: `Clip((o − mean) / std, −clip, clip)` (Sub, Div, Clip);
/// - convolutions (grid observations): `Reshape` to `[batch, height, width, channels]`,
///   `Transpose` to ONNX's NCHW, then per layer `Conv` (the kernel reordered to OIHW, explicit
///   pads for `same`) and the activation, and back to channels-last and flat before the dense layers;
/// - each dense layer as `MatMul` with the `in × out` weights and `Add` of the biases, hidden
///   layers followed by `Tanh` or `Relu`;
/// - output `outputs`: float32 `[batch, n]`, the network's outputs (logits, or the box means
///   before the squash);
/// - output `action`: int64 `[batch]`, `ArgMax` of the logits (first on ties, as rollout) for
///   discrete actions; float32 `[batch, n]`, `low + (tanh(o) + 1) · (high − low) / 2` for boxes.
///
/// Opset 13 of the default domain (ONNX 1.8, 2020; every maintained runtime reads it), IR version
/// 7. rollout's hidden tanh is a rational within 5e-7 of tanh; ONNX's `Tanh` is the exact one, so
/// outputs agree to about 1e-6, not to the bit.
public enum OnnxExport {
  public static let opsetVersion = 13
  public static let irVersion = 7

  /// The model's bytes (an `onnx.ModelProto`).
  public static func model(of file: PolicyFile) -> [UInt8] {
    var graph = GraphBuilder()
    let policy = file.policy
    let observationSize = policy.network.inputCount
    graph.input("observation", type: .float, shape: ["batch", .size(observationSize)])

    var x = "observation"
    let normalizer = policy.normalizer
    if normalizer.mean.contains(where: { $0 != 0 }) || normalizer.std.contains(where: { $0 != 1 })
      || normalizer.clip.isFinite
    {
      graph.initializer("observation_mean", dims: [observationSize], normalizer.mean)
      graph.initializer("observation_std", dims: [observationSize], normalizer.std)
      graph.node("Sub", [x, "observation_mean"], "centered")
      graph.node("Div", ["centered", "observation_std"], "scaled")
      x = "scaled"
      if normalizer.clip.isFinite {
        graph.initializer("clip_low", dims: [], [-normalizer.clip])
        graph.initializer("clip_high", dims: [], [normalizer.clip])
        graph.node("Clip", [x, "clip_low", "clip_high"], "normalized")
        x = "normalized"
      }
    }

    let network = policy.network
    if !network.convolutions.isEmpty { x = convolutions(of: policy, from: x, into: &graph) }
    for l in 0..<network.layerCount {
      let inputs = network.layerSizes[l], outputs = network.layerSizes[l + 1]
      let offset = network.weightOffset(layer: l)
      let weights = Array(policy.parameters[offset..<offset + inputs * outputs])
      let biases = Array(policy.parameters[offset + inputs * outputs..<offset + inputs * outputs + outputs])
      graph.initializer("layer\(l)_weight", dims: [inputs, outputs], weights)
      graph.initializer("layer\(l)_bias", dims: [outputs], biases)
      graph.node("MatMul", [x, "layer\(l)_weight"], "layer\(l)_product")
      let last = l == network.layerCount - 1
      graph.node("Add", ["layer\(l)_product", "layer\(l)_bias"], last ? "outputs" : "layer\(l)_preactivation")
      if !last {
        graph.node(network.activation == .tanh ? "Tanh" : "Relu", ["layer\(l)_preactivation"], "layer\(l)_output")
        x = "layer\(l)_output"
      }
    }
    graph.output("outputs", type: .float, shape: ["batch", .size(network.outputCount)])

    switch file.env.actionSpace {
    case .discrete:
      graph.node("ArgMax", ["outputs"], "action", attributes: [("axis", 1), ("keepdims", 0), ("select_last_index", 0)])
      graph.output("action", type: .int64, shape: ["batch"])
    case .box(let box):
      graph.initializer("one", dims: [], [1])
      graph.initializer("half_range", dims: [box.count], zip(box.low, box.high).map { 0.5 * ($1 - $0) })
      graph.initializer("low", dims: [box.count], box.low)
      graph.node("Tanh", ["outputs"], "squashed")
      graph.node("Add", ["squashed", "one"], "shifted")
      graph.node("Mul", ["shifted", "half_range"], "scaled_action")
      graph.node("Add", ["low", "scaled_action"], "action")
      graph.output("action", type: .float, shape: ["batch", .size(box.count)])
    }

    var model = ProtobufMessage()
    model.int(1, irVersion)
    model.string(2, "rollout")
    model.string(3, rolloutVersion)
    model.string(6, "\(file.env.id) policy trained by \(file.algorithm.name) (seed \(file.seed)), exported from rollout")
    model.message(7, graph.message(name: "\(file.env.name)-\(file.algorithm.name)"))
    var opset = ProtobufMessage()
    opset.string(1, "")
    opset.int(2, opsetVersion)
    model.message(8, opset)
    for (key, value) in [
      ("env", file.env.id), ("algorithm", file.algorithm.name), ("seed", "\(file.seed)"),
      ("action_head", file.network.actionHead),
    ] {
      var entry = ProtobufMessage()
      entry.string(1, key)
      entry.string(2, value)
      model.message(14, entry)
    }
    return model.bytes
  }

  /// The convolutions, from the flat (normalised) observation `x` to the flat, channels-last
  /// output of the last one; returns its name.
  private static func convolutions(of policy: Policy, from x: String, into graph: inout GraphBuilder) -> String {
    let network = policy.network, shapes = network.gridShapes
    let input = shapes[0], output = shapes[shapes.count - 1]
    graph.initializer("grid_shape", dims: [4], int64: [-1, input.height, input.width, input.channels])
    graph.node("Reshape", [x, "grid_shape"], "grid")
    graph.node("Transpose", ["grid"], "conv_input", lists: [("perm", [0, 3, 1, 2])])
    var current = "conv_input"
    for (k, convolution) in network.convolutions.enumerated() {
      let inShape = shapes[k], outShape = shapes[k + 1]
      let (kh, kw, c, f) = (convolution.kernelHeight, convolution.kernelWidth, inShape.channels, convolution.filters)
      let offset = network.convolutionOffset(k), patch = kh * kw * c
      // rollout's kernel is (dy, dx, c) × f input-major; ONNX's is f × c × dy × dx.
      var kernel = [Float](repeating: 0, count: patch * f)
      for o in 0..<f {
        for ch in 0..<c {
          for dy in 0..<kh {
            for dx in 0..<kw {
              kernel[((o * c + ch) * kh + dy) * kw + dx] = policy.parameters[offset + ((dy * kw + dx) * c + ch) * f + o]
            }
          }
        }
      }
      graph.initializer("conv\(k)_weight", dims: [f, c, kh, kw], kernel)
      graph.initializer("conv\(k)_bias", dims: [f], Array(policy.parameters[(offset + patch * f)..<(offset + patch * f + f)]))
      // ONNX's order: the starts of both axes, then their ends.
      let pad = convolution.padding(input: inShape, output: outShape)
      let pads = [pad.top, pad.left, pad.bottom, pad.right]
      graph.node(
        "Conv", [current, "conv\(k)_weight", "conv\(k)_bias"], "conv\(k)_preactivation",
        lists: [("kernel_shape", [kh, kw]), ("strides", [convolution.stride, convolution.stride]), ("pads", pads)])
      graph.node(network.activation == .tanh ? "Tanh" : "Relu", ["conv\(k)_preactivation"], "conv\(k)_output")
      current = "conv\(k)_output"
    }
    graph.node("Transpose", [current], "conv_channels_last", lists: [("perm", [0, 2, 3, 1])])
    graph.initializer("flat_shape", dims: [2], int64: [-1, output.count])
    graph.node("Reshape", ["conv_channels_last", "flat_shape"], "conv_flat")
    return "conv_flat"
  }
}

/// Collects an ONNX `GraphProto`'s nodes, initializers, inputs and outputs.
private struct GraphBuilder {
  enum ElementType: Int {
    case float = 1, int64 = 7
  }

  /// A shape's dimensions: a size, or the name of a dimension given at run time.
  enum Dimension: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case size(Int), name(String)
    init(integerLiteral value: Int) { self = .size(value) }
    init(stringLiteral value: String) { self = .name(value) }
  }

  var nodes: [ProtobufMessage] = []
  var initializers: [ProtobufMessage] = []
  var inputs: [ProtobufMessage] = []
  var outputs: [ProtobufMessage] = []

  mutating func node(
    _ op: String, _ inputs: [String], _ output: String, attributes: [(String, Int)] = [], lists: [(String, [Int])] = []
  ) {
    var node = ProtobufMessage()
    for input in inputs { node.string(1, input) }
    node.string(2, output)
    node.string(3, "\(op.lowercased())_\(nodes.count)")
    node.string(4, op)
    // An int (AttributeType INT, field 3) or a list of ints (INTS, field 8).
    let all = attributes.map { ($0.0, [$0.1], false) } + lists.map { ($0.0, $0.1, true) }
    for (name, values, isList) in all {
      var attribute = ProtobufMessage()
      attribute.string(1, name)
      if isList { attribute.packedInts(8, values) } else { attribute.int(3, values[0]) }
      attribute.int(20, isList ? 7 : 2)
      node.message(5, attribute)
    }
    nodes.append(node)
  }

  /// A float32 constant, stored as little-endian raw data.
  mutating func initializer(_ name: String, dims: [Int], _ values: [Float]) {
    precondition(values.count == dims.reduce(1, *), "initializer \(name) has the wrong size")
    var raw: [UInt8] = []
    raw.reserveCapacity(values.count * 4)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
    initializer(name, dims: dims, type: .float, raw: raw)
  }

  /// An int64 constant (shapes), little-endian raw data.
  mutating func initializer(_ name: String, dims: [Int], int64 values: [Int]) {
    var raw: [UInt8] = []
    for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { raw.append(contentsOf: $0) } }
    initializer(name, dims: dims, type: .int64, raw: raw)
  }

  /// A constant from its little-endian bytes (`raw_data`).
  private mutating func initializer(_ name: String, dims: [Int], type: ElementType, raw: [UInt8]) {
    var tensor = ProtobufMessage()
    tensor.packedInts(1, dims)
    tensor.int(2, type.rawValue)
    tensor.string(8, name)
    tensor.data(9, raw)
    initializers.append(tensor)
  }

  mutating func input(_ name: String, type: ElementType, shape: [Dimension]) {
    inputs.append(valueInfo(name, type: type, shape: shape))
  }

  mutating func output(_ name: String, type: ElementType, shape: [Dimension]) {
    outputs.append(valueInfo(name, type: type, shape: shape))
  }

  private func valueInfo(_ name: String, type: ElementType, shape: [Dimension]) -> ProtobufMessage {
    var dims = ProtobufMessage()
    for d in shape {
      var dim = ProtobufMessage()
      switch d {
      case .size(let n): dim.int(1, n)
      case .name(let s): dim.string(2, s)
      }
      dims.message(1, dim)
    }
    var tensorType = ProtobufMessage()
    tensorType.int(1, type.rawValue)
    tensorType.message(2, dims)
    var typeProto = ProtobufMessage()
    typeProto.message(1, tensorType)
    var info = ProtobufMessage()
    info.string(1, name)
    info.message(2, typeProto)
    return info
  }

  func message(name: String) -> ProtobufMessage {
    var graph = ProtobufMessage()
    for node in nodes { graph.message(1, node) }
    graph.string(2, name)
    for tensor in initializers { graph.message(5, tensor) }
    for input in inputs { graph.message(11, input) }
    for output in outputs { graph.message(12, output) }
    return graph
  }
}
