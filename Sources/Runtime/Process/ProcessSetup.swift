#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Rootfs
import Seccomp

/// The last steps before the user process runs: limits, identity, capabilities and the
/// executable's path. All of it happens before init reports ready, so a mistake in the
/// config fails `create`, not the later `start`.
struct ProcessSetup {
    let process: ProcessSpec
    /// Whether setgroups(2) is allowed (not in a user namespace whose setgroups is "deny").
    let canSetGroups: Bool
    /// linux.resources.cpu.cpus, which explains a SCHED_DEADLINE refused (sched_setattr(2)
    /// wants the thread's affinity to include every CPU).
    var cpusetCPUs: String? = nil

    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// setgroups(2) is refused in a user namespace whose /proc/self/setgroups says "deny".
    static func setgroupsAllowed(inUserNamespace: Bool) -> Bool {
        guard inUserNamespace else { return true }
        return ((try? Files.readText("/proc/self/setgroups")) ?? "allow").trimmingWhitespace() == "allow"
    }

    /// What execve(2) gets.
    struct Executable {
        let path: String
        let arguments: [String]
        let environment: [String]
    }

    /// A process set up up to its last step: what `finish` still has to do right before
    /// execve(2), and what execve gets.
    struct Prepared {
        let executable: Executable
        let capabilities: CapabilityMasks
        /// CAP_SYS_ADMIN kept effective beyond the process's own sets for loading the filter
        /// without no_new_privs (0 when not needed), which `finish` drops after loading.
        let heldForFilter: UInt64
        /// process.execCPUAffinity.final, parsed.
        let finalAffinity: Scheduling.Affinity?
        let seccomp: SeccompProgram?
        /// Whether the filter needs a peer to take its notify listener (SCMP_ACT_NOTIFY
        /// rules): `finish` must then run while main still listens.
        var needsListenerPeer: Bool { seccomp?.usesNotify == true }
    }

    /// Every step from scheduling up to the last ones before execve(2), for a container's
    /// init and for an exec'd process alike; `finish` does the rest.
    ///
    /// Nothing here runs under the container's seccomp filter: a profile written for the
    /// container (the runtime-tools generator's, an engine's from before Linux 5.9) may
    /// refuse what hako itself needs, such as close_range, clone3 or openat2, with any errno.
    ///
    /// - Parameter keep: the descriptors that must stay open until execve (the channel to
    ///   main, init's start barrier); none may be a directory, since the cwd is resolved
    ///   while they are open.
    /// - Parameter requireExecutePermission: false for a WebAssembly module, which hako
    ///   reads rather than executes: it must only be a file.
    func prepare(seccomp: SeccompProgram?, preserveFds: Int, keep: [Int32], requireExecutePermission: Bool = true) throws -> Prepared {
        try applyScheduling()
        // CVE-2024-21626: a directory descriptor of the host still open while the cwd is
        // resolved lets process.cwd (or exec --cwd) "/proc/self/fd/N" lead out of the
        // container. Close every descriptor of hako's but `keep`, before the rlimits (the
        // fallback without close_range and /proc counts on hako's own RLIMIT_NOFILE).
        try step("closing hako's descriptors") {
            try Descriptors.closeInherited(preserveFds: preserveFds, keep: keep)
            try Descriptors.prepareForExec(preserveFds: preserveFds)
        }
        try applyRlimits()
        let cwd = process.cwd.isEmpty ? "/" : process.cwd
        // As runc: into the cwd while still root, so a directory only root may enter works
        // for a process of another user too; if root may not (a user namespace whose root
        // does not own it), again as the process's user.
        let enteredAsRoot = try changeDirectory(cwd, retryingAsUserOnDenial: true)
        let masks = capabilityMasks()
        try giveStdioToUser()
        try switchUser(masks)
        if !enteredAsRoot { _ = try changeDirectory(cwd, retryingAsUserOnDenial: false) }
        try verifyDirectory(cwd)
        // The capability sets now, so that sets the kernel refuses fail `create`, not the
        // later `start`. Without no_new_privs, loading the filter in `finish` needs
        // CAP_SYS_ADMIN: it is kept (if the switch left it permitted) and dropped there,
        // which cannot fail.
        let CAP_SYS_ADMIN: UInt64 = 1 << 21
        var held: UInt64 = 0
        if seccomp != nil && process.noNewPrivileges != true {
            held = try Capabilities.get().permitted & CAP_SYS_ADMIN & ~(masks.effective & masks.permitted)
        }
        try applyCapabilities(masks, holding: held)
        try SecurityLabels.applyOnExec(apparmorProfile: process.apparmorProfile, selinuxLabel: process.selinuxLabel)
        if process.noNewPrivileges == true {
            try Processes.prctl(Prctl.setNoNewPrivileges, 1, step: "prctl(PR_SET_NO_NEW_PRIVS)")
        }
        let environment = environment()
        let path = try resolveExecutable(environment: environment, requireExecutePermission: requireExecutePermission)
        umask(mode_t(process.user.umask ?? 0o022))
        let executable = Executable(path: path, arguments: process.args ?? [], environment: environment)
        let final = try process.execCPUAffinity?.final.flatMap { $0.isEmpty ? nil : try Scheduling.Affinity($0, field: "process.execCPUAffinity.final") }
        return Prepared(executable: executable, capabilities: masks, heldForFilter: held, finalAffinity: final, seccomp: seccomp)
    }

