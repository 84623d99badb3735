/// cgroup limits (config-linux.md "Control groups").
public struct LinuxResources: Codable, Equatable, Sendable {
    /// The device allow/deny list, applied in order.
    public var devices: [LinuxDeviceCgroup]?
    public var memory: LinuxMemory?
    public var cpu: LinuxCPU?
    public var pids: LinuxPids?
    public var blockIO: LinuxBlockIO?
    public var hugepageLimits: [LinuxHugepageLimit]?
    public var network: LinuxNetwork?
    /// Limits keyed by RDMA device name.
    public var rdma: [String: LinuxRdma]?
    /// cgroup v2 files and values, written as is.
    public var unified: [String: String]?

    public init(
        devices: [LinuxDeviceCgroup]? = nil,
        memory: LinuxMemory? = nil,
        cpu: LinuxCPU? = nil,
        pids: LinuxPids? = nil,
        blockIO: LinuxBlockIO? = nil,
        hugepageLimits: [LinuxHugepageLimit]? = nil,
        network: LinuxNetwork? = nil,
        rdma: [String: LinuxRdma]? = nil,
        unified: [String: String]? = nil
    ) {
        self.devices = devices
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
        self.blockIO = blockIO
        self.hugepageLimits = hugepageLimits
        self.network = network
        self.rdma = rdma
        self.unified = unified
    }
}

/// A device cgroup rule.
public struct LinuxDeviceCgroup: Codable, Equatable, Sendable {
    public var allow: Bool
    /// "a", "c" or "b"; unset means all.
    public var type: String?
    /// Unset means any.
    public var major: Int64?
    public var minor: Int64?
    /// A combination of "r", "w" and "m".
    public var access: String?

    public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
        self.allow = allow
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        allow = try c.go(.allow, or: false)
        type = try c.opt(.type)
        major = try c.opt(.major)
        minor = try c.opt(.minor)
        access = try c.opt(.access)
    }
}

/// Memory controller limits, in bytes (-1 for unlimited).
public struct LinuxMemory: Codable, Equatable, Sendable {
    public var limit: Int64?
    public var reservation: Int64?
    /// Memory plus swap.
    public var swap: Int64?
    /// Deprecated: ignored on cgroup v2 and by kernels from 5.4.
    public var kernel: Int64?
    public var kernelTCP: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    public var useHierarchy: Bool?
    /// Reject an update that sets the limit below current usage.
    public var checkBeforeUpdate: Bool?

    public init(
        limit: Int64? = nil,
        reservation: Int64? = nil,
        swap: Int64? = nil,
        kernel: Int64? = nil,
        kernelTCP: Int64? = nil,
        swappiness: UInt64? = nil,
        disableOOMKiller: Bool? = nil,
        useHierarchy: Bool? = nil,
        checkBeforeUpdate: Bool? = nil
    ) {
        self.limit = limit
        self.reservation = reservation
        self.swap = swap
        self.kernel = kernel
        self.kernelTCP = kernelTCP
        self.swappiness = swappiness
        self.disableOOMKiller = disableOOMKiller
        self.useHierarchy = useHierarchy
        self.checkBeforeUpdate = checkBeforeUpdate
    }
}

/// CPU and cpuset controller settings; times in microseconds.
public struct LinuxCPU: Codable, Equatable, Sendable {
    public var shares: UInt64?
    public var quota: Int64?
    public var burst: UInt64?
    public var period: UInt64?
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    /// A cpu list such as "0-3,7".
    public var cpus: String?
    /// A memory node list such as "0-1".
    public var mems: String?
    /// 1 makes the cgroup SCHED_IDLE.
    public var idle: Int64?

    public init(
        shares: UInt64? = nil,
        quota: Int64? = nil,
        burst: UInt64? = nil,
        period: UInt64? = nil,
        realtimeRuntime: Int64? = nil,
        realtimePeriod: UInt64? = nil,
        cpus: String? = nil,
        mems: String? = nil,
        idle: Int64? = nil
    ) {
        self.shares = shares
        self.quota = quota
        self.burst = burst
        self.period = period
        self.realtimeRuntime = realtimeRuntime
        self.realtimePeriod = realtimePeriod
        self.cpus = cpus
        self.mems = mems
        self.idle = idle
    }
}

