#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import Logging
import OCISpec
import Rootfs
import Seccomp

/// Everything the three processes of `create` need, decided by main before it forks:
/// the children read it from their copy of main's memory, so nothing is re-parsed.
/// A class, never changed once made: `Creation` and the steps it calls pass one reference
/// instead of copying the spec and the options (kilobytes of fields) in every stack frame.
final class CreatePlan {
    let options: CreateOptions
    let spec: Spec
    /// config.json as read from the bundle, kept in the state directory as it is; nil when
    /// `spec` differs from it (and is encoded instead).
    let configBytes: [UInt8]?
    let process: ProcessSpec
    let bundle: String
    let rootfs: String
    let stateDirectory: String
    let namespaces: NamespacePlan
    /// linux.seccomp, compiled before the fork: init only loads it.
    let seccomp: SeccompProgram?
    /// The host's cgroup filesystems, read when a `cgroup` mount needs them (before the
    /// fork, so that init, on the critical path of every start, finds them read).
    let cgroupHierarchies: [MountInfo.Entry]
    /// Whether hako itself runs in a user namespace other than the host's: rootless podman
    /// runs the runtime as root of its own, with no user namespace in the config.
    let runtimeInUserNamespace: Bool
    /// The first descriptor number hako may use for itself: 3 + preserveFds.
    var lowestPrivateFD: Int32 { 3 + Int32(options.preserveFds) }

    init(options: CreateOptions, spec: Spec, configBytes: [UInt8]?, process: ProcessSpec, bundle: String,
         rootfs: String, stateDirectory: String, namespaces: NamespacePlan, seccomp: SeccompProgram?,
         cgroupHierarchies: [MountInfo.Entry], runtimeInUserNamespace: Bool) {
        self.options = options
        self.spec = spec
        self.configBytes = configBytes
        self.process = process
        self.bundle = bundle
        self.rootfs = rootfs
        self.stateDirectory = stateDirectory
        self.namespaces = namespaces
        self.seccomp = seccomp
        self.cgroupHierarchies = cgroupHierarchies
        self.runtimeInUserNamespace = runtimeInUserNamespace
    }

    /// The state hooks get on stdin (and a seccomp agent with the listener), with init's
    /// pid as the caller sees it.
    func hookState(_ status: OCISpec.ContainerState, pid: pid_t) -> State {
        State(ociVersion: spec.ociVersion, id: options.id, status: status, pid: Int(pid), bundle: bundle, annotations: spec.annotations)
    }
}

extension Container {
    /// Creates a container: its state directory, its namespaces and rootfs, and its init
    /// process waiting at the start barrier. On any failure nothing is left behind.
    ///
    /// The caller must be single-threaded: this forks.
    public static func create(_ options: CreateOptions, store: StateStore, logger: Logger) throws -> Container {
        try ContainerID.validate(options.id)
        let bundle = try step("resolving the bundle \(options.bundle)") { try realPath(options.bundle) }
        let loaded = try options.config ?? loadConfig(bundle: bundle)
        var spec = loaded.spec
        var options = options
        options.config = nil
        // systemd socket activation, passed on as runc does: the listening sockets come
        // first (3, 4, ...), then --preserve-fds, and the container is told about them.
        if let text = getenv("LISTEN_FDS").map({ String(cString: $0) }), let count = Int(text), count > 0 {
            options.preserveFds += count
            let env = (spec.process?.env ?? []).filter { !$0.hasPrefix("LISTEN_FDS=") && !$0.hasPrefix("LISTEN_PID=") }
            spec.process?.env = env + ["LISTEN_FDS=\(count)", "LISTEN_PID=1"]
        }
        NotifySocket.prepare(&spec, stateDirectory: store.directory(of: options.id))
        // The bundle's bytes are kept unless hako added to the config (the notify socket,
        // LISTEN_FDS): exec'd processes get what init got.
        let plan = try makePlan(options: options, spec: spec, configBytes: spec == loaded.spec ? loaded.bytes : nil,
                                bundle: bundle, store: store)

        for warning in CapabilityWarnings.of(spec.process?.capabilities) { logger.warning("\(warning)") }
        if !plan.namespaces.has(.mount), let mounts = spec.mounts, !mounts.isEmpty {
            logger.warning("mounts: \(mounts.count) not mounted: the container has no mount namespace of its own, and they would change the host's")
        }
        if !plan.namespaces.has(.mount) && spec.root?.readonly == true {
            logger.warning("root.readonly: not applied: the container has no mount namespace of its own, and the host's directory would become read-only")
        }
        let lock = try store.claim(options.id)
        defer { lock.release() }
        CrashPoint.reach("create.claimed")
        var creation = Creation(plan: plan, store: store, logger: logger, lockFD: lock.fd)
        do {
            let state = try creation.run()
            try writePidFile(options.pidFile, pid: state.pid)
            logger.debug("container created", metadata: ["id": "\(options.id)", "pid": "\(state.pid)"])
            return Container(state: state, store: store)
        } catch {
            creation.abort()
            try? store.remove(options.id)
            throw RuntimeError("creating container \"\(options.id)\"", error)
        }
    }

