/// A parsed JSON document (`JSONParser`), or one built by `JSONValueEncoder` to be written
/// (`JSONWriter`). Numbers keep their literal text: a field's type decides how it is read,
/// so a uid of 4294967295 or a 64-bit limit is never rounded through a Double.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order; a key may appear twice in a parsed document (the
    /// decoder takes the last, as Go's reader, and so runc, does).
    case object([Member])

    struct Member: Equatable, Sendable {
        var key: String
        var value: JSONValue
    }

    /// "a number", "an object"...: what the document had, for an error.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
