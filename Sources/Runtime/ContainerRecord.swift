import OCISpec

/// The lifecycle states of runtime.md, plus `paused` as runc reports it.
public enum ContainerStatus: String, Codable, Sendable {
    case creating, created, running, stopped, paused
}

/// What hako records about a container in `<root>/<id>/state.json`: the spec's state
/// fields, plus what later commands need (the init's start time to tell it apart from
/// a process that reused its pid, and the config it was created from).
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
    public var config: Spec
    /// The container's cgroup directories by controller ("" for cgroup2).
    public var cgroupPaths: [String: String]?
    /// The resctrl groups made for linux.intelRdt.
    var intelRdt: IntelRdt.Applied?

    public init(
        ociVersion: String, id: String, pid: Int32, initStartTime: UInt64, bundle: String, rootfs: String,
        created: String, owner: String, annotations: [String: String]?, config: Spec, cgroupPaths: [String: String]? = nil
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
        self.config = config
        self.cgroupPaths = cgroupPaths
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
