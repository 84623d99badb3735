/// A strict JSON syntax checker that also records where each number is. It exists
/// to explain the errors JSONDecoder reports only as "not valid JSON": where the
/// syntax breaks, and which number does not fit its field.
struct JSONScanner {
    struct SyntaxError: Error, CustomStringConvertible {
        var message: String
        var line: Int
        var column: Int
        var description: String { "\(message) at line \(line), column \(column)" }
    }

    /// A number literal: its bytes in the document and the path of its value.
    struct Number {
        var range: Range<Int>
        var text: String
        var path: JSONPath
    }

    /// Deeper documents are rejected rather than risk the stack (JSONDecoder stops at 512 too).
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    private(set) var numbers: [Number] = []

    /// Scans `bytes` as one JSON document, collecting its numbers.
    static func scan(_ bytes: [UInt8]) throws(SyntaxError) -> [Number] {
        var scanner = JSONScanner(bytes: bytes)
        scanner.skipWhitespace()
        try scanner.value(at: .root)
        scanner.skipWhitespace()
        if scanner.position < bytes.count {
            throw scanner.error("unexpected \(scanner.describeCurrent()) after the document")
        }
        return scanner.numbers
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func value(at path: JSONPath) throws(SyntaxError) {
        guard let byte = current else { throw error("unexpected end of input where a value was expected") }
        if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
            depth += 1
        }
        defer { if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth -= 1 } }
        switch byte {
        case UInt8(ascii: "{"): try object(at: path)
        case UInt8(ascii: "["): try array(at: path)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(at: path)
        default: throw error("unexpected \(describeCurrent()) where a value was expected")
        }
    }

    private mutating func object(at path: JSONPath) throws(SyntaxError) {
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            guard current == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()) where an object key was expected")
            }
            let key = try string()
            skipWhitespace()
            try expect(":", "after an object key")
            skipWhitespace()
            try value(at: path.key(key))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                continue
            }
            try expect("}", "after an object member")
            return
        }
    }

    private mutating func array(at path: JSONPath) throws(SyntaxError) {
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return
        }
        var index = 0
        while true {
            try value(at: path.index(index))
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
                continue
            }
            try expect("]", "after an array element")
            return
        }
    }

    /// Scans a string literal and returns its value (escapes resolved).
    private mutating func string() throws(SyntaxError) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var pendingHighSurrogate: UInt32?
        var raw: [UInt8] = []
        func flushRaw() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                flushRaw()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRaw()
                position += 1
                guard let escape = current else { break }
                position += 1
                if let byte = JSONEscapes.single(escape) {
                    raw.append(byte)
                } else if escape == UInt8(ascii: "u") {
                    let unit = try hexQuad()
                    if let high = pendingHighSurrogate, (0xDC00...0xDFFF).contains(unit) {
                        let combined = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                        if let scalar = Unicode.Scalar(combined) { scalars.append(scalar) }
                        pendingHighSurrogate = nil
                    } else if (0xD800...0xDBFF).contains(unit) {
                        pendingHighSurrogate = unit
                    } else if let scalar = Unicode.Scalar(unit) {
                        scalars.append(scalar)
                    }
                    continue
                } else {
                    position -= 1
                    throw error("invalid escape sequence")
                }
            case 0x00..<0x20:
                throw error("unescaped control character in a string")
            default:
                raw.append(byte)
                position += 1
            }
            pendingHighSurrogate = nil
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

    private mutating func number(at path: JSONPath) throws(SyntaxError) {
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
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        numbers.append(Number(range: start..<position, text: text, path: path))
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
