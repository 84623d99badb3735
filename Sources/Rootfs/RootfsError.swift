import LinuxSys

/// An error from setting up a container's filesystem (see `StepError`).
public struct RootfsError: StepError, Sendable {
    public let message: String
    public let cause: (any Error)?

    public init(message: String, cause: (any Error)?) {
        self.message = message
        self.cause = cause
    }
}

/// Runs a step and labels any error with it.
@inline(__always)
func step<T>(_ name: @autoclosure () -> String, _ body: () throws -> T) throws(RootfsError) -> T {
    do { return try body() } catch {
        throw RootfsError(name(), error)
    }
}
