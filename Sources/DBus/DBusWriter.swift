/// Marshals values in D-Bus's little-endian wire format. Alignment counts from the start
/// of the message, so a writer starts at a message's start or at an 8-aligned body.
struct DBusWriter {
    private(set) var bytes: [UInt8] = []

    /// The specification's limit on an array's length in bytes.
    static let maxArrayLength = 1 << 26

    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    private mutating func fixed<T: FixedWidthInteger>(_ value: T) {
        pad(to: MemoryLayout<T>.size)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func uint32(_ value: UInt32) { fixed(value) }

    mutating func write(_ value: DBusValue) throws(DBusError) {
        switch value {
        case .byte(let v): bytes.append(v)
        case .bool(let v): fixed(UInt32(v ? 1 : 0))
        case .int16(let v): fixed(v)
        case .uint16(let v): fixed(v)
        case .int32(let v): fixed(v)
        case .uint32(let v): fixed(v)
        case .int64(let v): fixed(v)
        case .uint64(let v): fixed(v)
        case .double(let v): fixed(v.bitPattern)
        case .string(let text), .objectPath(let text):
            let utf8 = Array(text.utf8)
            guard !utf8.contains(0) else { throw DBusError.malformed("a string holds a NUL byte") }
            fixed(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
            bytes.append(0)
        case .signature(let text):
            let utf8 = Array(text.utf8)
            guard utf8.count <= DBusSignature.maxLength else { throw DBusError.malformed("signature longer than 255 bytes") }
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
            bytes.append(0)
        case .array(let element, let values):
            fixed(UInt32(0))
            let lengthAt = bytes.count - 4
            guard let first = element.first else { throw DBusError.malformed("an array without an element type") }
            pad(to: DBusSignature.alignment(of: first))
            let start = bytes.count
            for value in values {
                guard value.signature == element else {
                    throw DBusError.malformed("an array of \"\(element)\" holds a value of type \"\(value.signature)\"")
                }
                try write(value)
            }
            let length = bytes.count - start
            guard length <= Self.maxArrayLength else { throw DBusError.malformed("an array longer than 64 MiB") }
            withUnsafeBytes(of: UInt32(length).littleEndian) { raw in
                for i in 0..<4 { bytes[lengthAt + i] = raw[i] }
            }
        case .structure(let fields):
            guard !fields.isEmpty else { throw DBusError.malformed("an empty struct") }
            pad(to: 8)
            for field in fields { try write(field) }
        case .dictEntry(let key, let value):
            pad(to: 8)
            try write(key)
            try write(value)
        case .variant(let inner):
            try write(.signature(inner.signature))
            try write(inner)
        }
    }
}
