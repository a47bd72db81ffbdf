import Networks
import RLCore

/// SB3's `MlpPolicy`: a policy network and a separate value network (each [64, 64] tanh by
/// default), plus a state-independent log σ for continuous actions. All trainable values live in
/// one flat vector — actor, then critic, then log σ — so one optimiser and one gradient-norm clip
/// cover them, as in SB3.
///
/// Discrete actions: the actor's outputs are logits of a categorical distribution. Continuous
/// actions: the actor's outputs are the means μ of a diagonal Gaussian over an unbounded u, and
/// the env receives the same tanh squash of u into the bounds that ES policies use
/// (`ActionHead`), so a trained actor is saved, evaluated and replayed exactly like an ES policy
/// (greedy action: squash(μ)). SB3 clips the Gaussian sample instead; the squash keeps one
/// policy-file format, and PPO's ratio is unaffected (it is taken between densities of u).
public struct ActorCritic: Sendable, Equatable {
  public let actor: Network
  public let critic: Network
  public let actionSpace: ActionSpace

  public init(observationCount: Int, actionSpace: ActionSpace, hidden: [Int], activation: Activation) {
    actor = Network(inputs: observationCount, hidden: hidden, outputs: actionSpace.policyOutputCount, activation: activation)
    critic = Network(inputs: observationCount, hidden: hidden, outputs: 1, activation: activation)
    self.actionSpace = actionSpace
  }

  /// Given networks: the actor's outputs must be what the action space needs, the critic's one value.
  public init(actor: Network, critic: Network, actionSpace: ActionSpace) {
    precondition(actor.outputCount == actionSpace.policyOutputCount && critic.outputCount == 1, "networks do not fit")
    precondition(actor.inputCount == critic.inputCount, "actor and critic read different observations")
    self.actor = actor
    self.critic = critic
    self.actionSpace = actionSpace
  }

  /// Values per action: 1 (an index) for discrete spaces, the dimension for boxes.
  public var actionWidth: Int {
    if case .box(let box) = actionSpace { return box.count }
    return 1
  }

  public var isContinuous: Bool { if case .box = actionSpace { true } else { false } }
  public var logStdCount: Int { isContinuous ? actionWidth : 0 }

  public var parameterCount: Int { actor.parameterCount + critic.parameterCount + logStdCount }
  public var criticOffset: Int { actor.parameterCount }
  public var logStdOffset: Int { actor.parameterCount + critic.parameterCount }

  /// SB3's initialisation: orthogonal weights with gains √2 (hidden), 0.01 (policy head) and 1
  /// (value head), zero biases, log σ = `initialLogStd`.
  public func initialParameters(seed: UInt64, initialLogStd: Float = 0) -> [Float] {
    actor.orthogonalInitialization(seed: SeedDerivation.seed(run: seed, purpose: .initialization, member: 0), outputGain: 0.01)
      + critic.orthogonalInitialization(seed: SeedDerivation.seed(run: seed, purpose: .initialization, member: 1), outputGain: 1)
      + [Float](repeating: initialLogStd, count: logStdCount)
  }

  /// The actor's weights alone (what a policy file stores).
  public func actorParameters(_ parameters: [Float]) -> [Float] { Array(parameters[0..<actor.parameterCount]) }
}
