#if canImport(Glibc)
import Glibc
#endif
import LinuxSys

/// Reads cgroup v1 statistics, the files runc's fs driver reads.
struct V1Stats {
    let io: CgroupIO
    let paths: [String: String]
    /// USER_HZ, the unit of cpuacct.stat.
    var clockTicks: UInt64 = {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? UInt64(ticks) : 100
    }()

    func collect() throws(CgroupError) -> CgroupStats {
        var stats = CgroupStats()
        if let dir = paths["cpu"] { try cpu(dir, into: &stats) }
        if let dir = paths["cpuacct"] { try cpuacct(dir, into: &stats) }
        if let dir = paths["cpuset"] { try cpuset(dir, into: &stats) }
        if let dir = paths["memory"] { try memory(dir, into: &stats) }
        if let dir = paths["pids"] {
            stats.pids.current = try io.readUIntIfPresent(dir, "pids.current") ?? 0
            let limit = try io.readUIntIfPresent(dir, "pids.max") ?? 0
            stats.pids.limit = limit == UInt64.max ? 0 : limit
        }
        if let dir = paths["blkio"] { try blkio(dir, into: &stats) }
        if let dir = paths["hugetlb"] { try hugetlb(dir, into: &stats) }
        return stats
    }

    private func cpu(_ dir: String, into stats: inout CgroupStats) throws(CgroupError) {
        for (key, value) in try io.readKeyValues(dir, "cpu.stat") ?? [] {
            switch key {
            case "nr_periods": stats.cpu.throttling.periods = value
            case "nr_throttled": stats.cpu.throttling.throttledPeriods = value
            case "throttled_time": stats.cpu.throttling.throttledTime = value
            default: break
            }
        }
    }

