#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import Logging
import OCISpec
import Rootfs
import Seccomp

/// What `hako exec` was asked to run in a container.
public struct ExecOptions: Sendable {
    public var process: ProcessSpec
    public var consoleSocket: String?
    /// A connected console socket instead of a path (hako relaying the terminal itself).
    public var consoleSocketFD: Int32?
    public var pidFile: String?
    /// A Unix socket to send a pidfd of the process to once it has started.
    public var pidfdSocket: String?
    public var preserveFds: Int
    /// Exec into a paused container too.
    public var ignorePaused: Bool
    /// `--cgroup`: sub-cgroups of the container's cgroup to run the process in, by
    /// controller ("" for every controller, and for cgroup v2).
    public var subCgroups: [String: String] = [:]

    public init(process: ProcessSpec, consoleSocket: String? = nil, pidFile: String? = nil, preserveFds: Int = 0, ignorePaused: Bool = false) {
        self.process = process
        self.consoleSocket = consoleSocket
        self.pidFile = pidFile
        self.preserveFds = preserveFds
        self.ignorePaused = ignorePaused
    }
}

extension Container {
    /// The names of /proc/PID/ns entries for each namespace kind.
    static let namespaceFiles: [NamespaceKind: String] = [
        .pid: "pid", .network: "net", .mount: "mnt", .ipc: "ipc", .uts: "uts", .user: "user", .cgroup: "cgroup", .time: "time",
    ]

    /// Starts a new process in the container: it joins all of the container's namespaces
    /// (through init's /proc/PID/ns entries), and gets the process spec's identity,
    /// capabilities, limits, cwd and environment. Returns its pid (in hako's pid
    /// namespace) once it has exec'd.
    ///
    /// The caller must be single-threaded; to wait for the process, it must have become a
    /// subreaper first (the process is hako's grandchild).
    public func exec(_ options: ExecOptions, logger: Logger) throws -> pid_t {
        switch status {
        case .stopped: throw RuntimeError("cannot exec in a stopped container")
        case .creating: throw RuntimeError("cannot exec in container \"\(id)\": it is still being created")
        case .paused where !options.ignorePaused: throw RuntimeError("cannot exec in a paused container (use --ignore-paused)")
        default: break
        }
        if options.process.args?.isEmpty ?? true { throw RuntimeError("process.args: no program to run") }
        let hasConsoleSocket = options.consoleSocket != nil || options.consoleSocketFD != nil
        if options.process.terminal == true && !hasConsoleSocket {
            throw RuntimeError("--tty: a terminal needs --console-socket")
        }
        if options.process.terminal != true && hasConsoleSocket {
            throw RuntimeError("--console-socket: given, but no terminal was asked for (--tty)")
        }
        for warning in CapabilityWarnings.of(options.process.capabilities) { logger.warning("\(warning)") }
        try SecurityLabels.check(apparmorProfile: options.process.apparmorProfile, selinuxLabel: options.process.selinuxLabel, mountLabel: nil)
        // --cgroup CONTROLLER:PATH names a v1 hierarchy the container has (runc's words).
        if let paths = state.cgroupPaths, paths.keys.contains(where: { !$0.isEmpty }) {
            for (controller, path) in options.subCgroups.sorted(by: { $0.key < $1.key }) where !controller.isEmpty && paths[controller] == nil {
                throw RuntimeError("--cgroup \(controller):\(path): unknown controller \(controller)")
            }
        }
        var namespaces: [LinuxNamespace] = []
        for namespace in try state.config.linux?.namespaces ?? [] {
            guard let kind = namespace.kind, let file = Self.namespaceFiles[kind] else { continue }
            let path = "/proc/\(state.pid)/ns/\(file)"
            // Joining the namespace one is already in is refused for user namespaces; skip all such.
            if Namespaces.inode(path) == Namespaces.inode("/proc/self/ns/\(file)") { continue }
            namespaces.append(LinuxNamespace(type: kind.rawValue, path: path))
        }
        // A process that joins a frozen cgroup freezes before it can exec: it cannot report
        // back until the container is resumed, so hako does not wait for it to.
        let paused = status == .paused
        CrashPoint.reach("exec.checked")
        let plan = try NamespacePlan(namespaces)
        // The container's filter applies to every process in it, exec'd ones too.
        let seccomp = try state.config.linux?.seccomp.map { try SeccompCache(store: store).program(for: $0) }
        let pidfd = try openInit()
        defer { Files.close(pidfd) }
        do {
            // Without a mount namespace of its own the container's root is init's chroot,
            // which joining namespaces does not give: the process enters it as init did.
            let sharesMountNamespace = !(try state.config.linux?.namespaces ?? []).contains { $0.kind == .mount }
            let root = sharesMountNamespace ? "/proc/\(state.pid)/root" : nil
            return try Execution(container: self, options: options, namespaces: plan, seccomp: seccomp, paused: paused, chrootTo: root,
                                 runtimeInUserNamespace: !Caller.inInitialUserNamespace,
                                 personality: try state.config.linux?.personality,
                                 cpusetCPUs: try state.config.linux?.resources?.cpu?.cpus).run()
        } catch {
            throw RuntimeError("exec in container \"\(id)\"", error)
        }
    }
}

