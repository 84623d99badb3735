public extension Spec {
    /// Decodes config.json. Errors name the JSON path, e.g.
    /// `process.user.uid: expected a number`.
    static func decode(_ bytes: [UInt8]) throws(SpecError) -> Spec {
        // What engines write reads by hand (SpecReader); anything else through the Codable
        // decoder.
        if let spec = decodeCommonShape(bytes) { return spec }
        return try decodeWithCodable(bytes)
    }

    /// `decode` without the hand reader: the Codable decoder and the errors that name the
    /// path. The tests and the fuzzer compare both.
    @_spi(Decoding) static func decodeWithCodable(_ bytes: [UInt8]) throws(SpecError) -> Spec {
        try JSONCoding.decode(Spec.self, from: bytes, document: "config.json")
    }

    /// Encodes as JSON with sorted keys; omitted optionals are left out.
    func encoded(pretty: Bool) throws -> [UInt8] {
        try JSONCoding.encode(self, pretty: pretty)
    }
}

public extension State {
    /// Decodes a state document (as `state` prints and hooks receive).
    static func decode(_ bytes: [UInt8]) throws(SpecError) -> State {
        try JSONCoding.decode(State.self, from: bytes, document: "state")
    }

    func encoded(pretty: Bool) throws -> [UInt8] {
        try JSONCoding.encode(self, pretty: pretty)
    }
}

public extension Features {
    static func decode(_ bytes: [UInt8]) throws(SpecError) -> Features {
        try JSONCoding.decode(Features.self, from: bytes, document: "features")
    }

    func encoded(pretty: Bool) throws -> [UInt8] {
        try JSONCoding.encode(self, pretty: pretty)
    }
}

/// JSON for every Codable type of hako's: `JSONParser` and `JSONValueDecoder` to read,
/// `JSONValueEncoder` and `JSONWriter` to write. (config.json and state.json in their
/// usual shape are read by hand first: `SpecReader`, Runtime's `RecordDecoding`.)
public enum JSONCoding {
    /// Decodes strictly (invalid JSON such as a trailing comma is refused, as runc refuses
    /// it); errors name the path of the field: `process.user.uid: expected a number`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], document: String) throws(SpecError) -> T {
        let tree: JSONValue
        do {
            tree = try JSONParser.parse(bytes)
        } catch {
            throw SpecError(path: "", reason: "\(document) is not valid JSON: \(error)")
        }
        do {
            return try T(from: JSONValueDecoder(value: tree))
        } catch let error as DecodingError {
            throw specError(error, document: document)
        } catch let error as SpecError {
            throw error
        } catch {
            throw SpecError(path: "", reason: "\(document) could not be decoded: \(error)")
        }
    }

    /// Encodes with sorted keys, slashes as they are, and `pretty` as Foundation's
    /// `.prettyPrinted` laid it out.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        JSONWriter.write(try JSONValueEncoder.encode(value), pretty: pretty)
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
                return SpecError(path: "", reason: "\(document) could not be decoded: \(lowercasedFirst(detail))")
            }
            return SpecError(
                path: JSONPath(codingPath: context.codingPath).description,
                reason: lowercasedFirst(context.debugDescription)
            )
        @unknown default:
            return SpecError(path: "", reason: "\(document) could not be decoded: \(error)")
        }
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
