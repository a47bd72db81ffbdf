// swift-tools-version: 6.1
import PackageDescription

// The environments are built with LLVM's SLP vectorizer held back: it packs theta with theta_dot
// into one register and lengthens CartPole's dependency chain (0.69x a C loop with it, ~0.9x
// without; ../shared/reference/platform.md). Switching it off program-wide would slow the SIMD
// kernels in Networks 3-11x, so the flag stays on this one target.
let environmentFlags: [SwiftSetting] = [.unsafeFlags(["-Xllvm", "-slp-threshold=1000"])]

let package = Package(
  name: "rollout",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "rollout", targets: ["rollout"]),
  ],
  traits: [
    .trait(name: "SDL", description: "SDL2 window for `rollout replay` (needs libsdl2-dev)."),
    .trait(name: "GIF", description: "Animated GIF recording through giflib (needs libgif-dev)."),
    .trait(name: "MPI", description: "Multi-process runs under Open MPI (needs libopenmpi-dev)."),
    .default(enabledTraits: []),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // MARK: Library modules (imports run one way: RLCore → … → Experiments → rollout)
    .target(name: "RLCore"),
    .target(
      name: "Environments", dependencies: ["RLCore"], path: "Environments",
      swiftSettings: environmentFlags),
    .target(name: "Networks", dependencies: ["RLCore"]),
    .target(name: "Evolution", dependencies: ["RLCore", "Networks"]),
    .target(name: "Evaluation", dependencies: ["RLCore", "Networks"]),
    .target(
      name: "Experiments",
      dependencies: ["RLCore", "Environments", "Networks", "Evolution", "Evaluation"]),
    .executableTarget(
      name: "rollout",
      dependencies: [
        "RLCore", "Environments", "Networks", "Evolution", "Evaluation", "Experiments",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // MARK: Tests
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "RLCoreTests", dependencies: ["RLCore", "TestSupport"]),
    .testTarget(
      name: "EnvironmentsTests", dependencies: ["Environments", "RLCore", "TestSupport"],
      exclude: ["Fixtures"]),
    .testTarget(name: "NetworksTests", dependencies: ["Networks", "RLCore"]),
    .testTarget(
      name: "EvolutionTests",
      dependencies: ["Evolution", "Evaluation", "Environments", "Networks", "RLCore"]),
    .testTarget(
      name: "ExperimentsTests",
      dependencies: ["Experiments", "Environments", "Evolution", "Networks", "RLCore", "TestSupport"]),
    .testTarget(name: "CLITests", dependencies: ["rollout", "TestSupport"]),
  ]
)
