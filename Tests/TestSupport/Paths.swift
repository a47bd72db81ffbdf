import Foundation
import Synchronization

/// Locations tests need: the package root and the built `rollout` binary.
public enum TestPaths {
  /// The package root (the folder holding Package.swift).
  public static let packageRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
      url.deleteLastPathComponent()
      if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        return url
      }
    }
    fatalError("Package.swift not found above \(#filePath)")
  }()

  /// A fresh, empty temporary directory, removed when the test process exits (kept when
  /// `ROLLOUT_KEEP_TEST_FILES` is set, to look at what a failing test wrote). Suites make one per
  /// test, and the runs, GIFs and checkpoints in them came to gigabytes a day in /tmp.
  public static func temporaryDirectory(_ label: String = "rollout-test") -> URL {
    _ = removedAtExit
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(label)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    created.withLock { $0.append(url) }
    return url
  }

  private static let created = Mutex<[URL]>([])

  private static let removedAtExit: Void = {
    atexit {
      guard ProcessInfo.processInfo.environment["ROLLOUT_KEEP_TEST_FILES"] == nil else { return }
      for url in TestPaths.created.withLock({ $0 }) { try? FileManager.default.removeItem(at: url) }
    }
  }()
}
