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

/// An ask/tell evolution strategy. It maximises fitness.
///
/// Fixed settings live in `Config`; everything that changes lives in `State`, a `Codable` value, so
/// a checkpoint is the encoded state and resuming is decoding it.
public protocol EvolutionStrategy: Sendable {
  associatedtype Config: Sendable & Codable & Equatable
  associatedtype State: Sendable & Codable & Equatable
  associatedtype Population: CandidatePopulation

  var config: Config { get }

  /// The state before the first generation, starting from `parameters`.
  func initialState(parameters: [Float], seed: UInt64) -> State
  /// The candidates to evaluate in this generation.
  func ask(_ state: State) -> Population
  /// The next state, given the fitness of every member of `population` (higher is better).
  func tell(_ state: State, population: Population, fitness: [Double]) -> State
  /// The parameters to deploy from a state (the distribution's mean, for ES).
  func solution(_ state: State) -> [Float]
}