    /// `--pid-file`: init's pid, written once the container is committed.
    static func writePidFile(_ path: String?, pid: Int32) throws {
        guard let path else { return }
        try step("writing the pid file \(path)") {
            try Files.writeAtomically(Paths.absolute(path, base: currentDirectory()), Array("\(pid)".utf8), durable: false)
        }
    }

    /// Reads and checks config.json.
    public static func loadSpec(bundle: String) throws -> Spec {
        try loadConfig(bundle: bundle).spec
    }

    /// Reads and checks config.json, keeping its bytes.
    public static func loadConfig(bundle: String) throws -> LoadedConfig {
        let path = bundle + "/config.json"
        let bytes: [UInt8]
        do { bytes = try Files.read(path) } catch { throw RuntimeError("reading \(path)", error) }
        let spec = try Spec.decode(bytes)
        try spec.validate()
        return LoadedConfig(spec: spec, bytes: bytes)
    }

    /// The checks that need the host (paths, this build's abilities) on top of validation.
    static func makePlan(options: CreateOptions, spec: Spec, configBytes: [UInt8]?, bundle: String, store: StateStore) throws -> CreatePlan {
        guard let process = spec.process else { throw RuntimeError("process: the config has no process to run") }
        guard let rootPath = spec.root?.path, !rootPath.isEmpty else { throw RuntimeError("root.path: the config has no root") }
        let rootfs = Paths.absolute(rootPath, base: bundle)
        guard Files.isDirectory(rootfs) else {
            throw RuntimeError("root.path: rootfs \(rootfs) does not exist or is not a directory")
        }
        let rootfsReal = try step("resolving the rootfs") { try realPath(rootfs) }
        guard options.preserveFds >= 0 else { throw RuntimeError("--preserve-fds: must not be negative") }
        if options.systemdCgroup {
            // Checked here, before anything is made, rather than when the unit is.
            do { _ = try SystemdAnnotations.properties(spec.annotations) } catch { throw RuntimeError("\(error)") }
        }
        let namespaces = try NamespacePlan(spec.linux?.namespaces ?? [])
        if rootfsReal == "/" && namespaces.has(.mount) {
            let through = rootfsReal == Paths.clean(rootfs) ? "" : " (through a symlink)"
            throw RuntimeError("root.path: \(rootfs) resolves to the host's root /\(through); a container's rootfs must be a directory of its own")
        }
        try checkSharedMountNamespace(spec, namespaces: namespaces)
        // A uts namespace of the container's own, new or joined by path, takes the names.
        if let hostname = spec.hostname, !hostname.isEmpty, !namespaces.has(.uts) {
            throw RuntimeError("hostname: setting the hostname needs the container's own uts namespace (it would change the host's)")
        }
        if let domainname = spec.domainname, !domainname.isEmpty, !namespaces.has(.uts) {
            throw RuntimeError("domainname: setting the domain name needs the container's own uts namespace (it would change the host's)")
        }
        if namespaces.creates.contains(.user) && (spec.linux?.uidMappings ?? []).isEmpty {
            throw RuntimeError("linux.uidMappings: a new user namespace needs uid and gid mappings")
        }
        if process.terminal == true && options.consoleSocket == nil && options.consoleSocketFD == nil {
            throw RuntimeError("process.terminal: a terminal needs --console-socket")
        }
        if process.terminal != true && (options.consoleSocket != nil || options.consoleSocketFD != nil) {
            throw RuntimeError("--console-socket: given, but process.terminal is false")
        }
        try checkSysctls(spec.linux?.sysctl ?? [:], namespaces: namespaces)
        try SecurityLabels.check(apparmorProfile: process.apparmorProfile, selinuxLabel: process.selinuxLabel,
                                 mountLabel: spec.linux?.mountLabel)
        if let rdt = spec.linux?.intelRdt {
            try IntelRdt(root: IntelRdt.defaultRoot, config: rdt, containerID: options.id).checkAvailable()
        }
        try IDMappedMounts.check(spec)
        try NetDevices.check(spec.linux?.netDevices ?? [:], namespaces: namespaces)
        let seccomp = try spec.linux?.seccomp.map { try SeccompCache(store: store).program(for: $0) }
        let hasCgroupMount = spec.mounts?.contains(where: { $0.type == "cgroup" || $0.type == "cgroup2" }) == true
        let cgroupHierarchies = hasCgroupMount ? CgroupMount.hostHierarchies(try CgroupHost.hostMounts()) : []
        return CreatePlan(options: options, spec: spec, configBytes: configBytes, process: process, bundle: bundle, rootfs: rootfsReal,
                          stateDirectory: store.directory(of: options.id), namespaces: namespaces, seccomp: seccomp,
                          cgroupHierarchies: cgroupHierarchies, runtimeInUserNamespace: !Caller.inInitialUserNamespace)
    }
}

