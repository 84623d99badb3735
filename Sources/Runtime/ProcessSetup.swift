#if canImport(Glibc)
import Glibc
#endif
import CLinux
import LinuxSys
import OCISpec
import Seccomp

/// The last steps before the user process runs: limits, identity, capabilities and the
/// executable's path. All of it happens before init reports ready, so a mistake in the
/// config fails `create`, not the later `start`.
struct ProcessSetup {
    let process: ProcessSpec
    /// Whether setgroups(2) is allowed (not in a user namespace whose setgroups is "deny").
    let canSetGroups: Bool

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

    /// Every step from scheduling to the last one before execve(2), in runc's order, for
    /// a container's init and for an exec'd process alike. Without no_new_privs, loading
    /// a filter needs CAP_SYS_ADMIN, so seccomp goes before the capabilities are dropped;
    /// with it, as late as possible, so fewer of hako's own calls go through the filter.
    func prepareForExec(seccomp: SeccompProgram?, channel: Channel, preserveFds: Int) throws -> Executable {
        try applyScheduling()
        try applyRlimits()
        let noNewPrivileges = process.noNewPrivileges == true
        if !noNewPrivileges, let seccomp { try SeccompLoading.load(seccomp, channel: channel) }
        try applyIdentity()
        try SecurityLabels.applyOnExec(apparmorProfile: process.apparmorProfile, selinuxLabel: process.selinuxLabel)
        let cwd = process.cwd.isEmpty ? "/" : process.cwd
        try step("changing to process.cwd \(cwd)") { try check(chdir(cwd), "chdir", path: cwd) }
        if noNewPrivileges {
            try Processes.prctl(Prctl.setNoNewPrivileges, 1, step: "prctl(PR_SET_NO_NEW_PRIVS)")
        }
        let environment = environment()
        let path = try resolveExecutable(environment: environment)
        try applyFinalAffinity()
        if noNewPrivileges, let seccomp { try SeccompLoading.load(seccomp, channel: channel) }
        try Descriptors.prepareForExec(preserveFds: preserveFds)
        umask(mode_t(process.user.umask ?? 0o022))
        return Executable(path: path, arguments: process.args ?? [], environment: environment)
    }

    /// Scheduler, I/O priority and the initial CPU affinity, while hako still has the
    /// capabilities some of them need (CAP_SYS_NICE for real-time policies).
    func applyScheduling() throws {
        if let scheduler = process.scheduler { try Scheduling.applyScheduler(scheduler) }
        if let priority = process.ioPriority { try Scheduling.applyIOPriority(priority) }
        if let initial = process.execCPUAffinity?.initial, !initial.isEmpty {
            try Scheduling.applyAffinity(initial, field: "process.execCPUAffinity.initial")
        }
    }

    /// The final CPU affinity, right before exec.
    func applyFinalAffinity() throws {
        if let final = process.execCPUAffinity?.final, !final.isEmpty {
            try Scheduling.applyAffinity(final, field: "process.execCPUAffinity.final")
        }
    }

    func applyRlimits() throws {
        for limit in process.rlimits ?? [] {
            guard let number = RlimitKind.number(named: limit.type) else {
                throw RuntimeError("process.rlimits: unknown rlimit \"\(limit.type)\"")
            }
            if hako_setrlimit(Int32(number), limit.soft, limit.hard) != 0 {
                throw RuntimeError("setting \(limit.type) to soft \(limit.soft), hard \(limit.hard)", SysError("prlimit", errno: errno))
            }
        }
    }

    /// Capability masks for the five sets; capabilities the running kernel does not know
    /// are left out, as runc does.
    struct CapabilityMasks {
        var bounding: UInt64 = 0, effective: UInt64 = 0, inheritable: UInt64 = 0, permitted: UInt64 = 0, ambient: UInt64 = 0
    }

