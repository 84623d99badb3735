/// Writes a `JSONValue` as Foundation's JSONEncoder wrote hako's documents before
/// (`.sortedKeys` and `.withoutEscapingSlashes`; with `.prettyPrinted` when `pretty`):
/// keys in code-point order, the last of a key given twice; pretty output indented by two
/// spaces with `"key" : value`, and an empty array or object opened and closed on lines of
/// their own.
struct JSONWriter {
    let pretty: Bool
    private(set) var bytes: [UInt8] = []
    private static let hexDigits = Array("0123456789abcdef".utf8)

    init(pretty: Bool) {
        self.pretty = pretty
    }

    static func write(_ value: JSONValue, pretty: Bool) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        writer.write(value, indent: 0)
        return writer.bytes
    }

    private mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let text): append(text)
        case .string(let text): writeString(text)
        case .array(let elements):
            open("[", empty: elements.isEmpty, indent: indent)
            for (index, element) in elements.enumerated() {
                separate(first: index == 0, indent: indent + 2)
                write(element, indent: indent + 2)
            }
            close("]", indent: indent)
        case .object(let members):
            let sorted = Self.sortedUnique(members)
            open("{", empty: sorted.isEmpty, indent: indent)
            for (index, member) in sorted.enumerated() {
                separate(first: index == 0, indent: indent + 2)
                writeString(member.key)
                append(pretty ? " : " : ":")
                write(member.value, indent: indent + 2)
            }
            close("}", indent: indent)
        }
    }

    /// Members by key in code-point order (UTF-8 byte order is the same), each key once:
    /// the last given, as Foundation's encoder keeps the last value set for a key.
    static func sortedUnique(_ members: [JSONValue.Member]) -> [JSONValue.Member] {
        guard members.count > 1 else { return members }
        let ordered = members.enumerated().sorted { left, right in
            if left.element.key == right.element.key { return left.offset < right.offset }
            return left.element.key.utf8.lexicographicallyPrecedes(right.element.key.utf8)
        }
        var result: [JSONValue.Member] = []
        result.reserveCapacity(members.count)
        for (_, member) in ordered {
            if let last = result.last, last.key == member.key {
                result[result.count - 1] = member
            } else {
                result.append(member)
            }
        }
        return result
    }

    private mutating func open(_ bracket: String, empty: Bool, indent: Int) {
        append(bracket)
        // Foundation's pretty form of an empty container: "[\n\n]", closed at the indent.
        if pretty && empty { append("\n") }
    }

    private mutating func separate(first: Bool, indent: Int) {
        if !first { append(",") }
        if pretty {
            append("\n")
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
        }
    }

    private mutating func close(_ bracket: String, indent: Int) {
        if pretty {
            append("\n")
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
        }
        append(bracket)
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A string literal: `"` and `\` escaped, control characters as \n, \t... or \u00XX;
    /// everything else (slashes, non-ASCII) as it is.
    private mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0x00..<0x20:
                append("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