/// Without a mount namespace in linux.namespaces, the container inherits the runtime's
/// (runtime-spec: a namespace type not listed is inherited). Nothing is mounted there, since
/// every mount would land in the host's namespace (runc 1.1 mounted them there; runc 1.2 and
/// later skip the rootfs altogether), and the process is jailed in root.path with chroot(2),
/// as runc 1.1 does, so that root.path stays the container's root. What protects the host
/// and needs mounts (masked and read-only paths) or device nodes is refused rather than
/// silently missing; `mounts` and a read-only root (which would be the host's directory made
/// read-only) are reported as not applied, since runc accepts them there and its tests run
/// such a config.
func checkSharedMountNamespace(_ spec: Spec, namespaces: NamespacePlan) throws {
    guard !namespaces.has(.mount) else { return }
    let reason = "needs the container's own mount namespace (without one, the container shares the host's)"
    if !(spec.linux?.maskedPaths ?? []).isEmpty { throw RuntimeError("linux.maskedPaths: masking \(reason)") }
    if !(spec.linux?.readonlyPaths ?? []).isEmpty { throw RuntimeError("linux.readonlyPaths: read-only paths \(reason)") }
    if !(spec.linux?.devices ?? []).isEmpty { throw RuntimeError("linux.devices: creating devices \(reason)") }
}

/// Sysctls are written from inside the container: only those that belong to one of its
/// own namespaces may be set, or the container would change the host (runc's rule).
func checkSysctls(_ sysctls: [String: String], namespaces: NamespacePlan) throws {
    let ipcKeys: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    ]
    for key in sysctls.keys.sorted() {
        let needed: NamespaceKind?
        if ipcKeys.contains(key) || key.hasPrefix("fs.mqueue.") {
            needed = .ipc
        } else if key.hasPrefix("net.") {
            needed = .network
        } else if key == "kernel.hostname" || key == "kernel.domainname" {
            needed = .uts
        } else {
            needed = nil
        }
        guard let needed else {
            throw RuntimeError("linux.sysctl[\"\(key)\"]: not in a namespace of the container, it would change the host")
        }
        if !namespaces.has(needed) {
            throw RuntimeError("linux.sysctl[\"\(key)\"]: needs the container's own \(needed.rawValue) namespace")
        }
        if key.includes("..") || key.contains("/") {
            throw RuntimeError("linux.sysctl[\"\(key)\"]: not a sysctl name")
        }
    }
}

/// main's side of one `create`: records its intent, forks the intermediate, answers the
/// children, and commits the record. `abort()` undoes what `run()` did when it fails
/// half-way; when main is killed instead, the intent record names what `delete` removes.
///
/// Until the commit, nothing of the container outlives main: the intermediate and init
/// have SIGKILL as their parent-death signal (main is a subreaper meanwhile, so init is
/// its child once the intermediate exits), and init, once ready, waits on its channel for
/// the commit, taking end of file as "the creator is gone" and exiting.
struct Creation {
    let plan: CreatePlan
    let store: StateStore
    let logger: Logger
    /// The state directory's lock, which the children must not keep.
    let lockFD: Int32
    var intermediatePid: pid_t = 0
    var initPid: pid_t = 0
    /// The cgroup as planned (recorded before it exists), and as set up; nil `cgroup`
    /// after setup means a rootless container runs without one.
    var plannedCgroup: (any CgroupManager)?
    var cgroup: (any CgroupManager)?
    var cgroupSetUp = false
    var intelRdt: IntelRdt.Applied?
    /// What state.json says, updated as things are made.
    var record: ContainerRecord?

