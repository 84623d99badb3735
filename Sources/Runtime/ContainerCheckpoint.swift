#if canImport(Glibc)
import Glibc
#endif
import Criu
import LinuxSys
import OCISpec
import Rootfs

/// What `checkpoint` and `restore` both take, with runc's flags.
public struct CriuCommonOptions: Sendable {
    /// The criu to run: a path, or a name PATH finds (`--criu`).
    public var criu = "criu"
    /// Where the images are (made by checkpoint if missing).
    public var imagePath: String
    /// Where CRIU's log and work files go; the image directory when nil.
    public var workPath: String?
    public var tcpEstablished = false
    public var externalUnixSockets = false
    public var shellJob = false
    public var fileLocks = false
    public var lazyPages = false
    public var autoDedup = false
    /// soft, full, strict or ignore; "" for CRIU's default (soft).
    public var manageCgroupsMode = ""
    /// Namespaces made empty rather than restored ("network").
    public var emptyNamespaces: [String] = []

    public init(imagePath: String) {
        self.imagePath = imagePath
    }

    /// The options of CRIU's request these flags set.
    func apply(to options: inout CriuOptions) throws {
        options.cgroupMode = try CriuSupport.cgroupMode(manageCgroupsMode)
        options.emptyNamespaces = try CriuSupport.emptyNamespaces(emptyNamespaces)
        options.tcpEstablished = tcpEstablished
        options.externalUnixSockets = externalUnixSockets
        options.shellJob = shellJob
        options.fileLocks = fileLocks
        options.lazyPages = lazyPages
        options.autoDedup = autoDedup
    }

    /// The image directory, absolute.
    var images: String { Paths.absolute(imagePath, base: currentDirectory()) }

    /// The work directory, made if missing and opened (-1 without one), and where the log goes.
    func openWorkDirectory() throws -> (fd: Int32, logDirectory: String) {
        guard let workPath else { return (-1, images) }
        let path = Paths.absolute(workPath, base: currentDirectory())
        let fd = try step("making the work directory \(path)") { () throws -> Int32 in
            try Files.makeDirectories(path, mode: 0o700)
            return try Files.open(path, O_RDONLY | O_DIRECTORY)
        }
        return (fd, path)
    }
}

/// What `hako checkpoint` was asked to do beyond the common flags.
public struct CheckpointOptions: Sendable {
    public var common: CriuCommonOptions
    /// A previous (pre-)dump, relative to the image directory: only changed memory is dumped.
    public var parentPath: String?
    public var leaveRunning = false
    public var tcpSkipInFlight = false
    public var linkRemap = false
    /// A descriptor of the caller's that gets "\0" once the lazy-pages server is ready.
    public var statusFD: Int32?
    /// "ADDRESS:PORT" of a page server that receives the memory.
    public var pageServer: String?
    /// Dump memory only and leave the container running, for a later dump with a parent.
    public var preDump = false

    public init(common: CriuCommonOptions) {
        self.common = common
    }
}

extension Container {
    /// The name, in the image directory, of the list of init's stdio as /proc showed them:
    /// `restore` hands pipes among them back to CRIU (runc's descriptors.json).
    static let descriptorsFile = "descriptors.json"

    /// Checkpoints a running (or paused) container with CRIU into `options.common.imagePath`.
    /// Unless `leaveRunning` or `preDump`, the container is gone afterwards (CRIU kills
    /// it once dumped; hako deletes what is left, as runc does).
    public func checkpoint(_ options: CheckpointOptions, warn: (String) -> Void = { _ in }) throws {
        let (lock, container) = try locked()
        defer { lock.release() }
        try container.checkpointLocked(options, warn: warn)
    }

