/// A cgroup's usage and limits, shaped like the "data" object of `runc events --stats`
/// (runc's types/events.go). Encoding follows Go's encoding/json with runc's tags: fields
/// tagged omitempty are left out when zero or empty; nested structs are always written.
public struct CgroupStats: Codable, Equatable, Sendable {
    public var cpu = CPU()
    public var cpuset = CPUSet()
    public var memory = Memory()
    public var pids = Pids()
    public var blkio = Blkio()
    /// Keyed by page size ("2MB").
    public var hugetlb: [String: Hugetlb] = [:]
    /// Filled by the runtime (the cgroup knows nothing of network namespaces).
    public var networkInterfaces: [NetworkInterface]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case cpu, cpuset, memory, pids, blkio, hugetlb
        case intelRdt = "intel_rdt"
        case networkInterfaces = "network_interfaces"
    }

    /// runc always writes an (empty) intel_rdt object; hako does not do Intel RDT.
    struct IntelRdt: Codable, Equatable {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cpu = try c.decodeIfPresent(CPU.self, forKey: .cpu) ?? CPU()
        cpuset = try c.decodeIfPresent(CPUSet.self, forKey: .cpuset) ?? CPUSet()
        memory = try c.decodeIfPresent(Memory.self, forKey: .memory) ?? Memory()
        pids = try c.decodeIfPresent(Pids.self, forKey: .pids) ?? Pids()
        blkio = try c.decodeIfPresent(Blkio.self, forKey: .blkio) ?? Blkio()
        hugetlb = try c.decodeIfPresent([String: Hugetlb].self, forKey: .hugetlb) ?? [:]
        networkInterfaces = try c.decodeIfPresent([NetworkInterface].self, forKey: .networkInterfaces)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cpu, forKey: .cpu)
        try c.encode(cpuset, forKey: .cpuset)
        try c.encode(memory, forKey: .memory)
        try c.encode(pids, forKey: .pids)
        try c.encode(blkio, forKey: .blkio)
        try c.encode(hugetlb, forKey: .hugetlb)
        try c.encode(IntelRdt(), forKey: .intelRdt)
        if let networkInterfaces { try c.encode(networkInterfaces, forKey: .networkInterfaces) } else { try c.encodeNil(forKey: .networkInterfaces) }
    }

    // MARK: - cpu

    public struct CPU: Codable, Equatable, Sendable {
        public var usage = CPUUsage()
        public var throttling = Throttling()
        /// Pressure stall information (cgroup v2 only).
        public var psi: PSIStats?

        public init() {}

        enum CodingKeys: String, CodingKey { case usage, throttling, psi }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            usage = try c.decodeIfPresent(CPUUsage.self, forKey: .usage) ?? CPUUsage()
            throttling = try c.decodeIfPresent(Throttling.self, forKey: .throttling) ?? Throttling()
            psi = try c.decodeIfPresent(PSIStats.self, forKey: .psi)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(usage, forKey: .usage)
            try c.encode(throttling, forKey: .throttling)
            try c.encodeIfPresent(psi, forKey: .psi)
        }
    }

    /// Nanoseconds.
    public struct CPUUsage: Codable, Equatable, Sendable {
        public var total: UInt64 = 0
        public var percpu: [UInt64] = []
        public var percpuKernel: [UInt64] = []
        public var percpuUser: [UInt64] = []
        public var kernel: UInt64 = 0
        public var user: UInt64 = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case total, percpu, kernel, user
            case percpuKernel = "percpu_kernel"
            case percpuUser = "percpu_user"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            total = try c.decodeIfPresent(UInt64.self, forKey: .total) ?? 0
            percpu = try c.decodeIfPresent([UInt64].self, forKey: .percpu) ?? []
            percpuKernel = try c.decodeIfPresent([UInt64].self, forKey: .percpuKernel) ?? []
            percpuUser = try c.decodeIfPresent([UInt64].self, forKey: .percpuUser) ?? []
            kernel = try c.decodeIfPresent(UInt64.self, forKey: .kernel) ?? 0
            user = try c.decodeIfPresent(UInt64.self, forKey: .user) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(total, forKey: .total)
            try c.encodeNonEmpty(percpu, forKey: .percpu)
            try c.encodeNonEmpty(percpuKernel, forKey: .percpuKernel)
            try c.encodeNonEmpty(percpuUser, forKey: .percpuUser)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(user, forKey: .user)
        }
    }

    public struct Throttling: Codable, Equatable, Sendable {
        public var periods: UInt64 = 0
        public var throttledPeriods: UInt64 = 0
        /// Nanoseconds.
        public var throttledTime: UInt64 = 0

        public init() {}

        enum CodingKeys: String, CodingKey { case periods, throttledPeriods, throttledTime }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            periods = try c.decodeIfPresent(UInt64.self, forKey: .periods) ?? 0
            throttledPeriods = try c.decodeIfPresent(UInt64.self, forKey: .throttledPeriods) ?? 0
            throttledTime = try c.decodeIfPresent(UInt64.self, forKey: .throttledTime) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(periods, forKey: .periods)
            try c.encodeNonZero(throttledPeriods, forKey: .throttledPeriods)
            try c.encodeNonZero(throttledTime, forKey: .throttledTime)
        }
    }

    // MARK: - cpuset

    public struct CPUSet: Codable, Equatable, Sendable {
        public var cpus: [UInt16] = []
        public var cpuExclusive: UInt64 = 0
        public var mems: [UInt16] = []
        public var memHardwall: UInt64 = 0
        public var memExclusive: UInt64 = 0
        public var memoryMigrate: UInt64 = 0
        public var memorySpreadPage: UInt64 = 0
        public var memorySpreadSlab: UInt64 = 0
        public var memoryPressure: UInt64 = 0
        public var schedLoadBalance: UInt64 = 0
        public var schedRelaxDomainLevel: Int64 = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case cpus, mems
            case cpuExclusive = "cpu_exclusive"
            case memHardwall = "mem_hardwall"
            case memExclusive = "mem_exclusive"
            case memoryMigrate = "memory_migrate"
            case memorySpreadPage = "memory_spread_page"
            case memorySpreadSlab = "memory_spread_slab"
            case memoryPressure = "memory_pressure"
            case schedLoadBalance = "sched_load_balance"
            case schedRelaxDomainLevel = "sched_relax_domain_level"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cpus = try c.decodeIfPresent([UInt16].self, forKey: .cpus) ?? []
            cpuExclusive = try c.decodeIfPresent(UInt64.self, forKey: .cpuExclusive) ?? 0
            mems = try c.decodeIfPresent([UInt16].self, forKey: .mems) ?? []
            memHardwall = try c.decodeIfPresent(UInt64.self, forKey: .memHardwall) ?? 0
            memExclusive = try c.decodeIfPresent(UInt64.self, forKey: .memExclusive) ?? 0
            memoryMigrate = try c.decodeIfPresent(UInt64.self, forKey: .memoryMigrate) ?? 0
            memorySpreadPage = try c.decodeIfPresent(UInt64.self, forKey: .memorySpreadPage) ?? 0
            memorySpreadSlab = try c.decodeIfPresent(UInt64.self, forKey: .memorySpreadSlab) ?? 0
            memoryPressure = try c.decodeIfPresent(UInt64.self, forKey: .memoryPressure) ?? 0
            schedLoadBalance = try c.decodeIfPresent(UInt64.self, forKey: .schedLoadBalance) ?? 0
            schedRelaxDomainLevel = try c.decodeIfPresent(Int64.self, forKey: .schedRelaxDomainLevel) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonEmpty(cpus, forKey: .cpus)
            try c.encode(cpuExclusive, forKey: .cpuExclusive)
            try c.encodeNonEmpty(mems, forKey: .mems)
            try c.encode(memHardwall, forKey: .memHardwall)
            try c.encode(memExclusive, forKey: .memExclusive)
            try c.encode(memoryMigrate, forKey: .memoryMigrate)
            try c.encode(memorySpreadPage, forKey: .memorySpreadPage)
            try c.encode(memorySpreadSlab, forKey: .memorySpreadSlab)
            try c.encode(memoryPressure, forKey: .memoryPressure)
            try c.encode(schedLoadBalance, forKey: .schedLoadBalance)
            try c.encode(schedRelaxDomainLevel, forKey: .schedRelaxDomainLevel)
        }
    }

    // MARK: - memory

    public struct Memory: Codable, Equatable, Sendable {
        /// Page cache: "cache" of memory.stat on v1, "file" on v2.
        public var cache: UInt64 = 0
        public var usage = MemoryEntry()
        /// Memory plus swap (on v2 too, summed for v1 compatibility as runc does).
        public var swap = MemoryEntry()
        public var kernel = MemoryEntry()
        public var kernelTCP = MemoryEntry()
        /// memory.stat as it is.
        public var raw: [String: UInt64] = [:]
        public var psi: PSIStats?

        public init() {}

        enum CodingKeys: String, CodingKey { case cache, usage, swap, kernel, kernelTCP, raw, psi }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cache = try c.decodeIfPresent(UInt64.self, forKey: .cache) ?? 0
            usage = try c.decodeIfPresent(MemoryEntry.self, forKey: .usage) ?? MemoryEntry()
            swap = try c.decodeIfPresent(MemoryEntry.self, forKey: .swap) ?? MemoryEntry()
            kernel = try c.decodeIfPresent(MemoryEntry.self, forKey: .kernel) ?? MemoryEntry()
            kernelTCP = try c.decodeIfPresent(MemoryEntry.self, forKey: .kernelTCP) ?? MemoryEntry()
            raw = try c.decodeIfPresent([String: UInt64].self, forKey: .raw) ?? [:]
            psi = try c.decodeIfPresent(PSIStats.self, forKey: .psi)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(cache, forKey: .cache)
            try c.encode(usage, forKey: .usage)
            try c.encode(swap, forKey: .swap)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(kernelTCP, forKey: .kernelTCP)
            if !raw.isEmpty { try c.encode(raw, forKey: .raw) }
            try c.encodeIfPresent(psi, forKey: .psi)
        }
    }

    /// Bytes. `limit` is UInt64.max-ish ("max" on v2, 2^63 rounded down on v1) when unlimited.
    public struct MemoryEntry: Codable, Equatable, Sendable {
        public var limit: UInt64 = 0
        public var usage: UInt64 = 0
        /// The peak usage (memory.max_usage_in_bytes on v1, memory.peak on v2).
        public var max: UInt64 = 0
        public var failcnt: UInt64 = 0

        public init(limit: UInt64 = 0, usage: UInt64 = 0, max: UInt64 = 0, failcnt: UInt64 = 0) {
            self.limit = limit
            self.usage = usage
            self.max = max
            self.failcnt = failcnt
        }

        enum CodingKeys: String, CodingKey { case limit, usage, max, failcnt }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            limit = try c.decodeIfPresent(UInt64.self, forKey: .limit) ?? 0
            usage = try c.decodeIfPresent(UInt64.self, forKey: .usage) ?? 0
            max = try c.decodeIfPresent(UInt64.self, forKey: .max) ?? 0
            failcnt = try c.decodeIfPresent(UInt64.self, forKey: .failcnt) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(limit, forKey: .limit)
            try c.encodeNonZero(usage, forKey: .usage)
            try c.encodeNonZero(max, forKey: .max)
            try c.encode(failcnt, forKey: .failcnt)
        }
    }

    // MARK: - pids, blkio, hugetlb

    public struct Pids: Codable, Equatable, Sendable {
        public var current: UInt64 = 0
        /// 0 when unlimited.
        public var limit: UInt64 = 0

        public init(current: UInt64 = 0, limit: UInt64 = 0) {
            self.current = current
            self.limit = limit
        }

        enum CodingKeys: String, CodingKey { case current, limit }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            current = try c.decodeIfPresent(UInt64.self, forKey: .current) ?? 0
            limit = try c.decodeIfPresent(UInt64.self, forKey: .limit) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(current, forKey: .current)
            try c.encodeNonZero(limit, forKey: .limit)
        }
    }

    public struct BlkioEntry: Codable, Equatable, Sendable {
        public var major: UInt64 = 0
        public var minor: UInt64 = 0
        /// "Read", "Write", "Sync", "Async", "Discard", "Total"; empty for plain counters.
        public var op: String = ""
        public var value: UInt64 = 0

        public init(major: UInt64 = 0, minor: UInt64 = 0, op: String = "", value: UInt64 = 0) {
            self.major = major
            self.minor = minor
            self.op = op
            self.value = value
        }

        enum CodingKeys: String, CodingKey { case major, minor, op, value }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            major = try c.decodeIfPresent(UInt64.self, forKey: .major) ?? 0
            minor = try c.decodeIfPresent(UInt64.self, forKey: .minor) ?? 0
            op = try c.decodeIfPresent(String.self, forKey: .op) ?? ""
            value = try c.decodeIfPresent(UInt64.self, forKey: .value) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(major, forKey: .major)
            try c.encodeNonZero(minor, forKey: .minor)
            if !op.isEmpty { try c.encode(op, forKey: .op) }
            try c.encodeNonZero(value, forKey: .value)
        }
    }

    public struct Blkio: Codable, Equatable, Sendable {
        public var ioServiceBytesRecursive: [BlkioEntry] = []
        public var ioServicedRecursive: [BlkioEntry] = []
        public var ioQueuedRecursive: [BlkioEntry] = []
        public var ioServiceTimeRecursive: [BlkioEntry] = []
        public var ioWaitTimeRecursive: [BlkioEntry] = []
        public var ioMergedRecursive: [BlkioEntry] = []
        public var ioTimeRecursive: [BlkioEntry] = []
        public var sectorsRecursive: [BlkioEntry] = []
        public var psi: PSIStats?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case ioServiceBytesRecursive, ioServicedRecursive, ioServiceTimeRecursive, ioWaitTimeRecursive
            case ioMergedRecursive, ioTimeRecursive, sectorsRecursive, psi
            // runc's tag drops the "d".
            case ioQueuedRecursive = "ioQueueRecursive"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func list(_ key: CodingKeys) throws -> [BlkioEntry] { try c.decodeIfPresent([BlkioEntry].self, forKey: key) ?? [] }
            ioServiceBytesRecursive = try list(.ioServiceBytesRecursive)
            ioServicedRecursive = try list(.ioServicedRecursive)
            ioQueuedRecursive = try list(.ioQueuedRecursive)
            ioServiceTimeRecursive = try list(.ioServiceTimeRecursive)
            ioWaitTimeRecursive = try list(.ioWaitTimeRecursive)
            ioMergedRecursive = try list(.ioMergedRecursive)
            ioTimeRecursive = try list(.ioTimeRecursive)
            sectorsRecursive = try list(.sectorsRecursive)
            psi = try c.decodeIfPresent(PSIStats.self, forKey: .psi)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonEmpty(ioServiceBytesRecursive, forKey: .ioServiceBytesRecursive)
            try c.encodeNonEmpty(ioServicedRecursive, forKey: .ioServicedRecursive)
            try c.encodeNonEmpty(ioQueuedRecursive, forKey: .ioQueuedRecursive)
            try c.encodeNonEmpty(ioServiceTimeRecursive, forKey: .ioServiceTimeRecursive)
            try c.encodeNonEmpty(ioWaitTimeRecursive, forKey: .ioWaitTimeRecursive)
            try c.encodeNonEmpty(ioMergedRecursive, forKey: .ioMergedRecursive)
            try c.encodeNonEmpty(ioTimeRecursive, forKey: .ioTimeRecursive)
            try c.encodeNonEmpty(sectorsRecursive, forKey: .sectorsRecursive)
            try c.encodeIfPresent(psi, forKey: .psi)
        }
    }

    public struct Hugetlb: Codable, Equatable, Sendable {
        public var usage: UInt64 = 0
        public var max: UInt64 = 0
        public var failcnt: UInt64 = 0

        public init(usage: UInt64 = 0, max: UInt64 = 0, failcnt: UInt64 = 0) {
            self.usage = usage
            self.max = max
            self.failcnt = failcnt
        }

        enum CodingKeys: String, CodingKey { case usage, max, failcnt }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            usage = try c.decodeIfPresent(UInt64.self, forKey: .usage) ?? 0
            max = try c.decodeIfPresent(UInt64.self, forKey: .max) ?? 0
            failcnt = try c.decodeIfPresent(UInt64.self, forKey: .failcnt) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeNonZero(usage, forKey: .usage)
            try c.encodeNonZero(max, forKey: .max)
            try c.encode(failcnt, forKey: .failcnt)
        }
    }

    // MARK: - PSI and network

    public struct PSIData: Codable, Equatable, Sendable {
        public var avg10: Double = 0
        public var avg60: Double = 0
        public var avg300: Double = 0
        /// Microseconds stalled.
        public var total: UInt64 = 0

        public init(avg10: Double = 0, avg60: Double = 0, avg300: Double = 0, total: UInt64 = 0) {
            self.avg10 = avg10
            self.avg60 = avg60
            self.avg300 = avg300
            self.total = total
        }
    }

    public struct PSIStats: Codable, Equatable, Sendable {
        public var some = PSIData()
        public var full = PSIData()

        public init(some: PSIData = PSIData(), full: PSIData = PSIData()) {
            self.some = some
            self.full = full
        }
    }

    /// Counters of one interface, with runc's (untagged, so capitalised) JSON names.
    public struct NetworkInterface: Codable, Equatable, Sendable {
        public var name: String
        public var rxBytes: UInt64 = 0
        public var rxPackets: UInt64 = 0
        public var rxErrors: UInt64 = 0
        public var rxDropped: UInt64 = 0
        public var txBytes: UInt64 = 0
        public var txPackets: UInt64 = 0
        public var txErrors: UInt64 = 0
        public var txDropped: UInt64 = 0

        public init(name: String) { self.name = name }

        enum CodingKeys: String, CodingKey {
            case name = "Name"
            case rxBytes = "RxBytes", rxPackets = "RxPackets", rxErrors = "RxErrors", rxDropped = "RxDropped"
            case txBytes = "TxBytes", txPackets = "TxPackets", txErrors = "TxErrors", txDropped = "TxDropped"
        }
    }
}

extension KeyedEncodingContainer {
    /// Go's omitempty for numbers.
    mutating func encodeNonZero(_ value: UInt64, forKey key: Key) throws {
        if value != 0 { try encode(value, forKey: key) }
    }

    /// Go's omitempty for slices.
    mutating func encodeNonEmpty<T: Encodable>(_ value: [T], forKey key: Key) throws {
        if !value.isEmpty { try encode(value, forKey: key) }
    }
}
