/// Unit properties from the config's annotations, as runc takes them: an annotation
/// `org.systemd.property.NAME` sets property NAME of the container's unit to its value,
/// written in GVariant text ("uint64 123", "@t 5", "true", "'inactive-or-failed'", "1.5").
/// A NAME ending in a lowercase letter and "Sec" (TimeoutStopSec) is in seconds and is sent
/// as NAMEUSec in microseconds, which is what systemd's D-Bus API takes.
///
/// The values are the subset of GVariant text that unit properties use: booleans,
/// numbers (typed by keyword or `@` signature; plain integers are int32 and plain decimals
/// double, as in GVariant), strings and arrays of strings.
public enum SystemdAnnotations {
    public static let prefix = "org.systemd.property."

    /// The properties the annotations ask for, in name order; errors name the annotation.
    public static func properties(_ annotations: [String: String]?) throws(CgroupError) -> [UnitProperty] {
        var result: [UnitProperty] = []
        for (key, text) in (annotations ?? [:]).sorted(by: { $0.key < $1.key }) where key.hasPrefix(prefix) {
            let field = "annotations[\"\(key)\"]"
            var name = String(key.dropFirst(prefix.count))
            guard let first = name.unicodeScalars.first, ("A"..."Z").contains(first),
                  name.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) }) else {
                throw CgroupError.field(field, "\(CgroupIO.quoted(name)) is not a systemd property name (ASCII letters, starting with a capital)")
            }
            var value: UnitValue
            do {
                value = try GVariantText.parse(text)
            } catch {
                throw CgroupError.field(field, "\(CgroupIO.quoted(text)) is not a GVariant value this driver takes: \(error.message)")
            }
            if name.hasSuffix("Sec"), let before = name.dropLast(3).unicodeScalars.last, ("a"..."z").contains(before) {
                guard let microseconds = value.secondsAsMicroseconds else {
                    throw CgroupError.field(field, "\(name) takes a number of seconds, not \(CgroupIO.quoted(text))")
                }
                name = String(name.dropLast(3)) + "USec"
                value = .uint64(microseconds)
            }
            result.append(UnitProperty(name, value))
        }
        return result
    }
}

extension UnitValue {
    /// A number of seconds as microseconds (runc's conversion for ...Sec properties).
    var secondsAsMicroseconds: UInt64? {
        switch self {
        case .uint64(let v): return v.microsecondsFromSeconds
        case .int64(let v): return v >= 0 ? UInt64(v).microsecondsFromSeconds : nil
        case .uint32(let v): return UInt64(v) * 1_000_000
        case .int32(let v): return v >= 0 ? UInt64(v) * 1_000_000 : nil
        case .uint16(let v): return UInt64(v) * 1_000_000
        case .int16(let v): return v >= 0 ? UInt64(v) * 1_000_000 : nil
        case .byte(let v): return UInt64(v) * 1_000_000
        case .double(let v): return v >= 0 && v * 1_000_000 < Double(UInt64.max) ? UInt64(v * 1_000_000) : nil
        default: return nil
        }
    }
}

extension UInt64 {
    var microsecondsFromSeconds: UInt64? {
        let (result, overflow) = multipliedReportingOverflow(by: 1_000_000)
        return overflow ? nil : result
    }
}

/// A parser for the GVariant text values unit properties use.
enum GVariantText {
    struct ParseError: Error { var message: String }

    static func parse(_ text: String) throws(ParseError) -> UnitValue {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw ParseError(message: "empty") }
        // A type given by keyword ("uint64 5") or by signature ("@t 5") before the value.
        let keywords: [String: String] = ["boolean": "b", "byte": "y", "int16": "n", "uint16": "q", "int32": "i", "uint32": "u",
                                          "int64": "x", "uint64": "t", "double": "d", "string": "s"]
        let words = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        var signature: String?
        if let type = keywords[words[0]] {
            signature = type
        } else if words[0].hasPrefix("@") {
            signature = String(words[0].dropFirst())
        }
        guard let signature else { return try value(trimmed, signature: nil) }
        guard words.count == 2 else { throw ParseError(message: "a type without a value") }
        return try value(words[1].trimmingWhitespace(), signature: signature)
    }

    private static func value(_ text: String, signature: String?) throws(ParseError) -> UnitValue {
        func integer<T: FixedWidthInteger>(_ type: T.Type) throws(ParseError) -> T {
            guard let v = T(text) else { throw ParseError(message: "\(text) is not a \(T.self)") }
            return v
        }
        switch signature {
        case "b"?:
            guard text == "true" || text == "false" else { throw ParseError(message: "\(text) is not a boolean") }
            return .bool(text == "true")
        case "y"?: return .byte(try integer(UInt8.self))
        case "n"?: return .int16(try integer(Int16.self))
        case "q"?: return .uint16(try integer(UInt16.self))
        case "i"?: return .int32(try integer(Int32.self))
        case "u"?: return .uint32(try integer(UInt32.self))
        case "x"?: return .int64(try integer(Int64.self))
        case "t"?: return .uint64(try integer(UInt64.self))
        case "d"?:
            guard let v = Double(text) else { throw ParseError(message: "\(text) is not a double") }
            return .double(v)
        case "s"?: return .string(try string(text))
        case "as"?: return .stringArray(try stringArray(text))
        case let other?: throw ParseError(message: "type \(other) is not supported")
        case nil:
            if text == "true" || text == "false" { return .bool(text == "true") }
            if text.hasPrefix("'") || text.hasPrefix("\"") { return .string(try string(text)) }
            if text.hasPrefix("[") { return .stringArray(try stringArray(text)) }
            if let v = Int32(text) { return .int32(v) }
            if text.contains("."), let v = Double(text) { return .double(v) }
            throw ParseError(message: "\(text) is not a boolean, number, string or array of strings")
        }
    }

    /// 'text' or "text", with \\ escapes.
    private static func string(_ text: String) throws(ParseError) -> String {
        guard let quote = text.first, quote == "'" || quote == "\"", text.count >= 2, text.last == quote else {
            throw ParseError(message: "\(text) is not a quoted string")
        }
        var result = ""
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == quote {
                throw ParseError(message: "\(text) has an unescaped quote inside")
            } else {
                result.append(character)
            }
        }
        if escaped { throw ParseError(message: "\(text) ends in a backslash") }
        return result
    }

    /// ['a', 'b'] (strings only).
    private static func stringArray(_ text: String) throws(ParseError) -> [String] {
        guard text.hasPrefix("["), text.hasSuffix("]") else { throw ParseError(message: "\(text) is not an array") }
        let inner = String(text.dropFirst().dropLast()).trimmingWhitespace()
        if inner.isEmpty { return [] }
        var items: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        for character in inner {
            if let open = quote {
                current.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == open { quote = nil }
            } else if character == "," {
                items.append(try string(current.trimmingWhitespace()))
                current = ""
            } else {
                if character == "'" || character == "\"" { quote = character }
                current.append(character)
            }
        }
        items.append(try string(current.trimmingWhitespace()))
        return items
    }
}