    /// The last steps, right before execve(2): the final CPU affinity and the seccomp filter,
    /// in runc's order. With no_new_privs the filter is the very last call; without it, it
    /// is loaded with the CAP_SYS_ADMIN `prepare` held for it, which is then dropped, so
    /// only capset(2) runs under it.
    func finish(_ prepared: Prepared, channel: ChildEnd?) throws {
        try prepared.finalAffinity?.apply()
        guard let seccomp = prepared.seccomp else { return }
        try SeccompLoading.load(seccomp, channel: channel)
        if prepared.heldForFilter != 0 {
            let masks = prepared.capabilities
            try step("dropping CAP_SYS_ADMIN after loading linux.seccomp") {
                try Capabilities.set(effective: masks.effective, permitted: masks.permitted, inheritable: masks.inheritable)
            }
        }
    }

    /// runc's rule, which images rely on: the process's stdio (its terminal, an engine's
    /// pipes) belongs to the process's user, so that reopening /dev/stdout or /proc/self/fd/1
    /// works for a user other than root. Only the owner changes (the group stays, tty's 5 on
    /// a terminal); /dev/null is left alone, and so is a descriptor the user namespace cannot
    /// change (EINVAL, EPERM) or a read-only /dev (EROFS).
    func giveStdioToUser() throws {
        let uid = process.user.uid
        let nullDevice = (try? Files.status("/dev/null"))?.st_rdev
        for fd in Int32(0)...2 {
            guard let st = try? Files.status(of: fd, path: "fd \(fd)"), st.st_uid != uid else { continue }
            if (st.st_mode & S_IFMT) == S_IFCHR, let nullDevice, st.st_rdev == nullDevice { continue }
            do {
                try Files.setOwner(of: fd, uid: uid, gid: st.st_gid, path: "fd \(fd)")
            } catch {
                if ![EINVAL, EPERM, EROFS].contains(error.errno) {
                    throw RuntimeError("giving stdio to process.user.uid \(uid)", error)
                }
            }
        }
    }

    /// chdir(2) into the process's cwd.
    /// - Returns: false when the caller's user was denied and `retryingAsUserOnDenial` is set.
    func changeDirectory(_ cwd: String, retryingAsUserOnDenial: Bool) throws -> Bool {
        let error: SysError
        do {
            try Files.changeDirectory(cwd)
            return true
        } catch let failure {
            error = failure
        }
        if retryingAsUserOnDenial && (error.errno == EACCES || error.errno == EPERM) { return false }
        throw RuntimeError("changing to process.cwd \(cwd)", error)
    }