    private func cpuacct(_ dir: String, into stats: inout CgroupStats) throws(CgroupError) {
        stats.cpu.usage.total = try io.readUIntIfPresent(dir, "cpuacct.usage") ?? 0
        if let text = try io.readIfPresent(dir, "cpuacct.usage_percpu") {
            stats.cpu.usage.percpu = try numbers(text, path: dir + "/cpuacct.usage_percpu")
        }
        // user and system in USER_HZ ticks.
        let nanosecondsPerTick = 1_000_000_000 / clockTicks
        for (key, value) in try io.readKeyValues(dir, "cpuacct.stat") ?? [] {
            if key == "user" { stats.cpu.usage.user = value * nanosecondsPerTick }
            if key == "system" { stats.cpu.usage.kernel = value * nanosecondsPerTick }
        }
        // "cpu user system" then one line per cpu, in nanoseconds.
        if let text = try io.readIfPresent(dir, "cpuacct.usage_all") {
            var kernel: [UInt64] = [], user: [UInt64] = []
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count == 3, let u = UInt64(fields[1]), let s = UInt64(fields[2]) else {
                    throw CgroupError("parsing", path: dir + "/cpuacct.usage_all", reason: "unexpected line \(CgroupIO.quoted(String(line)))")
                }
                user.append(u)
                kernel.append(s)
            }
            stats.cpu.usage.percpuKernel = kernel
            stats.cpu.usage.percpuUser = user
        }
    }

    private func cpuset(_ dir: String, into stats: inout CgroupStats) throws(CgroupError) {
        if let text = try io.readIfPresent(dir, "cpuset.cpus") { stats.cpuset.cpus = try CgroupIO.parseList(text, path: dir + "/cpuset.cpus") }
        if let text = try io.readIfPresent(dir, "cpuset.mems") { stats.cpuset.mems = try CgroupIO.parseList(text, path: dir + "/cpuset.mems") }
        stats.cpuset.cpuExclusive = try io.readUIntIfPresent(dir, "cpuset.cpu_exclusive") ?? 0
        stats.cpuset.memHardwall = try io.readUIntIfPresent(dir, "cpuset.mem_hardwall") ?? 0
        stats.cpuset.memExclusive = try io.readUIntIfPresent(dir, "cpuset.mem_exclusive") ?? 0
        stats.cpuset.memoryMigrate = try io.readUIntIfPresent(dir, "cpuset.memory_migrate") ?? 0
        stats.cpuset.memorySpreadPage = try io.readUIntIfPresent(dir, "cpuset.memory_spread_page") ?? 0
        stats.cpuset.memorySpreadSlab = try io.readUIntIfPresent(dir, "cpuset.memory_spread_slab") ?? 0
        stats.cpuset.memoryPressure = try io.readUIntIfPresent(dir, "cpuset.memory_pressure") ?? 0
        stats.cpuset.schedLoadBalance = try io.readUIntIfPresent(dir, "cpuset.sched_load_balance") ?? 0
        if let text = try io.readIfPresent(dir, "cpuset.sched_relax_domain_level") {
            stats.cpuset.schedRelaxDomainLevel = Int64(text.trimmingWhitespace()) ?? 0
        }
    }

    private func memory(_ dir: String, into stats: inout CgroupStats) throws(CgroupError) {
        for (key, value) in try io.readKeyValues(dir, "memory.stat") ?? [] { stats.memory.raw[key] = value }
        stats.memory.cache = stats.memory.raw["cache"] ?? 0
        stats.memory.usage = try entry(dir, prefix: "memory") ?? .init()
        stats.memory.swap = try entry(dir, prefix: "memory.memsw") ?? .init()
        stats.memory.kernel = try entry(dir, prefix: "memory.kmem") ?? .init()
        stats.memory.kernelTCP = try entry(dir, prefix: "memory.kmem.tcp") ?? .init()
    }

    /// <prefix>.usage_in_bytes, .max_usage_in_bytes, .failcnt and .limit_in_bytes; nil
    /// when the kernel lacks that counter (no swap accounting, no kmem).
    private func entry(_ dir: String, prefix: String) throws(CgroupError) -> CgroupStats.MemoryEntry? {
        guard let usage = try io.readUIntIfPresent(dir, prefix + ".usage_in_bytes") else { return nil }
        return CgroupStats.MemoryEntry(
            limit: try io.readUIntIfPresent(dir, prefix + ".limit_in_bytes") ?? 0,
            usage: usage,
            max: try io.readUIntIfPresent(dir, prefix + ".max_usage_in_bytes") ?? 0,
            failcnt: try io.readUIntIfPresent(dir, prefix + ".failcnt") ?? 0
        )
    }

    private func blkio(_ dir: String, into stats: inout CgroupStats) throws(CgroupError) {
        // CFQ's counters when present, else BFQ's, else the throttling layer's (which
        // counts every device whatever its scheduler).
        func first(_ names: [String]) throws(CgroupError) -> [CgroupStats.BlkioEntry] {
            for name in names {
                if let text = try io.readIfPresent(dir, name) { return try Self.blkioEntries(text, path: dir + "/" + name) }
            }
            return []
        }
        stats.blkio.ioServiceBytesRecursive = try first(["blkio.io_service_bytes_recursive", "blkio.bfq.io_service_bytes_recursive",
                                                         "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes"])
        stats.blkio.ioServicedRecursive = try first(["blkio.io_serviced_recursive", "blkio.bfq.io_serviced_recursive",
                                                     "blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced"])
        stats.blkio.ioQueuedRecursive = try first(["blkio.io_queued_recursive"])
        stats.blkio.ioServiceTimeRecursive = try first(["blkio.io_service_time_recursive"])
        stats.blkio.ioWaitTimeRecursive = try first(["blkio.io_wait_time_recursive"])
        stats.blkio.ioMergedRecursive = try first(["blkio.io_merged_recursive"])
        stats.blkio.ioTimeRecursive = try first(["blkio.time_recursive"])
        stats.blkio.sectorsRecursive = try first(["blkio.sectors_recursive"])
    }

    /// "8:0 Read 4096" lines (or "8:0 4096" for plain counters); the "Total N" summary is dropped.
    static func blkioEntries(_ text: String, path: String) throws(CgroupError) -> [CgroupStats.BlkioEntry] {
        var entries: [CgroupStats.BlkioEntry] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count < 2 || fields[0] == "Total" { continue }
            let device = fields[0].split(separator: ":")
            guard device.count == 2, let major = UInt64(device[0]), let minor = UInt64(device[1]),
                  let value = UInt64(fields[fields.count - 1]), fields.count <= 3 else {
                throw CgroupError("parsing", path: path, reason: "unexpected line \(CgroupIO.quoted(String(line)))")
            }
            entries.append(.init(major: major, minor: minor, op: fields.count == 3 ? String(fields[1]) : "", value: value))
        }
        return entries
    }

    private func hugetlb(_ dir: String, into stats: inout CgroupStats) throws(CgroupError) {
        for size in try pageSizes(dir, suffix: ".limit_in_bytes") {
            let prefix = "hugetlb.\(size)"
            stats.hugetlb[size] = CgroupStats.Hugetlb(
                usage: try io.readUIntIfPresent(dir, prefix + ".usage_in_bytes") ?? 0,
                max: try io.readUIntIfPresent(dir, prefix + ".max_usage_in_bytes") ?? 0,
                failcnt: try io.readUIntIfPresent(dir, prefix + ".failcnt") ?? 0
            )
        }
    }

    /// Page sizes with a "hugetlb.<size><suffix>" file, reservations left out.
    func pageSizes(_ dir: String, suffix: String) throws(CgroupError) -> [String] {
        pageSizesIn(try names(dir), suffix: suffix)
    }

    private func names(_ dir: String) throws(CgroupError) -> [String] {
        do {
            return try io.system.listDirectory(dir)
        } catch {
            throw CgroupError("listing", path: dir, errno: error.errno)
        }
    }

    private func numbers(_ text: String, path: String) throws(CgroupError) -> [UInt64] {
        var result: [UInt64] = []
        for field in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let value = UInt64(field) else {
                throw CgroupError("parsing", path: path, reason: "\(CgroupIO.quoted(String(field))) is not a number")
            }
            result.append(value)
        }
        return result
    }
}