    init(plan: CreatePlan, store: StateStore, logger: Logger, lockFD: Int32) {
        self.plan = plan
        self.store = store
        self.logger = logger
        self.lockFD = lockFD
    }

    mutating func run() throws -> ContainerRecord {
        try recordIntent()
        CrashPoint.reach("create.intent")
        let wasSubreaper = try Processes.isChildSubreaper()
        if !wasSubreaper { try Supervision.becomeSubreaper() }
        defer { if !wasSubreaper { _ = try? Processes.prctl(Prctl.setChildSubreaper, 0, step: "prctl(PR_SET_CHILD_SUBREAPER)") } }
        if NotifySocket.host != nil {
            try Files.makeDirectories(NotifySocket.directory(stateDirectory: plan.stateDirectory))
        }
        let fifoPath = plan.stateDirectory + "/" + StateStore.startFifo
        try Files.makeFIFO(fifoPath, mode: 0o600)
        // O_RDWR: opening never blocks, and a reader exists for `start` to write to until
        // the container process execs (the descriptor is close-on-exec).
        let fifo = try Descriptors.moveAbove(try Files.open(fifoPath, O_RDWR), minimum: plan.lowestPrivateFD)
        defer { Files.close(fifo) }
        let consoleSocket = try connectConsoleSocket()
        defer { if consoleSocket >= 0 { Files.close(consoleSocket) } }
        let pidfdSocket = try PidfdSocket.connect(plan.options.pidfdSocket, minimumFD: plan.lowestPrivateFD)
        defer { pidfdSocket?.close() }

        let (mainToIntermediate, intermediateEnd) = try Sockets.pair()
        let (mainToInit, initEnd) = try Sockets.pair()
        let intermediateChannel = MainEnd(fd: try Descriptors.moveAbove(mainToIntermediate, minimum: plan.lowestPrivateFD), peer: "intermediate")
        let initChannel = MainEnd(fd: try Descriptors.moveAbove(mainToInit, minimum: plan.lowestPrivateFD), peer: "init")
        let childIntermediate = ChildEnd(fd: try Descriptors.moveAbove(intermediateEnd, minimum: plan.lowestPrivateFD), peer: "main")
        let childInit = ChildEnd(fd: try Descriptors.moveAbove(initEnd, minimum: plan.lowestPrivateFD), peer: "main")
        defer {
            intermediateChannel.close()
            initChannel.close()
        }

        // The cgroup, where init can enter it by itself, is made before the children:
        // the intermediate forks init into it (cgroup2) and init joins the v1 hierarchies.
        let entersByItself = CgroupEntry.isPossible(plan)
        var entry: CgroupEntry?
        if entersByItself {
            try setUpCgroup(pid: nil)
            if let cgroup { entry = try CgroupEntry(paths: cgroup.paths, minimumFD: plan.lowestPrivateFD) }
            CrashPoint.reach("create.cgroup")
        }
        defer { entry?.close() }

        let mainPid = getpid()
        let pid = try Processes.fork()
        if pid == 0 {
            intermediateChannel.close()
            initChannel.close()
            Files.close(lockFD)
            let child = ContainerChildren(plan: plan, fifo: fifo, consoleSocket: consoleSocket, cgroupEntry: entry, mainPid: mainPid)
            child.runIntermediate(channel: childIntermediate, initChannel: childInit)
        }
        intermediatePid = pid
        childIntermediate.close()
        childInit.close()
        CrashPoint.reach("create.forked")

        try serveIntermediate(intermediateChannel)
        guard let info = Processes.startInfo(initPid) else {
            throw RuntimeError("init (pid \(initPid)) exited during create")
        }
        record?.pid = initPid
        record?.initStartTime = info.startTime
        try saveRecord()
        CrashPoint.reach("create.init-recorded")
        // init waits for `proceed`: it must be in its cgroup before it creates the cgroup
        // namespace and before the container process can fork.
        if !entersByItself {
            try setUpCgroup(pid: initPid)
            CrashPoint.reach("create.cgroup")
        }
        try NetDevices.move(plan.spec.linux?.netDevices ?? [:], intoNetworkNamespaceOf: initPid)
        if let rdt = plan.spec.linux?.intelRdt {
            intelRdt = try IntelRdt(root: IntelRdt.defaultRoot, config: rdt, containerID: plan.options.id).apply(pid: initPid)
        }
        try serveInit(initChannel)
        CrashPoint.reach("create.ready")
        // Opened before the check below, which then vouches that it is init's.
        let initPidfd = try pidfdSocket.map { _ in try Processes.pidfd(initPid) }
        defer { if let initPidfd { Files.close(initPidfd) } }
        guard Processes.startInfo(initPid)?.startTime == info.startTime else {
            throw RuntimeError("init (pid \(initPid)) exited during create")
        }
        if let pidfdSocket, let initPidfd { try pidfdSocket.send(pidfd: initPidfd, of: .initProcess) }
        record?.creation = nil
        record?.created = Clock.rfc3339Now()
        let committed = try saveRecord()
        CrashPoint.reach("create.saved")
        // init's parent-death signal goes; from now on the container outlives hako.
        try initChannel.send(.commit)
        try initChannel.expect(.committed)
        CrashPoint.reach("create.committed")
        return committed
    }

