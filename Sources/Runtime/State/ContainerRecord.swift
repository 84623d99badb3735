#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// The lifecycle states of runtime.md, plus `paused` as runc reports it.
public enum ContainerStatus: String, Codable, Sendable {
    case creating, created, running, stopped, paused
}

/// What hako records about a container in `<root>/<id>/state.json`: the spec's state
/// fields, plus what later commands need (the init's start time to tell it apart from
/// a process that reused its pid). The config it was created from is kept beside it in
/// `config.json` and read only by the commands that need it (`ConfigSlot`).
public struct ContainerRecord: Codable, Sendable {
    public var ociVersion: String
    public var id: String
    /// The init process's pid in the runtime's pid namespace.
    public var pid: Int32
    /// The init's start time (clock ticks after boot, /proc/PID/stat field 22).
    public var initStartTime: UInt64
    public var bundle: String
    public var rootfs: String
    /// When the container was created, RFC 3339.
    public var created: String
    public var owner: String
    public var annotations: [String: String]?
    /// The config.json the container was created from.
    public var config: Spec {
        get throws { try configSlot.spec() }
    }
    /// Where `config` comes from: not part of state.json.
    var configSlot: ConfigSlot
    /// The config's hooks, kept here too: `start` and `delete` run them without reading
    /// the whole config.
    public var hooks: Hooks?
    /// The container's cgroup directories by controller ("" for cgroup2).
    public var cgroupPaths: [String: String]?
    /// The resctrl groups made for linux.intelRdt.
    var intelRdt: IntelRdt.Applied?
    /// Set while `create` (or `run`) is making the container, nil once it is committed:
    /// the record is written before the first side effect and names what it will make
    /// (`cgroupPaths`, `intelRdt`, init once forked), so a creator killed at any moment
    /// leaves something `delete` can clean. See `Container.status`.
    public var creation: CreationIntent?

    public init(
        ociVersion: String, id: String, pid: Int32, initStartTime: UInt64, bundle: String, rootfs: String,
        created: String, owner: String, annotations: [String: String]?, config: Spec, configBytes: [UInt8]? = nil,
        cgroupPaths: [String: String]? = nil
    ) {
        self.init(ociVersion: ociVersion, id: id, pid: pid, initStartTime: initStartTime, bundle: bundle, rootfs: rootfs,
                  created: created, owner: owner, annotations: annotations, cgroupPaths: cgroupPaths)
        self.configSlot = ConfigSlot(spec: config, bytes: configBytes)
        self.hooks = config.hooks
    }

    /// A record read back from state.json by hand (`RecordDecoding`), with no config yet:
    /// `StateStore.load` points it at the state directory's config.json.
    init(
        ociVersion: String, id: String, pid: Int32, initStartTime: UInt64, bundle: String, rootfs: String,
        created: String, owner: String, annotations: [String: String]?, cgroupPaths: [String: String]?
    ) {
        self.ociVersion = ociVersion
        self.id = id
        self.pid = pid
        self.initStartTime = initStartTime
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.owner = owner
        self.annotations = annotations
        self.cgroupPaths = cgroupPaths
        self.configSlot = ConfigSlot(path: nil)
    }

    /// Replaces the config (`update`); `StateStore.save` writes it.
    public mutating func setConfig(_ spec: Spec) {
        configSlot = ConfigSlot(spec: spec, bytes: nil)
        hooks = spec.hooks
    }

