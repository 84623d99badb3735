import LinuxSys

/// An error from setting up a container's filesystem. It reads as a path from what was
/// being done to why it failed ("mounts[2] (/proc): mount proc on /proc: Operation not
/// permitted"), and keeps its cause as a value, so a caller can still ask for the errno.
public struct RootfsError: CausedError, CustomStringConvertible, Sendable {
    /// What was being done, or, without a cause, what is wrong.
    public let message: String
    public let cause: (any Error)?

    public init(_ message: String) {
        self.message = message
        cause = nil
    }

    /// A lower-level error with the step that was being taken.
    public init(_ step: String, _ cause: any Error) {
        message = step
        self.cause = cause
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }
}

/// Runs a step and labels any error with it.
@inline(__always)
func step<T>(_ name: @autoclosure () -> String, _ body: () throws -> T) throws(RootfsError) -> T {
    do { return try body() } catch {
        throw RootfsError(name(), error)
    }
}