    private func checkpointLocked(_ options: CheckpointOptions, warn: (String) -> Void) throws {
        let status = self.status
        guard status == .running || status == .paused else {
            throw RuntimeError("cannot checkpoint container \"\(id)\": it is \(status.rawValue)")
        }
        var criuOptions = CriuOptions(imagesDirectoryFD: -1)
        try options.common.apply(to: &criuOptions)
        let pageServer = try options.pageServer.map { try CriuSupport.pageServer($0) }
        if let fd = options.statusFD {
            let flags: Int32
            do { flags = try Files.statusFlags(fd) } catch { throw RuntimeError("--status-fd \(fd)", error) }
            guard flags & O_ACCMODE != O_RDONLY else { throw RuntimeError("--status-fd \(fd): not open for writing") }
        }
        let spec = try state.config
        let imagePath = options.common.images
        // Flags first, criu after (as runc): a bad path is named even where criu cannot run.
        if let parent = options.parentPath {
            guard !parent.hasPrefix("/") else { throw RuntimeError("--parent-path \(parent): must be relative to the image directory") }
            // Joined as text (the image directory may not exist yet), as criu will see it.
            let parentDirectory = Paths.absolute(imagePath + "/" + parent, base: (try? Files.currentDirectory()) ?? "/")
            guard Files.isDirectory(parentDirectory) else {
                throw RuntimeError("--parent-path \(parent): \(parentDirectory) is not a directory")
            }
        }
        try CriuSupport.requireWorking(store: store, criu: options.common.criu)

        let images = try step("making the image directory \(imagePath)") { () throws -> Int32 in
            try Files.makeDirectories(imagePath, mode: 0o700)
            return try Files.open(imagePath, O_RDONLY | O_DIRECTORY)
        }
        defer { Files.close(images) }
        let (work, logDirectory) = try options.common.openWorkDirectory()
        defer { if work >= 0 { Files.close(work) } }

        criuOptions.imagesDirectoryFD = images
        criuOptions.workDirectoryFD = work >= 0 ? work : nil
        criuOptions.pid = state.pid
        criuOptions.root = state.rootfs
        criuOptions.logFile = "dump.log"
        criuOptions.leaveRunning = options.leaveRunning
        criuOptions.tcpSkipInFlight = options.tcpSkipInFlight
        criuOptions.linkRemap = options.linkRemap
        criuOptions.orphanPtsMaster = true
        criuOptions.pageServer = pageServer
        criuOptions.configFile = CriuSupport.configFile(spec.annotations)
        if let parent = options.parentPath {
            criuOptions.parentImage = parent
            criuOptions.trackMemory = true
        }
        // Namespaces joined by path stay outside the dump: restore hands CRIU the same
        // ones again, under the same key.
        for namespace in spec.linux?.namespaces ?? [] {
            guard let kind = namespace.kind, kind == .network || kind == .pid, let path = namespace.path, !path.isEmpty else { continue }
            guard let inode = Namespaces.inode(path) else {
                throw RuntimeError("linux.namespaces: the \(kind.rawValue) namespace \(path) the container joined is gone")
            }
            criuOptions.external.append("\(kind == .network ? "net" : "pid")[\(inode)]:\(CriuSupport.key(for: kind))")
        }
        // CRIU freezes the tree with the cgroup freezer rather than ptrace when told where.
        if let paths = state.cgroupPaths {
            criuOptions.freezeCgroup = paths["freezer"] ?? paths[""]
        }
        if !options.preDump {
            for mount in try CriuSupport.externalMounts(spec, cgroups: CgroupMount.cgroups(of: state.pid)) {
                criuOptions.externalMounts.append((mount.destination, mount.destination))
            }
            for path in spec.linux?.maskedPaths ?? [] {
                // Files are masked with a bind of /dev/null; directories with a tmpfs.
                guard let info = try? Files.status("/proc/\(state.pid)/root" + Paths.clean(path)), info.st_mode & S_IFMT != S_IFDIR else { continue }
                criuOptions.externalMounts.append((Paths.clean(path), CriuSupport.maskName))
            }
            let descriptors = (0...2).map { (try? Files.readLink("/proc/\(state.pid)/fd/\($0)")) ?? "" }
            try step("writing \(Self.descriptorsFile)") {
                try Files.writeAtomically(imagePath + "/" + Self.descriptorsFile, JSONCoding.encode(descriptors), mode: 0o600)
            }
        }

        if options.preDump {
            try Self.require(features: CriuFeatures(memoryTracking: true), flag: "--pre-dump", criu: options.common.criu)
        }
        if options.common.lazyPages {
            try Self.require(features: CriuFeatures(lazyPages: true), flag: "--lazy-pages", criu: options.common.criu)
        }
        let session = try Self.startCriu(options.common.criu)
        var statusFD = options.statusFD
        defer { if let fd = statusFD { Files.close(fd) } }
        do {
            _ = try session.call(CriuRequest(type: options.preDump ? .preDump : .dump, options: criuOptions)) { notification, fd in
                if let fd { Files.close(fd) }
                // CRIU 3.15 and later say the lazy-pages server is ready in a notification.
                if notification.notification?.script == "status-ready", let fd = statusFD {
                    _ = try? Files.writeAll(fd, [0], path: "--status-fd")
                    Files.close(fd)
                    statusFD = nil
                }
            }
        } catch {
            session.finish()
            throw RuntimeError("checkpointing container \"\(id)\"", RuntimeError("\(error)\(CriuSupport.quoteLog(logDirectory + "/dump.log"))"))
        }
        // A pre-dump's CRIU waits for the next request: end of file ends it.
        let exit = session.finish()
        if !options.preDump, let exit, exit != .exited(0) {
            throw RuntimeError("checkpointing container \"\(id)\": criu ended with \(exit)\(CriuSupport.quoteLog(logDirectory + "/dump.log"))")
        }
        if !options.leaveRunning && !options.preDump {
            try deleteLocked(force: true, warn: warn)
        }
    }

    /// A CRIU service with /dev/null as its stdio.
    static func startCriu(_ criu: String) throws -> CriuSwrk {
        let null = try Files.open("/dev/null", O_RDWR)
        defer { Files.close(null) }
        return try CriuSwrk(criu: criu, stdio: [null, null, null])
    }

    /// Asks CRIU (a service of its own, as it serves one request) whether it has
    /// `features`, and names the flag that needs them if not.
    static func require(features: CriuFeatures, flag: String, criu: String) throws {
        let session = try startCriu(criu)
        defer { session.finish() }
        var request = CriuRequest(type: .featureCheck)
        request.features = features
        let answer = try session.call(request).features
        if features.memoryTracking == true && answer?.memoryTracking != true {
            throw RuntimeError("\(flag): criu cannot track memory changes on this host (no soft-dirty bits)")
        }
        if features.lazyPages == true && answer?.lazyPages != true {
            throw RuntimeError("\(flag): criu cannot restore pages lazily on this host (no userfaultfd)")
        }
    }
}
