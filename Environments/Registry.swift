import RLCore

/// An environment built from a typed, `Codable` configuration (recorded in every policy file).
public protocol ConfigurableEnvironment: Environment, Codable {
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

/// One registered environment: its names, its type and its default settings.
public struct EnvironmentEntry: Sendable {
  /// The short name used on the command line (`cartpole`).
  public let name: String
  /// The Gymnasium-style id (`CartPole-v1`).
  public let id: String
  /// Other names that find this entry (`maze` for the medium maze).
  public let aliases: [String]
  /// One line for `rollout envs`.
  public let summary: String
  /// The type, which knows how to build itself from a config.
  public let type: any ConfigurableEnvironment.Type
  private let makeDefault: @Sendable () -> any ConfigurableEnvironment

  public init<E: ConfigurableEnvironment>(
    name: String, id: String, aliases: [String] = [], summary: String, type: E.Type,
    config: E.Config = E.defaultConfig
  ) {
    self.name = name
    self.id = id
    self.aliases = aliases
    self.summary = summary
    self.type = type
    makeDefault = { E(config: config) }
  }

  /// A fresh environment with this entry's default settings.
  public func make() -> any ConfigurableEnvironment {
    makeDefault()
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
    EnvironmentEntry(
      name: "medium-maze", id: "MediumMaze-v0", aliases: ["maze"],
      summary: "Lehman & Stanley's medium deceptive maze (a robot with rangefinders and a goal radar)",
      type: Maze.self, config: Maze.Config(layout: BuiltinMazes.medium)),
    EnvironmentEntry(
      name: "hard-maze", id: "HardMaze-v0",
      summary: "Lehman & Stanley's hard deceptive maze: the reward leads into a dead end",
      type: Maze.self, config: Maze.Config(layout: BuiltinMazes.hard)),
    EnvironmentEntry(
      name: "breakout", id: "MinAtar/Breakout-v0",
      summary: "MinAtar Breakout: bounce the ball off a paddle into three rows of bricks (10×10×4 grid)",
      type: MinAtar<Breakout>.self),
    EnvironmentEntry(
      name: "freeway", id: "MinAtar/Freeway-v0",
      summary: "MinAtar Freeway: get the chicken across eight lanes of traffic (10×10×7 grid)",
      type: MinAtar<Freeway>.self),
    EnvironmentEntry(
      name: "asterix", id: "MinAtar/Asterix-v0",
      summary: "MinAtar Asterix: collect gold, dodge enemies crossing the rows (10×10×4 grid)",
      type: MinAtar<Asterix>.self),
    EnvironmentEntry(
      name: "space-invaders", id: "MinAtar/SpaceInvaders-v0",
      summary: "MinAtar Space Invaders: shoot the descending alien block (10×10×6 grid)",
      type: MinAtar<SpaceInvaders>.self),
    EnvironmentEntry(
      name: "seaquest", id: "MinAtar/Seaquest-v0",
      summary: "MinAtar Seaquest: shoot enemies, rescue divers, surface for oxygen (10×10×10 grid)",
      type: MinAtar<Seaquest>.self),
  ]

  /// The short names, in registry order.
  public static var names: [String] { entries.map(\.name) }

  /// The entry for a short name, alias or id (case-insensitive), or nil.
  public static func entry(named name: String) -> EnvironmentEntry? {
    let key = name.lowercased()
    return entries.first { $0.name == key || $0.id.lowercased() == key || $0.aliases.contains(key) }
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
    if let env = environment as? Maze { return try visitor.visit(env) }
    if let env = environment as? MinAtar<Breakout> { return try visitor.visit(env) }
    if let env = environment as? MinAtar<Freeway> { return try visitor.visit(env) }
    if let env = environment as? MinAtar<Asterix> { return try visitor.visit(env) }
    if let env = environment as? MinAtar<SpaceInvaders> { return try visitor.visit(env) }
    if let env = environment as? MinAtar<Seaquest> { return try visitor.visit(env) }
    return try visitor.visit(environment)
  }
}
