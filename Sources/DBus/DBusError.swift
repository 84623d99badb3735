#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A D-Bus failure: what was being done, on which bus, and the cause: an errno, a
/// message that broke the wire format, or an error reply (its D-Bus name and text).
public struct DBusError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done: "connecting to the system bus", "calling org.freedesktop.systemd1.Manager.StartTransientUnit".
    public var step: String
    /// The bus address, when known.
    public var bus: String?
    /// The errno of a failed system call.
    public var errno: Int32?
    /// An error reply's name, "org.freedesktop.systemd1.NoSuchUnit".
    public var name: String?
    /// The cause in words.
    public var reason: String?

    public init(_ step: String, bus: String? = nil, errno: Int32? = nil, name: String? = nil, reason: String? = nil) {
        self.step = step
        self.bus = bus
        self.errno = errno
        self.name = name
        self.reason = reason
    }

    init(_ step: String, bus: String?, _ error: SysError) {
        self.init(step, bus: bus, errno: error.errno, reason: error.path.map { "\(error.operation) \($0)" } ?? error.operation)
    }

    /// Bytes that are not a valid D-Bus message; the step is filled in by whoever reads them.
    static func malformed(_ reason: String) -> DBusError {
        DBusError("reading a D-Bus message", reason: reason)
    }

    public var description: String { text(withErrno: true) }

    /// The description without the errno's text, for an error that carries the errno
    /// itself and prints it once (CgroupError).
    public var descriptionWithoutErrno: String { text(withErrno: false) }

    private func text(withErrno: Bool) -> String {
        var text = step
        if let bus { text += " (\(bus))" }
        var causes: [String] = []
        if let name { causes.append(name) }
        if let reason { causes.append(reason) }
        if withErrno, let errno { causes.append(String(cString: strerror(errno))) }
        if !causes.isEmpty { text += ": " + causes.joined(separator: ": ") }
        return text
    }
}
