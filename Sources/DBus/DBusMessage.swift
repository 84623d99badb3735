/// One D-Bus message: the fixed header, the header fields, and the body.
public struct DBusMessage: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case methodCall = 1
        case methodReturn = 2
        case error = 3
        case signal = 4
    }

    /// The header flag that tells the peer no reply is wanted.
    public static let noReplyExpected: UInt8 = 0x1
    /// The header flag that tells the bus not to start the destination service when no
    /// one owns its name (the call then fails at once with ServiceUnknown).
    public static let noAutoStart: UInt8 = 0x2

    public var kind: Kind
    public var flags: UInt8 = 0
    public var serial: UInt32 = 0
    public var path: String?
    public var interface: String?
    public var member: String?
    public var errorName: String?
    public var replySerial: UInt32?
    public var destination: String?
    public var sender: String?
    public var body: [DBusValue] = []

    public init(kind: Kind, path: String? = nil, interface: String? = nil, member: String? = nil,
                destination: String? = nil, body: [DBusValue] = []) {
        self.kind = kind
        self.path = path
        self.interface = interface
        self.member = member
        self.destination = destination
        self.body = body
    }

    /// A method call.
    public static func call(destination: String, path: String, interface: String, member: String, _ body: [DBusValue] = []) -> DBusMessage {
        DBusMessage(kind: .methodCall, path: path, interface: interface, member: member, destination: destination, body: body)
    }

    /// A signal.
    public static func signal(path: String, interface: String, member: String, _ body: [DBusValue] = []) -> DBusMessage {
        DBusMessage(kind: .signal, path: path, interface: interface, member: member, body: body)
    }

    /// The reply to `call`, with `body`.
    public static func reply(to call: DBusMessage, _ body: [DBusValue] = []) -> DBusMessage {
        var message = DBusMessage(kind: .methodReturn, destination: call.sender, body: body)
        message.replySerial = call.serial
        return message
    }

    /// An error reply to `call`.
    public static func error(to call: DBusMessage, name: String, text: String) -> DBusMessage {
        var message = DBusMessage(kind: .error, destination: call.sender, body: [.string(text)])
        message.errorName = name
        message.replySerial = call.serial
        return message
    }

    /// The body's signature.
    public var signature: String { body.map(\.signature).joined() }

    /// An error reply's text (its first string argument, by convention).
    public var errorText: String? { body.first?.text }

    /// "org.freedesktop.systemd1.Manager.StartTransientUnit", for errors.
    var qualifiedMember: String { [interface, member].compactMap { $0 }.joined(separator: ".") }

    // MARK: - Wire format

    /// Header field codes.
    private enum Field: UInt8 {
        case path = 1, interface, member, errorName, replySerial, destination, sender, signature, unixFDs
    }

    /// The specification's limit on a whole message.
    static let maxLength = 1 << 27

    /// The message in the wire format, little-endian.
    public func encoded() throws(DBusError) -> [UInt8] {
        // The body is 8-aligned in the message, so it aligns the same on its own.
        var bodyWriter = DBusWriter()
        for value in body { try bodyWriter.write(value) }
        var header = DBusWriter()
        try header.write(.byte(UInt8(ascii: "l")))
        try header.write(.byte(kind.rawValue))
        try header.write(.byte(flags))
        try header.write(.byte(1))
        header.uint32(UInt32(bodyWriter.bytes.count))
        header.uint32(serial)
        var fields: [DBusValue] = []
        func field(_ code: Field, _ value: DBusValue?) {
            if let value { fields.append(.structure([.byte(code.rawValue), .variant(value)])) }
        }
        field(.path, path.map { .objectPath($0) })
        field(.interface, interface.map { .string($0) })
        field(.member, member.map { .string($0) })
        field(.errorName, errorName.map { .string($0) })
        field(.replySerial, replySerial.map { .uint32($0) })
        field(.destination, destination.map { .string($0) })
        field(.sender, sender.map { .string($0) })
        if !body.isEmpty { field(.signature, .signature(signature)) }
        try header.write(.array(element: "(yv)", fields))
        header.pad(to: 8)
        let message = header.bytes + bodyWriter.bytes
        guard message.count <= Self.maxLength else { throw DBusError.malformed("a message longer than 128 MiB") }
        return message
    }

    /// The length of the message at the start of `bytes`, once its fixed header and
    /// header-field length have arrived (16 bytes); nil before that.
    static func length(of bytes: ArraySlice<UInt8>) throws(DBusError) -> Int? {
        guard bytes.count >= 16 else { return nil }
        let start = bytes.startIndex
        let bigEndian: Bool
        switch bytes[start] {
        case UInt8(ascii: "l"): bigEndian = false
        case UInt8(ascii: "B"): bigEndian = true
        default: throw DBusError.malformed("unknown byte order \(bytes[start])")
        }
        func word(_ at: Int) -> Int {
            let raw = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[start + at + $1]) << (8 * $1) }
            return Int(bigEndian ? raw.byteSwapped : raw)
        }
        let bodyLength = word(4), fieldsLength = word(12)
        guard bodyLength <= maxLength, fieldsLength <= maxLength else { throw DBusError.malformed("a message longer than 128 MiB") }
        let headerLength = (16 + fieldsLength + 7) / 8 * 8
        let total = headerLength + bodyLength
        guard total <= maxLength else { throw DBusError.malformed("a message longer than 128 MiB") }
        return total
    }

    /// Parses one whole message.
    public static func decode(_ bytes: [UInt8]) throws(DBusError) -> DBusMessage {
        guard bytes.count >= 16 else { throw DBusError.malformed("a message shorter than its fixed header") }
        let bigEndian = bytes[0] == UInt8(ascii: "B")
        guard bigEndian || bytes[0] == UInt8(ascii: "l") else { throw DBusError.malformed("unknown byte order \(bytes[0])") }
        guard let kind = Kind(rawValue: bytes[1]) else { throw DBusError.malformed("unknown message type \(bytes[1])") }
        guard bytes[3] == 1 else { throw DBusError.malformed("protocol version \(bytes[3]), not 1") }
        var reader = DBusReader(bytes, offset: 4, bigEndian: bigEndian)
        let bodyLength = Int(try reader.uint32())
        var message = DBusMessage(kind: kind)
        message.flags = bytes[2]
        message.serial = try reader.uint32()
        guard message.serial != 0 else { throw DBusError.malformed("serial 0") }
        var signature = ""
        guard case .array(_, let fields) = try reader.read("a(yv)") else { throw DBusError.malformed("no header fields") }
        for case .structure(let pair) in fields {
            guard pair.count == 2, case .byte(let code) = pair[0], case .variant(let value) = pair[1] else { continue }
            switch (Field(rawValue: code), value) {
            case (.path, .objectPath(let v)): message.path = v
            case (.interface, .string(let v)): message.interface = v
            case (.member, .string(let v)): message.member = v
            case (.errorName, .string(let v)): message.errorName = v
            case (.replySerial, .uint32(let v)): message.replySerial = v
            case (.destination, .string(let v)): message.destination = v
            case (.sender, .string(let v)): message.sender = v
            case (.signature, .signature(let v)): signature = v
            case (.unixFDs, .uint32): break
            case (nil, _): break // unknown fields are ignored, as the specification asks
            default: throw DBusError.malformed("header field \(code) of type \"\(value.signature)\"")
            }
        }
        try reader.align(8)
        guard bytes.count - reader.offset == bodyLength else { throw DBusError.malformed("body length \(bodyLength) does not match the message") }
        switch kind {
        case .methodCall:
            guard message.path != nil, message.member != nil else { throw DBusError.malformed("a method call without a path or member") }
        case .signal:
            guard message.path != nil, message.interface != nil, message.member != nil else { throw DBusError.malformed("a signal without a path, interface or member") }
        case .methodReturn:
            guard message.replySerial != nil else { throw DBusError.malformed("a reply without a reply serial") }
        case .error:
            guard message.replySerial != nil, message.errorName != nil else { throw DBusError.malformed("an error without a reply serial or name") }
        }
        for type in try DBusSignature.split(signature) { message.body.append(try reader.read(type)) }
        guard reader.atEnd else { throw DBusError.malformed("the body is longer than its signature") }
        return message
    }
}
