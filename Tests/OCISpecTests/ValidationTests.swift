import OCISpec
import Testing

/// One validation rule: a change that breaks a valid spec, and the exact message.
struct RuleCase: Sendable, CustomTestStringConvertible {
    let rule: String
    var rootless = false
    let change: @Sendable (inout Spec) -> Void
    let message: String

    var testDescription: String { rule }

    var spec: Spec {
        var spec = Spec.defaultSpec(rootless: rootless)
        change(&spec)
        return spec
    }
}

private let hook = Hook(path: "/usr/bin/hook")
private let seccomp = LinuxSeccomp(
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [LinuxSyscall(names: ["personality"], action: "SCMP_ACT_ALLOW",
                            args: [LinuxSeccompArg(index: 0, value: 0, op: "SCMP_CMP_EQ")])]
)

private let ruleCases: [RuleCase] = [
    // Version
    RuleCase(rule: "ociVersion present", change: { $0.ociVersion = "" },
             message: "ociVersion: must not be empty"),
    RuleCase(rule: "ociVersion is 1.x.y", change: { $0.ociVersion = "latest" },
             message: #"ociVersion: "latest" is not a version of the form 1.x.y"#),
    RuleCase(rule: "ociVersion 0.x rejected", change: { $0.ociVersion = "0.9.0" },
             message: #"ociVersion: unsupported version "0.9.0": only 1.x is supported"#),
    RuleCase(rule: "ociVersion 2.x rejected", change: { $0.ociVersion = "2.1.0" },
             message: #"ociVersion: unsupported version "2.1.0": only 1.x is supported"#),
    // Root, mounts, hooks
    RuleCase(rule: "root.path non-empty", change: { $0.root?.path = "" },
             message: "root.path: must not be empty"),
    RuleCase(rule: "mount destination non-empty", change: { $0.mounts?[2].destination = "" },
             message: "mounts[2].destination: must not be empty"),
    RuleCase(rule: "hook path absolute", change: { $0.hooks = Hooks(createRuntime: [Hook(path: "hook")]) },
             message: #"hooks.createRuntime[0].path: must be an absolute path, got "hook""#),
    RuleCase(rule: "hook path non-empty", change: { $0.hooks = Hooks(prestart: [Hook(path: "")]) },
             message: "hooks.prestart[0].path: must not be empty"),
    RuleCase(rule: "hook timeout positive",
             change: { $0.hooks = Hooks(poststart: [hook], poststop: [hook, Hook(path: "/bin/true", timeout: 0)]) },
             message: "hooks.poststop[1].timeout: must be greater than zero, got 0"),
    // Process
    RuleCase(rule: "process.args non-empty", change: { $0.process?.args = [] },
             message: "process.args: must not be empty"),
    RuleCase(rule: "process.args present", change: { $0.process?.args = nil },
             message: "process.args: must not be empty"),
    RuleCase(rule: "process.cwd absolute", change: { $0.process?.cwd = "tmp" },
             message: #"process.cwd: must be an absolute path, got "tmp""#),
    RuleCase(rule: "process.cwd non-empty", change: { $0.process?.cwd = "" },
             message: "process.cwd: must not be empty"),
    RuleCase(rule: "env entries have =", change: { $0.process?.env = ["PATH=/bin", "TERM"] },
             message: #"process.env[1]: "TERM" is not of the form NAME=value"#),
    RuleCase(rule: "env entries have a name", change: { $0.process?.env = ["=x"] },
             message: #"process.env[0]: "=x" is not of the form NAME=value"#),
    RuleCase(rule: "rlimit type known",
             change: { $0.process?.rlimits = [POSIXRlimit(type: "RLIMIT_FOO", hard: 1, soft: 1)] },
             message: #"process.rlimits[0].type: unknown rlimit "RLIMIT_FOO""#),
    RuleCase(rule: "rlimit types unique",
             change: { $0.process?.rlimits?.append(POSIXRlimit(type: "RLIMIT_NOFILE", hard: 2, soft: 2)) },
             message: #"process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE""#),
    RuleCase(rule: "rlimit soft <= hard",
             change: { $0.process?.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 2048)] },
             message: "process.rlimits[0]: soft limit 2048 exceeds hard limit 1024"),
    RuleCase(rule: "oomScoreAdj in range", change: { $0.process?.oomScoreAdj = 1001 },
             message: "process.oomScoreAdj: 1001 is out of range -1000...1000"),
    RuleCase(rule: "scheduler policy known", change: { $0.process?.scheduler = Scheduler(policy: "SCHED_FAST") },
             message: #"process.scheduler.policy: unknown policy "SCHED_FAST""#),
    RuleCase(rule: "scheduler flags known",
             change: { $0.process?.scheduler = Scheduler(policy: "SCHED_RR", flags: ["SCHED_FLAG_X"]) },
             message: #"process.scheduler.flags[0]: unknown flag "SCHED_FLAG_X""#),
    RuleCase(rule: "ioPriority class known",
             change: { $0.process?.ioPriority = LinuxIOPriority(class: "IOPRIO_CLASS_NONE", priority: 0) },
             message: #"process.ioPriority.class: unknown class "IOPRIO_CLASS_NONE""#),
    RuleCase(rule: "ioPriority level in range",
             change: { $0.process?.ioPriority = LinuxIOPriority(class: "IOPRIO_CLASS_BE", priority: 8) },
             message: "process.ioPriority.priority: 8 is out of range 0...7"),
    // Namespaces and ID mappings
    RuleCase(rule: "namespace type known", change: { $0.linux?.namespaces?[2].type = "foo" },
             message: #"linux.namespaces[2].type: unknown namespace "foo""#),
    RuleCase(rule: "namespace types unique", change: { $0.linux?.namespaces?.append(LinuxNamespace(.pid)) },
             message: #"linux.namespaces[5].type: duplicate namespace "pid""#),
    RuleCase(rule: "namespace path absolute", change: { $0.linux?.namespaces?[1].path = "netns" },
             message: #"linux.namespaces[1].path: must be an absolute path, got "netns""#),
    RuleCase(rule: "uid mappings need a user namespace",
             change: { $0.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)] },
             message: "linux.uidMappings: requires a user namespace"),
    RuleCase(rule: "gid mappings need a user namespace",
             change: { $0.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)] },
             message: "linux.gidMappings: requires a user namespace"),
    RuleCase(rule: "new user namespace needs uid mappings", rootless: true,
             change: { $0.linux?.uidMappings = [] },
             message: "linux.uidMappings: a new user namespace requires uid mappings"),
    RuleCase(rule: "new user namespace needs gid mappings", rootless: true,
             change: { $0.linux?.gidMappings = nil },
             message: "linux.gidMappings: a new user namespace requires gid mappings"),
    RuleCase(rule: "time offsets need a time namespace",
             change: { $0.linux?.timeOffsets = ["monotonic": LinuxTimeOffset(secs: 1)] },
             message: "linux.timeOffsets: requires a time namespace"),
    RuleCase(rule: "time offset clocks known",
             change: {
                 $0.linux?.namespaces?.append(LinuxNamespace(.time))
                 $0.linux?.timeOffsets = ["realtime": LinuxTimeOffset(secs: 1)]
             },
             message: #"linux.timeOffsets.realtime: unknown clock "realtime" (expected boottime or monotonic)"#),
    // Other linux fields
    RuleCase(rule: "sysctl keys non-empty", change: { $0.linux?.sysctl = ["": "1"] },
             message: "linux.sysctl: keys must not be empty"),
    RuleCase(rule: "device type known",
             change: { $0.linux?.devices = [LinuxDevice(path: "/dev/x", type: "x", major: 1, minor: 1)] },
             message: #"linux.devices[0].type: unknown device type "x" (expected c, u, b or p)"#),
    RuleCase(rule: "device path absolute",
             change: { $0.linux?.devices = [LinuxDevice(path: "dev/fuse", type: "c", major: 10, minor: 229)] },
             message: #"linux.devices[0].path: must be an absolute path, got "dev/fuse""#),
    RuleCase(rule: "rootfsPropagation known", change: { $0.linux?.rootfsPropagation = "sideways" },
             message: #"linux.rootfsPropagation: unknown propagation "sideways" (expected shared, slave, private, unbindable, rshared, rslave, rprivate or runbindable)"#),
    RuleCase(rule: "device cgroup type known",
             change: { $0.linux?.resources?.devices?.append(LinuxDeviceCgroup(allow: true, type: "p")) },
             message: #"linux.resources.devices[1].type: unknown device type "p" (expected a, c or b)"#),
    RuleCase(rule: "device cgroup access is rwm",
             change: { $0.linux?.resources?.devices?[0].access = "rw-" },
             message: #"linux.resources.devices[0].access: "rw-" is not a combination of r, w and m"#),
    RuleCase(rule: "personality domain known",
             change: { $0.linux?.personality = LinuxPersonality(domain: "LINUX64") },
             message: #"linux.personality.domain: unknown domain "LINUX64" (expected LINUX or LINUX32)"#),
    RuleCase(rule: "memory policy mode known",
             change: { $0.linux?.memoryPolicy = LinuxMemoryPolicy(mode: "MPOL_ANY") },
             message: #"linux.memoryPolicy.mode: unknown mode "MPOL_ANY""#),
    RuleCase(rule: "memory policy flags known",
             change: { $0.linux?.memoryPolicy = LinuxMemoryPolicy(mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_X"]) },
             message: #"linux.memoryPolicy.flags[0]: unknown flag "MPOL_F_X""#),
    // Seccomp
    RuleCase(rule: "seccomp default action known",
             change: { $0.linux?.seccomp = seccomp; $0.linux?.seccomp?.defaultAction = "SCMP_ACT_MAYBE" },
             message: #"linux.seccomp.defaultAction: unknown action "SCMP_ACT_MAYBE""#),
    RuleCase(rule: "seccomp notify is not a default action",
             change: { $0.linux?.seccomp = LinuxSeccomp(defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/run/l.sock") },
             message: "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"),
    RuleCase(rule: "seccomp architectures known",
             change: { $0.linux?.seccomp = seccomp; $0.linux?.seccomp?.architectures?.append("SCMP_ARCH_VAX") },
             message: #"linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX""#),
    RuleCase(rule: "seccomp flags known",
             change: { $0.linux?.seccomp = seccomp; $0.linux?.seccomp?.flags = ["SECCOMP_FILTER_FLAG_FOO"] },
             message: #"linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_FOO""#),
    RuleCase(rule: "seccomp rule actions known",
             change: { $0.linux?.seccomp = seccomp; $0.linux?.seccomp?.syscalls?[0].action = "ALLOW" },
             message: #"linux.seccomp.syscalls[0].action: unknown action "ALLOW""#),
    RuleCase(rule: "seccomp operators known",
             change: { $0.linux?.seccomp = seccomp; $0.linux?.seccomp?.syscalls?[0].args?[0].op = "SCMP_CMP_LIKE" },
             message: #"linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_LIKE""#),
    RuleCase(rule: "seccomp argument index below 6",
             change: { $0.linux?.seccomp = seccomp; $0.linux?.seccomp?.syscalls?[0].args?[0].index = 6 },
             message: "linux.seccomp.syscalls[0].args[0].index: 6 is out of range 0...5"),
    RuleCase(rule: "seccomp notify needs a listener",
             change: {
                 $0.linux?.seccomp = seccomp
                 $0.linux?.seccomp?.syscalls?.append(LinuxSyscall(names: ["mount"], action: "SCMP_ACT_NOTIFY"))
             },
             message: "linux.seccomp.listenerPath: must be set when a rule uses SCMP_ACT_NOTIFY"),
]

@Suite("Validation")
struct ValidationTests {
    @Test("the default specs are valid", arguments: [false, true])
    func defaultsValid(rootless: Bool) throws {
        try Spec.defaultSpec(rootless: rootless).validate()
    }

    @Test("each rule reports its exact message", arguments: ruleCases)
    func rule(_ rule: RuleCase) {
        let error = specError { () throws(SpecError) in try rule.spec.validate() }
        #expect(error?.description == rule.message)
    }

    @Test("versions accepted",
          arguments: ["1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.0", "1.2.1", "1.3.0", "1.9.0", "1.2.0+build.5", "1.10.0"])
    func versionAccepted(_ version: String) throws {
        var spec = Spec.defaultSpec(rootless: false)
        spec.ociVersion = version
        try spec.validate()
    }

    @Test("versions rejected",
          arguments: ["2.0.0", "0.6.0", "1.2", "1", "v1.2.0", "1.x.0", "1.2.0.0", "1..0", " 1.2.0", "3.0.0-rc1"])
    func versionRejected(_ version: String) {
        var spec = Spec.defaultSpec(rootless: false)
        spec.ociVersion = version
        let error = specError { () throws(SpecError) in try spec.validate() }
        #expect(error?.path == "ociVersion")
    }

    @Test("a relative mount destination is accepted, as runc does")
    func relativeMountDestination() throws {
        var spec = Spec.defaultSpec(rootless: false)
        spec.mounts?.append(Mount(destination: "data", type: "tmpfs", source: "tmpfs"))
        try spec.validate()
    }

    @Test("joining a user namespace by path needs no mappings")
    func joinedUserNamespace() throws {
        var spec = Spec.defaultSpec(rootless: true)
        spec.linux?.uidMappings = nil
        spec.linux?.gidMappings = nil
        let namespaces = spec.linux?.namespaces?.map {
            $0.kind == .user ? LinuxNamespace(.user, path: "/proc/42/ns/user") : $0
        }
        spec.linux?.namespaces = namespaces
        try spec.validate()
    }

    @Test("every propagation mode and an empty one are accepted",
          arguments: [""] + MountPropagation.allCases.map(\.rawValue))
    func propagationAccepted(_ mode: String) throws {
        var spec = Spec.defaultSpec(rootless: false)
        spec.linux?.rootfsPropagation = mode
        try spec.validate()
    }

    @Test("every device type is accepted", arguments: DeviceType.allCases)
    func deviceTypesAccepted(_ type: DeviceType) throws {
        var spec = Spec.defaultSpec(rootless: false)
        spec.linux?.devices = [LinuxDevice(path: "/dev/x", type: type.rawValue, major: 1, minor: 3)]
        try spec.validate()
    }

    @Test("every capability name is accepted in every set")
    func allCapabilitiesAccepted() throws {
        var spec = Spec.defaultSpec(rootless: false)
        let all = Capability.allNames
        spec.process?.capabilities = LinuxCapabilities(
            bounding: all, effective: all, inheritable: all, permitted: all, ambient: all
        )
        try spec.validate()
    }

    @Test("a namespace joined with an empty path counts as new")
    func emptyNamespacePath() throws {
        var spec = Spec.defaultSpec(rootless: false)
        spec.linux?.namespaces?[0].path = ""
        try spec.validate()
    }

    @Test("the first problem is reported")
    func firstProblemWins() {
        var spec = Spec.defaultSpec(rootless: false)
        spec.process?.cwd = "relative"
        spec.linux?.namespaces?[0].type = "bogus"
        let error = specError { () throws(SpecError) in try spec.validate() }
        #expect(error?.path == "process.cwd")
    }
}
