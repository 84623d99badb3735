#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A cgroup operation that failed: what was being done, on which path, and why (an errno
/// or a reason in words). Reads like runc's errors, e.g.
/// `writing 1048576 to /sys/fs/cgroup/memory/x/memory.limit_in_bytes: device or resource busy`
/// or `linux.resources.hugepageLimits: the hugetlb controller is not available`.
public struct CgroupError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done ("writing 1048576 to", "rmdir") or the config field at fault.
    public let step: String
    /// The file or directory involved, if any.
    public let path: String?
    /// The errno of a failed system call, if that is the cause.
    public let errno: Int32?
    /// The cause in words when it is not (only) an errno.
    public let reason: String?

    public init(_ step: String, path: String? = nil, errno: Int32? = nil, reason: String? = nil) {
        self.step = step
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    /// A config field that cannot be honoured: `linux.resources.pids: the pids controller is not available`.
    static func field(_ field: String, _ reason: String) -> CgroupError {
        CgroupError(field, reason: reason)
    }

    /// Wraps a failed system call, keeping its errno and path.
    init(_ step: String, _ error: SysError, reason: String? = nil) {
        self.init(step, path: error.path, errno: error.errno, reason: reason)
    }

    public var description: String {
        var text = step
        if let path { text += " " + path }
        var causes: [String] = []
        if let reason { causes.append(reason) }
        if let errno { causes.append(Self.errnoText(errno)) }
        if !causes.isEmpty { text += ": " + causes.joined(separator: ": ") }
        return text
    }

    /// strerror(3) text with a lower-case first letter, as Go (and so runc) prints errno.
    static func errnoText(_ errno: Int32) -> String {
        let text = String(cString: strerror(errno))
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
