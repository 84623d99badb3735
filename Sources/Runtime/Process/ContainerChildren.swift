#if canImport(Glibc)
import Glibc
#endif
import Cgroups
import LinuxSys
import Wasm
import OCISpec
import Rootfs

/// The code that runs in the two children of `create`, in forked copies of main. Neither
/// returns: each ends in _exit(2) or, for init, in execve(2) of the container process.
struct ContainerChildren {
    let plan: CreatePlan
    /// The start barrier, open O_RDWR.
    let fifo: Int32
    /// The connected console socket, or -1.
    let consoleSocket: Int32
    /// How init enters the cgroup main made already; nil when main moves it in.
    var cgroupEntry: CgroupEntry?
    /// Whether main is root of the host; set in main, before the fork.
    let mainIsRoot = geteuid() == 0
    /// main's pid, read before the fork: the intermediate's parent while main lives.
    let mainPid: pid_t

    var spec: Spec { plan.spec }

    // MARK: intermediate

    /// Joins and creates namespaces, then forks init into them and reports its pid.
    func runIntermediate(channel: ChildEnd, initChannel: ChildEnd) -> Never {
        do {
            try Descriptors.closeInherited(preserveFds: plan.options.preserveFds,
                                           keep: [channel.fd, initChannel.fd, fifo, consoleSocket] + (cgroupEntry?.descriptors ?? []))
            try prepareChild()
            // If main dies, so does the intermediate (init notices through its channel);
            // if it died already, the intermediate was adopted by another process.
            try Processes.prctl(Prctl.setDeathSignal, UInt(SIGKILL), step: "prctl(PR_SET_PDEATHSIG)")
            if getppid() != mainPid { _exit(1) }
            try plan.namespaces.joinAll()
            if plan.namespaces.joins.contains(where: { $0.kind == .user }) {
                // hako's uid is not mapped in a namespace it joins: become its root, or
                // files made next would have no owner (EOVERFLOW).
                try becomeNamespaceRoot()
            }
            if plan.namespaces.creates.contains(.user) {
                try Namespaces.unshare(NamespacePlan.flags[.user] ?? 0, step: "creating the user namespace")
                // An unprivileged main (rootless) may open /proc/PID/uid_map only of a
                // dumpable process; nothing of the container can reach this one yet.
                let rootless = geteuid() != 0
                if rootless { try Processes.prctl(Prctl.setDumpable, 1, step: "prctl(PR_SET_DUMPABLE) for the id maps") }
                try channel.send(.mappingRequest)
                try channel.expect(.mappingDone)
                if rootless { try prepareChild() }
                // Become root of the new namespace, so files created next have a mapped owner.
                try becomeNamespaceRoot()
            }
            let flags = plan.namespaces.intermediateUnshareFlags
            if flags != 0 {
                try Namespaces.unshare(flags, step: "creating namespaces (\(plan.namespaces.creates.map(\.rawValue).sorted().joined(separator: ",")))")
            }
            if plan.namespaces.creates.contains(.time) {
                try writeTimeOffsets()
            }
            let (pid, inCgroup2) = try cgroupEntry?.fork() ?? (try Processes.fork(), true)
            if pid == 0 {
                channel.close()
                runInit(channel: initChannel, joinCgroup2: !inCgroup2)
            }
            try channel.send(.initPid(pid))
            _exit(0)
        } catch {
            try? channel.send(.failure(ChildFailure(message: "\(error)")))
            _exit(1)
        }
    }

    func becomeNamespaceRoot() throws {
        try Credentials.setGroupID(0, step: "setresgid 0 in the user namespace")
        try Credentials.setUserID(0, step: "setresuid 0 in the user namespace")
    }

    /// Both children: nothing of hako's may be reachable from the container through /proc
    /// (CVE-2019-5736), so the process is non-dumpable until it execs.
    func prepareChild() throws {
        try Processes.prctl(Prctl.setDumpable, 0, step: "prctl(PR_SET_DUMPABLE)")
    }

