#if canImport(Glibc)
import Glibc
#endif
import DBus
import LinuxSys

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
/// `SystemdBusConnection` is the real thing; tests put a double in its place.
public protocol SystemdConnection: AnyObject {
    /// The manager's Version as a number ("252.22-1~deb12u1" -> 252); -1 if unreadable.
    var version: Int { get }
    /// The manager's own cgroup below the cgroup2 root: "" (that is, "/") for the system
    /// instance, "/user.slice/user-1000.slice/user@1000.service" for a user's.
    func controlGroup() throws(CgroupError) -> String
    /// StartTransientUnit(name, "replace", properties, []), then waits for its job.
    func startTransientUnit(_ name: String, properties: [UnitProperty], timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome
    /// StopUnit(name, "replace"), then waits for its job.
    func stopUnit(_ name: String, timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome
    /// SetUnitProperties(name, runtime=true, properties).
    func setUnitProperties(_ name: String, properties: [UnitProperty]) throws(CgroupError)
    /// ResetFailedUnit(name), so that systemd forgets a failed unit of that name.
    func resetFailedUnit(_ name: String) throws(CgroupError)
}

/// systemd's manager over D-Bus: the system instance on the system bus, or, for a user
/// (rootless), the user's instance on their user bus, as runc picks them.
public final class SystemdBusConnection: SystemdConnection {
    private let bus: DBusConnection
    public private(set) var version = -1

    static let service = "org.freedesktop.systemd1"
    static let objectPath = "/org/freedesktop/systemd1"
    static let managerInterface = "org.freedesktop.systemd1.Manager"
    /// The step of the error every failure to reach systemd reports.
    public static let unreachable = "--systemd-cgroup: cannot reach systemd over D-Bus"

    private init(bus: DBusConnection) {
        self.bus = bus
    }

    /// Whether hako talks to a user's systemd instance rather than the system's: when it
    /// runs as a user, or as root of a user namespace that is not the host's (rootless
    /// podman runs the runtime so), as runc decides.
    public static func usesUserInstance() -> Bool {
        Caller.isRootless
    }

    /// Connects to the bus of the instance hako should use.
    public static func connect() throws(CgroupError) -> SystemdBusConnection {
        try connect(userInstance: usesUserInstance())
    }

    /// Connects to the system bus (or the user bus) and reads systemd's version, which
    /// proves systemd answers there; then asks for JobRemoved signals.
    public static func connect(userInstance: Bool, environment: (String) -> String? = DBusAddress.environment) throws(CgroupError) -> SystemdBusConnection {
        let connection: SystemdBusConnection
        do {
            let address = try userInstance ? DBusAddress.userBus(environment: environment) : DBusAddress.systemBus(environment: environment)
            let bus = try DBusConnection.connect(to: address)
            // systemd is PID 1 or the user's manager: running, or not there at all. Not
            // started on demand, which a session bus would try for a minute.
            bus.autoStart = false
            connection = SystemdBusConnection(bus: bus)
            let version = try connection.bus.property("Version", of: managerInterface, at: objectPath, on: service)
            connection.version = parseVersion(version.text ?? "")
        } catch {
            throw CgroupError(unreachable, errno: error.errno, reason: error.descriptionWithoutErrno)
        }
        do {
            // Only systemd's own signals: the sender is the bus's owner of its name.
            try connection.bus.addMatch("type='signal',sender='\(service)',path='\(objectPath)',interface='\(managerInterface)',member='JobRemoved'")
        } catch {
            throw CgroupError("listening for systemd's JobRemoved signals", errno: error.errno, reason: error.descriptionWithoutErrno)
        }
        return connection
    }

    /// The number at the start of systemd's version string ("v245.4-1.fc32" -> 245).
    static func parseVersion(_ text: String) -> Int {
        let digits = text.drop { $0 == "\"" || $0 == "v" }.prefix { $0.isASCII && $0.isNumber }
        return Int(digits) ?? -1
    }

    // MARK: - Manager calls

    public func controlGroup() throws(CgroupError) -> String {
        do {
            let group = try bus.property("ControlGroup", of: Self.managerInterface, at: Self.objectPath, on: Self.service).text ?? ""
            return group == "/" ? "" : group
        } catch {
            throw CgroupError("reading the cgroup of systemd's manager", errno: error.errno, reason: error.descriptionWithoutErrno)
        }
    }

    public func startTransientUnit(_ name: String, properties: [UnitProperty], timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome {
        let step = "starting systemd unit \(name)"
        let reply: DBusMessage
        do {
            // aux: no auxiliary units.
            reply = try call("StartTransientUnit", [.string(name), .string("replace"), Self.encode(properties),
                                                    .array(element: "(sa(sv))", [])])
        } catch {
            if error.name == "org.freedesktop.systemd1.UnitExists" { return .unitExists }
            throw CgroupError(step, errno: error.errno, reason: error.descriptionWithoutErrno)
        }
        return .finished(try waitForJob(of: reply, step: step, timeout: timeoutMicroseconds))
    }

    public func stopUnit(_ name: String, timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome {
        let step = "stopping systemd unit \(name)"
        let reply: DBusMessage
        do {
            reply = try call("StopUnit", [.string(name), .string("replace")])
        } catch {
            if error.name == "org.freedesktop.systemd1.NoSuchUnit" { return .noSuchUnit }
            throw CgroupError(step, errno: error.errno, reason: error.descriptionWithoutErrno)
        }
        return .finished(try waitForJob(of: reply, step: step, timeout: timeoutMicroseconds))
    }

    public func setUnitProperties(_ name: String, properties: [UnitProperty]) throws(CgroupError) {
        do {
            _ = try call("SetUnitProperties", [.string(name), .bool(true), Self.encode(properties)])
        } catch {
            throw CgroupError("setting properties of systemd unit \(name)", errno: error.errno, reason: error.descriptionWithoutErrno)
        }
    }

    public func resetFailedUnit(_ name: String) throws(CgroupError) {
        do {
            _ = try call("ResetFailedUnit", [.string(name)])
        } catch {
            throw CgroupError("resetting systemd unit \(name)", errno: error.errno, reason: error.descriptionWithoutErrno)
        }
    }

    // MARK: - Plumbing

    private func call(_ member: String, _ arguments: [DBusValue]) throws(DBusError) -> DBusMessage {
        try bus.call(.call(destination: Self.service, path: Self.objectPath, interface: Self.managerInterface, member: member, arguments))
    }

    /// Reads the job path from a StartUnit-like reply and waits until JobRemoved reports
    /// that job, or the timeout passes.
    private func waitForJob(of reply: DBusMessage, step: String, timeout: UInt64) throws(CgroupError) -> String {
        guard case .objectPath(let job)? = reply.body.first else {
            throw CgroupError(step, errno: EBADMSG, reason: "the reply holds no job path")
        }
        let deadline = MonotonicClock.milliseconds() + Int64(timeout / 1000)
        while true {
            let now = MonotonicClock.milliseconds()
            guard now < deadline else {
                throw CgroupError(step, reason: "job \(job) did not finish within \(timeout / 1_000_000) s")
            }
            let message: DBusMessage?
            do {
                message = try bus.nextMessage(timeoutMilliseconds: Int32(min(deadline - now, Int64(Int32.max))))
            } catch {
                throw CgroupError(step, errno: error.errno, reason: "waiting for job \(job): \(error)")
            }
            // JobRemoved(u id, o job, s unit, s result).
            if let message, message.kind == .signal, message.member == "JobRemoved", message.body.count == 4,
               message.body[1] == .objectPath(job), let result = message.body[3].text {
                return result
            }
        }
    }

    /// a(sv): each property's name and its value in a variant of its own type.
    static func encode(_ properties: [UnitProperty]) -> DBusValue {
        .array(element: "(sv)", properties.map { .structure([.string($0.name), .variant(encode($0.value))]) })
    }

    static func encode(_ value: UnitValue) -> DBusValue {
        switch value {
        case .string(let v): return .string(v)
        case .bool(let v): return .bool(v)
        case .uint64(let v): return .uint64(v)
        case .int64(let v): return .int64(v)
        case .uint32(let v): return .uint32(v)
        case .int32(let v): return .int32(v)
        case .uint16(let v): return .uint16(v)
        case .int16(let v): return .int16(v)
        case .byte(let v): return .byte(v)
        case .double(let v): return .double(v)
        case .uint32Array(let values): return .array(element: "u", values.map { .uint32($0) })
        case .stringArray(let values): return .strings(values)
        case .bytes(let values): return .array(element: "y", values.map { .byte($0) })
        case .stringPairs(let pairs): return .array(element: "(ss)", pairs.map { .structure([.string($0.first), .string($0.second)]) })
        }
    }
}
