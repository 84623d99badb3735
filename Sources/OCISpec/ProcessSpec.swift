/// The container process (config.md "process"; Go `specs.Process`).
public struct ProcessSpec: Codable, Equatable, Sendable {
    public var terminal: Bool?
    public var consoleSize: Box?
    public var user: User
    public var args: [String]?
    /// Windows only; kept for completeness.
    public var commandLine: String?
    /// Entries of the form NAME=value.
    public var env: [String]?
    /// Working directory, absolute inside the container.
    public var cwd: String
    public var capabilities: LinuxCapabilities?
    public var rlimits: [POSIXRlimit]?
    public var noNewPrivileges: Bool?
    public var apparmorProfile: String?
    public var oomScoreAdj: Int?
    public var scheduler: Scheduler?
    public var selinuxLabel: String?
    public var ioPriority: LinuxIOPriority?
    public var execCPUAffinity: CPUAffinity?

    public init(
        terminal: Bool? = nil,
        consoleSize: Box? = nil,
        user: User = User(),
        args: [String]? = nil,
        commandLine: String? = nil,
        env: [String]? = nil,
        cwd: String,
        capabilities: LinuxCapabilities? = nil,
        rlimits: [POSIXRlimit]? = nil,
        noNewPrivileges: Bool? = nil,
        apparmorProfile: String? = nil,
        oomScoreAdj: Int? = nil,
        scheduler: Scheduler? = nil,
        selinuxLabel: String? = nil,
        ioPriority: LinuxIOPriority? = nil,
        execCPUAffinity: CPUAffinity? = nil
    ) {
        self.terminal = terminal
        self.consoleSize = consoleSize
        self.user = user
        self.args = args
        self.commandLine = commandLine
        self.env = env
        self.cwd = cwd
        self.capabilities = capabilities
        self.rlimits = rlimits
        self.noNewPrivileges = noNewPrivileges
        self.apparmorProfile = apparmorProfile
        self.oomScoreAdj = oomScoreAdj
        self.scheduler = scheduler
        self.selinuxLabel = selinuxLabel
        self.ioPriority = ioPriority
        self.execCPUAffinity = execCPUAffinity
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        terminal = try c.opt(.terminal)
        consoleSize = try c.opt(.consoleSize)
        user = try c.go(.user, or: User())
        args = try c.opt(.args)
        commandLine = try c.opt(.commandLine)
        env = try c.opt(.env)
        cwd = try c.go(.cwd, or: "")
        capabilities = try c.opt(.capabilities)
        rlimits = try c.opt(.rlimits)
        noNewPrivileges = try c.opt(.noNewPrivileges)
        apparmorProfile = try c.opt(.apparmorProfile)
        oomScoreAdj = try c.opt(.oomScoreAdj)
        scheduler = try c.opt(.scheduler)
        selinuxLabel = try c.opt(.selinuxLabel)
        ioPriority = try c.opt(.ioPriority)
        execCPUAffinity = try c.opt(.execCPUAffinity)
    }
}

/// Console dimensions.
public struct Box: Codable, Equatable, Sendable {
    public var height: UInt
    public var width: UInt

    public init(height: UInt, width: UInt) {
        self.height = height
        self.width = width
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        height = try c.go(.height, or: 0)
        width = try c.go(.width, or: 0)
    }
}

/// The identity of the container process.
public struct User: Codable, Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var umask: UInt32?
    public var additionalGids: [UInt32]?
    /// Windows only; kept for completeness.
    public var username: String?

    public init(
        uid: UInt32 = 0,
        gid: UInt32 = 0,
        umask: UInt32? = nil,
        additionalGids: [UInt32]? = nil,
        username: String? = nil
    ) {
        self.uid = uid
        self.gid = gid
        self.umask = umask
        self.additionalGids = additionalGids
        self.username = username
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uid = try c.go(.uid, or: 0)
        gid = try c.go(.gid, or: 0)
        umask = try c.opt(.umask)
        additionalGids = try c.opt(.additionalGids)
        username = try c.opt(.username)
    }
}

/// Capability names ("CAP_...") kept in each set.
public struct LinuxCapabilities: Codable, Equatable, Sendable {
    public var bounding: [String]?
    public var effective: [String]?
    public var inheritable: [String]?
    public var permitted: [String]?
    public var ambient: [String]?

    public init(
        bounding: [String]? = nil,
        effective: [String]? = nil,
        inheritable: [String]? = nil,
        permitted: [String]? = nil,
        ambient: [String]? = nil
    ) {
        self.bounding = bounding
        self.effective = effective
        self.inheritable = inheritable
        self.permitted = permitted
        self.ambient = ambient
    }
}

/// A resource limit; `type` is an RLIMIT_* name (see `RlimitKind`).
public struct POSIXRlimit: Codable, Equatable, Sendable {
    public var type: String
    public var hard: UInt64
    public var soft: UInt64

    public init(type: String, hard: UInt64, soft: UInt64) {
        self.type = type
        self.hard = hard
        self.soft = soft
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.go(.type, or: "")
        hard = try c.go(.hard, or: 0)
        soft = try c.go(.soft, or: 0)
    }
}

/// Scheduling attributes for sched_setattr(2).
public struct Scheduler: Codable, Equatable, Sendable {
    /// A SCHED_* policy name (see `LinuxSchedulerPolicy`).
    public var policy: String
    public var nice: Int32?
    public var priority: Int32?
    /// SCHED_FLAG_* names (see `LinuxSchedulerFlag`).
    public var flags: [String]?
    /// Nanoseconds; SCHED_DEADLINE only.
    public var runtime: UInt64?
    public var deadline: UInt64?
    public var period: UInt64?

    public init(
        policy: String,
        nice: Int32? = nil,
        priority: Int32? = nil,
        flags: [String]? = nil,
        runtime: UInt64? = nil,
        deadline: UInt64? = nil,
        period: UInt64? = nil
    ) {
        self.policy = policy
        self.nice = nice
        self.priority = priority
        self.flags = flags
        self.runtime = runtime
        self.deadline = deadline
        self.period = period
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        policy = try c.go(.policy, or: "")
        nice = try c.opt(.nice)
        priority = try c.opt(.priority)
        flags = try c.opt(.flags)
        runtime = try c.opt(.runtime)
        deadline = try c.opt(.deadline)
        period = try c.opt(.period)
    }
}

/// I/O priority for ioprio_set(2).
public struct LinuxIOPriority: Codable, Equatable, Sendable {
    /// An IOPRIO_CLASS_* name (see `IOPriorityClass`).
    public var `class`: String
    public var priority: Int

    public init(class: String, priority: Int) {
        self.class = `class`
        self.priority = priority
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.class = try c.go(.class, or: "")
        priority = try c.go(.priority, or: 0)
    }
}

/// CPU affinity of processes started by exec, as cpu lists such as "0-3,7".
public struct CPUAffinity: Codable, Equatable, Sendable {
    /// Affinity while the runtime joins the container.
    public var initial: String?
    /// Affinity of the process once it runs in the container's cgroup.
    public var final: String?

    public init(initial: String? = nil, final: String? = nil) {
        self.initial = initial
        self.final = final
    }
}
