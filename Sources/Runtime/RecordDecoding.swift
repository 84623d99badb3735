import OCISpec

/// state.json read by hand, the mirror of `RecordEncoding`. Every command but `spec` reads
/// a record, and `list` reads one per container: JSONDecoder took about 186k instructions
/// a record (70% of `list` with 100 containers), this about a tenth of that.
///
/// Only the shape hako writes is read here: the known keys, each at most once; strings
/// whose escapes are the simple ones and whose bytes are valid UTF-8; integers without a
/// fraction or exponent; no nulls. Anything else (a file written by hand or by another
/// version, a damaged one) gives nil, and the caller decodes it with JSONDecoder
/// (`ContainerRecord.init(from:)`), which also words the errors. So both read every
/// input the same way, which the fuzzer checks input by input, and a unit test on
/// records of every shape.
extension ContainerRecord {
    /// The record in `bytes`, or nil when they are not in the shape `encodedJSON` writes.
    public static func decodeWrittenShape(_ bytes: [UInt8]) -> ContainerRecord? {
        var reader = JSONReader(bytes)
        guard let record = reader.record(), reader.atEnd() else { return nil }
        return record
    }
}

/// A cursor over JSON bytes for the shapes state.json has. Each reading method returns
/// nil (and the whole read is abandoned) at anything outside that shape.
struct JSONReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    mutating func atEnd() -> Bool {
        skipWhitespace()
        return position == bytes.count
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// An object: calls `field` with each key, which must read the value. A key seen twice
    /// is outside the shape (JSONDecoder's choice among them is its own): `field` refuses
    /// it, with `once`.
    private mutating func object(_ field: (inout JSONReader, String) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            guard let key = string(), take(UInt8(ascii: ":")), field(&self, key) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// Reads a field's value into `slot` unless it has one already (the key came twice).
    private mutating func once<T>(_ slot: inout T?, _ read: (inout JSONReader) -> T?) -> Bool {
        guard slot == nil, let value = read(&self) else { return false }
        slot = value
        return true
    }

    /// A string with no escapes but \" \\ \/ \b \f \n \r \t and \u of the Basic
    /// Multilingual Plane outside the surrogates; valid UTF-8 throughout.
    mutating func string() -> String? {
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
            switch escape {
            case Self.quote, Self.backslash, UInt8(ascii: "/"): decoded.append(escape)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                guard position + 4 <= bytes.count else { return nil }
                var value: UInt32 = 0
                for digit in bytes[position..<position + 4] {
                    guard let nibble = Self.hexValue(digit) else { return nil }
                    value = value << 4 | nibble
                }
                position += 4
                // Surrogate pairs, lone or not, are JSONDecoder's to judge.
                guard let scalar = Unicode.Scalar(value), !(0xD800...0xDFFF).contains(value) else { return nil }
                decoded.append(contentsOf: String(Character(scalar)).utf8)
            default:
                return nil
            }
        }
        return nil
    }

