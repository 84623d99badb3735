import OCISpec

/// state.json as `StateStore.save` writes it, by hand. `create` saves the record three
/// times (the intent, init recorded, the commit) and `update` once more; JSONEncoder took
/// about 385k instructions a save (its generic boxing of every value), this about 10k.
/// `RecordDecoding` reads this shape back by hand, and the Codable decoder (`JSONCoding`) any other; a unit test
/// and the fuzzer check that what is written here reads back as the same record both ways.
extension ContainerRecord {
    /// The record as one JSON object: keys in a fixed order, dictionaries sorted by key,
    /// optional fields left out when nil (as JSONEncoder leaves them).
    public func encodedJSON() -> [UInt8] {
        var json = JSONWriter()
        json.object { json in
            json.field("ociVersion") { $0.string(ociVersion) }
            json.field("id") { $0.string(id) }
            json.field("pid") { $0.integer(pid) }
            json.field("initStartTime") { $0.integer(initStartTime) }
            json.field("bundle") { $0.string(bundle) }
            json.field("rootfs") { $0.string(rootfs) }
            json.field("created") { $0.string(created) }
            json.field("owner") { $0.string(owner) }
            if let annotations { json.field("annotations") { $0.dictionary(annotations) } }
            if let cgroupPaths { json.field("cgroupPaths") { $0.dictionary(cgroupPaths) } }
            if let intelRdt {
                json.field("intelRdt") { json in
                    json.object { json in
                        json.field("group") { $0.string(intelRdt.group) }
                        json.field("createdGroup") { $0.boolean(intelRdt.createdGroup) }
                        if let monitor = intelRdt.monitor { json.field("monitor") { $0.string(monitor) } }
                    }
                }
            }
            if let hooks { json.field("hooks") { $0.hooks(hooks) } }
            if let creation {
                json.field("creation") { json in
                    json.object { json in
                        json.field("creator") { json in
                            json.object { json in
                                json.field("pid") { $0.integer(creation.creator.pid) }
                                json.field("startTime") { $0.integer(creation.creator.startTime) }
                            }
                        }
                        if let pidFile = creation.pidFile { json.field("pidFile") { $0.string(pidFile) } }
                    }
                }
            }
        }
        return json.bytes
    }
}

/// A JSON writer for the few shapes state.json has: objects, strings, integers, booleans,
/// string arrays and dictionaries.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the object being written has a field yet (a comma goes before the next).
    private var needsComma = false

    init() {
        bytes.reserveCapacity(1024)
    }

    mutating func object(_ fields: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        let outer = needsComma
        needsComma = false
        fields(&self)
        needsComma = outer
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func field(_ name: StaticString, _ value: (inout JSONWriter) -> Void) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        value(&self)
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                // Other control characters as \u00XX.
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default:
                // Everything else, multi-byte UTF-8 included, as it is (Swift strings are
                // valid UTF-8: invalid bytes were replaced when the string was made).
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func integer<T: BinaryInteger>(_ value: T) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func boolean(_ value: Bool) {
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func strings(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func dictionary(_ values: [String: String]) {
        object { json in
            for key in values.keys.sorted() {
                if json.needsComma { json.bytes.append(UInt8(ascii: ",")) }
                json.needsComma = true
                json.string(key)
                json.bytes.append(UInt8(ascii: ":"))
                json.string(values[key]!)
            }
        }
    }

    mutating func hooks(_ hooks: Hooks) {
        let kinds: [(StaticString, [Hook]?)] = [
            ("prestart", hooks.prestart), ("createRuntime", hooks.createRuntime), ("createContainer", hooks.createContainer),
            ("startContainer", hooks.startContainer), ("poststart", hooks.poststart), ("poststop", hooks.poststop),
        ]
        object { json in
            for (name, list) in kinds {
                guard let list else { continue }
                json.field(name) { json in
                    json.bytes.append(UInt8(ascii: "["))
                    for (index, hook) in list.enumerated() {
                        if index > 0 { json.bytes.append(UInt8(ascii: ",")) }
                        json.object { json in
                            json.field("path") { $0.string(hook.path) }
                            if let args = hook.args { json.field("args") { $0.strings(args) } }
                            if let env = hook.env { json.field("env") { $0.strings(env) } }
                            if let timeout = hook.timeout { json.field("timeout") { $0.integer(timeout) } }
                        }
                    }
                    json.bytes.append(UInt8(ascii: "]"))
                }
            }
        }
    }
}