/// "hugetlb.2MB.max" -> "2MB" for the given suffix, sorted; ".rsvd" variants excluded.
func pageSizesIn(_ names: [String], suffix: String) -> [String] {
    names.compactMap { name -> String? in
        guard name.hasPrefix("hugetlb."), name.hasSuffix(suffix) else { return nil }
        let size = name.dropFirst("hugetlb.".count).dropLast(suffix.count)
        guard !size.isEmpty, !size.contains(".") else { return nil }
        return String(size)
    }.sorted()
}

/// Reads cgroup v2 statistics, converted to the v1-shaped report as runc does.
struct V2Stats {
    let io: CgroupIO
    let dir: String

    func collect() throws(CgroupError) -> CgroupStats {
        var stats = CgroupStats()
        try cpu(into: &stats)
        try memory(into: &stats)
        if let current = try io.readUIntIfPresent(dir, "pids.current") {
            stats.pids.current = current
        } else {
            // No pids controller here: count the processes instead.
            stats.pids.current = UInt64(try io.processes(dir).count)
        }
        let limit = try io.readUIntIfPresent(dir, "pids.max") ?? 0
        stats.pids.limit = limit == UInt64.max ? 0 : limit
        if let text = try io.readIfPresent(dir, "io.stat") { stats.blkio = try Self.ioStat(text, path: dir + "/io.stat") }
        stats.blkio.psi = try psi("io.pressure")
        for size in pageSizesIn(try names(), suffix: ".max") {
            let prefix = "hugetlb.\(size)"
            let events = try io.readKeyValues(dir, prefix + ".events") ?? []
            stats.hugetlb[size] = CgroupStats.Hugetlb(
                usage: try io.readUIntIfPresent(dir, prefix + ".current") ?? 0,
                max: 0,
                failcnt: events.first { $0.key == "max" }?.value ?? 0
            )
        }
        if let text = try io.readIfPresent(dir, "cpuset.cpus.effective") {
            stats.cpuset.cpus = try CgroupIO.parseList(text, path: dir + "/cpuset.cpus.effective")
        }
        if let text = try io.readIfPresent(dir, "cpuset.mems.effective") {
            stats.cpuset.mems = try CgroupIO.parseList(text, path: dir + "/cpuset.mems.effective")
        }
        return stats
    }

    private func cpu(into stats: inout CgroupStats) throws(CgroupError) {
        for (key, value) in try io.readKeyValues(dir, "cpu.stat") ?? [] {
            switch key {
            case "usage_usec": stats.cpu.usage.total = value * 1000
            case "user_usec": stats.cpu.usage.user = value * 1000
            case "system_usec": stats.cpu.usage.kernel = value * 1000
            case "nr_periods": stats.cpu.throttling.periods = value
            case "nr_throttled": stats.cpu.throttling.throttledPeriods = value
            case "throttled_usec": stats.cpu.throttling.throttledTime = value * 1000
            default: break
            }
        }
        stats.cpu.psi = try psi("cpu.pressure")
    }

