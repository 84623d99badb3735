import OCISpec
/// What `hako create` (and `run`) was asked to do, beyond the bundle's config.json.
public struct CreateOptions: Sendable {
    public var id: String
    /// The bundle directory; config.json and (usually) the rootfs live in it.
    public var bundle: String
    /// A Unix socket to send the pty master to, when process.terminal is true.
    public var consoleSocket: String?
    /// An already connected socket to send the pty master to instead (`run` relaying the
    /// terminal itself).
    public var consoleSocketFD: Int32?
    /// Where to write the init's pid once the container is created.
    public var pidFile: String?
    /// A Unix socket to send a pidfd of init to once the container is created.
    public var pidfdSocket: String?
    /// Use MS_MOVE and chroot instead of pivot_root (for rootfs on a ramfs).
    public var noPivot: Bool
    /// Keep the caller's session keyring instead of joining a new one named after the container.
    public var noNewKeyring: Bool
    /// How many descriptors after stdio (3, 4, ...) the container inherits.
    public var preserveFds: Int
    /// The systemd cgroup driver (`--systemd-cgroup`): the cgroup is a transient unit made
    /// by systemd, named by linux.cgroupsPath as "slice:prefix:name".
    public var systemdCgroup: Bool
    /// The bundle's config, when the caller has read it already (`run` looks at
    /// process.terminal first); nil to read it from the bundle.
    public var config: LoadedConfig?

    public init(
        id: String, bundle: String, consoleSocket: String? = nil, pidFile: String? = nil,
        noPivot: Bool = false, noNewKeyring: Bool = false, preserveFds: Int = 0, systemdCgroup: Bool = false
    ) {
        self.id = id
        self.bundle = bundle
        self.consoleSocket = consoleSocket
        self.pidFile = pidFile
        self.noPivot = noPivot
        self.noNewKeyring = noNewKeyring
        self.preserveFds = preserveFds
        self.systemdCgroup = systemdCgroup
    }
}

/// A bundle's config.json: decoded and validated, and its bytes as they were.
public struct LoadedConfig: Sendable {
    public let spec: Spec
    public let bytes: [UInt8]

    init(spec: Spec, bytes: [UInt8]) {
        self.spec = spec
        self.bytes = bytes
    }

    /// A config built in code rather than read from a bundle: validated as config.json is,
    /// and encoded, since the container keeps its config beside its state (exec reads it).
    public init(spec: Spec) throws {
        try spec.validate()
        self.spec = spec
        self.bytes = try spec.encoded(pretty: false)
    }
}
