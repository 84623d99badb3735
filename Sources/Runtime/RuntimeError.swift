import LinuxSys

/// An error from a container operation. The message reads as a path from what was
/// being done to why it failed, as runc's do: "creating container: mount proc on /proc: ...".
/// The cause stays a value: `sysError` is the failed system call under all the steps.
public struct RuntimeError: CausedError, CustomStringConvertible, Sendable {
    public let message: String
    /// The lower-level error this one wraps, if any.
    public let cause: (any Error)?

    public init(_ message: String) {
        self.message = message
        cause = nil
    }

    /// Prefixes a lower-level error with the step that was being taken.
    public init(_ step: String, _ cause: any Error) {
        self.message = "\(step): \(cause)"
        self.cause = cause
    }

    public var description: String { message }
}

extension RuntimeError {
    static func notExist(_ id: String) -> RuntimeError {
        RuntimeError("container \"\(id)\" does not exist")
    }
}

/// Runs a step and labels any error with it.
@inline(__always)
func step<T>(_ name: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch {
        throw RuntimeError(name(), error)
    }
}

extension RuntimeError {
    /// A command that needs a live container found a stopped one. The words "container not
    /// running" are runc's, which containerd's shim looks for to tell this case apart.
    static func notRunning(_ id: String) -> RuntimeError {
        RuntimeError("container not running (container \"\(id)\" has stopped)")
    }
}