    private static func hexValue(_ digit: UInt8) -> UInt32? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(digit - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(digit - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(digit - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// An integer as JSON writes one (-?(0|[1-9][0-9]*)) that `T` holds.
    mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        skipWhitespace()
        let negative = take(UInt8(ascii: "-"))
        let start = position
        var value: T = 0
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let digit = T(bytes[position] - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            position += 1
        }
        let digits = position - start
        guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
        // A fraction or an exponent next: JSONDecoder's rules for those.
        if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) { return nil }
        if negative && value == 0 { return nil }
        return value
    }

    mutating func boolean() -> Bool? {
        skipWhitespace()
        for (literal, value) in [(Array("true".utf8), true), (Array("false".utf8), false)]
        where bytes[position...].starts(with: literal) {
            position += literal.count
            return value
        }
        return nil
    }

    mutating func strings() -> [String]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var values: [String] = []
        if take(UInt8(ascii: "]")) { return values }
        repeat {
            guard let value = string() else { return nil }
            values.append(value)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? values : nil
    }

    mutating func dictionary() -> [String: String]? {
        var values: [String: String] = [:]
        let complete = object { reader, key in
            guard values[key] == nil, let value = reader.string() else { return false }
            values[key] = value
            return true
        }
        return complete ? values : nil
    }

    mutating func hooks() -> Hooks? {
        var hooks = Hooks()
        let complete = object { reader, kind in
            let keyPath: WritableKeyPath<Hooks, [Hook]?>
            switch kind {
            case "prestart": keyPath = \.prestart
            case "createRuntime": keyPath = \.createRuntime
            case "createContainer": keyPath = \.createContainer
            case "startContainer": keyPath = \.startContainer
            case "poststart": keyPath = \.poststart
            case "poststop": keyPath = \.poststop
            default: return false
            }
            guard hooks[keyPath: keyPath] == nil, reader.take(UInt8(ascii: "[")) else { return false }
            var list: [Hook] = []
            if !reader.take(UInt8(ascii: "]")) {
                repeat {
                    guard let hook = reader.hook() else { return false }
                    list.append(hook)
                } while reader.take(UInt8(ascii: ","))
                guard reader.take(UInt8(ascii: "]")) else { return false }
            }
            hooks[keyPath: keyPath] = list
            return true
        }
        return complete ? hooks : nil
    }

    private mutating func hook() -> Hook? {
        var path: String?, args: [String]?, env: [String]?, timeout: Int?
        let complete = object { reader, key in
            switch key {
            case "path": return reader.once(&path) { $0.string() }
            case "args": return reader.once(&args) { $0.strings() }
            case "env": return reader.once(&env) { $0.strings() }
            case "timeout": return reader.once(&timeout) { $0.integer() }
            default: return false
            }
        }
        guard complete, let path else { return nil }
        return Hook(path: path, args: args, env: env, timeout: timeout)
    }

    /// A whole record: every required field present, each known field at most once.
    mutating func record() -> ContainerRecord? {
        var ociVersion: String?, id: String?, pid: Int32?, initStartTime: UInt64?, bundle: String?, rootfs: String?
        var created: String?, owner: String?, annotations: [String: String]?, cgroupPaths: [String: String]?
        var intelRdt: IntelRdt.Applied?, hooks: Hooks?, creation: CreationIntent?
        let complete = object { reader, key in
            switch key {
            case "ociVersion": return reader.once(&ociVersion) { $0.string() }
            case "id": return reader.once(&id) { $0.string() }
            case "pid": return reader.once(&pid) { $0.integer() }
            case "initStartTime": return reader.once(&initStartTime) { $0.integer() }
            case "bundle": return reader.once(&bundle) { $0.string() }
            case "rootfs": return reader.once(&rootfs) { $0.string() }
            case "created": return reader.once(&created) { $0.string() }
            case "owner": return reader.once(&owner) { $0.string() }
            case "annotations": return reader.once(&annotations) { $0.dictionary() }
            case "cgroupPaths": return reader.once(&cgroupPaths) { $0.dictionary() }
            case "hooks": return reader.once(&hooks) { $0.hooks() }
            case "intelRdt": return reader.once(&intelRdt) { $0.intelRdt() }
            case "creation": return reader.once(&creation) { $0.creation() }
            default: return false
            }
        }
        guard complete, let ociVersion, let id, let pid, let initStartTime, let bundle, let rootfs, let created, let owner else {
            return nil
        }
        var record = ContainerRecord(
            ociVersion: ociVersion, id: id, pid: pid, initStartTime: initStartTime, bundle: bundle, rootfs: rootfs,
            created: created, owner: owner, annotations: annotations, cgroupPaths: cgroupPaths, configPath: nil)
        record.hooks = hooks
        record.intelRdt = intelRdt
        record.creation = creation
        return record
    }

    private mutating func intelRdt() -> IntelRdt.Applied? {
        var group: String?, createdGroup: Bool?, monitor: String?
        let complete = object { reader, key in
            switch key {
            case "group": return reader.once(&group) { $0.string() }
            case "createdGroup": return reader.once(&createdGroup) { $0.boolean() }
            case "monitor": return reader.once(&monitor) { $0.string() }
            default: return false
            }
        }
        guard complete, let group, let createdGroup else { return nil }
        return IntelRdt.Applied(group: group, createdGroup: createdGroup, monitor: monitor)
    }

    private mutating func creation() -> CreationIntent? {
        var creator: ProcessIdentity?, pidFile: String?
        let complete = object { reader, key in
            switch key {
            case "creator":
                guard creator == nil else { return false }
                var pid: Int32?, startTime: UInt64?
                let identity = reader.object { reader, key in
                    switch key {
                    case "pid": return reader.once(&pid) { $0.integer() }
                    case "startTime": return reader.once(&startTime) { $0.integer() }
                    default: return false
                    }
                }
                guard identity, let pid, let startTime else { return false }
                creator = ProcessIdentity(pid: pid, startTime: startTime)
                return true
            case "pidFile": return reader.once(&pidFile) { $0.string() }
            default: return false
            }
        }
        guard complete, let creator else { return nil }
        return CreationIntent(creator: creator, pidFile: pidFile)
    }
}
