/// The protobuf (proto2) wire format, as much of it as CRIU's RPC messages use: varints,
/// and length-delimited strings and messages. Written rather than generated with
/// swift-protobuf: the dozen fields hako sends and reads did not justify a runtime library
/// of several megabytes in a binary that is meant to stay small and static.
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    enum WireType: UInt64 {
        case varint = 0
        case lengthDelimited = 2
    }

    mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    public mutating func uint(_ field: Int, _ value: UInt64) {
        key(field, .varint)
        varint(value)
    }

    /// int32: a negative value is sign-extended to ten bytes, as protobuf encodes it.
    public mutating func int(_ field: Int, _ value: Int32) {
        key(field, .varint)
        varint(UInt64(bitPattern: Int64(value)))
    }

    public mutating func bool(_ field: Int, _ value: Bool) {
        uint(field, value ? 1 : 0)
    }

    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        build(&nested)
        bytes(field, nested.bytes)
    }
}

/// A malformed message: where it went wrong.
public struct ProtobufError: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public var description: String { "malformed protobuf message: \(reason)" }
}

/// Reads the fields of one message in order; unknown fields of any wire type are skipped
/// by the caller simply not asking for them.
public struct ProtobufReader {
    /// One field: its number and its value, a varint or the bytes of a length-delimited one.
    public enum Value: Equatable {
        case varint(UInt64)
        case bytes([UInt8])
        case fixed
    }

    public private(set) var fields: [(number: Int, value: Value)] = []

    public init(_ bytes: [UInt8]) throws(ProtobufError) {
        var offset = 0
        func varint() throws(ProtobufError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count else { throw ProtobufError(reason: "a varint runs past the end") }
                guard shift < 64 else { throw ProtobufError(reason: "a varint longer than ten bytes") }
                let byte = bytes[offset]
                offset += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        while offset < bytes.count {
            let key = try varint()
            let number = Int(key >> 3)
            guard number > 0 else { throw ProtobufError(reason: "field number 0") }
            switch key & 7 {
            case 0:
                fields.append((number, .varint(try varint())))
            case 1, 5:
                let size = key & 7 == 1 ? 8 : 4
                guard offset + size <= bytes.count else { throw ProtobufError(reason: "field \(number) runs past the end") }
                offset += size
                fields.append((number, .fixed))
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.count - offset) else { throw ProtobufError(reason: "field \(number) is longer than the message") }
                fields.append((number, .bytes(Array(bytes[offset..<offset + Int(length)]))))
                offset += Int(length)
            default:
                throw ProtobufError(reason: "field \(number) has wire type \(key & 7), which proto2 messages here do not use")
            }
        }
    }

    /// The last value of a varint field (proto2: the last one wins).
    public func varint(_ number: Int) -> UInt64? {
        for field in fields.reversed() where field.number == number {
            if case .varint(let value) = field.value { return value }
        }
        return nil
    }

    public func int(_ number: Int) -> Int32? {
        varint(number).map { Int32(truncatingIfNeeded: $0) }
    }

    public func bool(_ number: Int) -> Bool? {
        varint(number).map { $0 != 0 }
    }

    public func bytes(_ number: Int) -> [UInt8]? {
        for field in fields.reversed() where field.number == number {
            if case .bytes(let value) = field.value { return value }
        }
        return nil
    }

    public func string(_ number: Int) -> String? {
        bytes(number).map { String(decoding: $0, as: UTF8.self) }
    }

    public func message(_ number: Int) throws(ProtobufError) -> ProtobufReader? {
        guard let bytes = bytes(number) else { return nil }
        return try ProtobufReader(bytes)
    }
}
