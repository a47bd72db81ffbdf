import Foundation
import Synchronization

/// Ctrl-C and SIGTERM during training: the first asks the run to stop after the current
/// generation (checkpoint and policy written), a second ends the process at once. Files are only
/// ever replaced by atomic renames, so even that leaves nothing half-written.
enum Interrupts {
  private static let count = Atomic<Int>(0)
  private static let lastSignal = Atomic<Int32>(0)

  static func install() {
    // A parent may have started us with these signals blocked (the mask is inherited); unblock.
    var mask = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGINT)
    sigaddset(&mask, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    for sig in [SIGINT, SIGTERM] {
      signal(sig) { received in
        Interrupts.lastSignal.store(received, ordering: .relaxed)
        if Interrupts.count.add(1, ordering: .relaxed).newValue >= 2 {
          _exit(128 + received)
        }
      }
    }
  }

  /// Whether a stop was asked for.
  static var requested: Bool { count.load(ordering: .relaxed) > 0 }

  /// 130 after SIGINT, 143 after SIGTERM.
  static var exitCode: Int32 { 128 + lastSignal.load(ordering: .relaxed) }
}
