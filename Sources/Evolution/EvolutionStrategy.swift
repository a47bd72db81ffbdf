import RLCore

/// The candidates of one generation: something a worker can turn into parameter vectors on its own.
///
/// Populations are descriptions (a mean, a step size, noise seeds), not matrices: member `m` is
/// written into the worker's buffer on demand, so memory does not grow with population × size, and
/// only seeds would ever need to cross a network.
public protocol CandidatePopulation: Sendable {
  /// Number of members to evaluate.
  var count: Int { get }
  /// Writes member `m`'s parameters into `buffer`.
  func write(member m: Int, into buffer: UnsafeMutableBufferPointer<Float>)
  /// Members with the same group index are evaluated on the same episode seeds (common random
  /// numbers, e.g. the two halves of a mirrored pair).
  func seedGroup(of member: Int) -> Int
}

/// What evaluating a population measured, by member index.
public struct MemberEvaluations: Sendable {
  /// Each member's fitness (its mean return; higher is better).
  public var fitness: [Double]
  /// Each member's behaviour descriptor (mean over its episodes), for novelty search; empty
  /// vectors when the task reports none.
  public var behaviors: [[Float]]

  public init(fitness: [Double], behaviors: [[Float]]? = nil) {
    self.fitness = fitness
    self.behaviors = behaviors ?? [[Float]](repeating: [], count: fitness.count)
  }
}

/// An ask/tell evolution strategy. It maximises fitness.
///
/// Fixed settings live in `Config`; everything that changes lives in `State`, a `Codable` value, so
/// a checkpoint is the encoded state and resuming is decoding it. Every method is a pure function
/// of its arguments: processes that hold the same state and see the same evaluations take the
/// same step, which is what lets MPI ranks stay in lockstep while exchanging only fitness values.
public protocol EvolutionStrategy: Sendable {
  associatedtype Config: AlgorithmConfig
  associatedtype State: Sendable & Codable & Equatable
  associatedtype Population: CandidatePopulation

  var config: Config { get }
  init(config: Config)

  /// The state before the first generation. `initialize(i)` is the i-th independent starting
  /// point (strategies with one search distribution use `initialize(0)`; NS-ES's meta-population
  /// uses one per agent).
  func initialState(initialize: (Int) -> [Float], seed: UInt64) -> State
  /// The candidates to evaluate in this generation.
  func ask(_ state: State) -> Population
  /// The next state, given what every member of `population` scored.
  func tell(_ state: State, population: Population, evaluations: MemberEvaluations) -> State
  /// The parameters to deploy from a state (the distribution's mean, for ES).
  func solution(_ state: State) -> [Float]
  /// The next state, after the training loop evaluated `solution(state)`: its mean return and
  /// behaviour. Strategies that learn from it (NS-ES archives the updated agent) override this.
  func observe(_ state: State, solutionReturn: Double, behavior: [Float]) -> State
  /// Whether a decoded state fits this config (sizes agree); checkpoints are checked with it.
  func isConsistent(_ state: State) -> Bool
  /// What makes this config unusable for a network of `parameterCount` weights, if anything.
  func problem(parameterCount: Int) -> String?
}

extension EvolutionStrategy {
  public func observe(_ state: State, solutionReturn: Double, behavior: [Float]) -> State { state }

  public func problem(parameterCount: Int) -> String? { nil }

  public func isConsistent(_ state: State) -> Bool { true }

  /// The initial state with every starting point equal to `parameters`.
  public func initialState(parameters: [Float], seed: UInt64) -> State {
    initialState(initialize: { _ in parameters }, seed: seed)
  }

  /// `tell` for tasks without behaviour descriptors.
  public func tell(_ state: State, population: Population, fitness: [Double]) -> State {
    tell(state, population: population, evaluations: MemberEvaluations(fitness: fitness))
  }
}