    /// linux.timeOffsets, written before any process enters the new time namespace.
    func writeTimeOffsets() throws {
        var text = ""
        for (clock, offset) in (spec.linux?.timeOffsets ?? [:]).sorted(by: { $0.key < $1.key }) {
            text += "\(clock) \(offset.secs ?? 0) \(offset.nanosecs ?? 0)\n"
        }
        guard !text.isEmpty else { return }
        // In a user namespace of its own, the non-dumpable intermediate's /proc/self files
        // belong to the host's root, whom its namespace root is not: dumpable for the write
        // (nothing of the container exists yet to reach it), then not again.
        let inUserNamespace = plan.namespaces.has(.user)
        if inUserNamespace { try Processes.prctl(Prctl.setDumpable, 1, step: "prctl(PR_SET_DUMPABLE) for linux.timeOffsets") }
        try step("writing linux.timeOffsets") { try Files.write("/proc/self/timens_offsets", text, flags: O_WRONLY) }
        if inUserNamespace { try prepareChild() }
    }

    // MARK: init

    /// - Parameter joinCgroup2: whether init must still enter the cgroup2 directory itself
    ///   (clone3 could not fork it there).
    func runInit(channel: ChildEnd, joinCgroup2: Bool) -> Never {
        do {
            try prepareChild()
            try channel.expect(.proceed)
            // main, a subreaper, is now init's parent (the intermediate has exited): init dies
            // with it until the commit. Had main died already, the next message to it fails.
            try Processes.prctl(Prctl.setDeathSignal, UInt(SIGKILL), step: "prctl(PR_SET_PDEATHSIG)")
            try cgroupEntry?.enter(cgroup2: joinCgroup2)
            // Directories of the host: never open in the container (CVE-2024-21626).
            cgroupEntry?.close()
            if plan.namespaces.creates.contains(.cgroup) {
                try Namespaces.unshare(NamespacePlan.flags[.cgroup] ?? 0, step: "creating the cgroup namespace")
            }
            let setup = try setUpContainer(channel: channel)
            try channel.send(.ready)
            awaitCommit(channel, clearDeathSignal: !setup.finished)
            channel.close()
            awaitStartAndExec(setup)
        } catch {
            try? channel.send(.failure(ChildFailure(message: "\(error)")))
            _exit(1)
        }
    }

    /// Waits until main has written state.json, then drops the parent-death signal so the
    /// container outlives hako. End of file means main died before committing: nothing of
    /// the container may run, and `delete` removes what the intent record names.
    /// - Parameter clearDeathSignal: false when it went already, before a seccomp filter
    ///   with a notify listener was loaded.
    func awaitCommit(_ channel: ChildEnd, clearDeathSignal: Bool) {
        guard case .commit? = try? channel.receive() else { _exit(1) }
        do {
            if clearDeathSignal { try Processes.prctl(Prctl.setDeathSignal, 0, step: "prctl(PR_SET_PDEATHSIG, 0)") }
            try channel.send(.committed)
        } catch {
            try? channel.send(.failure(ChildFailure(message: "\(error)")))
            _exit(1)
        }
    }

    /// What init does once `start` releases it.
    struct ExecPlan {
        let setup: ProcessSetup
        let prepared: ProcessSetup.Prepared
        /// Whether `setup.finish` ran already: a filter with a notify listener is loaded
        /// before init reports ready, while main can still pass the listener on.
        var finished: Bool { prepared.needsListenerPeer }
        /// init's pid in the host's pid namespace, for the startContainer hooks' state.
        let hostPid: Int32
        /// The WebAssembly module init runs instead of execve(2), when the annotations ask
        /// for one (`WasmHandler`).
        var wasm: WasmCommand? = nil
    }