    func capabilityMasks() throws -> CapabilityMasks {
        let last = Capabilities.lastCapability()
        func mask(_ names: [String]?, _ set: String) throws -> UInt64 {
            var result: UInt64 = 0
            for name in names ?? [] {
                guard let number = Capability.number(named: name) else {
                    throw RuntimeError("process.capabilities.\(set): unknown capability \"\(name)\"")
                }
                if number <= last { result |= 1 << UInt64(number) }
            }
            return result
        }
        let caps = process.capabilities
        return CapabilityMasks(
            bounding: try mask(caps?.bounding, "bounding"), effective: try mask(caps?.effective, "effective"),
            inheritable: try mask(caps?.inheritable, "inheritable"), permitted: try mask(caps?.permitted, "permitted"),
            ambient: try mask(caps?.ambient, "ambient"))
    }

    /// Drops the bounding set, switches to the configured user and groups keeping the
    /// capabilities across the switch, then sets the effective, permitted, inheritable
    /// and ambient sets.
    func applyIdentity() throws {
        let masks = try capabilityMasks()
        try step("dropping bounding capabilities") { try Capabilities.limitBounding(to: masks.bounding) }
        let PR_SET_KEEPCAPS = Prctl.setKeepCaps
        try Processes.prctl(PR_SET_KEEPCAPS, 1, step: "prctl(PR_SET_KEEPCAPS)")
        let user = process.user
        if canSetGroups {
            let groups = (user.additionalGids ?? []).map { gid_t($0) }
            try check(setgroups(groups.count, groups), "setgroups \(groups)")
        }
        try check(hako_setresgid(user.gid, user.gid, user.gid), "setresgid \(user.gid)")
        try check(hako_setresuid(user.uid, user.uid, user.uid), "setresuid \(user.uid)")
        try Processes.prctl(PR_SET_KEEPCAPS, 0, step: "prctl(PR_SET_KEEPCAPS)")
        try step("setting capabilities") {
            try Capabilities.set(effective: masks.effective, permitted: masks.permitted, inheritable: masks.inheritable)
            // The kernel allows only ambient capabilities that are both permitted and
            // inheritable; runc's default spec lists ambient ones it leaves out of the
            // inheritable set, and runc skips those too.
            try Capabilities.setAmbient(masks.ambient & masks.permitted & masks.inheritable)
        }
    }

    /// The environment for exec: config's env, plus HOME from the container's
    /// /etc/passwd (or "/") when the config does not set it, as runc does.
    func environment() -> [String] {
        var env = process.env ?? []
        if !env.contains(where: { $0.hasPrefix("HOME=") }) {
            env.append("HOME=" + (homeDirectory(uid: process.user.uid) ?? "/"))
        }
        return env
    }

    func homeDirectory(uid: UInt32) -> String? {
        guard let passwd = try? Files.readText("/etc/passwd") else { return nil }
        for line in passwd.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 6, UInt32(fields[2]) == uid, !fields[5].isEmpty { return String(fields[5]) }
        }
        return nil
    }

    /// Finds args[0] as execvp(3) would, in the container's PATH from the config's env.
    func resolveExecutable(environment: [String]) throws -> String {
        guard let file = process.args?.first, !file.isEmpty else {
            throw RuntimeError("process.args: no program to run")
        }
        if file.contains("/") {
            try checkExecutable(file, name: file)
            return file
        }
        let pathValue = environment.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? Self.defaultPath
        for dir in pathValue.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + file
            if (try? checkExecutable(candidate, name: file)) != nil { return candidate }
        }
        throw RuntimeError("exec: \"\(file)\": executable file not found in $PATH")
    }

    private func checkExecutable(_ path: String, name: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            throw RuntimeError("exec: \"\(name)\": stat \(path): \(SysError("stat", errno: errno).reason)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw RuntimeError("exec: \"\(name)\": \(path) is a directory")
        }
        if access(path, X_OK) != 0 {
            throw RuntimeError("exec: \"\(name)\": \(path): \(SysError("access", errno: errno).reason)")
        }
    }
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
