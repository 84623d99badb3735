import Foundation
import Synchronization
import Testing
import DBus
@testable import Cgroups

/// systemd's manager, played on a private bus: the methods the driver calls, answered as
/// systemd 252 answers them, with JobRemoved after each job. What it was asked is kept.
final class FakeManagerService: @unchecked Sendable {
    let bus: PrivateBus
    /// The calls received, written by the service's thread.
    private final class Log: Sendable {
        let calls = Mutex<[DBusMessage]>([])
        let units = Mutex<Set<String>>([])
        let jobs = Atomic<UInt32>(0)
    }
    private let log = Log()
    private var service: BusService!

    var calls: [DBusMessage] { log.calls.withLock { $0 } }

    init(bus: PrivateBus, controlGroup: String = "/user.slice/user-1000.slice/user@1000.service", jobResult: String = "done") throws {
        self.bus = bus
        service = try BusService(bus: bus, name: "org.freedesktop.systemd1") { [log] message, connection in
            guard message.kind == .methodCall else { return }
            log.calls.withLock { $0.append(message) }
            let name = message.body.first?.text ?? ""
            func job(signalFirst: Bool) throws {
                let id = log.jobs.add(1, ordering: .relaxed).newValue
                let path = "/org/freedesktop/systemd1/job/\(id)"
                let removed = DBusMessage.signal(path: "/org/freedesktop/systemd1", interface: "org.freedesktop.systemd1.Manager",
                                                 member: "JobRemoved", [.uint32(id), .objectPath(path), .string(name), .string(jobResult)])
                if signalFirst { try connection.send(removed) }
                try connection.send(.reply(to: message, [.objectPath(path)]))
                if !signalFirst { try connection.send(removed) }
            }
            switch message.member {
            case "Get":
                let values = ["Version": "252.22-1~deb12u1", "ControlGroup": controlGroup]
                try connection.send(.reply(to: message, [.variant(.string(values[message.body.last?.text ?? ""] ?? ""))]))
            case "StartTransientUnit":
                if log.units.withLock({ !$0.insert(name).inserted }) {
                    try connection.send(.error(to: message, name: "org.freedesktop.systemd1.UnitExists", text: "Unit \(name) already exists."))
                } else {
                    try job(signalFirst: false)
                }
            case "StopUnit":
                if log.units.withLock({ $0.remove(name) == nil }) {
                    try connection.send(.error(to: message, name: "org.freedesktop.systemd1.NoSuchUnit", text: "Unit \(name) not loaded."))
                } else {
                    try job(signalFirst: true)
                }
            case "SetUnitProperties", "ResetFailedUnit":
                try connection.send(.reply(to: message))
            default:
                try connection.send(.error(to: message, name: "org.freedesktop.DBus.Error.UnknownMethod", text: "no \(message.member ?? "")"))
            }
        }
    }

    func stop() {
        service.stop()
    }
}

@Suite("systemd driver over a real bus, with systemd played by a test service", .serialized)
struct SystemdOverBusTests {
    func environment(_ bus: PrivateBus) -> (String) -> String? {
        { $0 == "DBUS_SESSION_BUS_ADDRESS" ? "unix:path=\(bus.socketPath)" : nil }
    }

    @Test("version, the manager's cgroup, a unit started and stopped with the properties as systemd reads them")
    func lifecycle() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let systemd = try FakeManagerService(bus: bus)
        defer { systemd.stop() }
        let connection = try SystemdBusConnection.connect(userInstance: true, environment: environment(bus))
        #expect(connection.version == 252)
        #expect(try connection.controlGroup() == "/user.slice/user-1000.slice/user@1000.service")
        let properties = [UnitProperty("Description", .string("hako container c1")), UnitProperty("PIDs", .uint32Array([4242])),
                          UnitProperty("Delegate", .bool(true)), UnitProperty("MemoryMax", .uint64(1 << 20)),
                          UnitProperty("DeviceAllow", .stringPairs([StringPair("/dev/null", "rwm")])),
                          UnitProperty("AllowedCPUs", .bytes([3])), UnitProperty("CPUWeight", .uint64(100))]
        #expect(try connection.startTransientUnit("hako-c1.scope", properties: properties, timeoutMicroseconds: 5_000_000) == .finished("done"))
        #expect(try connection.startTransientUnit("hako-c1.scope", properties: properties, timeoutMicroseconds: 5_000_000) == .unitExists)
        try connection.setUnitProperties("hako-c1.scope", properties: [UnitProperty("TasksMax", .uint64(9))])
        // JobRemoved arrives before StopUnit's reply here: it is kept until the job is known.
        #expect(try connection.stopUnit("hako-c1.scope", timeoutMicroseconds: 5_000_000) == .finished("done"))
        #expect(try connection.stopUnit("hako-c1.scope", timeoutMicroseconds: 5_000_000) == .noSuchUnit)
        try connection.resetFailedUnit("hako-c1.scope")

        let start = try #require(systemd.calls.first { $0.member == "StartTransientUnit" })
        #expect(start.signature == "ssa(sv)a(sa(sv))")
        #expect(start.body[0] == .string("hako-c1.scope") && start.body[1] == .string("replace"))
        guard case .array(_, let sent) = start.body[2] else { Issue.record("properties: \(start.body[2])"); return }
        let byName = Dictionary(uniqueKeysWithValues: sent.compactMap { value -> (String, DBusValue)? in
            guard case .structure(let pair) = value, let name = pair.first?.text else { return nil }
            return (name, pair[1])
        })
        #expect(byName["PIDs"] == .variant(.array(element: "u", [.uint32(4242)])))
        #expect(byName["Delegate"] == .variant(.bool(true)))
        #expect(byName["DeviceAllow"] == .variant(.array(element: "(ss)", [.structure([.string("/dev/null"), .string("rwm")])])))
        #expect(byName["AllowedCPUs"] == .variant(.array(element: "y", [.byte(3)])))
        let set = try #require(systemd.calls.first { $0.member == "SetUnitProperties" })
        #expect(set.signature == "sba(sv)" && set.body[1] == .bool(true))
    }

    @Test("a job that fails is reported with systemd's result")
    func failedJob() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let systemd = try FakeManagerService(bus: bus, jobResult: "failed")
        defer { systemd.stop() }
        let connection = try SystemdBusConnection.connect(userInstance: true, environment: environment(bus))
        #expect(try connection.startTransientUnit("hako-c2.scope", properties: [], timeoutMicroseconds: 5_000_000) == .finished("failed"))
    }

    @Test("the user bus found through XDG_RUNTIME_DIR, as a user's shell has it")
    func runtimeDirectory() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let systemd = try FakeManagerService(bus: bus)
        defer { systemd.stop() }
        let connection = try SystemdBusConnection.connect(userInstance: true, environment: { $0 == "XDG_RUNTIME_DIR" ? bus.directory : nil })
        #expect(connection.version == 252)
    }

    @Test("a bus without systemd: one error (no activation tried) that says systemd cannot be reached and why")
    func noSystemd() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let error = #expect(throws: CgroupError.self) {
            try SystemdBusConnection.connect(userInstance: true, environment: environment(bus))
        }
        #expect(error?.step == SystemdBusConnection.unreachable)
        // NameHasNoOwner, not an activation failure or timeout: NO_AUTO_START was set.
        #expect(error?.description.contains("org.freedesktop.DBus.Error.NameHasNoOwner") == true, "\(String(describing: error))")
        let none = #expect(throws: CgroupError.self) {
            try SystemdBusConnection.connect(userInstance: true, environment: { _ in nil })
        }
        #expect(none?.description.contains("neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set") == true)
    }
}
