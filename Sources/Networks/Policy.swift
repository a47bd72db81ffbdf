import RLCore

/// A complete policy: network, weights, observation normaliser and action head.
public struct Policy: Sendable, Equatable {
  public var network: Network
  public var parameters: [Float]
  public var normalizer: ObservationNormalizer
  public var head: ActionHead

  public init(network: Network, parameters: [Float], normalizer: ObservationNormalizer, head: ActionHead) {
    precondition(parameters.count == network.parameterCount, "parameter count does not match network")
    precondition(normalizer.dimension == network.inputCount, "normaliser does not match network")
    precondition(head.space.policyOutputCount == network.outputCount, "head does not match network")
    self.network = network
    self.parameters = parameters
    self.normalizer = normalizer
    self.head = head
  }
}
