import LinuxSys

/// An error from a container operation (see `StepError`): "creating container: mount proc
/// on /proc: ...", with the failed system call under all the steps still a value.
public struct RuntimeError: StepError, Sendable {
    public let message: String
    public let cause: (any Error)?

    public init(message: String, cause: (any Error)?) {
        self.message = message
        self.cause = cause
    }
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