    enum CodingKeys: String, CodingKey {
        case ociVersion, id, pid, initStartTime, bundle, rootfs, created, owner, annotations, cgroupPaths, intelRdt, hooks, creation
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ociVersion = try c.decode(String.self, forKey: .ociVersion)
        id = try c.decode(String.self, forKey: .id)
        pid = try c.decode(Int32.self, forKey: .pid)
        initStartTime = try c.decode(UInt64.self, forKey: .initStartTime)
        bundle = try c.decode(String.self, forKey: .bundle)
        rootfs = try c.decode(String.self, forKey: .rootfs)
        created = try c.decode(String.self, forKey: .created)
        owner = try c.decode(String.self, forKey: .owner)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
        cgroupPaths = try c.decodeIfPresent([String: String].self, forKey: .cgroupPaths)
        intelRdt = try c.decodeIfPresent(IntelRdt.Applied.self, forKey: .intelRdt)
        hooks = try c.decodeIfPresent(Hooks.self, forKey: .hooks)
        creation = try c.decodeIfPresent(CreationIntent.self, forKey: .creation)
        // StateStore.load points it at the file.
        configSlot = ConfigSlot(path: nil)
    }
}

/// A process told apart from a later one that reuses its pid: pid and start time
/// (clock ticks after boot, /proc/PID/stat field 22).
public struct ProcessIdentity: Codable, Sendable, Equatable {
    public var pid: Int32
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The calling process.
    public static func current() -> ProcessIdentity? {
        let pid = getpid()
        guard let info = Processes.startInfo(pid) else { return nil }
        return ProcessIdentity(pid: pid, startTime: info.startTime)
    }

    /// Whether this very process still runs (not a zombie, not a later one with its pid).
    public var isAlive: Bool {
        guard pid > 0, let info = Processes.startInfo(pid) else { return false }
        return info.startTime == startTime && info.state != "Z" && info.state != "X"
    }
}

/// The intent part of a record that `create` has not committed yet.
public struct CreationIntent: Codable, Sendable, Equatable {
    /// The hako process making the container: while it lives the container is `creating`;
    /// once it is gone without committing, the container is `stopped` and `delete` removes
    /// what the record names.
    public var creator: ProcessIdentity
    /// The pid file `create` writes once committed (`--pid-file`); never written before.
    public var pidFile: String?
}

/// A container's config: given at create (with the bundle's bytes, written as they are),
/// or read from the state directory's config.json the first time a command asks for it.
/// Most commands (`state`, `kill`, `start` without hooks...) never do, and decoding a whole
/// config costs more than the rest of such a command. hako is single-threaded, hence the
/// unchecked Sendable.
final class ConfigSlot: @unchecked Sendable {
    private var cached: Spec?
    /// The file to read it from.
    let path: String?
    /// What `StateStore.save` writes to config.json: the bundle's bytes, or nil to encode `cached`.
    let bytes: [UInt8]?
    /// Whether `StateStore.save` has to write config.json; false once it has.
    var isNew: Bool

    init(spec: Spec, bytes: [UInt8]?) {
        cached = spec
        self.bytes = bytes
        path = nil
        isNew = true
    }

    init(path: String?) {
        self.path = path
        bytes = nil
        isNew = false
    }

    func spec() throws -> Spec {
        if let cached { return cached }
        guard let path else { throw RuntimeError("the container's config was not recorded") }
        let data: [UInt8]
        do { data = try Files.read(path) } catch { throw RuntimeError("reading the container's config", error) }
        do {
            let spec = try Spec.decode(data)
            cached = spec
            return spec
        } catch {
            throw RuntimeError("reading the container's config \(path): \(error)")
        }
    }
}

/// The state as `hako state` prints it, in runc's field order.
public struct StateReport: Encodable, Sendable {
    public var ociVersion: String
    public var id: String
    public var pid: Int32
    public var status: ContainerStatus
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var owner: String
    public var annotations: [String: String]?

    enum CodingKeys: String, CodingKey {
        case ociVersion, id, pid, status, bundle, rootfs, created, owner, annotations
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ociVersion, forKey: .ociVersion)
        try c.encode(id, forKey: .id)
        try c.encode(pid, forKey: .pid)
        try c.encode(status, forKey: .status)
        try c.encode(bundle, forKey: .bundle)
        try c.encode(rootfs, forKey: .rootfs)
        try c.encode(created, forKey: .created)
        try c.encode(owner, forKey: .owner)
        if let annotations, !annotations.isEmpty { try c.encode(annotations, forKey: .annotations) }
    }
}
