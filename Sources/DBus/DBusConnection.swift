#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// A connection to a message bus, in Swift over a Unix socket: SASL EXTERNAL
/// authentication, Hello, method calls with their replies, and signals.
///
/// Written here rather than taken from libsystemd's sd-bus so that hako links statically
/// (a static glibc cannot dlopen libsystemd) and pays nothing for the driver until it is
/// used; runc (godbus) and youki do the same. Single-threaded and blocking: each call
/// waits, with a timeout, for its reply; messages that arrive meanwhile (signals) are kept
/// for `nextMessage`. The socket is close-on-exec.
public final class DBusConnection {
    /// The bus, for errors.
    public let address: DBusAddress
    private let socket: Int32
    /// Bytes read but not yet a whole message.
    private var input: [UInt8] = []
    /// Messages that arrived while a call waited for its reply.
    private var queued: [DBusMessage] = []
    private var lastSerial: UInt32 = 0
    /// The name the bus gave this connection (":1.42").
    public private(set) var uniqueName = ""
    /// Whether the bus may start a service that a call is addressed to (D-Bus activation).
    /// False sets NO_AUTO_START on every method call: a service that is not running fails
    /// the call at once instead of after the bus's activation timeout.
    public var autoStart = true

    /// How long a call waits for its reply unless told otherwise (sd-bus's default).
    public static let defaultTimeoutMilliseconds: Int32 = 25_000

    private init(address: DBusAddress, socket: Int32) {
        self.address = address
        self.socket = socket
    }

    deinit {
        close(socket)
    }

    /// Connects to the first endpoint of `address` that answers, authenticates and says
    /// Hello to the bus.
    public static func connect(to address: DBusAddress, timeoutMilliseconds: Int32 = defaultTimeoutMilliseconds) throws(DBusError) -> DBusConnection {
        var failure: DBusError?
        for endpoint in address.endpoints {
            let socket: Int32
            do {
                switch endpoint {
                case .path(let path): socket = try Sockets.connect(path: path)
                case .abstract(let name): socket = try Sockets.connect(abstract: name)
                }
            } catch {
                failure = DBusError("connecting to the \(address.name)", bus: address.text, error)
                continue
            }
            let connection = DBusConnection(address: address, socket: socket)
            try connection.authenticate(timeoutMilliseconds: timeoutMilliseconds)
            let reply = try connection.call(.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                                  interface: "org.freedesktop.DBus", member: "Hello"),
                                            timeoutMilliseconds: timeoutMilliseconds)
            guard let name = reply.body.first?.text else {
                throw DBusError("saying Hello to the \(address.name)", bus: address.text, reason: "the reply holds no name")
            }
            connection.uniqueName = name
            return connection
        }
        throw failure ?? DBusError("connecting to the \(address.name)", bus: address.text, reason: "no endpoint")
    }

    // MARK: - Authentication

    /// SASL EXTERNAL. The first try leaves the identity to the bus, which reads it from the
    /// socket's credentials: inside a user namespace hako's own uid (0, say) is not the one
    /// the bus sees, and sd-bus does the same. A bus that insists gets the uid in hex.
    private func authenticate(timeoutMilliseconds: Int32) throws(DBusError) {
        let step = "authenticating to the \(address.name)"
        try send(Array("\0AUTH EXTERNAL\r\n".utf8), step: step)
        var answer = try line(step: step, timeoutMilliseconds: timeoutMilliseconds)
        if answer == "DATA" || answer.hasPrefix("DATA ") {
            try send(Array("DATA\r\n".utf8), step: step)
            answer = try line(step: step, timeoutMilliseconds: timeoutMilliseconds)
        }
        if answer.hasPrefix("REJECTED") || answer.hasPrefix("ERROR") {
            let uid = String(geteuid())
            let hex = uid.utf8.map { byte in String(byte, radix: 16) }.joined()
            try send(Array("AUTH EXTERNAL \(hex)\r\n".utf8), step: step)
            answer = try line(step: step, timeoutMilliseconds: timeoutMilliseconds)
        }
        guard answer.hasPrefix("OK ") else {
            throw DBusError(step, bus: address.text, reason: "the bus answered \"\(answer)\" to AUTH EXTERNAL")
        }
        try send(Array("BEGIN\r\n".utf8), step: step)
    }

    /// One line of the authentication dialogue, without its CR LF.
    private func line(step: String, timeoutMilliseconds: Int32) throws(DBusError) -> String {
        while true {
            if let end = input.firstIndex(of: UInt8(ascii: "\n")) {
                let text = String(decoding: input[..<end], as: UTF8.self)
                input.removeFirst(end + 1)
                return text.hasSuffix("\r") ? String(text.dropLast()) : text
            }
            guard input.count < 16384 else { throw DBusError(step, bus: address.text, reason: "an authentication line longer than 16 KiB") }
            try fill(step: step, timeoutMilliseconds: timeoutMilliseconds, waitingFor: "an authentication reply")
        }
    }

    // MARK: - Messages

    /// Sends a message with the next serial; returns that serial.
    @discardableResult
    public func send(_ message: DBusMessage) throws(DBusError) -> UInt32 {
        var message = message
        lastSerial = lastSerial == UInt32.max ? 1 : lastSerial + 1
        message.serial = lastSerial
        if message.kind == .methodCall && !autoStart { message.flags |= DBusMessage.noAutoStart }
        let step = "sending \(message.qualifiedMember.isEmpty ? "a reply" : message.qualifiedMember)"
        let bytes: [UInt8]
        do {
            bytes = try message.encoded()
        } catch {
            throw DBusError(step, bus: address.text, reason: error.reason)
        }
        try send(bytes, step: step)
        return message.serial
    }

    /// Calls a method and waits for its reply. An error reply throws, with its name.
    public func call(_ message: DBusMessage, timeoutMilliseconds: Int32 = defaultTimeoutMilliseconds) throws(DBusError) -> DBusMessage {
        let step = "calling \(message.qualifiedMember)"
        let serial = try send(message)
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMilliseconds)
        while true {
            guard let reply = try receive(step: step, deadline: deadline) else {
                throw DBusError(step, bus: address.text, errno: ETIMEDOUT, reason: "no reply within \(timeoutMilliseconds) ms")
            }
            guard reply.replySerial == serial, reply.kind == .methodReturn || reply.kind == .error else {
                queued.append(reply)
                continue
            }
            if reply.kind == .error {
                throw DBusError(step, bus: address.text, name: reply.errorName, reason: reply.errorText)
            }
            return reply
        }
    }

    /// The next message that is not a reply to a call of this connection: a signal, or a
    /// method call addressed to it. Nil when none arrives within the timeout.
    public func nextMessage(timeoutMilliseconds: Int32) throws(DBusError) -> DBusMessage? {
        if !queued.isEmpty { return queued.removeFirst() }
        return try receive(step: "waiting for a message", deadline: MonotonicClock.milliseconds() + Int64(timeoutMilliseconds))
    }

    /// Reads one whole message, or nil when the deadline passes first.
    private func receive(step: String, deadline: Int64) throws(DBusError) -> DBusMessage? {
        while true {
            let length: Int?
            do {
                length = try DBusMessage.length(of: input[...])
            } catch {
                throw DBusError(step, bus: address.text, reason: error.reason)
            }
            if let length, input.count >= length {
                let bytes = Array(input[..<length])
                input.removeFirst(length)
                do {
                    return try DBusMessage.decode(bytes)
                } catch {
                    throw DBusError(step, bus: address.text, reason: error.reason)
                }
            }
            let left = deadline - MonotonicClock.milliseconds()
            if left <= 0 { return nil }
            if !(try fill(step: step, timeoutMilliseconds: Int32(min(left, Int64(Int32.max))), waitingFor: nil)) { return nil }
        }
    }

    /// Reads what the socket has. False when the time ran out; throws at end of file.
    @discardableResult
    private func fill(step: String, timeoutMilliseconds: Int32, waitingFor: String?) throws(DBusError) -> Bool {
        let count: Int?
        do {
            count = try Sockets.receive(socket, appendingTo: &input, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            throw DBusError(step, bus: address.text, error)
        }
        guard let count else {
            if let waitingFor { throw DBusError(step, bus: address.text, errno: ETIMEDOUT, reason: "no \(waitingFor) within \(timeoutMilliseconds) ms") }
            return false
        }
        if count == 0 { throw DBusError(step, bus: address.text, reason: "the bus closed the connection") }
        return true
    }

    private func send(_ bytes: [UInt8], step: String) throws(DBusError) {
        do {
            try Sockets.sendAll(socket, bytes)
        } catch {
            throw DBusError(step, bus: address.text, error)
        }
    }
}