/// pids controller limit.
public struct LinuxPids: Codable, Equatable, Sendable {
    /// Maximum number of tasks; -1 means unlimited (runc also treats 0 as unset).
    public var limit: Int64

    public init(limit: Int64) {
        self.limit = limit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        limit = try c.go(.limit, or: 0)
    }
}

/// Block I/O controller settings.
public struct LinuxBlockIO: Codable, Equatable, Sendable {
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var weightDevice: [LinuxWeightDevice]?
    /// Bytes per second.
    public var throttleReadBpsDevice: [LinuxThrottleDevice]?
    public var throttleWriteBpsDevice: [LinuxThrottleDevice]?
    /// Operations per second.
    public var throttleReadIOPSDevice: [LinuxThrottleDevice]?
    public var throttleWriteIOPSDevice: [LinuxThrottleDevice]?

    public init(
        weight: UInt16? = nil,
        leafWeight: UInt16? = nil,
        weightDevice: [LinuxWeightDevice]? = nil,
        throttleReadBpsDevice: [LinuxThrottleDevice]? = nil,
        throttleWriteBpsDevice: [LinuxThrottleDevice]? = nil,
        throttleReadIOPSDevice: [LinuxThrottleDevice]? = nil,
        throttleWriteIOPSDevice: [LinuxThrottleDevice]? = nil
    ) {
        self.weight = weight
        self.leafWeight = leafWeight
        self.weightDevice = weightDevice
        self.throttleReadBpsDevice = throttleReadBpsDevice
        self.throttleWriteBpsDevice = throttleWriteBpsDevice
        self.throttleReadIOPSDevice = throttleReadIOPSDevice
        self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
    }
}

/// A per-device block I/O weight.
public struct LinuxWeightDevice: Codable, Equatable, Sendable {
    public var major: Int64
    public var minor: Int64
    public var weight: UInt16?
    public var leafWeight: UInt16?

    public init(major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
        self.major = major
        self.minor = minor
        self.weight = weight
        self.leafWeight = leafWeight
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        major = try c.go(.major, or: 0)
        minor = try c.go(.minor, or: 0)
        weight = try c.opt(.weight)
        leafWeight = try c.opt(.leafWeight)
    }
}

/// A per-device block I/O rate limit.
public struct LinuxThrottleDevice: Codable, Equatable, Sendable {
    public var major: Int64
    public var minor: Int64
    public var rate: UInt64

    public init(major: Int64, minor: Int64, rate: UInt64) {
        self.major = major
        self.minor = minor
        self.rate = rate
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        major = try c.go(.major, or: 0)
        minor = try c.go(.minor, or: 0)
        rate = try c.go(.rate, or: 0)
    }
}

/// A hugetlb limit.
public struct LinuxHugepageLimit: Codable, Equatable, Sendable {
    /// e.g. "2MB", "1GB".
    public var pageSize: String
    /// Bytes.
    public var limit: UInt64

    public init(pageSize: String, limit: UInt64) {
        self.pageSize = pageSize
        self.limit = limit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pageSize = try c.go(.pageSize, or: "")
        limit = try c.go(.limit, or: 0)
    }
}

/// net_cls and net_prio settings.
public struct LinuxNetwork: Codable, Equatable, Sendable {
    public var classID: UInt32?
    public var priorities: [LinuxInterfacePriority]?

    public init(classID: UInt32? = nil, priorities: [LinuxInterfacePriority]? = nil) {
        self.classID = classID
        self.priorities = priorities
    }
}

/// The net_prio priority of one interface.
public struct LinuxInterfacePriority: Codable, Equatable, Sendable {
    public var name: String
    public var priority: UInt32

    public init(name: String, priority: UInt32) {
        self.name = name
        self.priority = priority
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.go(.name, or: "")
        priority = try c.go(.priority, or: 0)
    }
}

/// RDMA controller limits for one device.
public struct LinuxRdma: Codable, Equatable, Sendable {
    public var hcaHandles: UInt32?
    public var hcaObjects: UInt32?

    public init(hcaHandles: UInt32? = nil, hcaObjects: UInt32? = nil) {
        self.hcaHandles = hcaHandles
        self.hcaObjects = hcaObjects
    }
}
