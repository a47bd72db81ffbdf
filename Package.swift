// swift-tools-version: 6.1
import PackageDescription

// LLVM's SLP vectorizer slows CartPole's step by a quarter (Benchmarks/results/slp.md). Env steps
// are inlined where the generic loops are specialised, so the flag goes on the targets that
// specialise them: Environments, Training and rollout (eval, bench).
let environmentFlags: [SwiftSetting] = [
  .unsafeFlags(["-Xllvm", "-slp-threshold=1000"]),
]

// The network kernels are C (Sources/CVectorMath) compiled for every instruction set at once and
// chosen at run time, so no build needs a CPU flag. Training loops in the test suite run through
// them: unoptimised they are ~30× slower, so debug builds optimise them too (the rest of a debug
// build stays debuggable).
let kernelFlags: [SwiftSetting] = [
  .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
  name: "rollout",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "rollout", targets: ["rollout"]),
  ],
  traits: [
    .trait(name: "SDL", description: "SDL2 window for `rollout replay` (needs libsdl2-dev)."),
    .trait(name: "GIF", description: "Tests decode rollout's GIFs with giflib (needs libgif-dev); recording needs no trait."),
    .trait(name: "MPI", description: "Multi-process runs under Open MPI (needs libopenmpi-dev)."),
    // Kept so that build scripts naming them still work: the kernels pick AVX2 or AVX-512 at run time.
    .trait(name: "AVX2", description: "Deprecated, no effect: every build picks AVX-512, AVX2 + FMA or NEON at run time."),
    .trait(name: "AVX512", description: "Deprecated, no effect: every build picks AVX-512, AVX2 + FMA or NEON at run time."),
    .default(enabledTraits: []),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // MARK: Library modules (imports run one way: RLCore → … → Training → rollout)
    .target(name: "RLCore"),
    .target(
      name: "Environments", dependencies: ["RLCore"], path: "Environments",
      // Optimised in debug builds too: the MinAtar fidelity tests play millions of frames.
      swiftSettings: environmentFlags + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    .target(name: "Networks", dependencies: ["RLCore", "CVectorMath"], swiftSettings: kernelFlags),
    .target(name: "Evolution", dependencies: ["RLCore", "Networks"]),
    .target(name: "Evaluation", dependencies: ["RLCore", "Networks"]),
    .target(
      name: "PolicyGradient", dependencies: ["RLCore", "Networks", "Cluster"], swiftSettings: environmentFlags + kernelFlags),
    .target(name: "Cluster", dependencies: [.target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
    .target(
      name: "Rendering",
      dependencies: [
        "RLCore", "CZlib",
        .target(name: "CSDL2", condition: .when(traits: ["SDL"])),
      ]),
    .target(
      name: "Training",
      dependencies: ["RLCore", "Environments", "Networks", "Evolution", "Evaluation", "PolicyGradient", "Cluster", "CZlib"],
      // The shipped experiments (`experiments/` links here), compiled into the binary so that
      // `rollout compare <name>` works from any directory.
      resources: [.embedInCode("Comparison/Experiments")],
      swiftSettings: environmentFlags),
    .executableTarget(
      name: "rollout",
      dependencies: [
        "RLCore", "Environments", "Networks", "Evolution", "Evaluation", "PolicyGradient", "Training", "Rendering", "Cluster",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ], swiftSettings: environmentFlags),

    // MARK: C libraries (system library targets; glue lives in each shim.h, never in a C target)
    .systemLibrary(name: "CVectorMath", path: "Sources/CVectorMath"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CGif", path: "Sources/CGif", providers: [.apt(["libgif-dev"])]),
    .systemLibrary(name: "CSDL2", path: "Sources/CSDL2", providers: [.apt(["libsdl2-dev"])]),
    .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),

    // MARK: Tests
    // Optimised in debug builds too: the MinAtar controllers play hundreds of thousands of frames.
    .target(
      name: "TestSupport", dependencies: ["CZlib"], path: "Tests/TestSupport",
      swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    .testTarget(name: "RLCoreTests", dependencies: ["RLCore", "TestSupport"]),
    .testTarget(
      name: "EnvironmentsTests", dependencies: ["Environments", "Evaluation", "Networks", "RLCore", "TestSupport"],
      exclude: ["Fixtures"]),
    .testTarget(name: "NetworksTests", dependencies: ["Networks", "RLCore"]),
    .testTarget(
      name: "EvolutionTests",
      dependencies: ["Evolution", "Evaluation", "Environments", "Networks", "RLCore"]),
    .testTarget(
      name: "TrainingTests",
      dependencies: ["Training", "Environments", "Evolution", "Networks", "PolicyGradient", "RLCore", "TestSupport"]),
    .testTarget(
      name: "PolicyGradientTests", dependencies: ["PolicyGradient", "Networks", "Environments", "RLCore"]),
    .testTarget(name: "CLITests", dependencies: ["rollout", "Networks", "Training", "TestSupport"]),
    .testTarget(name: "ClusterTests", dependencies: ["Cluster"]),
    .testTarget(
      name: "RenderingTests",
      dependencies: [
        "Rendering", "RLCore", "Environments", "CZlib",
        .target(name: "CGif", condition: .when(traits: ["GIF"])),
        .target(name: "CSDL2", condition: .when(traits: ["SDL"])),
      ]),
  ]
)