/// main's side of one exec: forks a child that joins the namespaces and forks the
/// process into them; the process reports a failure over its channel, or closes it by
/// exec'ing (the channel is close-on-exec), which is how main learns it started.
struct Execution {
    let container: Container
    let options: ExecOptions
    let namespaces: NamespacePlan
    let seccomp: SeccompProgram?
    /// The container is paused (with --ignore-paused): the process freezes on joining.
    let paused: Bool
    /// init's root, for a container that has no mount namespace of its own (chroot).
    let chrootTo: String?
    /// Whether hako runs in a user namespace other than the host's (read by main: the
    /// process reads it after joining the container's namespaces).
    let runtimeInUserNamespace: Bool
    /// linux.personality, which exec'd processes get as init did (as with runc).
    var personality: LinuxPersonality? = nil
    /// linux.resources.cpu.cpus, for the error of a scheduler it rules out.
    var cpusetCPUs: String? = nil

    var lowestPrivateFD: Int32 { 3 + Int32(options.preserveFds) }

    func run() throws -> pid_t {
        var consoleSocket: Int32 = -1
        if let fd = options.consoleSocketFD {
            consoleSocket = try Files.move(try Files.duplicate(fd, path: "the console socket"), atOrAbove: lowestPrivateFD)
        } else if let path = options.consoleSocket {
            do {
                consoleSocket = try Descriptors.moveAbove(try Sockets.connect(path: Paths.absolute(path, base: currentDirectory())), minimum: lowestPrivateFD)
            } catch {
                throw RuntimeError("connecting to the console socket", error)
            }
        }
        defer { if consoleSocket >= 0 { Files.close(consoleSocket) } }
        let pidfdSocket = try PidfdSocket.connect(options.pidfdSocket, minimumFD: lowestPrivateFD)
        defer { pidfdSocket?.close() }
        let (mainEnd, childEnd) = try Sockets.pair()
        let channel = MainEnd(fd: try Descriptors.moveAbove(mainEnd, minimum: lowestPrivateFD), peer: "exec")
        let child = ChildEnd(fd: try Descriptors.moveAbove(childEnd, minimum: lowestPrivateFD), peer: "main")
        defer { channel.close() }
        let entry = try cgroupEntry()
        defer { entry?.close() }

        let intermediate = try Processes.fork()
        if intermediate == 0 {
            channel.close()
            runIntermediate(channel: child, consoleSocket: consoleSocket, cgroupEntry: entry)
        }
        child.close()
        CrashPoint.reach("exec.forked")
        var processPid: pid_t = 0
        var processPidfd: Int32 = -1
        defer { if processPidfd >= 0 { Files.close(processPidfd) } }
        var failure: (any Error)?
        let hasCgroup = container.state.cgroupPaths?.isEmpty == false
        var proceeded = false
        do {
            // A `pause` that came after the status check freezes the process as it joins
            // the cgroup: it cannot report back until a `resume`. Then hako stops waiting,
            // as for a paused container, and lets the process run once thawed.
            try channel.serve(listener: {
                ListenerDestination(seccomp: try container.state.config.linux?.seccomp,
                                    state: container.hookState(status: .running), pid: processPid)
            }, idleMilliseconds: 100, whenIdle: {
                guard proceeded, (try? container.cgroup().isFrozen) == true else { return .goOn }
                try? channel.send(.commit)
                return .done
            }, atEnd: {}, handle: { message, _ in
                guard case .initPid(let pid) = message else { throw channel.unexpected(message) }
                processPid = pid
                // The process waits for `proceed`: alive, so the pidfd is surely its own.
                if pidfdSocket != nil { processPidfd = try Processes.pidfd(pid) }
                // Into the container's cgroup before it may run anything (unless it
                // entered by itself).
                if entry == nil && hasCgroup {
                    do {
                        try container.cgroup().join(pid: pid)
                        try joinSubCgroups(pid)
                    } catch {
                        throw RuntimeError("joining the container's cgroup", error)
                    }
                }
                try channel.send(.proceed)
                proceeded = hasCgroup
                CrashPoint.reach("exec.proceeding")
                return paused && hasCgroup ? .done : .goOn
            })
        } catch {
            failure = error
        }
        _ = try? Processes.wait(intermediate)
        if let failure {
            if processPid > 0 {
                Processes.signalIfAlive(processPid, SIGKILL)
                _ = try? Processes.wait(processPid, options: WNOHANG)
            }
            throw failure
        }
        guard processPid > 0 else { throw RuntimeError("the exec'd process did not start") }
        if let pidfdSocket {
            do {
                try pidfdSocket.send(pidfd: processPidfd, of: .execProcess)
            } catch {
                Processes.signalIfAlive(processPid, SIGKILL)
                throw error
            }
        }
        if let pidFile = options.pidFile {
            do {
                try Files.writeAtomically(Paths.absolute(pidFile, base: currentDirectory()), Array("\(processPid)".utf8), durable: false)
            } catch {
                throw RuntimeError("writing the pid file \(pidFile)", error)
            }
        }
        return processPid
    }