    private func memory(into stats: inout CgroupStats) throws(CgroupError) {
        for (key, value) in try io.readKeyValues(dir, "memory.stat") ?? [] { stats.memory.raw[key] = value }
        stats.memory.cache = stats.memory.raw["file"] ?? 0
        if let usage = try io.readUIntIfPresent(dir, "memory.current") {
            let events = try io.readKeyValues(dir, "memory.events") ?? []
            stats.memory.usage = CgroupStats.MemoryEntry(
                limit: try io.readUIntIfPresent(dir, "memory.max") ?? 0,
                usage: usage,
                max: try io.readUIntIfPresent(dir, "memory.peak") ?? 0,
                failcnt: events.first { $0.key == "max" }?.value ?? 0
            )
        }
        if let swapUsage = try io.readUIntIfPresent(dir, "memory.swap.current") {
            // v1 reports memory+swap; do the same so the numbers mean one thing.
            let swapLimit = try io.readUIntIfPresent(dir, "memory.swap.max") ?? 0
            let memory = stats.memory.usage
            stats.memory.swap = CgroupStats.MemoryEntry(
                limit: swapLimit == UInt64.max || memory.limit == UInt64.max ? UInt64.max : swapLimit &+ memory.limit,
                usage: swapUsage &+ memory.usage,
                max: 0,
                failcnt: 0
            )
        }
        stats.memory.psi = try psi("memory.pressure")
    }

    /// "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line; nil when absent.
    private func psi(_ file: String) throws(CgroupError) -> CgroupStats.PSIStats? {
        let text: String?
        do {
            text = try io.readIfPresent(dir, file)
        } catch {
            // Kernels built without PSI (or booted with psi=0) refuse the read.
            if error.errno == EOPNOTSUPP || error.errno == ENOTSUP { return nil }
            throw error
        }
        guard let text else { return nil }
        return try Self.parsePSI(text, path: dir + "/" + file)
    }

    static func parsePSI(_ text: String, path: String) throws(CgroupError) -> CgroupStats.PSIStats {
        var result = CgroupStats.PSIStats()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let kind = fields.first, kind == "some" || kind == "full" else { continue }
            var data = CgroupStats.PSIData()
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                switch pair[0] {
                case "avg10": data.avg10 = Double(pair[1]) ?? 0
                case "avg60": data.avg60 = Double(pair[1]) ?? 0
                case "avg300": data.avg300 = Double(pair[1]) ?? 0
                case "total":
                    guard let total = UInt64(pair[1]) else {
                        throw CgroupError("parsing", path: path, reason: "unexpected line \(CgroupIO.quoted(String(line)))")
                    }
                    data.total = total
                default: break
                }
            }
            if kind == "some" { result.some = data } else { result.full = data }
        }
        return result
    }

    /// io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device, to the v1
    /// report's "service bytes" (rbytes, wbytes, dbytes) and "serviced" (rios, wios, dios).
    static func ioStat(_ text: String, path: String) throws(CgroupError) -> CgroupStats.Blkio {
        var blkio = CgroupStats.Blkio()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2 else { continue }
            let device = fields[0].split(separator: ":")
            guard device.count == 2, let major = UInt64(device[0]), let minor = UInt64(device[1]) else {
                throw CgroupError("parsing", path: path, reason: "unexpected line \(CgroupIO.quoted(String(line)))")
            }
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, let value = UInt64(pair[1]) else { continue }
                let entry: (op: String, bytes: Bool)
                switch pair[0] {
                case "rbytes": entry = ("Read", true)
                case "wbytes": entry = ("Write", true)
                case "dbytes": entry = ("Discard", true)
                case "rios": entry = ("Read", false)
                case "wios": entry = ("Write", false)
                case "dios": entry = ("Discard", false)
                default: continue
                }
                let stat = CgroupStats.BlkioEntry(major: major, minor: minor, op: entry.op, value: value)
                if entry.bytes { blkio.ioServiceBytesRecursive.append(stat) } else { blkio.ioServicedRecursive.append(stat) }
            }
        }
        return blkio
    }

    private func names() throws(CgroupError) -> [String] {
        do {
            return try io.system.listDirectory(dir)
        } catch {
            throw CgroupError("listing", path: dir, errno: error.errno)
        }
    }
}
