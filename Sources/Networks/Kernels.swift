#if AVX512 && arch(x86_64)
  import CVectorMath
#endif

/// Which network kernels this build carries, and what they need from the CPU.
///
/// The default build runs everywhere (SSE2 on x86-64, NEON on ARM); `AVX2` compiles the same
/// Swift kernels for Haswell-class CPUs, with the same results; `AVX512` replaces the wide
/// matrix kernels and tanh with 16-lane fused multiply-adds (`Sources/CVectorMath/shim.h`), whose
/// results differ from the other builds in the last bits. A CPU without AVX-512F would stop on
/// an illegal instruction in the middle of a run, so rollout checks first. Off x86-64 both
/// traits are ignored.
public enum Kernels {
  /// The instruction set the kernels were compiled for, as the bench reports it.
  public static var name: String {
    #if AVX512 && arch(x86_64)
      "AVX-512 fused multiply-adds"
    #elseif AVX2 && arch(x86_64)
      "AVX2"
    #else
      "baseline SIMD"
    #endif
  }

  /// Whether the kernels use AVX-512F instructions.
  public static var needAVX512F: Bool {
    #if AVX512 && arch(x86_64)
      true
    #else
      false
    #endif
  }

  /// Whether this CPU has AVX-512F (only builds with the trait ask it).
  public static var cpuHasAVX512F: Bool {
    #if AVX512 && arch(x86_64)
      rollout_cpu_has_avx512f() != 0
    #else
      false
    #endif
  }

  /// Why kernels that need AVX-512F (or not) cannot run on a CPU that has it (or not), in one
  /// line; nil when they can.
  public static func problem(needAVX512F: Bool, cpuHasAVX512F: Bool) -> String? {
    guard needAVX512F, !cpuHasAVX512F else { return nil }
    return "this rollout was built with the AVX512 trait, but this CPU lacks AVX-512F; "
      + "rebuild without it (swift build -c release --traits AVX2)"
  }

  /// `problem` for this build on this CPU.
  public static var problemHere: String? { problem(needAVX512F: needAVX512F, cpuHasAVX512F: cpuHasAVX512F) }
}
