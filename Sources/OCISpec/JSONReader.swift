/// A cursor over JSON bytes that reads the common shape of hako's documents by hand:
/// config.json (`SpecReader`) and state.json (Runtime's `RecordDecoding`). Each reading
/// method returns nil (or false) at anything outside that shape, and the caller then gives
/// the whole document to the Codable decoder, which reads every valid document and words the errors.
///
/// Why by hand: a short-lived command pays, for every Codable type it decodes for the
/// first time, the Swift runtime's search of all 4,500 protocol conformance records of
/// the binary (instantiating `KeyedDecodingContainer<CodingKeys>` checks its requirement).
/// That was 3 of the 4.6 million instructions of decoding a config.json, and more than half
/// of `hako exec`.
///
/// The shape: syntactically valid JSON (RFC 8259, checked as strictly as `JSONParser`);
/// strings with valid UTF-8, no raw control characters, and escapes other than surrogate
/// pairs; integers without fraction, exponent or leading zeros, within the field's type;
/// booleans; no null where a value is read (the Codable decoder's Go-like rules for null are its
/// own); no key twice in an object that is read. Values of unknown keys are skipped, as
/// the Codable decoder skips them, after the same syntax check.
package struct JSONReader {
    // Visible to the inlinable readers below, which the readers of other modules
    // (state.json's) specialize for their types: unspecialized, `once` and `integer` cost
    // more than the rest of a record.
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var position = 0
    /// How deep skipped values may nest before the reader gives up (`JSONParser` allows 512;
    /// recursion here must not exhaust the stack).
    private static let maximumSkipDepth = 64

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    /// Whether only whitespace is left.
    package mutating func atEnd() -> Bool {
        skipWhitespace()
        return position == bytes.count
    }

    @inlinable mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    @inlinable package mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// An object: calls `field` with each key, which must read (or skip) the value. A key
    /// seen twice is outside the shape (the Codable decoder's choice among them is its own): the
    /// readers refuse it with `once`.
    package mutating func object(_ field: (inout JSONReader, String) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            guard let key = string(), take(UInt8(ascii: ":")), field(&self, key) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// Reads a field's value into `slot` unless it has one already (the key came twice).
    @inlinable package mutating func once<T>(_ slot: inout T?, _ read: (inout JSONReader) -> T?) -> Bool {
        guard slot == nil, let value = read(&self) else { return false }
        slot = value
        return true
    }

    /// A string with no escapes but \" \\ \/ \b \f \n \r \t and \u outside the
    /// surrogates; valid UTF-8 throughout.
    package mutating func string() -> String? {
        guard take(Self.quote) else { return nil }
        let start = position
        // The common case: no escape at all, one pass to find the end; ASCII needs no
        // validation (String(validating:) costs more than the rest of the read).
        var high: UInt8 = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte == Self.quote {
                defer { position += 1 }
                return high < 0x80 ? String(decoding: bytes[start..<position], as: UTF8.self)
                    : String(validating: bytes[start..<position], as: UTF8.self)
            }
            if byte == Self.backslash { break }
            if byte < 0x20 { return nil }
            high |= byte
            position += 1
        }
        var decoded = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == Self.quote { return String(validating: decoded, as: UTF8.self) }
            if byte < 0x20 { return nil }
            guard byte == Self.backslash else {
                decoded.append(byte)
                continue
            }
            guard position < bytes.count else { return nil }
            let escape = bytes[position]
            position += 1
            if let byte = JSONEscapes.single(escape) {
                decoded.append(byte)
                continue
            }
            guard escape == UInt8(ascii: "u"), position + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for digit in bytes[position..<position + 4] {
                guard let nibble = JSONEscapes.hexValue(digit) else { return nil }
                value = value << 4 | nibble
            }
            position += 4
            // Surrogate pairs, lone or not, are the Codable decoder's to judge.
            guard let scalar = Unicode.Scalar(value), !(0xD800...0xDFFF).contains(value) else { return nil }
            decoded.append(contentsOf: String(Character(scalar)).utf8)
        }
        return nil
    }

    @inlinable func isDigit(_ index: Int) -> Bool {
        index < bytes.count && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9")
    }

    /// An integer as JSON writes one (-?(0|[1-9][0-9]*)) that `T` holds; not -0.
    @inlinable package mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        skipWhitespace()
        let negative = take(UInt8(ascii: "-"))
        let start = position
        var value: T = 0
        while isDigit(position) {
            let digit = T(bytes[position] - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            position += 1
        }
        let digits = position - start
        guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
        // A fraction or an exponent next: the Codable decoder's rules for those.
        if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) { return nil }
        if negative && value == 0 { return nil }
        return value
    }

    package mutating func boolean() -> Bool? {
        skipWhitespace()
        if bytes[position...].starts(with: Self.trueLiteral) {
            position += 4
            return true
        }
        if bytes[position...].starts(with: Self.falseLiteral) {
            position += 5
            return false
        }
        return nil
    }

    private static let trueLiteral = Array("true".utf8), falseLiteral = Array("false".utf8), nullLiteral = Array("null".utf8)

    @inlinable package mutating func array<T>(_ element: (inout JSONReader) -> T?) -> [T]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var values: [T] = []
        if take(UInt8(ascii: "]")) { return values }
        repeat {
            guard let value = element(&self) else { return nil }
            values.append(value)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? values : nil
    }

    package mutating func strings() -> [String]? {
        array { $0.string() }
    }

    /// An object read as a dictionary, each value by `value`.
    @inlinable package mutating func map<T>(_ value: (inout JSONReader) -> T?) -> [String: T]? {
        var values: [String: T] = [:]
        let complete = object { reader, key in
            guard values[key] == nil, let element = value(&reader) else { return false }
            values[key] = element
            return true
        }
        return complete ? values : nil
    }

    package mutating func dictionary() -> [String: String]? {
        map { $0.string() }
    }

    /// Skips a value of a key the document type does not have, checking its syntax as
    /// `JSONParser` would.
    package mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < Self.maximumSkipDepth else { return false }
        skipWhitespace()
        guard position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            return object { reader, _ in reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            return array { reader -> Bool? in reader.skipValue(depth: depth + 1) ? true : nil } != nil
        case Self.quote:
            return string() != nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return boolean() != nil
        case UInt8(ascii: "n"):
            guard bytes[position...].starts(with: Self.nullLiteral) else { return false }
            position += 4
            return true
        default:
            return skipNumber()
        }
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func skipNumber() -> Bool {
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else { return false }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { return false }
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) { position += 1 }
            guard isDigit(position) else { return false }
            while isDigit(position) { position += 1 }
        }
        return true
    }
}
