import OCISpec

/// state.json read by hand (OCISpec's `JSONReader`), the mirror of `RecordEncoding`. Every
/// command but `spec` reads a record, and `list` reads one per container: Foundation's JSONDecoder took
/// about 186k instructions a record (70% of `list` with 100 containers), this about 38k.
///
/// Only the shape hako writes is read here: the known keys (an unknown one is not skipped
/// but declines the whole record), each at most once, and `JSONReader`'s shape for values.
/// Anything else (a file written by hand or by another
/// version, a damaged one) gives nil, and the caller decodes it with the Codable decoder (`JSONCoding`)
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

extension JSONReader {
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
            case "hooks": return reader.once(&hooks) { $0.hooks(unknownKeys: .decline) }
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
            created: created, owner: owner, annotations: annotations, cgroupPaths: cgroupPaths)
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
