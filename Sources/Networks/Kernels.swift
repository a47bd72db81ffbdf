import CVectorMath

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An instruction set the network kernels are compiled for. One binary carries every path its
/// architecture has (x86-64: scalar, SSE2, AVX2 + FMA, AVX-512F; arm64: scalar, NEON) and uses
/// the widest the CPU runs, or the one `ROLLOUT_KERNELS` names.
///
/// Every path computes the same bits: a·b + c is one fused multiply-add everywhere (libm's
/// `fmaf` on the scalar path, an exact double-precision emulation on SSE2, which predates FMA
/// instructions) and each output's sum runs in one order set by the layer's shape,
/// not by the vector width (`Sources/CVectorMath/kernels.inc`). So a policy, a checkpoint and a
/// seed's result are the same on every machine, not only for every thread count.
public enum KernelPath: String, Sendable, CaseIterable {
  case scalar, sse2, avx2, avx512, neon

  /// Widest first: what `auto` tries in turn.
  static let preference: [KernelPath] = [.avx512, .avx2, .neon, .sse2, .scalar]

  /// Whether this binary carries the path and this CPU runs it.
  public var isAvailable: Bool {
    switch self {
    case .scalar: return true
    case .sse2:
      #if arch(x86_64)
        return true
      #else
        return false
      #endif
    case .avx2:
      #if arch(x86_64)
        return rollout_cpu_has_avx2_fma() != 0
      #else
        return false
      #endif
    case .avx512:
      #if arch(x86_64)
        return rollout_cpu_has_avx512f() != 0
      #else
        return false
      #endif
    case .neon:
      #if arch(arm64)
        return true
      #else
        return false
      #endif
    }
  }

  /// How `rollout bench learner` and the progress header name it.
  public var description: String {
    switch self {
    case .scalar: "scalar (libm fmaf)"
    case .sse2: "SSE2 (exact FMA emulation)"
    case .avx2: "AVX2 + FMA"
    case .avx512: "AVX-512F"
    case .neon: "NEON"
    }
  }
}

/// The kernels of one path, as C function pointers.
public struct KernelTable: @unchecked Sendable {
  public let path: KernelPath
  @usableFromInline let mlpForward:
    @convention(c) (
      UnsafePointer<Int>?, Int, Int32, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?
    ) -> UnsafeMutablePointer<Float>?
  @usableFromInline let denseRows:
    @convention(c) (
      UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, UnsafePointer<Float>?, Int, UnsafeMutablePointer<Float>?,
      UnsafePointer<Float>?
    ) -> Void
  @usableFromInline let denseRow:
    @convention(c) (
      UnsafePointer<Float>?, Int, UnsafePointer<Float>?, UnsafePointer<Float>?, Int, UnsafeMutablePointer<Float>?
    ) -> Void
  @usableFromInline let outer:
    @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, Int, Int, Int, UnsafeMutablePointer<Float>?, Int32)
      -> Void
  @usableFromInline let activate: @convention(c) (UnsafeMutablePointer<Float>?, Int, Int32) -> Void
  @usableFromInline let activationGradient: @convention(c) (UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, Int, Int32) -> Void
  @usableFromInline let sumRows: @convention(c) (UnsafePointer<Float>?, Int, Int, UnsafeMutablePointer<Float>?) -> Void
  @usableFromInline let adam:
    @convention(c) (
      UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
      Int, Float, Float, Float, Float, Float, Float, Float
    ) -> Void
  @usableFromInline let rmsprop:
    @convention(c) (
      UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int, Float, Float, Float, Float
    ) -> Void

  /// The table of `path`, or nil when this binary does not carry it (NEON on x86-64, AVX on arm64).
  public init?(_ path: KernelPath) {
    let table: rollout_kernel_table
    switch path {
    case .scalar: table = rollout_kernels_scalar()
    #if arch(x86_64)
      case .sse2: table = rollout_kernels_sse2()
      case .avx2: table = rollout_kernels_avx2()
      case .avx512: table = rollout_kernels_avx512()
    #endif
    #if arch(arm64)
      case .neon: table = rollout_kernels_neon()
    #endif
    default: return nil
    }
    self.path = path
    mlpForward = table.mlp_forward!
    denseRows = table.dense_rows!
    denseRow = table.dense_row!
    outer = table.outer!
    activate = table.activate!
    activationGradient = table.activation_gradient!
    sumRows = table.sum_rows!
    adam = table.adam!
    rmsprop = table.rmsprop!
  }
}

/// Which kernels this process runs: chosen once, when first used, from `ROLLOUT_KERNELS`
/// (`scalar`, `avx2`, `avx512`, `neon` or `auto`, the default: the widest the CPU runs).
public enum Kernels {
  /// The environment variable that forces a path.
  public static let variable = "ROLLOUT_KERNELS"

  /// The paths this binary carries and this CPU runs, widest first.
  public static var available: [KernelPath] { KernelPath.preference.filter(\.isAvailable) }

  /// The path a `ROLLOUT_KERNELS` value asks for (nil or "auto": the widest available), or a
  /// one-line reason why it cannot be had.
  public static func choose(_ setting: String?, available: [KernelPath]) -> Result<KernelPath, KernelChoiceError> {
    let value = (setting ?? "").trimmingWhitespace.lowercased()
    if value.isEmpty || value == "auto" { return .success(available.first ?? .scalar) }
    guard let path = KernelPath(rawValue: value) else {
      let names = (KernelPath.allCases.map(\.rawValue) + ["auto"]).joined(separator: ", ")
      return .failure(KernelChoiceError("\(variable)=\(setting ?? "") is not a kernel path; use one of: \(names)"))
    }
    guard available.contains(path) else {
      let names = (available.map(\.rawValue) + ["auto"]).joined(separator: ", ")
      return .failure(
        KernelChoiceError("\(variable)=\(value): this CPU or binary lacks \(path.description); use one of: \(names)"))
    }
    return .success(path)
  }

  private static let choice = choose(getenv(variable).map { String(cString: $0) }, available: available)

  /// Why the `ROLLOUT_KERNELS` setting cannot be honoured, in one line; nil when it can. The CLI
  /// stops on it before doing anything; a library user who ignores it gets the widest path.
  public static var problem: String? {
    if case .failure(let error) = choice { return error.message }
    return nil
  }

  /// The kernels in use.
  public static let active: KernelTable = {
    switch choice {
    case .success(let path): return KernelTable(path)!
    case .failure: return KernelTable(available.first ?? .scalar)!
    }
  }()

  /// The path in use, as the bench and the progress header name it.
  public static var name: String { active.path.description }
}

/// A `ROLLOUT_KERNELS` value that cannot be honoured.
public struct KernelChoiceError: Error, Equatable {
  public let message: String
  init(_ message: String) { self.message = message }
}

extension String {
  fileprivate var trimmingWhitespace: String {
    String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
  }
}
