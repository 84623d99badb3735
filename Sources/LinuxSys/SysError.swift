#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: what was being done, on which path (if any), and errno.
public struct SysError: Error, CustomStringConvertible, Sendable, Equatable {
    public let operation: String
    public let path: String?
    public let errno: Int32

    public init(_ operation: String, path: String? = nil, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// The errno text, as strerror(3) gives it.
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        if let path { return "\(operation) \(path): \(reason)" }
        return "\(operation): \(reason)"
    }
}

/// Captures errno into a `SysError` when a call returned -1.
@inline(__always)
@discardableResult
public func check(_ result: Int32, _ operation: @autoclosure () -> String, path: String? = nil) throws(SysError) -> Int32 {
    if result < 0 { throw SysError(operation(), path: path, errno: errno) }
    return result
}

/// Retries a call interrupted by a signal (EINTR), then checks it.
@inline(__always)
@discardableResult
public func retrying(_ operation: @autoclosure () -> String, path: String? = nil, _ call: () -> Int32) throws(SysError) -> Int32 {
    while true {
        let result = call()
        if result >= 0 { return result }
        if errno == EINTR { continue }
        throw SysError(operation(), path: path, errno: errno)
    }
}

/// An error that wraps a lower-level one (a step and its cause), such as Rootfs's and
/// Runtime's: the chain of causes ends, when a system call failed, at its `SysError`.
public protocol CausedError: Error {
    var cause: (any Error)? { get }
}

/// An error of a module above LinuxSys (Rootfs, Runtime): it reads as a path from what was
/// being done to why it failed ("mounts[2] (/proc): mount proc on /proc: Operation not
/// permitted", as runc's errors read), and keeps its cause as a value, so a caller can still
/// ask for the errno (`sysError`). Each module has its own type, so that a typed `throws`
/// says which layer an error comes from.
public protocol StepError: CausedError, CustomStringConvertible {
    /// What was being done, or, without a cause, what is wrong.
    var message: String { get }
    init(message: String, cause: (any Error)?)
}

extension StepError {
    public init(_ message: String) {
        self.init(message: message, cause: nil)
    }

    /// A lower-level error with the step that was being taken.
    public init(_ step: String, _ cause: any Error) {
        self.init(message: step, cause: cause)
    }

    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }
}

extension CausedError {
    /// The failed system call at the root of the chain, if one was.
    public var sysError: SysError? {
        var next = cause
        while let error = next {
            if let sys = error as? SysError { return sys }
            next = (error as? any CausedError)?.cause
        }
        return nil
    }
}
