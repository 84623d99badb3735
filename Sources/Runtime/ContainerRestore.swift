#if canImport(Glibc)
import Glibc
#endif
import Criu
import LinuxSys
import Logging
import OCISpec
import Rootfs

/// What `hako restore` was asked to do beyond the common flags.
public struct RestoreOptions: Sendable {
    /// The new container's id, bundle, console socket, pid file and cgroup driver, as `create` takes them.
    public var create: CreateOptions
    public var common: CriuCommonOptions
    /// "TYPE:NAME", the LSM profile of the restored processes instead of the dumped one.
    public var lsmProfile: String?
    /// The LSM mount context of the restored mounts instead of the dumped one.
    public var lsmMountContext: String?

    public init(create: CreateOptions, common: CriuCommonOptions) {
        self.create = create
        self.common = common
    }
}

extension Container {
    /// Restores a container checkpointed by `checkpoint` from `options.common.imagePath`, under
    /// the id and with the bundle of `options.create`: a new container, `running`, whose
    /// init is the restored tree's root, in a new cgroup with the config's limits. On any
    /// failure nothing is left behind. The restored init is a child of the caller (CRIU
    /// restores it as its sibling), so `restore` without `--detach` can wait for it.
    ///
    /// CRIU needs the rootfs as a mount point whose parent is not overmounted: hako binds
    /// it under the state directory, in a mount namespace of its own, so that the bind
    /// (and the mount points it prepares) go when hako exits, even when it is killed.
    ///
    /// The caller must be single-threaded: this forks. It enters a new mount namespace.
    public static func restore(_ options: RestoreOptions, store: StateStore, logger: Logger) throws -> Container {
        try ContainerID.validate(options.create.id)
        var criuOptions = CriuOptions(imagesDirectoryFD: -1)
        try options.common.apply(to: &criuOptions)
        let bundle = try step("resolving the bundle \(options.create.bundle)") { try realPath(options.create.bundle) }
        let loaded = try options.create.config ?? loadConfig(bundle: bundle)
        var createOptions = options.create
        createOptions.config = nil
        let plan = try makePlan(options: createOptions, spec: loaded.spec, configBytes: loaded.bytes, bundle: bundle, store: store)
        guard plan.namespaces.creates.contains(.mount) || plan.namespaces.joins.contains(where: { $0.kind == .mount }) else {
            throw RuntimeError("linux.namespaces: restoring needs the container's own mount namespace")
        }
        if plan.namespaces.joins.contains(where: { $0.kind == .cgroup }) {
            throw RuntimeError("linux.namespaces: criu cannot join a cgroup namespace by path")
        }
        let imagePath = options.common.images
        guard Files.isDirectory(imagePath) else { throw RuntimeError("--image-path \(imagePath): no such directory") }
        try CriuSupport.requireWorking(store: store, criu: options.common.criu)

        let lock = try store.claim(plan.options.id)
        defer { lock.release() }
        var restoration = Restoration(creation: Creation(plan: plan, store: store, logger: logger, lockFD: lock.fd),
                                      options: options, criuOptions: criuOptions, imagePath: imagePath)
        do {
            let state = try restoration.run()
            try writePidFile(plan.options.pidFile, pid: state.pid)
            logger.debug("container restored", metadata: ["id": "\(plan.options.id)", "pid": "\(state.pid)"])
            return Container(state: state, store: store)
        } catch {
            restoration.abort()
            try? store.remove(plan.options.id)
            throw RuntimeError("restoring container \"\(plan.options.id)\"", error)
        }
    }
}

/// main's side of one `restore`: the intent record and the cgroup as `create` makes them
/// (`Creation`), then CRIU in place of the intermediate and init.
struct Restoration {
    var creation: Creation
    let options: RestoreOptions
    var criuOptions: CriuOptions
    let imagePath: String
    var session: CriuSwrk?
    /// CRIU's root, once bound.
    var root: String?
    var plan: CreatePlan { creation.plan }

