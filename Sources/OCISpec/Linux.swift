/// Linux-specific configuration (config-linux.md).
public struct Linux: Codable, Equatable, Sendable {
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?
    /// Kernel parameters, e.g. "net.ipv4.ip_forward": "1".
    public var sysctl: [String: String]?
    public var resources: LinuxResources?
    /// A cgroup path, or "slice:prefix:name" with the systemd driver.
    public var cgroupsPath: String?
    public var namespaces: [LinuxNamespace]?
    public var devices: [LinuxDevice]?
    public var seccomp: LinuxSeccomp?
    /// One of `MountPropagation`'s names, or empty.
    public var rootfsPropagation: String?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    public var intelRdt: LinuxIntelRdt?
    public var personality: LinuxPersonality?
    /// Clock offsets for a time namespace, keyed "monotonic" or "boottime".
    public var timeOffsets: [String: LinuxTimeOffset]?
    public var memoryPolicy: LinuxMemoryPolicy?
    /// Host network devices moved into the container, keyed by their host name.
    public var netDevices: [String: LinuxNetDevice]?

    public init(
        uidMappings: [LinuxIDMapping]? = nil,
        gidMappings: [LinuxIDMapping]? = nil,
        sysctl: [String: String]? = nil,
        resources: LinuxResources? = nil,
        cgroupsPath: String? = nil,
        namespaces: [LinuxNamespace]? = nil,
        devices: [LinuxDevice]? = nil,
        seccomp: LinuxSeccomp? = nil,
        rootfsPropagation: String? = nil,
        maskedPaths: [String]? = nil,
        readonlyPaths: [String]? = nil,
        mountLabel: String? = nil,
        intelRdt: LinuxIntelRdt? = nil,
        personality: LinuxPersonality? = nil,
        timeOffsets: [String: LinuxTimeOffset]? = nil,
        memoryPolicy: LinuxMemoryPolicy? = nil,
        netDevices: [String: LinuxNetDevice]? = nil
    ) {
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.sysctl = sysctl
        self.resources = resources
        self.cgroupsPath = cgroupsPath
        self.namespaces = namespaces
        self.devices = devices
        self.seccomp = seccomp
        self.rootfsPropagation = rootfsPropagation
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.mountLabel = mountLabel
        self.intelRdt = intelRdt
        self.personality = personality
        self.timeOffsets = timeOffsets
        self.memoryPolicy = memoryPolicy
        self.netDevices = netDevices
    }

    /// The entry for a namespace kind, if the config lists one.
    public func namespace(_ kind: NamespaceKind) -> LinuxNamespace? {
        namespaces?.first { $0.type == kind.rawValue }
    }
}

/// The namespace types of config-linux.md.
public enum NamespaceKind: String, CaseIterable, Sendable {
    case pid, network, mount, ipc, uts, user, cgroup, time
}

/// A namespace to create (no path) or join (path).
public struct LinuxNamespace: Codable, Equatable, Sendable {
    /// A `NamespaceKind` raw value.
    public var type: String
    /// An absolute path to a namespace file to join, e.g. /proc/1234/ns/net.
    public var path: String?

    public init(type: String, path: String? = nil) {
        self.type = type
        self.path = path
    }

    public init(_ kind: NamespaceKind, path: String? = nil) {
        self.init(type: kind.rawValue, path: path)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.go(.type, or: "")
        path = try c.opt(.path)
    }

    /// The namespace type, or nil when `type` is not a known one.
    public var kind: NamespaceKind? { NamespaceKind(rawValue: type) }
}

/// A range of IDs mapped from the host into a user namespace or an idmapped mount.
public struct LinuxIDMapping: Codable, Equatable, Sendable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32

    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        containerID = try c.go(.containerID, or: 0)
        hostID = try c.go(.hostID, or: 0)
        size = try c.go(.size, or: 0)
    }
}

/// A clock offset in a time namespace.
public struct LinuxTimeOffset: Codable, Equatable, Sendable {
    public var secs: Int64?
    public var nanosecs: UInt32?

    public init(secs: Int64? = nil, nanosecs: UInt32? = nil) {
        self.secs = secs
        self.nanosecs = nanosecs
    }
}

/// A device node to create in the container.
public struct LinuxDevice: Codable, Equatable, Sendable {
    /// Absolute path inside the container.
    public var path: String
    /// "c", "b", "u" or "p" (see `DeviceType`).
    public var type: String
    /// Not needed for "p" (FIFO) devices.
    public var major: Int64
    public var minor: Int64
    /// Permission bits, e.g. 0o666.
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?

    public init(
        path: String,
        type: String,
        major: Int64 = 0,
        minor: Int64 = 0,
        fileMode: UInt32? = nil,
        uid: UInt32? = nil,
        gid: UInt32? = nil
    ) {
        self.path = path
        self.type = type
        self.major = major
        self.minor = minor
        self.fileMode = fileMode
        self.uid = uid
        self.gid = gid
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.go(.path, or: "")
        type = try c.go(.type, or: "")
        major = try c.go(.major, or: 0)
        minor = try c.go(.minor, or: 0)
        fileMode = try c.opt(.fileMode)
        uid = try c.opt(.uid)
        gid = try c.opt(.gid)
    }
}

/// Intel Resource Director Technology settings (resctrl).
public struct LinuxIntelRdt: Codable, Equatable, Sendable {
    public var closID: String?
    /// The whole schemata, written as is; overrides the two schemas below.
    public var schemata: String?
    public var l3CacheSchema: String?
    public var memBwSchema: String?
    public var enableCMT: Bool?
    public var enableMBM: Bool?
    public var enableMonitoring: Bool?

    public init(
        closID: String? = nil,
        schemata: String? = nil,
        l3CacheSchema: String? = nil,
        memBwSchema: String? = nil,
        enableCMT: Bool? = nil,
        enableMBM: Bool? = nil,
        enableMonitoring: Bool? = nil
    ) {
        self.closID = closID
        self.schemata = schemata
        self.l3CacheSchema = l3CacheSchema
        self.memBwSchema = memBwSchema
        self.enableCMT = enableCMT
        self.enableMBM = enableMBM
        self.enableMonitoring = enableMonitoring
    }
}

/// Arguments of personality(2).
public struct LinuxPersonality: Codable, Equatable, Sendable {
    /// "LINUX" or "LINUX32" (see `LinuxPersonalityDomain`).
    public var domain: String
    /// None are defined yet.
    public var flags: [String]?

    public init(domain: String, flags: [String]? = nil) {
        self.domain = domain
        self.flags = flags
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domain = try c.go(.domain, or: "")
        flags = try c.opt(.flags)
    }
}

/// A NUMA memory policy for set_mempolicy(2).
public struct LinuxMemoryPolicy: Codable, Equatable, Sendable {
    /// An MPOL_* mode name (see `MemoryPolicyMode`).
    public var mode: String
    /// A node list such as "0-3,7"; empty for MPOL_DEFAULT and MPOL_LOCAL.
    public var nodes: String
    /// MPOL_F_* names (see `MemoryPolicyFlag`).
    public var flags: [String]?

    public init(mode: String, nodes: String = "", flags: [String]? = nil) {
        self.mode = mode
        self.nodes = nodes
        self.flags = flags
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.go(.mode, or: "")
        nodes = try c.go(.nodes, or: "")
        flags = try c.opt(.flags)
    }
}

/// A host network device moved into the container's network namespace.
public struct LinuxNetDevice: Codable, Equatable, Sendable {
    /// Its name in the container; the host name when unset.
    public var name: String?

    public init(name: String? = nil) {
        self.name = name
    }
}
