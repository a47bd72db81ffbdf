import CZlib
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The CRC-32 (zlib's, as PNG and gzip use) of `bytes`.
public func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
  let array = Array(bytes)
  return array.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
}

/// Writes files so that a reader never sees a partial one: the bytes go to a temporary file in
/// the same directory, which is flushed to disk (`fsync`) and then renamed over the target; the
/// directory is synced too, so the rename survives a crash.
public enum AtomicFile {
  public static func write(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else {
      throw RolloutError("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
    var failure: String?
    data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        offset += n
      }
    }
    if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
    close(fd)
    if failure == nil, rename(temporary.path, url.path) != 0 {
      failure = String(cString: strerror(errno))
    }
    if let failure {
      unlink(temporary.path)
      throw RolloutError("cannot write \(url.path): \(failure)")
    }
    let dirfd = open(directory.path, O_RDONLY)
    if dirfd >= 0 {
      fsync(dirfd)
      close(dirfd)
    }
  }
}

extension AtomicFile {
  /// Deletes the temporary files that writers killed mid-write left in `directory`
  /// (`.NAME.PID.RANDOM.tmp` whose process is gone). Returns how many were removed.
  @discardableResult
  public static func removeStaleTemporaries(in directory: URL) -> Int {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return 0 }
    var removed = 0
    for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
      let parts = name.dropLast(4).split(separator: ".")
      guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { continue }
      if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
        if unlink(directory.appendingPathComponent(name).path) == 0 { removed += 1 }
      }
    }
    return removed
  }
}

/// Creates `url` and its parents, or explains in one line why it could not.
public func createDirectory(_ url: URL) throws {
  var isDirectory: ObjCBool = false
  if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
    guard isDirectory.boolValue else {
      throw RolloutError("\(url.path) exists and is not a directory")
    }
    return
  }
  do {
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  } catch {
    throw RolloutError("cannot create directory \(url.path): \(error.localizedDescription)")
  }
}