    /// Moves the process on into the sub-cgroups `--cgroup` named, which must exist.
    func joinSubCgroups(_ pid: pid_t) throws {
        guard !options.subCgroups.isEmpty, let paths = container.state.cgroupPaths else { return }
        do {
            try Cgroups.join(pid: pid, subgroups: options.subCgroups, of: paths)
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    func fail(_ channel: ChildEnd, _ error: any Error) -> Never {
        try? channel.send(.failure(ChildFailure(message: "\(error)")))
        _exit(1)
    }

    /// How the process enters the container's cgroup by itself; nil (main moves it in) for
    /// `--cgroup`, a paused container, or a container with its own user namespace (whose
    /// root may not write the host's cgroup files).
    func cgroupEntry() throws -> CgroupEntry? {
        guard let paths = container.state.cgroupPaths, !paths.isEmpty, !paused, options.subCgroups.isEmpty,
              !namespaces.has(.user) else { return nil }
        return try CgroupEntry(paths: paths, minimumFD: lowestPrivateFD)
    }

    func runIntermediate(channel: ChildEnd, consoleSocket: Int32, cgroupEntry entry: CgroupEntry?) -> Never {
        do {
            try Descriptors.closeInherited(preserveFds: options.preserveFds, keep: [channel.fd, consoleSocket] + (entry?.descriptors ?? []))
            try Processes.prctl(Prctl.setDumpable, 0, step: "prctl(PR_SET_DUMPABLE)")
            try Processes.prctl(Prctl.setDeathSignal, UInt(SIGKILL), step: "prctl(PR_SET_PDEATHSIG)")
            // Forked into the cgroup2 directory, the process must not be in the container's
            // cgroup namespace yet (CLONE_INTO_CGROUP wants both cgroups inside the
            // caller's); it joins that namespace itself.
            let cgroup2 = entry?.cgroup2FD ?? -1
            let cgroupNamespace = try namespaces.joinAll(except: cgroup2 >= 0 ? .cgroup : nil)
            if let chrootTo { try RootfsBuilder.jail(in: chrootTo) }
            let (pid, inCgroup2) = try entry?.fork() ?? (try Processes.fork(), true)
            if pid == 0 {
                do {
                    try entry?.enter(cgroup2: !inCgroup2)
                    // Directories of the host: never open in the container (CVE-2024-21626).
                    entry?.close()
                    if cgroupNamespace >= 0 {
                        try step("joining the container's cgroup namespace") {
                            try Namespaces.join(fd: cgroupNamespace, type: NamespacePlan.flags[.cgroup] ?? 0)
                        }
                    }
                } catch {
                    fail(channel, error)
                }
                runProcess(channel: channel, consoleSocket: consoleSocket)
            }
            try channel.send(.initPid(pid))
            _exit(0)
        } catch {
            fail(channel, error)
        }
    }

    /// Whether `hako exec` is still at the other end of the channel, or, before it went,
    /// let the process go (`commit`: it stopped waiting for a process frozen by a `pause`).
    func mainLetsItRun(_ channel: ChildEnd) -> Bool {
        guard channel.peerIsGone else { return true }
        return (try? channel.receive()) == .commit
    }

    func runProcess(channel: ChildEnd, consoleSocket: Int32) -> Never {
        do {
            try Processes.prctl(Prctl.setDumpable, 0, step: "prctl(PR_SET_DUMPABLE)")
            try channel.expect(.proceed)
            let process = options.process
            if process.terminal == true {
                try step("setting up the console") { try Console.setUp(socket: consoleSocket, size: process.consoleSize, bindConsole: false) }
            } else {
                // A session of its own, as init's (see ContainerChildren).
                Processes.newSession()
            }
            let setup = ProcessSetup(process: process, canSetGroups: ProcessSetup.setgroupsAllowed(inUserNamespace: namespaces.has(.user) || runtimeInUserNamespace),
                                     cpusetCPUs: cpusetCPUs)
            if let score = process.oomScoreAdj {
                try step("setting process.oomScoreAdj") { try Files.write("/proc/self/oom_score_adj", "\(score)", flags: O_WRONLY | O_TRUNC) }
            }
            if let personality { try Personality.apply(personality) }
            let prepared = try setup.prepare(seccomp: seccomp, preserveFds: options.preserveFds, keep: [channel.fd])
            // A `hako exec` killed before the process runs takes it along (the last check
            // before the filter, which may refuse poll). Not into a paused container: main
            // returns without waiting for a process that freezes on joining.
            if !paused && !mainLetsItRun(channel) { _exit(1) }
            SignalMask.resetHandlers()
            SignalMask.unblockAll()
            try setup.finish(prepared, channel: channel)
            let executable = prepared.executable
            let error = execute(executable.path, arguments: executable.arguments, environment: executable.environment)
            fail(channel, RuntimeError(execFailureText(error)))
        } catch {
            fail(channel, error)
        }
    }
}
