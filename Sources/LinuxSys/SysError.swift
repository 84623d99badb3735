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
