#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import LinuxSys

/// A seccomp profile that cannot be compiled, or a filter that cannot be loaded or handed
/// to its listener. The step is the JSON path of the field at fault or what was being done:
/// `linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"`,
/// `loading the seccomp filter: invalid argument`.
public struct SeccompError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The config field at fault (`linux.seccomp.architectures[1]`) or the step that failed.
    public let step: String
    /// The cause in words, when it is not (only) an errno.
    public let reason: String?
    /// The errno of a failed call, if that is the cause.
    public let errno: Int32?

    public init(_ step: String, reason: String? = nil, errno: Int32? = nil) {
        self.step = step
        self.reason = reason
        self.errno = errno
    }

    /// Wraps a failed system call from LinuxSys, keeping its errno.
    init(_ step: String, _ error: SysError) {
        self.init(step, reason: error.path.map { "\(error.operation) \($0)" } ?? error.operation, errno: error.errno)
    }

    /// A libseccomp call that returned a negative errno.
    static func libseccomp(_ step: String, _ result: Int32) -> SeccompError {
        SeccompError(step, errno: -result)
    }

    public var description: String {
        var causes: [String] = []
        if let reason { causes.append(reason) }
        if let errno { causes.append(Self.errnoText(errno)) }
        return causes.isEmpty ? step : step + ": " + causes.joined(separator: ": ")
    }

    /// strerror(3) text with a lower-case first letter, as Go (and so runc) prints errno.
    static func errnoText(_ errno: Int32) -> String {
        let text = String(cString: strerror(errno))
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

/// JSON paths under `linux.seccomp`, rendered as the OCISpec validator renders them.
enum SeccompPath {
    static let root = "linux.seccomp"
    static let defaultAction = root + ".defaultAction"
    static func architecture(_ i: Int) -> String { root + ".architectures[\(i)]" }
    static func flag(_ i: Int) -> String { root + ".flags[\(i)]" }
    static func rule(_ i: Int) -> String { root + ".syscalls[\(i)]" }
    static func name(_ i: Int, _ j: Int) -> String { rule(i) + ".names[\(j)]" }
    static func arg(_ i: Int, _ j: Int) -> String { rule(i) + ".args[\(j)]" }
}

/// Quotes a config value in an error message.
func quoted(_ value: String) -> String {
    "\"" + value + "\""
}
