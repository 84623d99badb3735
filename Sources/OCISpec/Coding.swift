import FoundationEssentials

public extension Spec {
    /// Decodes config.json. Errors name the JSON path, e.g.
    /// `process.user.uid: expected a number`.
    static func decode(_ data: Data) throws(SpecError) -> Spec {
        // What engines write reads by hand (SpecReader); anything else through JSONDecoder.
        if let spec = decodeCommonShape([UInt8](data)) { return spec }
        return try decodeWithFoundation(data)
    }

    /// `decode` without the hand reader: JSONDecoder and the errors that name the path.
    /// The tests and the fuzzer compare both.
    @_spi(Decoding) static func decodeWithFoundation(_ data: Data) throws(SpecError) -> Spec {
        try OCIJSON.decode(Spec.self, from: data, document: "config.json")
    }

    /// Encodes as JSON with sorted keys; omitted optionals are left out.
    func encoded(pretty: Bool) throws -> Data {
        try OCIJSON.encode(self, pretty: pretty)
    }
}

public extension State {
    /// Decodes a state document (as `state` prints and hooks receive).
    static func decode(_ data: Data) throws(SpecError) -> State {
        try OCIJSON.decode(State.self, from: data, document: "state")
    }

    func encoded(pretty: Bool) throws -> Data {
        try OCIJSON.encode(self, pretty: pretty)
    }
}

public extension Features {
    static func decode(_ data: Data) throws(SpecError) -> Features {
        try OCIJSON.decode(Features.self, from: data, document: "features")
    }

    func encoded(pretty: Bool) throws -> Data {
        try OCIJSON.encode(self, pretty: pretty)
    }
}

/// JSON coding shared by the document types.
enum OCIJSON {
    /// Decodes strictly: the syntax is checked first (JSONDecoder tolerates some
    /// invalid JSON, such as trailing commas, that runc rejects).
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, document: String) throws(SpecError) -> T {
        let bytes = [UInt8](data)
        let numbers: [JSONScanner.Number]
        do {
            numbers = try JSONScanner.scan(bytes)
        } catch {
            throw SpecError(path: "", reason: "\(document) is not valid JSON: \(error)")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // JSONDecoder reports a number that does not fit its field as "not valid JSON".
            throw unfitNumber(bytes, numbers: numbers, as: type, document: document)
        } catch let error as DecodingError {
            throw specError(error, document: document)
        } catch {
            throw SpecError(path: "", reason: "\(document) could not be decoded: \(error)")
        }
    }

    static func encode<T: Encodable>(_ value: T, pretty: Bool) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Turns a DecodingError into a message that names the JSON path.
    static func specError(_ error: DecodingError, document: String) -> SpecError {
        switch error {
        case .typeMismatch(let type, let context):
            return SpecError(
                path: JSONPath(codingPath: context.codingPath).description,
                reason: "expected \(describe(type))"
            )
        case .valueNotFound(let type, let context):
            return SpecError(
                path: JSONPath(codingPath: context.codingPath).description,
                reason: "expected \(describe(type)), found null"
            )
        case .keyNotFound(let key, let context):
            return SpecError(
                path: JSONPath(codingPath: context.codingPath + [key]).description,
                reason: "missing required field"
            )
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let detail = context.underlyingError.map { "\($0)" } ?? context.debugDescription
                return SpecError(path: "", reason: "\(document) is not valid JSON: \(detail)")
            }
            return SpecError(
                path: JSONPath(codingPath: context.codingPath).description,
                reason: lowercasedFirst(context.debugDescription)
            )
        @unknown default:
            return SpecError(path: "", reason: "\(document) could not be decoded: \(error)")
        }
    }

    /// Names a number of a syntactically valid document that does not fit its field.
    static func unfitNumber<T: Decodable>(
        _ bytes: [UInt8], numbers: [JSONScanner.Number], as type: T.Type, document: String
    ) -> SpecError {
        // The syntax is fine, so some number is out of range for its field (a negative
        // uid, a fraction for an integer...). Replacing the first k numbers by 0 cures
        // the error from some k on; the k-th number is then one that does not fit.
        func cured(replacingFirst count: Int) -> Bool {
            var patched: [UInt8] = []
            patched.reserveCapacity(bytes.count)
            var copied = 0
            for number in numbers.prefix(count) {
                patched += bytes[copied..<number.range.lowerBound]
                patched.append(UInt8(ascii: "0"))
                copied = number.range.upperBound
            }
            patched += bytes[copied...]
            do {
                _ = try JSONDecoder().decode(type, from: Data(patched))
                return true
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                return false
            } catch {
                return true
            }
        }
        guard !numbers.isEmpty, cured(replacingFirst: numbers.count) else {
            return SpecError(path: "", reason: "\(document) could not be decoded")
        }
        var failing = 0, curing = numbers.count
        while curing - failing > 1 {
            let middle = (failing + curing) / 2
            if cured(replacingFirst: middle) { curing = middle } else { failing = middle }
        }
        let culprit = numbers[curing - 1]
        let isInteger = !culprit.text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        return SpecError(
            path: culprit.path.description,
            reason: isInteger ? "number \(culprit.text) is out of range" : "expected an integer, found \(culprit.text)"
        )
    }

    private static let numberTypes: [Any.Type] = [
        Int.self, Int8.self, Int16.self, Int32.self, Int64.self,
        UInt.self, UInt8.self, UInt16.self, UInt32.self, UInt64.self,
        Double.self, Float.self,
    ]

    /// "a number", "a string", "an object"... for the type a decoder expected.
    static func describe(_ type: Any.Type) -> String {
        if numberTypes.contains(where: { $0 == type }) { return "a number" }
        if type == String.self { return "a string" }
        if type == Bool.self { return "a boolean" }
        let name = String(describing: type)
        if name.hasPrefix("Array<") || name.hasPrefix("[") && !name.contains(":") { return "an array" }
        if name.hasPrefix("Dictionary<") || name.hasPrefix("[") { return "an object" }
        return "a value of type \(name)"
    }

    private static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        let rest = text.dropFirst()
        var result = first.lowercased() + rest
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }
}
