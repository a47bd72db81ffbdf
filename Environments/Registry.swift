import RLCore

/// An environment built from a typed, `Codable` configuration (recorded in every policy file).
public protocol ConfigurableEnvironment: Environment {
  associatedtype Config: Sendable & Equatable & Codable
  init(config: Config)
  var config: Config { get }
  /// The settings used when the user gives none.
  static var defaultConfig: Config { get }
}

extension ConfigurableEnvironment {
  /// An environment of this type with default settings.
  public static func makeDefault() -> any ConfigurableEnvironment {
    Self(config: defaultConfig)
  }
}

/// One registered environment: its names and its type.
public struct EnvironmentEntry: Sendable {
  /// The short name used on the command line (`cartpole`).
  public let name: String
  /// The Gymnasium-style id (`CartPole-v1`).
  public let id: String
  /// One line for `rollout envs`.
  public let summary: String
  /// The type, which knows how to build itself from a config.
  public let type: any ConfigurableEnvironment.Type

  /// A fresh environment with default settings.
  public func make() -> any ConfigurableEnvironment {
    type.makeDefault()
  }
}

/// The environments rollout knows, looked up by short name or Gymnasium id (case-insensitive).
public enum EnvironmentRegistry {
  public static let entries: [EnvironmentEntry] = [
    EnvironmentEntry(
      name: "cartpole", id: "CartPole-v1",
      summary: "balance a pole on a moving cart (Gymnasium classic control)",
      type: CartPole.self),
    EnvironmentEntry(
      name: "acrobot", id: "Acrobot-v1",
      summary: "swing a two-link arm's tip above a line (Gymnasium classic control)",
      type: Acrobot.self),
    EnvironmentEntry(
      name: "mountaincar", id: "MountainCar-v0",
      summary: "rock an underpowered car out of a valley (Gymnasium classic control)",
      type: MountainCar.self),
    EnvironmentEntry(
      name: "mountaincar-continuous", id: "MountainCarContinuous-v0",
      summary: "MountainCar with a continuous engine and a goal bonus (Gymnasium classic control)",
      type: MountainCarContinuous.self),
    EnvironmentEntry(
      name: "pendulum", id: "Pendulum-v1",
      summary: "swing a pendulum up and hold it upright (Gymnasium classic control)",
      type: Pendulum.self),
  ]

  /// The short names, in registry order.
  public static var names: [String] { entries.map(\.name) }

  /// The entry for a short name or id, or nil.
  public static func entry(named name: String) -> EnvironmentEntry? {
    let key = name.lowercased()
    return entries.first { $0.name == key || $0.id.lowercased() == key }
  }
}

/// Something to do with an environment whose concrete type is known: generic code called from
/// `visit` is specialised for that type, which a call through `any Environment` would not be.
public protocol EnvironmentVisitor {
  associatedtype Output
  func visit<E: ConfigurableEnvironment>(_ environment: E) throws -> Output
}

extension EnvironmentRegistry {
  /// Calls `visitor` with the environment as its concrete type.
  ///
  /// Each registered type is tried in turn, so the visitor's hot loops are compiled for it
  /// (an existential step costs 13–25 % on CartPole); an unknown type still works, unspecialised.
  @inlinable
  public static func open<V: EnvironmentVisitor>(
    _ environment: any ConfigurableEnvironment, with visitor: V
  ) throws -> V.Output {
    if let env = environment as? CartPole { return try visitor.visit(env) }
    if let env = environment as? Acrobot { return try visitor.visit(env) }
    if let env = environment as? MountainCar { return try visitor.visit(env) }
    if let env = environment as? MountainCarContinuous { return try visitor.visit(env) }
    if let env = environment as? Pendulum { return try visitor.visit(env) }
    return try visitor.visit(environment)
  }
}
