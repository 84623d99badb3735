/// The container configuration, config.json (runtime-spec config.md).
public struct Spec: Codable, Equatable, Sendable {
    /// The runtime-spec version hako implements and writes.
    public static let supportedVersion = "1.2.0"

    /// The runtime-spec version the bundle complies with, e.g. "1.2.0".
    public var ociVersion: String
    public var process: ProcessSpec?
    public var root: Root?
    public var hostname: String?
    public var domainname: String?
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?
    /// Configuration for virtual-machine-based containers (config-vm.md).
    public var vm: VM?

    public init(
        ociVersion: String,
        process: ProcessSpec? = nil,
        root: Root? = nil,
        hostname: String? = nil,
        domainname: String? = nil,
        mounts: [Mount]? = nil,
        hooks: Hooks? = nil,
        annotations: [String: String]? = nil,
        linux: Linux? = nil,
        vm: VM? = nil
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
        self.vm = vm
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ociVersion = try c.go(.ociVersion, or: "")
        process = try c.opt(.process)
        root = try c.opt(.root)
        hostname = try c.opt(.hostname)
        domainname = try c.opt(.domainname)
        mounts = try c.opt(.mounts)
        hooks = try c.opt(.hooks)
        annotations = try c.opt(.annotations)
        linux = try c.opt(.linux)
        vm = try c.opt(.vm)
    }
}

/// The container's root filesystem.
public struct Root: Codable, Equatable, Sendable {
    /// Path to the root filesystem, absolute or relative to the bundle.
    public var path: String
    public var readonly: Bool?

    public init(path: String, readonly: Bool? = nil) {
        self.path = path
        self.readonly = readonly
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.go(.path, or: "")
        readonly = try c.opt(.readonly)
    }
}

/// A mount on top of the root filesystem.
public struct Mount: Codable, Equatable, Sendable {
    /// Where the mount goes in the container.
    public var destination: String
    /// The filesystem type, e.g. "proc", "tmpfs", "bind".
    public var type: String?
    public var source: String?
    /// fstab-style options, e.g. "nosuid", "ro", "rbind".
    public var options: [String]?
    /// ID mappings for an idmapped mount.
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?

    public init(
        destination: String,
        type: String? = nil,
        source: String? = nil,
        options: [String]? = nil,
        uidMappings: [LinuxIDMapping]? = nil,
        gidMappings: [LinuxIDMapping]? = nil
    ) {
        self.destination = destination
        self.type = type
        self.source = source
        self.options = options
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        destination = try c.go(.destination, or: "")
        type = try c.opt(.type)
        source = try c.opt(.source)
        options = try c.opt(.options)
        uidMappings = try c.opt(.uidMappings)
        gidMappings = try c.opt(.gidMappings)
    }
}

/// A command run at a point of the container lifecycle.
public struct Hook: Codable, Equatable, Sendable {
    /// Absolute path of the executable, in the runtime namespace.
    public var path: String
    public var args: [String]?
    public var env: [String]?
    /// Seconds before the hook is aborted.
    public var timeout: Int?

    public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
        self.path = path
        self.args = args
        self.env = env
        self.timeout = timeout
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.go(.path, or: "")
        args = try c.opt(.args)
        env = try c.opt(.env)
        timeout = try c.opt(.timeout)
    }
}

/// Hooks by lifecycle point.
public struct Hooks: Codable, Equatable, Sendable {
    /// Deprecated in favour of createRuntime, createContainer and startContainer.
    public var prestart: [Hook]?
    public var createRuntime: [Hook]?
    public var createContainer: [Hook]?
    public var startContainer: [Hook]?
    public var poststart: [Hook]?
    public var poststop: [Hook]?

    public init(
        prestart: [Hook]? = nil,
        createRuntime: [Hook]? = nil,
        createContainer: [Hook]? = nil,
        startContainer: [Hook]? = nil,
        poststart: [Hook]? = nil,
        poststop: [Hook]? = nil
    ) {
        self.prestart = prestart
        self.createRuntime = createRuntime
        self.createContainer = createContainer
        self.startContainer = startContainer
        self.poststart = poststart
        self.poststop = poststop
    }
}