    /// After the chdir: the working directory must be inside the container's root. A path
    /// through a descriptor of the host (CVE-2024-21626) leaves the process in a directory
    /// its root cannot reach, which getcwd(3) reports as ENOENT (the kernel's
    /// "(unreachable)" prefix), as runc checks since that CVE.
    func verifyDirectory(_ cwd: String) throws {
        let current: String
        do {
            current = try Files.currentDirectory()
        } catch {
            throw RuntimeError("process.cwd \(cwd): the working directory is outside the container's root (possible breakout)", error)
        }
        guard current.hasPrefix("/") else {
            throw RuntimeError("process.cwd \(cwd): the working directory \(current) is outside the container's root (possible breakout)")
        }
    }

    /// Scheduler, I/O priority and the initial CPU affinity (every CPU of the cpuset when
    /// none is asked for), while hako still has the capabilities some of them need
    /// (CAP_SYS_NICE for real-time policies).
    func applyScheduling() throws {
        if let scheduler = process.scheduler {
            do {
                try Scheduling.applyScheduler(scheduler)
            } catch let error as RuntimeError where error.sysError?.errno == EPERM && !(cpusetCPUs ?? "").isEmpty {
                // runc's words, which its tests look for.
                throw RuntimeError("process.scheduler: process scheduler can't be used together with AllowedCPUs "
                                   + "(linux.resources.cpu.cpus \"\(cpusetCPUs ?? "")\")", error)
            }
        }
        if let priority = process.ioPriority { try Scheduling.applyIOPriority(priority) }
        if let initial = process.execCPUAffinity?.initial, !initial.isEmpty {
            try Scheduling.applyAffinity(initial, field: "process.execCPUAffinity.initial")
        } else {
            try Scheduling.resetAffinity()
        }
    }

    func applyRlimits() throws {
        for limit in process.rlimits ?? [] {
            guard let number = RlimitKind.number(named: limit.type) else {
                throw RuntimeError("process.rlimits: unknown rlimit \"\(limit.type)\"")
            }
            try step("setting \(limit.type) to soft \(limit.soft), hard \(limit.hard)") {
                try Credentials.setResourceLimit(Int32(number), soft: limit.soft, hard: limit.hard)
            }
        }
    }

    /// Capability masks for the five sets; names hako does not know and capabilities the
    /// running kernel does not have are left out (main has warned: `CapabilityWarnings`).
    struct CapabilityMasks {
        var bounding: UInt64 = 0, effective: UInt64 = 0, inheritable: UInt64 = 0, permitted: UInt64 = 0, ambient: UInt64 = 0
    }

    func capabilityMasks() -> CapabilityMasks {
        let last = Capabilities.lastCapability()
        func mask(_ names: [String]?) -> UInt64 {
            var result: UInt64 = 0
            for name in names ?? [] {
                if let number = Capability.number(named: name), number <= last { result |= 1 << UInt64(number) }
            }
            return result
        }
        let caps = process.capabilities
        return CapabilityMasks(
            bounding: mask(caps?.bounding), effective: mask(caps?.effective), inheritable: mask(caps?.inheritable),
            permitted: mask(caps?.permitted), ambient: mask(caps?.ambient))
    }

    /// Drops the bounding set and switches to the configured user and groups, keeping the
    /// permitted capabilities across the switch for `applyCapabilities`.
    func switchUser(_ masks: CapabilityMasks) throws {
        try step("dropping bounding capabilities") { try Capabilities.limitBounding(to: masks.bounding) }
        let PR_SET_KEEPCAPS = Prctl.setKeepCaps
        try Processes.prctl(PR_SET_KEEPCAPS, 1, step: "prctl(PR_SET_KEEPCAPS)")
        let user = process.user
        if canSetGroups {
            let groups = (user.additionalGids ?? []).map { gid_t($0) }
            try Credentials.setGroups(groups)
        }
        try Credentials.setGroupID(user.gid)
        try Credentials.setUserID(user.uid)
        try Processes.prctl(PR_SET_KEEPCAPS, 0, step: "prctl(PR_SET_KEEPCAPS)")
    }