    /// Every step of runtime-spec's create that happens inside the container.
    func setUpContainer(channel: ChildEnd) throws -> ExecPlan {
        umask(0)
        let hostPid = hostPid()
        // In a user namespace, the container's new one or the runtime's own (rootless
        // podman), mknod is refused and some mounts are: devices are bound, as runc does.
        let inUserNamespace = plan.namespaces.has(.user) || plan.runtimeInUserNamespace
        var rootfs = RootfsBuilder(spec: spec, rootfs: plan.rootfs, bundle: plan.bundle,
                                   inUserNamespace: inUserNamespace, cgroupHierarchies: plan.cgroupHierarchies)
        rootfs.mountTree = { try channel.requestMountTree($0) }
        rootfs.bindsThroughMain = plan.namespaces.has(.user) && mainIsRoot
        // A mount namespace created or joined gets the rootfs set up in it, as runc does;
        // without one the container shares the runtime's: nothing is mounted in it, and the
        // process is jailed in root.path (see checkSharedMountNamespace).
        let hasMountNamespace = plan.namespaces.has(.mount)
        if hasMountNamespace {
            try rootfs.prepare()
        }
        if spec.hooks?.prestart?.isEmpty == false {
            try channel.send(.runHooks(.prestart))
            try channel.expect(.hooksDone)
        }
        if spec.hooks?.createRuntime?.isEmpty == false {
            try channel.send(.runHooks(.createRuntime))
            try channel.expect(.hooksDone)
        }
        if let hooks = spec.hooks?.createContainer, !hooks.isEmpty {
            // In the container's namespaces, before pivot_root, with the rootfs as working
            // directory, as runc runs them: GPU toolkits' hooks write into "./lib" and such.
            if hasMountNamespace {
                try step("entering the rootfs for the createContainer hooks") { try Files.changeDirectory(plan.rootfs) }
            }
            try HookRunner.run(hooks, kind: "createContainer", state: plan.hookState(.creating, pid: hostPid))
        }
        // Without a mount namespace of its own the pty comes from the host's /dev (the
        // rootfs need have no /dev/ptmx), before the jail, and /dev/console is left alone:
        // binding it would mount in the host's namespace.
        let terminal = plan.process.terminal == true
        if terminal && !hasMountNamespace {
            try step("setting up the console") { try Console.setUp(socket: consoleSocket, size: plan.process.consoleSize, bindConsole: false) }
        }
        if hasMountNamespace {
            try rootfs.pivot(noPivot: plan.options.noPivot)
        } else {
            try RootfsBuilder.jail(in: plan.rootfs)
        }
        if terminal && hasMountNamespace {
            try step("setting up the console") { try Console.setUp(socket: consoleSocket, size: plan.process.consoleSize) }
        } else if !terminal {
            // A session of its own, as runc's init has, terminal or not: the container's
            // processes are no job of the caller's shell (its terminal's signals reach
            // hako, which forwards them), and criu refuses to dump a tree whose session
            // leader is outside its pid namespace.
            Processes.newSession()
        }
        if let hostname = spec.hostname, !hostname.isEmpty {
            try Credentials.setHostname(hostname)
        }
        if let domainname = spec.domainname, !domainname.isEmpty {
            try Credentials.setDomainname(domainname)
        }
        for (key, value) in (spec.linux?.sysctl ?? [:]).sorted(by: { $0.key < $1.key }) {
            try step("setting sysctl \(key)") {
                try Files.write("/proc/sys/" + key.replacingDots(), value, flags: O_WRONLY | O_TRUNC)
            }
        }
        if hasMountNamespace {
            try rootfs.finalize()
        }
        if !plan.options.noNewKeyring {
            // ENOSYS and EDQUOT are not fatal: runc goes on without a keyring too.
            let failure: SysError?
            do { try Credentials.joinSessionKeyring("_ses.\(plan.options.id)"); failure = nil } catch { failure = error }
            if let failure, failure.errno != ENOSYS && failure.errno != EDQUOT {
                throw RuntimeError("joining a session keyring", failure)
            }
        }
        if let score = plan.process.oomScoreAdj {
            try step("setting process.oomScoreAdj") { try Files.write("/proc/self/oom_score_adj", "\(score)", flags: O_WRONLY | O_TRUNC) }
        }
        if let personality = spec.linux?.personality {
            try Personality.apply(personality)
        }
        if let policy = spec.linux?.memoryPolicy {
            try Scheduling.applyMemoryPolicy(policy)
        }
        let setup = ProcessSetup(process: plan.process, canSetGroups: ProcessSetup.setgroupsAllowed(inUserNamespace: inUserNamespace),
                                 cpusetCPUs: spec.linux?.resources?.cpu?.cpus)
        let handler = WasmHandler.requested(by: spec.annotations)
        let prepared = try setup.prepare(seccomp: plan.seccomp, preserveFds: plan.options.preserveFds, keep: [channel.fd, fifo],
                                         requireExecutePermission: handler == nil)
        // A wasm container's module is loaded and checked now, as the process's user, so
        // that a file that is not one, or imports what WASI lacks, fails `create`.
        var wasm: WasmCommand?
        let program = prepared.executable.path
        if handler == .wasm || (handler == .smart && WasmHandler.isModule(program)) {
            do {
                wasm = try WasmCommand.load(path: program, arguments: prepared.executable.arguments,
                                            environment: prepared.executable.environment, directory: plan.process.cwd)
            } catch {
                throw RuntimeError("loading the WebAssembly module \(error)")
            }
        } else if handler == .smart {
            try setup.checkExecutable(program, name: plan.process.args?.first ?? program)
        }
        if prepared.needsListenerPeer {
            // A profile may refuse prctl: the signal goes before the filter. Until the commit
            // init still notices main's death, on its channel.
            try Processes.prctl(Prctl.setDeathSignal, 0, step: "prctl(PR_SET_PDEATHSIG, 0)")
            try setup.finish(prepared, channel: channel)
        }
        return ExecPlan(setup: setup, prepared: prepared, hostPid: hostPid, wasm: wasm)
    }

