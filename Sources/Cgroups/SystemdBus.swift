#if canImport(Glibc)
import Glibc
#endif
import CSystemd

/// How a job systemd ran for us ended.
public enum SystemdJobOutcome: Sendable, Equatable {
    /// The job's result, from JobRemoved: "done", "failed", "timeout", "canceled" ...
    case finished(String)
    /// StartTransientUnit refused: a unit of that name is loaded already.
    case unitExists
    /// StopUnit refused: no unit of that name is loaded.
    case noSuchUnit
}

/// What the systemd driver asks of systemd's manager (org.freedesktop.systemd1.Manager).
/// `SDBusConnection` is the real thing; tests put a double in its place.
public protocol SystemdConnection: AnyObject {
    /// The manager's Version as a number ("252.22-1~deb12u1" -> 252); -1 if unreadable.
    var version: Int { get }
    /// StartTransientUnit(name, "replace", properties, []), then waits for its job.
    func startTransientUnit(_ name: String, properties: [UnitProperty], timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome
    /// StopUnit(name, "replace"), then waits for its job.
    func stopUnit(_ name: String, timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome
    /// SetUnitProperties(name, runtime=true, properties).
    func setUnitProperties(_ name: String, properties: [UnitProperty]) throws(CgroupError)
    /// ResetFailedUnit(name), so that systemd forgets a failed unit of that name.
    func resetFailedUnit(_ name: String) throws(CgroupError)
}

/// systemd's manager over the system bus, through libsystemd's sd-bus. Single-threaded:
/// sd-bus starts no threads; its socket is close-on-exec.
public final class SDBusConnection: SystemdConnection {
    private let bus: OpaquePointer
    public private(set) var version = -1
    /// JobRemoved signals seen: job object path -> result.
    private let jobs = JobLog()
    private var jobSlot: OpaquePointer?

    static let service = "org.freedesktop.systemd1"
    static let objectPath = "/org/freedesktop/systemd1"
    static let managerInterface = "org.freedesktop.systemd1.Manager"
    /// The step of the error every D-Bus failure to reach systemd reports.
    public static let unreachable = "--systemd-cgroup: cannot reach systemd over D-Bus"

    private init(bus: OpaquePointer) {
        self.bus = bus
    }

    deinit {
        if let jobSlot { hako_sd_bus_slot_unref(jobSlot) }
        hako_sd_bus_flush_close_unref(bus)
    }

    /// Connects to the system bus (sd_bus_open_system) and reads systemd's version, which
    /// proves systemd answers there; then listens for JobRemoved.
    public static func connect() throws(CgroupError) -> SDBusConnection {
        var loadError = [CChar](repeating: 0, count: 512)
        if hako_sd_load(&loadError, loadError.count) != 0 {
            throw CgroupError(unreachable, reason: "loading libsystemd: " + String(decoding: loadError.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        var handle: OpaquePointer?
        let status = hako_sd_bus_open_system(&handle)
        guard status >= 0, let handle else {
            throw CgroupError(unreachable, errno: -status)
        }
        let connection = SDBusConnection(bus: handle)
        var error = sd_bus_error()
        defer { hako_sd_bus_error_free(&error) }
        var text: UnsafeMutablePointer<CChar>?
        let got = hako_sd_bus_get_property_string(handle, service, objectPath, managerInterface, "Version", &error, &text)
        guard got >= 0, let text else {
            throw CgroupError(unreachable, errno: -got, reason: message(of: error))
        }
        connection.version = parseVersion(String(cString: text))
        free(text)
        // The sender match makes the bus daemon deliver only systemd's own signals.
        let matched = hako_sd_bus_match_signal(handle, &connection.jobSlot, service, objectPath, managerInterface, "JobRemoved",
                                          jobRemoved, Unmanaged.passUnretained(connection.jobs).toOpaque())
        guard matched >= 0 else {
            throw CgroupError("listening for systemd's JobRemoved signals", errno: -matched)
        }
        return connection
    }

    /// The number at the start of systemd's version string ("v245.4-1.fc32" -> 245).
    static func parseVersion(_ text: String) -> Int {
        let digits = text.drop { $0 == "\"" || $0 == "v" }.prefix { $0.isASCII && $0.isNumber }
        return Int(digits) ?? -1
    }

    // MARK: - Manager calls

    public func startTransientUnit(_ name: String, properties: [UnitProperty], timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome {
        let step = "starting systemd unit \(name)"
        let reply: OpaquePointer
        do {
            reply = try call("StartTransientUnit", step: step) { (m: inout MessageWriter) in
                m.string(name)
                m.string("replace")
                m.properties(properties)
                // aux: no auxiliary units.
                m.open("a", "(sa(sv))")
                m.close()
            }
        } catch {
            if error.name == "org.freedesktop.systemd1.UnitExists" { return .unitExists }
            throw error.error
        }
        return .finished(try waitForJob(of: reply, step: step, timeout: timeoutMicroseconds))
    }

    public func stopUnit(_ name: String, timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome {
        let step = "stopping systemd unit \(name)"
        let reply: OpaquePointer
        do {
            reply = try call("StopUnit", step: step) { (m: inout MessageWriter) in
                m.string(name)
                m.string("replace")
            }
        } catch {
            if error.name == "org.freedesktop.systemd1.NoSuchUnit" { return .noSuchUnit }
            throw error.error
        }
        return .finished(try waitForJob(of: reply, step: step, timeout: timeoutMicroseconds))
    }

    public func setUnitProperties(_ name: String, properties: [UnitProperty]) throws(CgroupError) {
        do {
            let reply = try call("SetUnitProperties", step: "setting properties of systemd unit \(name)") { (m: inout MessageWriter) in
                m.string(name)
                m.bool(true)
                m.properties(properties)
            }
            hako_sd_bus_message_unref(reply)
        } catch {
            throw error.error
        }
    }

    public func resetFailedUnit(_ name: String) throws(CgroupError) {
        do {
            let reply = try call("ResetFailedUnit", step: "resetting systemd unit \(name)") { (m: inout MessageWriter) in
                m.string(name)
            }
            hako_sd_bus_message_unref(reply)
        } catch {
            throw error.error
        }
    }

    // MARK: - Plumbing

    /// A method call that failed: the D-Bus error name, to tell systemd's answers apart.
    struct DBusFailure: Error {
        var name: String
        var error: CgroupError
    }

    private static func message(of error: sd_bus_error) -> String? {
        error.message.map { String(cString: $0) } ?? error.name.map { String(cString: $0) }
    }

    /// Calls a Manager method whose arguments `build` appends; returns the reply, which
    /// the caller unrefs.
    private func call(_ member: String, step: String, build: (inout MessageWriter) -> Void) throws(DBusFailure) -> OpaquePointer {
        var message: OpaquePointer?
        let made = hako_sd_bus_message_new_method_call(bus, &message, Self.service, Self.objectPath, Self.managerInterface, member)
        guard made >= 0, let message else { throw DBusFailure(name: "", error: CgroupError(step, errno: -made)) }
        defer { hako_sd_bus_message_unref(message) }
        var writer = MessageWriter(message: message)
        build(&writer)
        if writer.failure != 0 {
            throw DBusFailure(name: "", error: CgroupError(step, errno: writer.failure, reason: "building the D-Bus message"))
        }
        var error = sd_bus_error()
        defer { hako_sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let status = hako_sd_bus_call(bus, message, 0, &error, &reply)
        guard status >= 0, let reply else {
            let name = error.name.map { String(cString: $0) } ?? ""
            throw DBusFailure(name: name, error: CgroupError(step, errno: -status, reason: Self.message(of: error)))
        }
        return reply
    }

    /// Reads the job path from a StartUnit-like reply (which it unrefs) and waits until
    /// JobRemoved reports that job, or the timeout passes.
    private func waitForJob(of reply: OpaquePointer, step: String, timeout: UInt64) throws(CgroupError) -> String {
        var path: UnsafePointer<CChar>?
        let read = hako_sd_bus_message_read_basic(reply, Self.type("o"), &path)
        let job = path.map { String(cString: $0) }
        hako_sd_bus_message_unref(reply)
        guard read > 0, let job else { throw CgroupError(step, errno: read < 0 ? -read : EBADMSG, reason: "reading the job path") }
        let deadline = Self.now() + timeout
        while true {
            if let result = jobs.results[job] { return result }
            let processed = hako_sd_bus_process(bus, nil)
            if processed < 0 { throw CgroupError(step, errno: -processed, reason: "waiting for job \(job)") }
            if processed > 0 { continue }
            let now = Self.now()
            guard now < deadline else {
                throw CgroupError(step, reason: "job \(job) did not finish within \(timeout / 1_000_000) s")
            }
            let waited = hako_sd_bus_wait(bus, deadline - now)
            if waited < 0 && waited != -EINTR { throw CgroupError(step, errno: -waited, reason: "waiting for job \(job)") }
        }
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    static func type(_ code: Unicode.Scalar) -> CChar {
        CChar(bitPattern: UInt8(ascii: code))
    }
}

/// The JobRemoved signals an `SDBusConnection` has seen.
private final class JobLog {
    var results: [String: String] = [:]
}

/// JobRemoved(u id, o job, s unit, s result), recorded by job path.
private let jobRemoved: sd_bus_message_handler_t = { message, userdata, _ in
    guard let message, let userdata else { return 0 }
    let log = Unmanaged<JobLog>.fromOpaque(userdata).takeUnretainedValue()
    var id: UInt32 = 0
    var job: UnsafePointer<CChar>?, unit: UnsafePointer<CChar>?, result: UnsafePointer<CChar>?
    guard hako_sd_bus_message_read_basic(message, SDBusConnection.type("u"), &id) > 0,
          hako_sd_bus_message_read_basic(message, SDBusConnection.type("o"), &job) > 0,
          hako_sd_bus_message_read_basic(message, SDBusConnection.type("s"), &unit) > 0,
          hako_sd_bus_message_read_basic(message, SDBusConnection.type("s"), &result) > 0,
          let job, let result else { return 0 }
    log.results[String(cString: job)] = String(cString: result)
    return 0
}

/// Appends D-Bus values to a message with sd-bus's non-variadic calls, keeping the first
/// failure (a negative errno) for the caller to report.
struct MessageWriter {
    let message: OpaquePointer
    private(set) var failure: Int32 = 0

    init(message: OpaquePointer) {
        self.message = message
    }

    private mutating func check(_ status: Int32) {
        if status < 0 && failure == 0 { failure = -status }
    }

    mutating func string(_ value: String) {
        check(value.withCString { hako_sd_bus_message_append_basic(message, SDBusConnection.type("s"), $0) })
    }

    mutating func bool(_ value: Bool) {
        var flag: Int32 = value ? 1 : 0
        check(hako_sd_bus_message_append_basic(message, SDBusConnection.type("b"), &flag))
    }

    mutating func uint64(_ value: UInt64) {
        basic("t", value)
    }

    /// A fixed-size basic value ("x", "u", "i", "q", "n", "y", "d").
    mutating func basic<T>(_ type: Unicode.Scalar, _ value: T) {
        var copy = value
        check(hako_sd_bus_message_append_basic(message, SDBusConnection.type(type), &copy))
    }

    mutating func open(_ type: Unicode.Scalar, _ contents: String) {
        check(hako_sd_bus_message_open_container(message, SDBusConnection.type(type), contents))
    }

    mutating func close() {
        check(hako_sd_bus_message_close_container(message))
    }

    /// An array of fixed-size elements ("au", "ay") in one piece.
    mutating func array<T>(_ type: Unicode.Scalar, _ values: [T]) {
        check(values.withUnsafeBytes { hako_sd_bus_message_append_array(message, SDBusConnection.type(type), $0.baseAddress, $0.count) })
    }

    /// a(sv): each property's name and its value in a variant of its own type.
    mutating func properties(_ properties: [UnitProperty]) {
        open("a", "(sv)")
        for property in properties {
            open("r", "sv")
            string(property.name)
            open("v", property.value.signature)
            switch property.value {
            case .string(let value): string(value)
            case .bool(let value): bool(value)
            case .uint64(let value): uint64(value)
            case .int64(let value): basic("x", value)
            case .uint32(let value): basic("u", value)
            case .int32(let value): basic("i", value)
            case .uint16(let value): basic("q", value)
            case .int16(let value): basic("n", value)
            case .byte(let value): basic("y", value)
            case .double(let value): basic("d", value)
            case .uint32Array(let values): array("u", values)
            case .bytes(let values): array("y", values)
            case .stringArray(let values):
                open("a", "s")
                for value in values { string(value) }
                close()
            case .stringPairs(let pairs):
                open("a", "(ss)")
                for pair in pairs {
                    open("r", "ss")
                    string(pair.first)
                    string(pair.second)
                    close()
                }
                close()
            }
            close()
            close()
        }
        close()
    }
}
