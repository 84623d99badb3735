/// An `Encoder` that builds a `JSONValue` for `JSONWriter`: how `spec`, `features`,
/// `state`, hook states, events and the seccomp agent's message are written. Foundation's
/// JSONEncoder's output, hako's before, is kept byte for byte (sorted keys, its pretty
/// layout), since scripts edit `hako spec`'s config.json with sed.
struct JSONValueEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Encodes `value` to the tree its `encode(to:)` describes.
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = EncodingNode()
        try value.encode(to: JSONValueEncoder(node: root, codingPath: []))
        return root.resolved
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedJSONEncodingContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedJSONEncodingContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleJSONEncodingContainer(node: node, codingPath: codingPath)
    }
}

/// One value being encoded. A class: the containers an `encode(to:)` asks for are values
/// that must all add to the same object or array.
final class EncodingNode {
    enum Entry {
        case value(JSONValue)
        case node(EncodingNode)

        var resolved: JSONValue {
            switch self {
            case .value(let value): value
            case .node(let node): node.resolved
            }
        }
    }

    enum Content {
        case unset
        case value(JSONValue)
        case object([(key: String, entry: Entry)])
        case array([Entry])
    }

    var content: Content = .unset

    /// An `encode(to:)` that asked for no container and encoded nothing gives `{}`, as
    /// Foundation's does.
    var resolved: JSONValue {
        switch content {
        case .unset: .object([])
        case .value(let value): value
        case .object(let members): .object(members.map { JSONValue.Member(key: $0.key, value: $0.entry.resolved) })
        case .array(let elements): .array(elements.map(\.resolved))
        }
    }

    func becomeObject() {
        if case .object = content { return }
        content = .object([])
    }

    func becomeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func add(_ entry: Entry, key: String) {
        guard case .object(var members) = content else { return }
        content = .unset
        members.append((key, entry))
        content = .object(members)
    }

    func append(_ entry: Entry) {
        guard case .array(var elements) = content else { return }
        content = .unset
        elements.append(entry)
        content = .array(elements)
    }

    var count: Int {
        switch content {
        case .array(let elements): elements.count
        case .object(let members): members.count
        default: 0
        }
    }
}

/// The JSON of a single value.
enum JSONScalar {
    static func number<T: BinaryFloatingPoint & CustomStringConvertible>(_ value: T, codingPath: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "Unable to encode \(value) directly in JSON"))
        }
        // Swift's shortest form, which is exact below 2^53 and exponential above; a
        // whole value loses its ".0" (Foundation's rule).
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }
}

private struct KeyedJSONEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) { node.add(.value(.null), key: key.stringValue) }
    mutating func encode(_ value: Bool, forKey key: Key) { node.add(.value(.bool(value)), key: key.stringValue) }
    mutating func encode(_ value: String, forKey key: Key) { node.add(.value(.string(value)), key: key.stringValue) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        node.add(.value(try JSONScalar.number(value, codingPath: codingPath + [key])), key: key.stringValue)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        node.add(.value(try JSONScalar.number(value, codingPath: codingPath + [key])), key: key.stringValue)
    }
    mutating func encode(_ value: Int, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { integer(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) { integer(value, key) }

    private func integer<T: FixedWidthInteger>(_ value: T, _ key: Key) {
        node.add(.value(.number(value.description)), key: key.stringValue)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = EncodingNode()
        try value.encode(to: JSONValueEncoder(node: child, codingPath: codingPath + [key]))
        node.add(.node(child), key: key.stringValue)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode()
        node.add(.node(child), key: key.stringValue)
        return JSONValueEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = EncodingNode()
        node.add(.node(child), key: key.stringValue)
        return JSONValueEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(named: JSONKey(stringValue: "super"))
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(named: key)
    }

    private func superEncoder(named key: any CodingKey) -> any Encoder {
        let child = EncodingNode()
        node.add(.node(child), key: key.stringValue)
        return JSONValueEncoder(node: child, codingPath: codingPath + [key])
    }
}

private struct UnkeyedJSONEncodingContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    private var nextKey: any CodingKey { JSONKey(index: count) }

    mutating func encodeNil() { node.append(.value(.null)) }
    mutating func encode(_ value: Bool) { node.append(.value(.bool(value))) }
    mutating func encode(_ value: String) { node.append(.value(.string(value))) }
    mutating func encode(_ value: Double) throws { node.append(.value(try JSONScalar.number(value, codingPath: codingPath + [nextKey]))) }
    mutating func encode(_ value: Float) throws { node.append(.value(try JSONScalar.number(value, codingPath: codingPath + [nextKey]))) }
    mutating func encode(_ value: Int) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: Int8) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: Int16) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: Int32) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: Int64) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: UInt) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: UInt8) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: UInt16) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: UInt32) { node.append(.value(.number(value.description))) }
    mutating func encode(_ value: UInt64) { node.append(.value(.number(value.description))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = EncodingNode()
        try value.encode(to: JSONValueEncoder(node: child, codingPath: codingPath + [nextKey]))
        node.append(.node(child))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode()
        let key = nextKey
        node.append(.node(child))
        return JSONValueEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = EncodingNode()
        let key = nextKey
        node.append(.node(child))
        return JSONValueEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = EncodingNode()
        let key = nextKey
        node.append(.node(child))
        return JSONValueEncoder(node: child, codingPath: codingPath + [key])
    }
}

private struct SingleJSONEncodingContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() { node.content = .value(.null) }
    mutating func encode(_ value: Bool) { node.content = .value(.bool(value)) }
    mutating func encode(_ value: String) { node.content = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { node.content = .value(try JSONScalar.number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { node.content = .value(try JSONScalar.number(value, codingPath: codingPath)) }
    mutating func encode(_ value: Int) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: Int8) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: Int16) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: Int32) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: Int64) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: UInt) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: UInt8) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: UInt16) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: UInt32) { node.content = .value(.number(value.description)) }
    mutating func encode(_ value: UInt64) { node.content = .value(.number(value.description)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: JSONValueEncoder(node: node, codingPath: codingPath))
    }
}
