/// A strict JSON parser (RFC 8259, as runc's Go reader: no trailing commas, no comments,
/// no lone surrogates' silent loss) that builds a `JSONValue` tree for `JSONValueDecoder`.
/// Its errors say where the syntax breaks, by line and column.
struct JSONParser {
    struct SyntaxError: Error, CustomStringConvertible {
        var message: String
        var line: Int
        var column: Int
        var description: String { "\(message) at line \(line), column \(column)" }
    }

    /// Deeper documents are rejected rather than risk the stack (Foundation's JSONDecoder
    /// stopped at 512 too).
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    /// Parses `bytes` as one JSON document.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the document")
        }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func value() throws(SyntaxError) -> JSONValue {
        guard let byte = current else { throw error("unexpected end of input where a value was expected") }
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
            depth += 1
        }
        defer { if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth -= 1 } }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected \(describeCurrent()) where a value was expected")
        }
    }

    private mutating func object() throws(SyntaxError) -> JSONValue {
        position += 1
        skipWhitespace()
        var members: [JSONValue.Member] = []
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            guard current == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()) where an object key was expected")
            }
            let key = try string()
            skipWhitespace()
            try expect(":", "after an object key")
            skipWhitespace()
            members.append(JSONValue.Member(key: key, value: try value()))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                continue
            }
            try expect("}", "after an object member")
            return .object(members)
        }
    }

    private mutating func array() throws(SyntaxError) -> JSONValue {
        position += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                continue
            }
            try expect("]", "after an array element")
            return .array(elements)
        }
    }

    /// Reads a string literal and returns its value, escapes resolved. As Go's reader (and
    /// so runc) does, a surrogate escape that is not half of a pair, and bytes that are not
    /// UTF-8, become U+FFFD.
    private mutating func string() throws(SyntaxError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var pendingHighSurrogate = false
        var highSurrogate: UInt32 = 0
        var raw: [UInt8] = []
        func flush() {
            if pendingHighSurrogate {
                scalars.append("\u{FFFD}")
                pendingHighSurrogate = false
            }
            if !raw.isEmpty {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
        }
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                position += 1
                guard let escape = current else { break }
                position += 1
                if let byte = JSONEscapes.single(escape) {
                    if pendingHighSurrogate { flush() }
                    raw.append(byte)
                } else if escape == UInt8(ascii: "u") {
                    let unit = try hexQuad()
                    if pendingHighSurrogate, (0xDC00...0xDFFF).contains(unit) {
                        let combined = 0x10000 + ((highSurrogate - 0xD800) << 10) + (unit - 0xDC00)
                        pendingHighSurrogate = false
                        scalars.append(Unicode.Scalar(combined) ?? "\u{FFFD}")
                    } else {
                        flush()
                        if (0xD800...0xDBFF).contains(unit) {
                            pendingHighSurrogate = true
                            highSurrogate = unit
                        } else {
                            scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                        }
                    }
                } else {
                    position -= 1
                    throw error("invalid escape sequence")
                }
            case 0x00..<0x20:
                throw error("unescaped control character in a string")
            default:
                if pendingHighSurrogate { flush() }
                raw.append(byte)
                position += 1
            }
        }
        throw error("unexpected end of input in a string")
    }

    private mutating func hexQuad() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = JSONEscapes.hexValue(byte) else {
                throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// A number's literal text, checked; converted when a field's type is known.
    private mutating func number() throws(SyntaxError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else {
            try digits("in a number")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            try digits("after a decimal point")
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits("in an exponent")
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func digits(_ context: String) throws(SyntaxError) {
        let start = position
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            position += 1
        }
        if position == start { throw error("expected a digit \(context)") }
    }

    private mutating func literal(_ word: String) throws(SyntaxError) {
        for expected in word.utf8 {
            guard current == expected else {
                throw error("unexpected \(describeCurrent()) in the literal \(word)")
            }
            position += 1
        }
    }

    private mutating func expect(_ character: Unicode.Scalar, _ context: String) throws(SyntaxError) {
        guard current == UInt8(ascii: character) else {
            throw error("expected '\(character)' \(context) but found \(describeCurrent())")
        }
        position += 1
    }

    private mutating func skipWhitespace() {
        while let byte = current,
              byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            position += 1
        }
    }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of input" }
        if byte >= 0x20 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    private func error(_ message: String) -> SyntaxError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(position, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SyntaxError(message: message, line: line, column: column)
    }
}