    /// init's pid as the host sees it: before pivot_root, /proc is still the host's procfs,
    /// whose "self" link names the caller by its pid in the host's pid namespace.
    func hostPid() -> Int32 {
        Int32((try? Files.readLink("/proc/self")) ?? "") ?? 0
    }

    /// Blocks on the start barrier, runs the startContainer hooks, and becomes the
    /// container process.
    func awaitStartAndExec(_ exec: ExecPlan) -> Never {
        // Created, not started: a signal that would end a process ends init, as it ends
        // runc's (whose Go runtime handles every signal), though as pid 1 of its pid
        // namespace it has no default action for one. execve puts the defaults back.
        if getpid() == 1 { SignalMask.exitOnTerminatingSignals() }
        var byte: UInt8 = 0
        while true {
            let n = read(fifo, &byte, 1)
            if n == 1 { break }
            if n < 0 && errno == EINTR { continue }
            fail("reading the start barrier", SysError("read", path: StateStore.startFifo, errno: errno))
        }
        if let hooks = spec.hooks?.startContainer, !hooks.isEmpty {
            let state = plan.hookState(.running, pid: exec.hostPid)
            // The hooks run under the container's seccomp filter, as with runc (its own test
            // expects a hook killed by the filter to fail the start): each hook's process
            // loads it, so init's own steps up to execve stay outside it.
            let filterHook: (() throws -> Void)? = exec.finished ? nil : { try exec.setup.finish(exec.prepared, channel: nil) }
            do {
                try HookRunner.run(hooks, kind: "startContainer", state: state, environment: exec.prepared.executable.environment,
                                   inChild: filterHook)
            } catch {
                fail("starting the container", error)
            }
        }
        // The start barrier stays open until execve closes it (close-on-exec): `start` takes
        // its end of file as the moment the process is executed, for the poststart hooks.
        SignalMask.resetHandlers()
        SignalMask.unblockAll()
        if !exec.finished {
            do { try exec.setup.finish(exec.prepared, channel: nil) } catch { fail("starting the container", error) }
        }
        if let wasm = exec.wasm {
            // What execve would have done: the start barrier closes (`start` returns), and
            // the module becomes the container's process, in this one.
            Files.close(fifo)
            let status: Int32
            do { status = try wasm.run() } catch { fail("running the WebAssembly module", error, status: WasmCommand.trapStatus) }
            fflush(nil)
            _exit(status)
        }
        let executable = exec.prepared.executable
        let error = execute(executable.path, arguments: executable.arguments, environment: executable.environment)
        // The one line the container's stderr gets.
        let line = execFailureText(error) + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        _exit(error.errno == ENOENT ? 127 : 126)
    }

    /// After `create` returned there is no channel: report on the container's stderr.
    func fail(_ what: String, _ error: any Error, status: Int32 = 127) -> Never {
        let message = "hako: \(what): \(error)\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        fflush(nil)
        _exit(status)
    }
}

extension String {
    /// "net.ipv4.ip_forward" -> "net/ipv4/ip_forward".
    func replacingDots() -> String {
        String(map { $0 == "." ? "/" : $0 })
    }
}
