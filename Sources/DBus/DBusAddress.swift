#if canImport(Glibc)
import Glibc
#endif

/// Where a bus listens, from a D-Bus server address ("unix:path=/run/dbus/system_bus_socket",
/// "unix:abstract=/tmp/dbus-x,guid=...", several separated by ";", tried in order).
public struct DBusAddress: Sendable, Equatable, CustomStringConvertible {
    /// One place to connect to.
    public enum Endpoint: Sendable, Equatable {
        case path(String)
        case abstract(String)
    }

    /// What the bus is to a reader of an error: "system bus", "user bus".
    public var name: String
    /// The address as given.
    public var text: String
    /// Its unix endpoints, in order. Other transports (tcp, launchd) are not used by the
    /// buses hako talks to and are skipped.
    public var endpoints: [Endpoint]

    public var description: String { "\(name) at \(text)" }

    /// The system bus: DBUS_SYSTEM_BUS_ADDRESS, else its well-known socket (as sd-bus and
    /// libdbus find it).
    public static func systemBus(environment: (String) -> String? = Self.environment) throws(DBusError) -> DBusAddress {
        try parse(environment("DBUS_SYSTEM_BUS_ADDRESS") ?? "unix:path=/run/dbus/system_bus_socket", name: "system bus")
    }

    /// The bus of the user's session and of their systemd instance:
    /// DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus (as sd-bus finds it).
    public static func userBus(environment: (String) -> String? = Self.environment) throws(DBusError) -> DBusAddress {
        if let address = environment("DBUS_SESSION_BUS_ADDRESS"), !address.isEmpty {
            return try parse(address, name: "user bus")
        }
        guard let runtime = environment("XDG_RUNTIME_DIR"), runtime.hasPrefix("/") else {
            throw DBusError("finding the user bus", reason: "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set (a user's systemd instance is reached through them)")
        }
        return DBusAddress(name: "user bus", text: "unix:path=\(runtime)/bus", endpoints: [.path(runtime + "/bus")])
    }

    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Parses an address; throws when it holds no unix endpoint hako can connect to.
    public static func parse(_ text: String, name: String) throws(DBusError) -> DBusAddress {
        var endpoints: [Endpoint] = []
        for entry in text.split(separator: ";") {
            guard let colon = entry.firstIndex(of: ":") else {
                throw DBusError("reading the \(name) address", reason: "\"\(entry)\" has no transport (as in unix:path=...)")
            }
            guard entry[..<colon] == "unix" else { continue }
            var keys: [String: String] = [:]
            for pair in entry[entry.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw DBusError("reading the \(name) address", reason: "\"\(pair)\" is not key=value") }
                keys[String(parts[0])] = try unescape(parts[1], name: name)
            }
            if let path = keys["path"] {
                endpoints.append(.path(path))
            } else if let abstract = keys["abstract"] {
                endpoints.append(.abstract(abstract))
            }
        }
        guard !endpoints.isEmpty else {
            throw DBusError("reading the \(name) address", reason: "\"\(text)\" names no unix:path= or unix:abstract= socket")
        }
        return DBusAddress(name: name, text: text, endpoints: endpoints)
    }

    /// Undoes the %XX escapes of an address value.
    static func unescape(_ value: Substring, name: String) throws(DBusError) -> String {
        var bytes: [UInt8] = []
        var utf8 = value.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = utf8.popFirst(), let low = utf8.popFirst(), let h = hex(high), let l = hex(low) else {
                throw DBusError("reading the \(name) address", reason: "\"\(value)\" has a broken %-escape")
            }
            bytes.append(h << 4 | l)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