    /// Writes the intent record, before anything of the container exists but its state
    /// directory: the cgroup it will make (paths known before they are), the resctrl group,
    /// who is making it. The config goes beside it.
    mutating func recordIntent() throws {
        guard let creator = ProcessIdentity.current() else { throw RuntimeError("reading hako's own start time in /proc/self/stat") }
        let planned = try ContainerCgroup.plan(spec: plan.spec, id: plan.options.id, systemd: plan.options.systemdCgroup,
                                               host: try CgroupHost.current())
        plannedCgroup = planned
        var intent = ContainerRecord(
            ociVersion: plan.spec.ociVersion, id: plan.options.id, pid: 0, initStartTime: 0,
            bundle: plan.bundle, rootfs: plan.rootfs, created: Clock.rfc3339Now(), owner: ownerName(),
            annotations: plan.spec.annotations, config: plan.spec, configBytes: plan.configBytes, cgroupPaths: planned.paths)
        if let rdt = plan.spec.linux?.intelRdt {
            intent.intelRdt = IntelRdt(root: IntelRdt.defaultRoot, config: rdt, containerID: plan.options.id).planned
        }
        intent.creation = CreationIntent(creator: creator, pidFile: plan.options.pidFile)
        record = intent
        try saveRecord()
    }

    /// Saves the record with what exists now (a rootless container may end up with no
    /// cgroup), and returns what was saved.
    @discardableResult
    func saveRecord() throws -> ContainerRecord {
        guard var current = record else { preconditionFailure("run() records the intent before anything else") }
        current.cgroupPaths = cgroupSetUp ? cgroup?.paths : plannedCgroup?.paths
        if let intelRdt { current.intelRdt = intelRdt }
        do { try store.save(current) } catch { throw RuntimeError("writing the container's state", error) }
        return current
    }

    /// Makes the container's cgroup and writes its limits, moving `pid` in when given.
    mutating func setUpCgroup(pid: pid_t?) throws {
        let logger = self.logger
        guard let planned = plannedCgroup else { return }
        do {
            cgroup = try ContainerCgroup.setUp(planned, spec: plan.spec, pid: pid,
                                               systemd: plan.options.systemdCgroup, warn: { logger.warning("\($0)") },
                                               note: { logger.debug("\($0)") })
            cgroupSetUp = true
        } catch {
            throw RuntimeError("setting up the cgroup", error)
        }
    }

    /// The console socket, connected, or -1 when there is none.
    func connectConsoleSocket() throws -> Int32 {
        if let fd = plan.options.consoleSocketFD {
            return try Files.move(try Files.duplicate(fd, path: "the console socket"), atOrAbove: plan.lowestPrivateFD)
        }
        guard let path = plan.options.consoleSocket else { return -1 }
        do {
            let fd = try Sockets.connect(path: Paths.absolute(path, base: currentDirectory()))
            return try Descriptors.moveAbove(fd, minimum: plan.lowestPrivateFD)
        } catch {
            throw RuntimeError("connecting to the console socket", error)
        }
    }