    /// Sets the effective, permitted, inheritable and ambient sets.
    /// - Parameter holding: capabilities kept effective and permitted on top of the sets.
    func applyCapabilities(_ masks: CapabilityMasks, holding: UInt64) throws {
        try step("setting capabilities") {
            try Capabilities.set(effective: masks.effective | holding, permitted: masks.permitted | holding, inheritable: masks.inheritable)
            // The kernel allows only ambient capabilities that are both permitted and
            // inheritable; the others are left out, as main warned (`CapabilityWarnings`).
            try Capabilities.setAmbient(masks.ambient & masks.permitted & masks.inheritable)
        }
    }

    /// The environment for exec, as runc prepares it: each name once, with its last value
    /// (engines append overrides to an image's env: Docker's links and `-e` rely on it),
    /// in the order of those last values; and HOME, when the config leaves it unset or
    /// empty, from the container's /etc/passwd (or "/"). A config with no env gets none.
    func environment() -> [String] {
        guard let env = process.env else { return [] }
        var seen: Set<Substring> = []
        var kept: [String] = []
        var homeIsSet = false
        for entry in env.reversed() {
            let name = entry.prefix(while: { $0 != "=" })
            guard seen.insert(name).inserted else { continue }
            if name == "HOME" {
                if entry.count == 5 { continue }  // "HOME=": replaced below
                homeIsSet = true
            }
            kept.append(entry)
        }
        kept.reverse()
        if !homeIsSet { kept.append("HOME=" + (homeDirectory(uid: process.user.uid) ?? "/")) }
        return kept
    }

    func homeDirectory(uid: UInt32) -> String? {
        guard let home = PasswdFile.entry(uid: uid)?.home, !home.isEmpty else { return nil }
        return home
    }

    /// Finds args[0] as execvp(3) would, in the container's PATH from the config's env.
    func resolveExecutable(environment: [String], requireExecutePermission: Bool = true) throws -> String {
        guard let file = process.args?.first, !file.isEmpty else {
            throw RuntimeError("process.args: no program to run")
        }
        if file.contains("/") {
            try checkExecutable(file, name: file, requireExecutePermission: requireExecutePermission)
            return file
        }
        let pathValue = environment.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? Self.defaultPath
        for dir in pathValue.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + file
            if (try? checkExecutable(candidate, name: file, requireExecutePermission: requireExecutePermission)) != nil { return candidate }
        }
        throw RuntimeError("exec: \"\(file)\": executable file not found in $PATH")
    }

    func checkExecutable(_ path: String, name: String, requireExecutePermission: Bool = true) throws {
        let st: stat
        do { st = try Files.status(path) } catch {
            throw RuntimeError("exec: \"\(name)\": stat \(path): \(error.reason)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw RuntimeError("exec: \"\(name)\": \(path) is a directory")
        }
        // With the effective ids and capabilities, as execve(2) will check: access(2) uses the
        // real ones, so a process given CAP_DAC_OVERRIDE would be refused what it may run.
        if requireExecutePermission {
            do { try Files.checkExecutable(path) } catch { throw RuntimeError("exec: \"\(name)\": \(path): \(error.reason)") }
        }
    }
}

/// A failed execve(2) in runc's words ("exec /run.sh: no such file or directory", the errno
/// text as Go prints it), which engines match to choose an exit status (127, 126).
func execFailureText(_ error: SysError) -> String {
    let reason = error.reason.prefix(1).lowercased() + error.reason.dropFirst()
    return "exec \(error.path ?? ""): \(reason)"
}

/// execve(2) with Swift strings.
func execute(_ path: String, arguments: [String], environment: [String]) -> SysError {
    func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] {
        strings.map { strdup($0) } + [nil]
    }
    let argv = cStrings(arguments)
    let envp = cStrings(environment)
    execve(path, argv, envp)
    return SysError("exec", path: path, errno: errno)
}