extension DBusConnection {
    /// The bus daemon itself.
    static let busName = "org.freedesktop.DBus"

    /// Asks the bus to deliver the signals a match rule selects
    /// ("type='signal',sender='org.freedesktop.systemd1',member='JobRemoved'").
    public func addMatch(_ rule: String) throws(DBusError) {
        _ = try call(.call(destination: Self.busName, path: "/org/freedesktop/DBus", interface: Self.busName,
                           member: "AddMatch", [.string(rule)]))
    }

    /// org.freedesktop.DBus.Properties.Get: one property's value, out of its variant.
    public func property(_ name: String, of interface: String, at path: String, on destination: String) throws(DBusError) -> DBusValue {
        let reply = try call(.call(destination: destination, path: path, interface: "org.freedesktop.DBus.Properties",
                                   member: "Get", [.string(interface), .string(name)]))
        guard let value = reply.body.first else {
            throw DBusError("reading property \(interface).\(name)", bus: address.text, reason: "the reply is empty")
        }
        return value.unwrapped
    }

    /// Takes a well-known name on the bus (a service does; hako's tests play systemd so).
    /// True when this connection became its primary owner.
    public func requestName(_ name: String) throws(DBusError) -> Bool {
        // Flag 4: DBUS_NAME_FLAG_DO_NOT_QUEUE. Reply 1: DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER.
        let reply = try call(.call(destination: Self.busName, path: "/org/freedesktop/DBus", interface: Self.busName,
                                   member: "RequestName", [.string(name), .uint32(4)]))
        return reply.body.first == .uint32(1)
    }
}
