/// The messages of CRIU's RPC protocol (images/rpc.proto in CRIU's sources) that hako
/// sends and reads, with the field numbers of that schema.
public enum CriuRequestType: Int32, Sendable {
    case empty = 0
    case dump = 1
    case restore = 2
    case check = 3
    case preDump = 4
    case pageServer = 5
    case notify = 6
    case featureCheck = 9
    case version = 10
}

/// How CRIU treats the cgroups of the tree it dumps or restores (`--manage-cgroups-mode`).
public enum CriuCgroupMode: Int32, Sendable {
    case ignore = 0
    case soft = 3
    case full = 4
    case strict = 5
    /// CRIU's own default (soft).
    case `default` = 6

    /// The value of `--manage-cgroups-mode`, as runc takes it: "" is CRIU's default.
    public init?(flag: String) {
        switch flag {
        case "": self = .default
        case "soft": self = .soft
        case "full": self = .full
        case "strict": self = .strict
        case "ignore": self = .ignore
        default: return nil
        }
    }
}

/// criu_opts: what a dump or a restore is asked to do. Descriptors (`imagesDirectoryFD`,
/// `workDirectoryFD`, `statusFD`) are the client's own: CRIU opens them through
/// /proc/<client>/fd; `inheritFDs` are CRIU's, passed to it at start.
public struct CriuOptions: Sendable {
    public var imagesDirectoryFD: Int32
    public var pid: Int32?
    public var leaveRunning = false
    public var externalUnixSockets = false
    public var tcpEstablished = false
    public var evasiveDevices = false
    public var shellJob = false
    public var fileLocks = false
    public var logLevel: Int32 = 4
    public var logFile: String?
    public var pageServer: (address: String, port: Int32)?
    public var notifyScripts = true
    public var root: String?
    public var parentImage: String?
    public var trackMemory = false
    public var autoDedup = false
    public var workDirectoryFD: Int32?
    public var linkRemap = false
    /// ext_mnt: a mount point inside the container and what stands for it outside.
    public var externalMounts: [(key: String, value: String)] = []
    public var cgroupMode: CriuCgroupMode = .default
    /// cg_root: where the restored tree's cgroups go, per controller (nil: all).
    public var cgroupRoots: [(controller: String?, path: String)] = []
    /// The restored tree becomes a child of the client, not of CRIU.
    public var restoreSibling = false
    public var inheritFDs: [(key: String, fd: Int32)] = []
    /// "TYPE[INODE]:KEY" for namespaces that stay outside the dump.
    public var external: [String] = []
    /// CLONE_NEW* flags of namespaces made empty on restore, not restored.
    public var emptyNamespaces: UInt32 = 0
    public var joinNamespaces: [(type: String, file: String)] = []
    public var freezeCgroup: String?
    public var tcpSkipInFlight = false
    public var lazyPages = false
    public var statusFD: Int32?
    /// The master of a restored terminal comes back to the client in a notification.
    public var orphanPtsMaster = false
    public var configFile: String?
    public var lsmProfile: String?
    public var lsmMountContext: String?

    public init(imagesDirectoryFD: Int32) {
        self.imagesDirectoryFD = imagesDirectoryFD
    }

