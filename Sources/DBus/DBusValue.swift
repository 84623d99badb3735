/// A value of the D-Bus type system, as it goes on the wire. Containers carry the
/// signature of what they hold, so that an empty array still has its type.
public indirect enum DBusValue: Sendable, Equatable {
    case byte(UInt8)
    case bool(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(String)
    case signature(String)
    /// An array of values of the single complete type `element` ("s", "(sv)", "{sv}").
    case array(element: String, [DBusValue])
    /// A struct: "(...)".
    case structure([DBusValue])
    /// A dict entry, "{kv}", only as an array's element.
    case dictEntry(DBusValue, DBusValue)
    /// A variant: a value that carries its own signature.
    case variant(DBusValue)

    /// The value's type signature: "s", "a(sv)", "v", ...
    public var signature: String {
        switch self {
        case .byte: return "y"
        case .bool: return "b"
        case .int16: return "n"
        case .uint16: return "q"
        case .int32: return "i"
        case .uint32: return "u"
        case .int64: return "x"
        case .uint64: return "t"
        case .double: return "d"
        case .string: return "s"
        case .objectPath: return "o"
        case .signature: return "g"
        case .array(let element, _): return "a" + element
        case .structure(let fields): return "(" + fields.map(\.signature).joined() + ")"
        case .dictEntry(let key, let value): return "{" + key.signature + value.signature + "}"
        case .variant: return "v"
        }
    }
}

extension DBusValue {
    /// The text of a string, object path or signature; nil for any other value.
    public var text: String? {
        switch self {
        case .string(let text), .objectPath(let text), .signature(let text): return text
        default: return nil
        }
    }

    /// The value inside a variant (itself for anything else).
    public var unwrapped: DBusValue {
        if case .variant(let inner) = self { return inner.unwrapped }
        return self
    }

    /// An unsigned or signed integer of any width, widened; nil for anything else.
    public var integer: Int64? {
        switch self {
        case .byte(let v): return Int64(v)
        case .int16(let v): return Int64(v)
        case .uint16(let v): return Int64(v)
        case .int32(let v): return Int64(v)
        case .uint32(let v): return Int64(v)
        case .int64(let v): return v
        case .uint64(let v): return Int64(exactly: v)
        default: return nil
        }
    }

    /// An array of strings ("as").
    public static func strings(_ values: [String]) -> DBusValue {
        .array(element: "s", values.map { .string($0) })
    }
}
