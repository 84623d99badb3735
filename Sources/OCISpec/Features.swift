/// What the runtime supports, as printed by `features` (features.md, features-linux.md).
/// A nil list means "unknown", not "none".
public struct Features: Codable, Equatable, Sendable {
    public var ociVersionMin: String?
    public var ociVersionMax: String?
    /// Recognised hook names, e.g. "createRuntime".
    public var hooks: [String]?
    /// Recognised mount options, e.g. "ro".
    public var mountOptions: [String]?
    public var linux: Linux?
    public var annotations: [String: String]?
    /// Annotations that may change the runtime's behaviour; a trailing "." makes a prefix.
    public var potentiallyUnsafeConfigAnnotations: [String]?

    public init(
        ociVersionMin: String? = nil,
        ociVersionMax: String? = nil,
        hooks: [String]? = nil,
        mountOptions: [String]? = nil,
        linux: Linux? = nil,
        annotations: [String: String]? = nil,
        potentiallyUnsafeConfigAnnotations: [String]? = nil
    ) {
        self.ociVersionMin = ociVersionMin
        self.ociVersionMax = ociVersionMax
        self.hooks = hooks
        self.mountOptions = mountOptions
        self.linux = linux
        self.annotations = annotations
        self.potentiallyUnsafeConfigAnnotations = potentiallyUnsafeConfigAnnotations
    }

    public struct Linux: Codable, Equatable, Sendable {
        public var namespaces: [String]?
        public var capabilities: [String]?
        public var cgroup: Cgroup?
        public var seccomp: Seccomp?
        public var apparmor: Apparmor?
        public var selinux: Selinux?
        public var intelRdt: IntelRdt?
        public var mountExtensions: MountExtensions?
        public var netDevices: NetDevices?

        public init(
            namespaces: [String]? = nil,
            capabilities: [String]? = nil,
            cgroup: Cgroup? = nil,
            seccomp: Seccomp? = nil,
            apparmor: Apparmor? = nil,
            selinux: Selinux? = nil,
            intelRdt: IntelRdt? = nil,
            mountExtensions: MountExtensions? = nil,
            netDevices: NetDevices? = nil
        ) {
            self.namespaces = namespaces
            self.capabilities = capabilities
            self.cgroup = cgroup
            self.seccomp = seccomp
            self.apparmor = apparmor
            self.selinux = selinux
            self.intelRdt = intelRdt
            self.mountExtensions = mountExtensions
            self.netDevices = netDevices
        }
    }

    /// Compiled-in cgroup support, regardless of the host.
    public struct Cgroup: Codable, Equatable, Sendable {
        public var v1: Bool?
        public var v2: Bool?
        public var systemd: Bool?
        public var systemdUser: Bool?
        public var rdma: Bool?

        public init(v1: Bool? = nil, v2: Bool? = nil, systemd: Bool? = nil, systemdUser: Bool? = nil, rdma: Bool? = nil) {
            self.v1 = v1
            self.v2 = v2
            self.systemd = systemd
            self.systemdUser = systemdUser
            self.rdma = rdma
        }
    }

    public struct Seccomp: Codable, Equatable, Sendable {
        public var enabled: Bool?
        public var actions: [String]?
        public var operators: [String]?
        public var archs: [String]?
        public var knownFlags: [String]?
        /// The subset of knownFlags this kernel and build support.
        public var supportedFlags: [String]?

        public init(
            enabled: Bool? = nil,
            actions: [String]? = nil,
            operators: [String]? = nil,
            archs: [String]? = nil,
            knownFlags: [String]? = nil,
            supportedFlags: [String]? = nil
        ) {
            self.enabled = enabled
            self.actions = actions
            self.operators = operators
            self.archs = archs
            self.knownFlags = knownFlags
            self.supportedFlags = supportedFlags
        }
    }

    public struct Apparmor: Codable, Equatable, Sendable {
        public var enabled: Bool?
        public init(enabled: Bool? = nil) { self.enabled = enabled }
    }

    public struct Selinux: Codable, Equatable, Sendable {
        public var enabled: Bool?
        public init(enabled: Bool? = nil) { self.enabled = enabled }
    }

    public struct IntelRdt: Codable, Equatable, Sendable {
        public var enabled: Bool?
        /// Whether `linux.intelRdt.schemata` is implemented.
        public var schemata: Bool?

        public init(enabled: Bool? = nil, schemata: Bool? = nil) {
            self.enabled = enabled
            self.schemata = schemata
        }
    }

    public struct MountExtensions: Codable, Equatable, Sendable {
        public var idmap: IDMap?
        public init(idmap: IDMap? = nil) { self.idmap = idmap }
    }

    /// Support for idmapped mounts.
    public struct IDMap: Codable, Equatable, Sendable {
        public var enabled: Bool?
        public init(enabled: Bool? = nil) { self.enabled = enabled }
    }

    public struct NetDevices: Codable, Equatable, Sendable {
        public var enabled: Bool?
        public init(enabled: Bool? = nil) { self.enabled = enabled }
    }
}