    /// Answers the intermediate until it reports init's pid and exits.
    mutating func serveIntermediate(_ channel: MainEnd) throws {
        var forked: pid_t = 0
        var reaped = false
        let intermediate = intermediatePid
        // What exists is known to abort() even when this throws.
        defer {
            initPid = forked
            if reaped { intermediatePid = 0 }
        }
        try channel.serve(atEnd: {
            let status = try Processes.wait(intermediate)
            reaped = true
            guard forked > 0 else {
                throw RuntimeError("the intermediate process exited (\(status.map { "\($0.status)" } ?? "?")) before forking init")
            }
        }, handle: { message, _ in
            switch message {
            case .mappingRequest:
                do { try writeIDMappings(pid: intermediate) } catch { throw RuntimeError("writing the user namespace mappings", error) }
                try channel.send(.mappingDone)
            case .initPid(let pid):
                forked = pid
            default:
                throw channel.unexpected(message)
            }
            return .goOn
        })
    }

    /// Lets init proceed, runs the hooks it asks for, and waits until it is ready.
    func serveInit(_ channel: MainEnd) throws {
        try channel.send(.proceed)
        try channel.serve(listener: {
            ListenerDestination(seccomp: plan.spec.linux?.seccomp, state: hookState(status: .creating), pid: initPid)
        }, atEnd: {
            // Below a tight memory limit the OOM killer is the usual culprit: say so.
            if let kills = Cgroups.oomKillCount(paths: cgroup?.paths), kills > 0 {
                let limit = plan.spec.linux?.resources?.memory?.limit.map { " (\($0) bytes)" } ?? ""
                throw RuntimeError("init was killed by the OOM killer before it was ready: linux.resources.memory.limit\(limit) is too low")
            }
            throw RuntimeError("init exited before it was ready")
        }, handle: { message, _ in
            switch message {
            case .ready:
                return .done
            case .mountTree(let index):
                let tree = try IDMappedMounts.makeTree(forMount: index, spec: plan.spec, bundle: plan.bundle, rootfs: plan.rootfs, initPid: initPid)
                defer { Files.close(tree) }
                try channel.send(.mountTreeReady, attaching: tree)
            case .runHooks(let kind):
                let hooks = kind == .prestart ? plan.spec.hooks?.prestart : plan.spec.hooks?.createRuntime
                try HookRunner.run(hooks ?? [], kind: kind.rawValue, state: hookState(status: .creating))
                try channel.send(.hooksDone)
            default:
                throw channel.unexpected(message)
            }
            return .goOn
        })
    }

    func hookState(status: OCISpec.ContainerState) -> State {
        plan.hookState(status, pid: initPid)
    }

    /// Writes /proc/PID/{uid,gid}_map for the intermediate's new user namespace.
    func writeIDMappings(pid: pid_t) throws {
        try IDMapWriter.write(pid: pid, uidMappings: plan.spec.linux?.uidMappings ?? [], gidMappings: plan.spec.linux?.gidMappings ?? [])
    }

    /// Kills and reaps whatever this creation started.
    func abort() {
        if initPid > 0 {
            // Gone before create returns: through a pidfd, since init may still be the
            // intermediate's child for a moment; then reaped (main, a subreaper, adopts it).
            let pidfd = try? Processes.pidfd(initPid)
            Processes.signalIfAlive(initPid, SIGKILL)
            if let pidfd {
                _ = try? Processes.awaitExit(pidfd: pidfd, timeoutMilliseconds: 2000)
                Files.close(pidfd)
            }
            _ = try? Processes.wait(initPid, options: WNOHANG)
        }
        if intermediatePid > 0 {
            Processes.signalIfAlive(intermediatePid, SIGKILL)
            _ = try? Processes.wait(intermediatePid)
        }
        if let intelRdt { IntelRdt.remove(intelRdt) }
        if let cgroup {
            // init may still be dying; the cgroup is removable once it is empty.
            try? cgroup.killAll(signal: SIGKILL)
            try? cgroup.remove()
        }
    }
}

func realPath(_ path: String) throws -> String {
    try Files.realPath(path)
}

func currentDirectory() -> String {
    guard let cwd = getcwd(nil, 0) else { return "/" }
    defer { free(cwd) }
    return String(cString: cwd)
}

/// The name of the user running hako, for `list`'s OWNER column: from the host's
/// /etc/passwd, "#UID" when it has no entry.
func ownerName() -> String {
    let uid = geteuid()
    return PasswdFile.entry(uid: uid)?.name ?? "#\(uid)"
}
