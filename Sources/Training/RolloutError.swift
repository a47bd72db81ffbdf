/// An error meant for a person: one line that names the problem and, where there is one, the fix.
public struct RolloutError: Error, CustomStringConvertible, Sendable {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}
