/// A seccomp filter (config-linux.md "Seccomp").
public struct LinuxSeccomp: Codable, Equatable, Sendable {
    /// An SCMP_ACT_* name (see `LinuxSeccompAction`).
    public var defaultAction: String
    /// The errno returned by a default SCMP_ACT_ERRNO action.
    public var defaultErrnoRet: UInt?
    /// SCMP_ARCH_* names (see `SeccompArch`).
    public var architectures: [String]?
    /// SECCOMP_FILTER_FLAG_* names (see `LinuxSeccompFlag`).
    public var flags: [String]?
    /// A UNIX socket that receives the notify fd for SCMP_ACT_NOTIFY.
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [LinuxSyscall]?

    public init(
        defaultAction: String,
        defaultErrnoRet: UInt? = nil,
        architectures: [String]? = nil,
        flags: [String]? = nil,
        listenerPath: String? = nil,
        listenerMetadata: String? = nil,
        syscalls: [LinuxSyscall]? = nil
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
        self.syscalls = syscalls
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaultAction = try c.go(.defaultAction, or: "")
        defaultErrnoRet = try c.opt(.defaultErrnoRet)
        architectures = try c.opt(.architectures)
        flags = try c.opt(.flags)
        listenerPath = try c.opt(.listenerPath)
        listenerMetadata = try c.opt(.listenerMetadata)
        syscalls = try c.opt(.syscalls)
    }
}

/// A seccomp rule for a group of syscalls.
public struct LinuxSyscall: Codable, Equatable, Sendable {
    public var names: [String]
    /// An SCMP_ACT_* name.
    public var action: String
    public var errnoRet: UInt?
    public var args: [LinuxSeccompArg]?

    public init(names: [String], action: String, errnoRet: UInt? = nil, args: [LinuxSeccompArg]? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        names = try c.go(.names, or: [])
        action = try c.go(.action, or: "")
        errnoRet = try c.opt(.errnoRet)
        args = try c.opt(.args)
    }
}

/// A condition on one syscall argument.
public struct LinuxSeccompArg: Codable, Equatable, Sendable {
    /// The argument position, 0 to 5.
    public var index: UInt
    public var value: UInt64
    /// The second operand of SCMP_CMP_MASKED_EQ.
    public var valueTwo: UInt64?
    /// An SCMP_CMP_* name (see `LinuxSeccompOperator`).
    public var op: String

    public init(index: UInt, value: UInt64, valueTwo: UInt64? = nil, op: String) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.go(.index, or: 0)
        value = try c.go(.value, or: 0)
        valueTwo = try c.opt(.valueTwo)
        op = try c.go(.op, or: "")
    }
}
