/// Unmarshals values from a message in either byte order, checking every length, offset
/// and signature against the bytes it has: what arrives comes from another process.
struct DBusReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let bigEndian: Bool
    /// Variants within variants, bounded like the other nestings.
    private var variantDepth = 0

    init(_ bytes: [UInt8], offset: Int = 0, bigEndian: Bool = false) {
        self.bytes = bytes
        self.offset = offset
        self.bigEndian = bigEndian
    }

    var atEnd: Bool { offset >= bytes.count }

    mutating func align(_ alignment: Int) throws(DBusError) {
        let aligned = (offset + alignment - 1) / alignment * alignment
        guard aligned <= bytes.count else { throw DBusError.malformed("message ends inside padding") }
        for i in offset..<aligned where bytes[i] != 0 { throw DBusError.malformed("non-zero padding byte") }
        offset = aligned
    }

    private mutating func take(_ count: Int) throws(DBusError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else { throw DBusError.malformed("message ends inside a value") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    private mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws(DBusError) -> T {
        try align(MemoryLayout<T>.size)
        var value: T = 0
        for byte in try take(MemoryLayout<T>.size).reversed() { value = value << 8 | T(byte) }
        // Assembled as little-endian; swap when the sender wrote big-endian.
        return bigEndian ? value.byteSwapped : value
    }

    mutating func uint32() throws(DBusError) -> UInt32 { try fixed(UInt32.self) }

    private mutating func text(length: Int) throws(DBusError) -> String {
        let utf8 = try take(length)
        guard try take(1).first == 0 else { throw DBusError.malformed("a string is not NUL-terminated") }
        guard !utf8.contains(0), let text = String(validating: utf8, as: UTF8.self) else {
            throw DBusError.malformed("a string is not valid UTF-8")
        }
        return text
    }

    mutating func signature() throws(DBusError) -> String {
        let length = Int(try take(1).first!)
        return try text(length: length)
    }

    /// Reads one value of the single complete type `type`.
    mutating func read(_ type: Substring) throws(DBusError) -> DBusValue {
        guard let code = type.first else { throw DBusError.malformed("empty type") }
        switch code {
        case "y": return .byte(try take(1).first!)
        case "b":
            let raw = try fixed(UInt32.self)
            guard raw <= 1 else { throw DBusError.malformed("a boolean of \(raw)") }
            return .bool(raw == 1)
        case "n": return .int16(try fixed(Int16.self))
        case "q": return .uint16(try fixed(UInt16.self))
        case "i": return .int32(try fixed(Int32.self))
        case "u", "h": return .uint32(try fixed(UInt32.self))
        case "x": return .int64(try fixed(Int64.self))
        case "t": return .uint64(try fixed(UInt64.self))
        case "d": return .double(Double(bitPattern: try fixed(UInt64.self)))
        case "s": return .string(try text(length: Int(try fixed(UInt32.self))))
        case "o": return .objectPath(try text(length: Int(try fixed(UInt32.self))))
        case "g":
            let signature = try signature()
            _ = try DBusSignature.split(signature)
            return .signature(signature)
        case "v":
            let signature = try signature()
            let types = try DBusSignature.split(signature)
            guard types.count == 1 else { throw DBusError.malformed("a variant of \"\(signature)\", not one complete type") }
            guard variantDepth < 64 else { throw DBusError.malformed("variants nested too deeply") }
            variantDepth += 1
            defer { variantDepth -= 1 }
            return .variant(try read(types[0]))
        case "a":
            let length = Int(try fixed(UInt32.self))
            guard length <= DBusWriter.maxArrayLength else { throw DBusError.malformed("an array longer than 64 MiB") }
            let element = type.dropFirst()
            try align(DBusSignature.alignment(of: element.first ?? "y"))
            let end = offset + length
            guard end <= bytes.count else { throw DBusError.malformed("an array runs past the message") }
            var values: [DBusValue] = []
            while offset < end { values.append(try read(element)) }
            guard offset == end else { throw DBusError.malformed("an array's elements overrun its length") }
            return .array(element: String(element), values)
        case "(":
            try align(8)
            let fields = try DBusSignature.split(String(type.dropFirst().dropLast()))
            var values: [DBusValue] = []
            for field in fields { values.append(try read(field)) }
            return .structure(values)
        case "{":
            try align(8)
            let parts = try DBusSignature.split(String(type.dropFirst().dropLast()))
            guard parts.count == 2 else { throw DBusError.malformed("a dict entry of \(parts.count) values") }
            return .dictEntry(try read(parts[0]), try read(parts[1]))
        default:
            throw DBusError.malformed("unknown type code \"\(code)\"")
        }
    }
}
