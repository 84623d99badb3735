// The closed vocabularies of config-linux.md, as pure data. The Codable types keep
// these fields as String so that an unknown value is reported by `validate()` with
// its path; these enums say which values are known.

/// Seccomp actions.
public enum LinuxSeccompAction: String, CaseIterable, Sendable {
    case kill = "SCMP_ACT_KILL"
    case killProcess = "SCMP_ACT_KILL_PROCESS"
    case killThread = "SCMP_ACT_KILL_THREAD"
    case trap = "SCMP_ACT_TRAP"
    case errno = "SCMP_ACT_ERRNO"
    case trace = "SCMP_ACT_TRACE"
    case allow = "SCMP_ACT_ALLOW"
    case log = "SCMP_ACT_LOG"
    case notify = "SCMP_ACT_NOTIFY"
}

/// Seccomp argument comparison operators.
public enum LinuxSeccompOperator: String, CaseIterable, Sendable {
    case notEqual = "SCMP_CMP_NE"
    case lessThan = "SCMP_CMP_LT"
    case lessEqual = "SCMP_CMP_LE"
    case equalTo = "SCMP_CMP_EQ"
    case greaterEqual = "SCMP_CMP_GE"
    case greaterThan = "SCMP_CMP_GT"
    case maskedEqual = "SCMP_CMP_MASKED_EQ"
}

/// Seccomp architectures: the spec's list plus the other names libseccomp knows.
public enum SeccompArch: String, CaseIterable, Sendable {
    case x86 = "SCMP_ARCH_X86"
    case x86_64 = "SCMP_ARCH_X86_64"
    case x32 = "SCMP_ARCH_X32"
    case arm = "SCMP_ARCH_ARM"
    case aarch64 = "SCMP_ARCH_AARCH64"
    case mips = "SCMP_ARCH_MIPS"
    case mips64 = "SCMP_ARCH_MIPS64"
    case mips64n32 = "SCMP_ARCH_MIPS64N32"
    case mipsel = "SCMP_ARCH_MIPSEL"
    case mipsel64 = "SCMP_ARCH_MIPSEL64"
    case mipsel64n32 = "SCMP_ARCH_MIPSEL64N32"
    case ppc = "SCMP_ARCH_PPC"
    case ppc64 = "SCMP_ARCH_PPC64"
    case ppc64le = "SCMP_ARCH_PPC64LE"
    case s390 = "SCMP_ARCH_S390"
    case s390x = "SCMP_ARCH_S390X"
    case parisc = "SCMP_ARCH_PARISC"
    case parisc64 = "SCMP_ARCH_PARISC64"
    case riscv64 = "SCMP_ARCH_RISCV64"
    case loongarch64 = "SCMP_ARCH_LOONGARCH64"
    case m68k = "SCMP_ARCH_M68K"
    case sh = "SCMP_ARCH_SH"
    case sheb = "SCMP_ARCH_SHEB"
}

/// seccomp(2) filter flags.
public enum LinuxSeccompFlag: String, CaseIterable, Sendable {
    case tsync = "SECCOMP_FILTER_FLAG_TSYNC"
    case log = "SECCOMP_FILTER_FLAG_LOG"
    case specAllow = "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
    case newListener = "SECCOMP_FILTER_FLAG_NEW_LISTENER"
    case tsyncESRCH = "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"
    case waitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
}

/// Propagation modes for `linux.rootfsPropagation`.
public enum MountPropagation: String, CaseIterable, Sendable {
    case shared, slave, `private`, unbindable
    case rshared, rslave, rprivate, runbindable
}

/// Device node types for `linux.devices[].type`.
public enum DeviceType: String, CaseIterable, Sendable {
    /// Character device.
    case char = "c"
    /// Character device, unbuffered (same as "c").
    case unbuffered = "u"
    case block = "b"
    /// FIFO.
    case fifo = "p"
}

/// Device cgroup rule types for `linux.resources.devices[].type`.
public enum DeviceCgroupType: String, CaseIterable, Sendable {
    case all = "a"
    case char = "c"
    case block = "b"
}

/// Scheduling policies for `process.scheduler.policy`.
public enum LinuxSchedulerPolicy: String, CaseIterable, Sendable {
    case other = "SCHED_OTHER"
    case fifo = "SCHED_FIFO"
    case rr = "SCHED_RR"
    case batch = "SCHED_BATCH"
    case iso = "SCHED_ISO"
    case idle = "SCHED_IDLE"
    case deadline = "SCHED_DEADLINE"
}

/// Scheduling flags for `process.scheduler.flags`.
public enum LinuxSchedulerFlag: String, CaseIterable, Sendable {
    case resetOnFork = "SCHED_FLAG_RESET_ON_FORK"
    case reclaim = "SCHED_FLAG_RECLAIM"
    case dlOverrun = "SCHED_FLAG_DL_OVERRUN"
    case keepPolicy = "SCHED_FLAG_KEEP_POLICY"
    case keepParams = "SCHED_FLAG_KEEP_PARAMS"
    case utilClampMin = "SCHED_FLAG_UTIL_CLAMP_MIN"
    case utilClampMax = "SCHED_FLAG_UTIL_CLAMP_MAX"
}

/// I/O scheduling classes for `process.ioPriority.class`.
public enum IOPriorityClass: String, CaseIterable, Sendable {
    case realtime = "IOPRIO_CLASS_RT"
    case bestEffort = "IOPRIO_CLASS_BE"
    case idle = "IOPRIO_CLASS_IDLE"
}

/// Domains for `linux.personality.domain`.
public enum LinuxPersonalityDomain: String, CaseIterable, Sendable {
    case linux = "LINUX"
    case linux32 = "LINUX32"
}

/// Modes for `linux.memoryPolicy.mode`.
public enum MemoryPolicyMode: String, CaseIterable, Sendable {
    case `default` = "MPOL_DEFAULT"
    case bind = "MPOL_BIND"
    case interleave = "MPOL_INTERLEAVE"
    case weightedInterleave = "MPOL_WEIGHTED_INTERLEAVE"
    case preferred = "MPOL_PREFERRED"
    case preferredMany = "MPOL_PREFERRED_MANY"
    case local = "MPOL_LOCAL"
}

/// Mode flags for `linux.memoryPolicy.flags`.
public enum MemoryPolicyFlag: String, CaseIterable, Sendable {
    case numaBalancing = "MPOL_F_NUMA_BALANCING"
    case relativeNodes = "MPOL_F_RELATIVE_NODES"
    case staticNodes = "MPOL_F_STATIC_NODES"
}

/// Clocks that a time namespace can offset (`linux.timeOffsets` keys).
public enum TimeNamespaceClock: String, CaseIterable, Sendable {
    case boottime, monotonic
}