    func encode(into writer: inout ProtobufWriter) {
        writer.int(1, imagesDirectoryFD)
        if let pid { writer.int(2, pid) }
        writer.bool(3, leaveRunning)
        writer.bool(4, externalUnixSockets)
        writer.bool(5, tcpEstablished)
        if evasiveDevices { writer.bool(6, true) }
        writer.bool(7, shellJob)
        writer.bool(8, fileLocks)
        writer.int(9, logLevel)
        if let logFile { writer.string(10, logFile) }
        if let pageServer {
            writer.message(11) { server in
                server.string(1, pageServer.address)
                server.int(2, pageServer.port)
            }
        }
        writer.bool(12, notifyScripts)
        if let root { writer.string(13, root) }
        if let parentImage { writer.string(14, parentImage) }
        if trackMemory { writer.bool(15, true) }
        writer.bool(16, autoDedup)
        if let workDirectoryFD { writer.int(17, workDirectoryFD) }
        if linkRemap { writer.bool(18, true) }
        for mount in externalMounts {
            writer.message(23) { map in
                map.string(1, mount.key)
                map.string(2, mount.value)
            }
        }
        // manage_cgroups, kept for CRIUs that predate the mode.
        writer.bool(24, true)
        for root in cgroupRoots {
            writer.message(25) { entry in
                if let controller = root.controller { entry.string(1, controller) }
                entry.string(2, root.path)
            }
        }
        if restoreSibling { writer.bool(26, true) }
        for inherited in inheritFDs {
            writer.message(27) { entry in
                entry.string(1, inherited.key)
                entry.int(2, inherited.fd)
            }
        }
        writer.uint(34, UInt64(cgroupMode.rawValue))
        for entry in external { writer.string(37, entry) }
        writer.uint(38, UInt64(emptyNamespaces))
        for namespace in joinNamespaces {
            writer.message(39) { entry in
                entry.string(1, namespace.type)
                entry.string(2, namespace.file)
            }
        }
        if let freezeCgroup { writer.string(44, freezeCgroup) }
        if tcpSkipInFlight { writer.bool(46, true) }
        writer.bool(48, lazyPages)
        if let statusFD { writer.int(49, statusFD) }
        writer.bool(50, orphanPtsMaster)
        if let configFile { writer.string(51, configFile) }
        if let lsmProfile { writer.string(53, lsmProfile) }
        if let lsmMountContext { writer.string(63, lsmMountContext) }
    }
}

/// criu_req.
public struct CriuRequest: Sendable {
    public var type: CriuRequestType
    public var options: CriuOptions?
    /// The answer to a notification: carry on.
    public var notifySuccess = false
    /// criu_features asked about by a FEATURE_CHECK.
    public var features: CriuFeatures?

    public init(type: CriuRequestType, options: CriuOptions? = nil) {
        self.type = type
        self.options = options
    }

    public func encoded() -> [UInt8] {
        var writer = ProtobufWriter()
        writer.int(1, type.rawValue)
        if let options { writer.message(2) { options.encode(into: &$0) } }
        if notifySuccess { writer.bool(3, true) }
        if let features { writer.message(5) { features.encode(into: &$0) } }
        return writer.bytes
    }
}

/// criu_features: asked for in a request, answered in the response.
public struct CriuFeatures: Sendable, Equatable {
    public var memoryTracking: Bool?
    public var lazyPages: Bool?

    public init(memoryTracking: Bool? = nil, lazyPages: Bool? = nil) {
        self.memoryTracking = memoryTracking
        self.lazyPages = lazyPages
    }

    func encode(into writer: inout ProtobufWriter) {
        if let memoryTracking { writer.bool(1, memoryTracking) }
        if let lazyPages { writer.bool(2, lazyPages) }
    }

    init(_ reader: ProtobufReader) {
        memoryTracking = reader.bool(1)
        lazyPages = reader.bool(2)
    }
}

/// criu_resp.
public struct CriuResponse: Sendable {
    /// The request type this answers, or `.notify` for a notification.
    public var type: Int32
    public var success: Bool
    /// criu_restore_resp.pid: the restored tree's root.
    public var restoredPid: Int32?
    /// criu_notify: the script name ("setup-namespaces", "post-restore", ...) and a pid.
    public var notification: (script: String, pid: Int32)?
    public var errno: Int32?
    public var errorMessage: String?
    public var features: CriuFeatures?
    /// criu_version: major, minor and sublevel.
    public var version: (major: Int32, minor: Int32, sublevel: Int32)?

    public init(decoding bytes: [UInt8]) throws(ProtobufError) {
        let reader = try ProtobufReader(bytes)
        guard let type = reader.int(1), let success = reader.bool(2) else {
            throw ProtobufError(reason: "a criu_resp without its type or success")
        }
        self.type = type
        self.success = success
        if let restore = try reader.message(4) { restoredPid = restore.int(1) }
        if let notify = try reader.message(5) { notification = (notify.string(1) ?? "", notify.int(2) ?? 0) }
        errno = reader.int(7)
        if let features = try reader.message(8) { self.features = CriuFeatures(features) }
        errorMessage = reader.string(9)
        if let version = try reader.message(10), let major = version.int(1), let minor = version.int(2) {
            self.version = (major, minor, version.int(4) ?? 0)
        }
    }
}