    mutating func run() throws -> ContainerRecord {
        try creation.recordIntent()
        let root = try prepareRoot()
        CrashPoint.reach("restore.intent")
        let images = try Files.open(imagePath, O_RDONLY | O_DIRECTORY)
        defer { Files.close(images) }
        let (work, logDirectory) = try options.common.openWorkDirectory()
        defer { if work >= 0 { Files.close(work) } }
        let consoleSocket = try creation.connectConsoleSocket()
        defer { if consoleSocket >= 0 { Files.close(consoleSocket) } }

        criuOptions.imagesDirectoryFD = images
        criuOptions.workDirectoryFD = work >= 0 ? work : nil
        criuOptions.logFile = "restore.log"
        criuOptions.root = root
        criuOptions.evasiveDevices = true
        criuOptions.restoreSibling = true
        criuOptions.orphanPtsMaster = true
        criuOptions.lsmProfile = options.lsmProfile
        criuOptions.lsmMountContext = options.lsmMountContext
        criuOptions.configFile = CriuSupport.configFile(plan.spec.annotations)

        // Namespaces joined by path: network and pid ones were left out of the dump and are
        // handed back under their key (descriptors from CRIU's fd 4 on); the rest joined.
        var namespaceFDs: [Int32] = []
        defer { for fd in namespaceFDs { Files.close(fd) } }
        for (kind, path) in plan.namespaces.joins {
            switch kind {
            case .network, .pid:
                let fd = try step("opening the \(kind.rawValue) namespace \(path)") { try Files.open(path, O_RDONLY) }
                namespaceFDs.append(fd)
                criuOptions.inheritFDs.append((CriuSupport.key(for: kind), Int32(3 + namespaceFDs.count)))
            default:
                criuOptions.joinNamespaces.append((Self.criuName(kind), path))
            }
        }
        // init's stdio at the dump, pipes among them given again: this hako's own 0, 1, 2.
        let descriptorsPath = imagePath + "/" + Container.descriptorsFile
        let descriptors = try step("reading \(descriptorsPath)") {
            try JSONCoding.decode([String].self, from: try Files.read(descriptorsPath), document: Container.descriptorsFile)
        }
        for (fd, name) in descriptors.enumerated() where fd <= 2 && name.includes("pipe:") {
            criuOptions.inheritFDs.append((name, Int32(fd)))
        }

        session = try CriuSwrk(criu: options.common.criu, stdio: [0, 1, 2], extra: namespaceFDs)
        guard let session else { preconditionFailure() }
        // CRIU goes into the container's new cgroup first; the tree it restores lands where
        // it is (cg_root), with the config's limits already written.
        try creation.setUpCgroup(pid: session.pid)
        // criu's cgroups are the container's now: where the tree goes, and what its cgroup
        // mount binds.
        let cgroups = try CgroupMount.cgroups(of: session.pid)
        try addExternalMounts(cgroups: cgroups)
        for (controllers, path) in cgroups.sorted(by: { $0.key < $1.key }) {
            criuOptions.cgroupRoots.append((controllers, path))
        }
        try creation.saveRecord()
        CrashPoint.reach("restore.criu-started")

        let request = CriuRequest(type: .restore, options: criuOptions)
        let response: CriuResponse
        do {
            response = try session.call(request) { notification, fd in
                try self.handle(notification, fd: fd, consoleSocket: consoleSocket)
            }
        } catch {
            session.finish()
            throw RuntimeError("\(error)\(CriuSupport.quoteLog(logDirectory + "/restore.log"))")
        }
        if let exit = session.finish(), exit != .exited(0) {
            throw RuntimeError("criu ended with \(exit)\(CriuSupport.quoteLog(logDirectory + "/restore.log"))")
        }
        guard let pid = response.restoredPid, pid > 0 else { throw RuntimeError("criu restored no process") }
        if creation.initPid != pid { try recordInit(pid) }
        creation.record?.creation = nil
        creation.record?.created = Clock.rfc3339Now()
        let committed = try creation.saveRecord()
        CrashPoint.reach("restore.committed")
        releaseRoot(root)
        self.root = nil
        return committed
    }

    /// CRIU's notifications: hooks once the namespaces exist, the restored init's pid, and
    /// a restored terminal's master, passed on to the console socket.
    mutating func handle(_ notification: CriuResponse, fd: Int32?, consoleSocket: Int32) throws {
        defer { if let fd { Files.close(fd) } }
        guard let (script, pid) = notification.notification else { return }
        switch script {
        case "setup-namespaces":
            creation.initPid = pid
            let state = creation.hookState(status: .creating)
            try HookRunner.run(plan.spec.hooks?.prestart ?? [], kind: "prestart", state: state)
            try HookRunner.run(plan.spec.hooks?.createRuntime ?? [], kind: "createRuntime", state: state)
        case "post-restore":
            try recordInit(pid)
            CrashPoint.reach("restore.restored")
        case "orphan-pts-master":
            guard let fd else { throw RuntimeError("criu sent no terminal master") }
            guard consoleSocket >= 0 else {
                throw RuntimeError("--console-socket: the restored container has a terminal, and no console socket was given")
            }
            try step("sending the terminal to the console socket") { try Sockets.send(consoleSocket, Array("/dev/ptmx".utf8), fd: fd) }
        default:
            break
        }
    }

