/// The shipped experiments: the files in `experiments/`, compiled into the binary
/// (`.embedInCode`), so `rollout compare <name>` works from any directory. A new file needs its
/// line here; a test checks that every file has one.
public enum BuiltinExperiments {
  public static let all: [String: String] = [
    "asterix": PackageResources.asterix_json,
    "breakout": PackageResources.breakout_json,
    "cartpole": PackageResources.cartpole_json,
    "freeway": PackageResources.freeway_json,
    "hard-maze": PackageResources.hard_maze_json,
    "medium-maze": PackageResources.medium_maze_json,
    "seaquest": PackageResources.seaquest_json,
    "space-invaders": PackageResources.space_invaders_json,
  ].mapValues { String(decoding: $0, as: UTF8.self) }
}
