/// The hidden layers of a network in words, as `--network` and config files take them:
/// `conv(16,3x3) → dense(128)` — convolutions first, then dense layers; the input and the output
/// layer come from the env. Layers are separated by `→`, `->`, spaces or commas; `dense(64,64)`
/// is two dense layers.
public struct NetworkDescription: Sendable, Equatable, CustomStringConvertible {
  public var convolutions: [Convolution]
  public var hidden: [Int]

  public init(convolutions: [Convolution] = [], hidden: [Int]) {
    self.convolutions = convolutions
    self.hidden = hidden
  }

  /// Nil when the text is not a list of layers, or a convolution follows a dense layer.
  public init?(parsing text: String) {
    var convolutions: [Convolution] = [], hidden: [Int] = []
    let layers = Self.split(text)
    guard !layers.isEmpty else { return nil }
    for layer in layers {
      if let convolution = Convolution(parsing: layer) {
        guard hidden.isEmpty else { return nil }
        convolutions.append(convolution)
      } else if layer == "dense()" {
        continue
      } else if layer.hasPrefix("dense("), layer.hasSuffix(")") {
        let sizes = layer.dropFirst(6).dropLast().split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        hidden += sizes.map { $0! }
      } else {
        return nil
      }
    }
    self.init(convolutions: convolutions, hidden: hidden)
  }

  /// `conv(16,3x3) → dense(128)`; `dense()` alone for no hidden layers.
  public var description: String {
    let layers = convolutions.map(\.description) + hidden.map { "dense(\($0))" }
    return layers.isEmpty ? "dense()" : layers.joined(separator: " → ")
  }

  /// The layers' texts, lower-cased without spaces: split at arrows, and at spaces and commas
  /// outside parentheses.
  static func split(_ text: String) -> [String] {
    var layers: [String] = [], current = "", depth = 0
    let normalised = text.lowercased().replacingOccurrences(of: "->", with: " ").replacingOccurrences(of: "→", with: " ")
    for character in normalised {
      switch character {
      case "(":
        depth += 1
        current.append(character)
      case ")":
        depth -= 1
        current.append(character)
      case _ where character.isWhitespace:
        if depth == 0, !current.isEmpty {
          layers.append(current)
          current = ""
        }
      case "," where depth == 0:
        if !current.isEmpty { layers.append(current) }
        current = ""
      default:
        current.append(character)
      }
    }
    if !current.isEmpty { layers.append(current) }
    return layers
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