    /// Records the restored init: pid and start time, so that state, kill and delete know it.
    mutating func recordInit(_ pid: Int32) throws {
        guard let info = Processes.startInfo(pid) else { throw RuntimeError("the restored init (pid \(pid)) is gone") }
        creation.initPid = pid
        creation.record?.pid = pid
        creation.record?.initStartTime = info.startTime
        try creation.saveRecord()
    }

    /// The mounts CRIU must bind from outside: as at the dump, with today's sources.
    mutating func addExternalMounts(cgroups: [String: String]) throws {
        for mount in try CriuSupport.externalMounts(plan.spec, cgroups: cgroups) {
            criuOptions.externalMounts.append((mount.destination, mount.source))
        }
        if !(plan.spec.linux?.maskedPaths ?? []).isEmpty {
            criuOptions.externalMounts.append((CriuSupport.maskName, CriuSupport.maskName))
        }
    }

    /// Enters a mount namespace of hako's own, binds the rootfs at <state dir>/criu-root
    /// and makes the mount points of the config's mounts, as `create` would have; returns
    /// the bind's path, CRIU's root.
    mutating func prepareRoot() throws -> String {
        try step("entering a mount namespace of hako's own") {
            try Namespaces.unshare(NamespacePlan.flags[.mount]!, step: "unshare(CLONE_NEWNS)")
            try Mounts.mount(source: nil, target: "/", type: nil, flags: MountFlag.slave | MountFlag.recursive)
        }
        let root = plan.stateDirectory + "/criu-root"
        try step("binding the rootfs at \(root)") {
            try Files.makeDirectory(root, mode: 0o755)
            try Mounts.mount(source: plan.rootfs, target: root, type: nil, flags: MountFlag.bind | MountFlag.recursive)
        }
        self.root = root
        try step("making the mount points in the rootfs") { try makeMountPoints() }
        return root
    }

    /// Mount points missing from the rootfs, made inside it (never outside: resolved in
    /// the root). Bind sources are bound as `create` binds them, so that mount points
    /// inside a bind are made in its source. Not for mounts on a tmpfs the config mounts
    /// (CRIU restores a tmpfs's content), nor cgroup ones (they appear with /sys).
    func makeMountPoints() throws {
        let mounts = plan.spec.mounts ?? []
        let tmpfsDestinations = mounts.filter { $0.type == "tmpfs" }.map { Paths.clean($0.destination) }
        let root = try SecureRoot(path: plan.rootfs)
        defer { root.close() }
        for mount in mounts where mount.type != "cgroup" && mount.type != "cgroup2" {
            let destination = Paths.clean(mount.destination)
            if tmpfsDestinations.contains(where: { destination.hasPrefix($0 + "/") }) { continue }
            let isBind = mount.isBind
            let source = mount.source.map { Paths.absolute($0, base: plan.bundle) }
            let kind: SecureRoot.Kind = isBind && source.map { Files.exists($0) && !Files.isDirectory($0) } == true ? .file : .directory
            let point = try root.ensure(destination, as: kind)
            defer { Files.close(point) }
            if isBind, let source {
                try Mounts.mount(source: source, target: procFD(point), type: nil, flags: MountFlag.bind | MountFlag.recursive)
            }
        }
    }

    /// Unmounts CRIU's root and removes its directory (the mount namespace goes with hako
    /// anyway; this keeps `restore` without `--detach` from holding it while it waits).
    func releaseRoot(_ root: String) {
        _ = try? Mounts.unmount(root, flags: Int32(MNT_DETACH))
        try? Files.removeDirectory(root)
    }

    /// The names CRIU's join_ns takes.
    static func criuName(_ kind: NamespaceKind) -> String {
        switch kind {
        case .network: return "net"
        case .mount: return "mnt"
        case .user: return "user"
        case .uts: return "uts"
        case .ipc: return "ipc"
        case .pid: return "pid"
        case .cgroup: return "cgroup"
        case .time: return "time"
        }
    }

    /// Kills CRIU and what it restored, and undoes the rest as a failed create does. The
    /// rootfs bind goes first: the state directory is removed after this.
    func abort() {
        session?.finish()
        if let root { releaseRoot(root) }
        creation.abort()
    }
}
