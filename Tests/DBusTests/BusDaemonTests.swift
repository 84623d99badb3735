import Foundation
import Testing
@testable import DBus

@Suite("D-Bus client against a real dbus-daemon", .serialized)
struct BusDaemonTests {
    @Test("connects, authenticates, says Hello and gets a unique name the bus lists")
    func hello() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let client = try bus.connect()
        #expect(client.uniqueName.hasPrefix(":"))
        let reply = try client.call(.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                          interface: "org.freedesktop.DBus", member: "ListNames"))
        guard case .array("s", let names)? = reply.body.first else { Issue.record("ListNames: \(reply.body)"); return }
        #expect(names.contains(.string(client.uniqueName)))
        // The bus's own property, through Properties.Get.
        let features = try client.property("Features", of: "org.freedesktop.DBus", at: "/org/freedesktop/DBus", on: "org.freedesktop.DBus")
        #expect(features.signature == "as")
    }

    @Test("an error reply throws with its D-Bus name, the method and the bus")
    func errorReply() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let client = try bus.connect()
        let error = #expect(throws: DBusError.self) {
            try client.call(.call(destination: "org.example.Nobody", path: "/", interface: "org.example.I", member: "M"))
        }
        #expect(error?.name == "org.freedesktop.DBus.Error.ServiceUnknown")
        #expect(error?.description.hasPrefix("calling org.example.I.M (unix:path=\(bus.socketPath)): org.freedesktop.DBus.Error.ServiceUnknown: ") == true)
    }

    @Test("a service answers calls, a client gets the signals it matched, and a call without reply times out")
    func serviceAndSignals() throws {
        let bus = try PrivateBus()
        defer { bus.stop() }
        let service = try BusService(bus: bus, name: "org.example.Echo") { message, connection in
            guard message.kind == .methodCall else { return }
            switch message.member {
            case "Echo":
                // The signal goes out before the reply, so the client must keep it for later.
                try connection.send(.signal(path: "/org/example", interface: "org.example.Echo", member: "Echoed", message.body))
                try connection.send(.reply(to: message, message.body))
            case "Fail":
                try connection.send(.error(to: message, name: "org.example.Error.Failed", text: "as asked"))
            default:
                break // "Hang": no reply
            }
        }
        defer { service.stop() }
        let client = try bus.connect()
        try client.addMatch("type='signal',sender='org.example.Echo',interface='org.example.Echo',member='Echoed'")
        let body: [DBusValue] = [.string("hi"), .array(element: "{sv}", [.dictEntry(.string("n"), .variant(.int64(-5)))])]
        let reply = try client.call(.call(destination: "org.example.Echo", path: "/org/example", interface: "org.example.Echo", member: "Echo", body))
        #expect(reply.body == body)
        #expect(reply.sender == service.connection.uniqueName)
        // The bus's own NameAcquired (for the unique name) came first; the match selects the rest.
        let acquired = try #require(try client.nextMessage(timeoutMilliseconds: 2000))
        #expect(acquired.member == "NameAcquired" && acquired.sender == "org.freedesktop.DBus" && acquired.body == [.string(client.uniqueName)])
        let signal = try #require(try client.nextMessage(timeoutMilliseconds: 2000))
        #expect(signal.kind == .signal && signal.member == "Echoed" && signal.body == body)
        #expect(signal.sender == service.connection.uniqueName)

        let failure = #expect(throws: DBusError.self) {
            try client.call(.call(destination: "org.example.Echo", path: "/org/example", interface: "org.example.Echo", member: "Fail"))
        }
        #expect(failure?.name == "org.example.Error.Failed" && failure?.reason == "as asked")

        let timeout = #expect(throws: DBusError.self) {
            try client.call(.call(destination: "org.example.Echo", path: "/org/example", interface: "org.example.Echo", member: "Hang"),
                            timeoutMilliseconds: 200)
        }
        #expect(timeout?.errno == ETIMEDOUT)
        #expect(try client.nextMessage(timeoutMilliseconds: 50) == nil)
    }

    @Test("no bus at the address: the error names the bus, the socket and the errno")
    func noBus() throws {
        let address = try DBusAddress.parse("unix:path=/nonexistent/hako/bus", name: "user bus")
        let error = #expect(throws: DBusError.self) { try DBusConnection.connect(to: address) }
        #expect(error?.errno == ENOENT)
        #expect(error?.description == "connecting to the user bus (unix:path=/nonexistent/hako/bus): connect /nonexistent/hako/bus: No such file or directory")
    }

    @Test("a bus that goes away: the next call says the connection closed")
    func busGone() throws {
        let bus = try PrivateBus()
        let client = try bus.connect()
        bus.stop()
        let error = #expect(throws: DBusError.self) {
            try client.call(.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "ListNames"))
        }
        #expect(error?.reason == "the bus closed the connection" || error?.errno == EPIPE || error?.errno == ECONNRESET)
    }
}

@Suite("D-Bus addresses")
struct AddressTests {
    @Test("unix paths and abstract names, escapes, other transports skipped")
    func parse() throws {
        let address = try DBusAddress.parse("tcp:host=localhost,port=1;unix:abstract=/tmp/dbus-x,guid=ab;unix:path=/run/a%20b/bus", name: "bus")
        #expect(address.endpoints == [.abstract("/tmp/dbus-x"), .path("/run/a b/bus")])
        for bad in ["tcp:host=x", "unix:tmpdir=/tmp", "nocolon", "unix:path", "unix:path=%zz"] {
            #expect(throws: DBusError.self, "\(bad)") { try DBusAddress.parse(bad, name: "bus") }
        }
    }

    @Test("the user bus: DBUS_SESSION_BUS_ADDRESS, else XDG_RUNTIME_DIR/bus, else a clear error")
    func userBus() throws {
        #expect(try DBusAddress.userBus(environment: { ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/x/bus", "XDG_RUNTIME_DIR": "/run/user/1"][$0] }).endpoints == [.path("/x/bus")])
        #expect(try DBusAddress.userBus(environment: { ["XDG_RUNTIME_DIR": "/run/user/1000"][$0] }).endpoints == [.path("/run/user/1000/bus")])
        let error = #expect(throws: DBusError.self) { try DBusAddress.userBus(environment: { _ in nil }) }
        #expect(error?.reason?.contains("DBUS_SESSION_BUS_ADDRESS") == true)
        #expect(try DBusAddress.systemBus(environment: { _ in nil }).endpoints == [.path("/run/dbus/system_bus_socket")])
        #expect(try DBusAddress.systemBus(environment: { ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/s"][$0] }).endpoints == [.path("/s")])
    }
}
