#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// cgroup v1 through the cgroupfs: one directory per hierarchy. Also serves hybrid hosts,
/// where the limits go to the v1 controllers and the same path is created and joined in
/// the cgroup2 mount (as runc does), so systemd and other v2-aware tools see the container.
public final class V1Manager: CgroupManager {
    public let host: CgroupHost
    public let paths: [String: String]
    public private(set) var devicesEnforced: Bool
    public private(set) var deviceRules: [LinuxDeviceCgroup] = []
    public private(set) var warnings: [String] = []
    public var mode: CgroupMode { host.mode }
    /// How long (microseconds) each try of `freeze` waits for FROZEN before it thaws and
    /// tries again; 2.3 s in all, longer than the longest cpu period (1 s).
    public var freezeWindows: [UInt32] = [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_000_000]

    let io: CgroupIO
    /// Directories `create` made, outermost first, so `remove` can take them away.
    private(set) var created: [String] = []

    public init(host: CgroupHost, paths: [String: String], system: any CgroupSystem = HostCgroupSystem()) {
        self.host = host
        self.paths = paths
        self.io = CgroupIO(system: system)
        self.devicesEnforced = paths["devices"] != nil
    }

    /// The directory of a controller, when the host mounts it.
    func dir(_ controller: String) -> String? {
        paths[controller]
    }

    /// One (mount point, directory) per hierarchy, v1 first in mount order, then cgroup2.
    var hierarchyDirs: [(mountPoint: String, dir: String)] {
        var result: [(mountPoint: String, dir: String)] = []
        for hierarchy in host.hierarchies {
            if let controller = hierarchy.controllers.first, let dir = paths[controller] {
                result.append((hierarchy.mountPoint, dir))
            }
        }
        if let unified = host.unified, let dir = paths[""] { result.append((unified.mountPoint, dir)) }
        return result
    }

    // MARK: - Lifecycle

    public func create() throws(CgroupError) {
        var made: [String] = []
        do {
            for (mountPoint, dir) in hierarchyDirs {
                made += try io.makeDirectories(dir, below: mountPoint)
                if host.hierarchy(for: "cpuset")?.mountPoint == mountPoint {
                    try inheritCpuset(dir, below: mountPoint)
                }
            }
        } catch {
            for dir in made.reversed() { try? io.system.removeDirectory(dir) }
            throw error
        }
        created += made
    }

    /// A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and no task can
    /// join it until they are set: copy them down from the parent at each level, as runc does.
    private func inheritCpuset(_ dir: String, below mountPoint: String) throws(CgroupError) {
        for level in CgroupIO.levels(of: dir, below: mountPoint) {
            let parent = Paths.parent(level)
            for file in ["cpuset.cpus", "cpuset.mems"] {
                let current = try io.read(level, file).trimmingWhitespace()
                guard current.isEmpty else { continue }
                let inherited = try io.read(parent, file).trimmingWhitespace()
                if !inherited.isEmpty { try io.write(level, file, inherited) }
            }
        }
    }

    public func join(pid: Int32) throws(CgroupError) {
        for (_, dir) in hierarchyDirs {
            try io.write(dir, "cgroup.procs", String(pid))
        }
    }

    public func pids() throws(CgroupError) -> [Int32] {
        // Every hierarchy holds the same processes; runc reads the devices one.
        let candidates = ["devices", "freezer", "pids", "memory", "cpu"].compactMap { dir($0) }
        guard let dir = candidates.first ?? hierarchyDirs.first?.dir else {
            throw CgroupError("listing processes", reason: "no cgroup hierarchy is mounted")
        }
        return try io.processes(dir)
    }

    public func remove() throws(CgroupError) {
        var firstError: CgroupError?
        for (_, dir) in hierarchyDirs {
            do { try io.removeTree(dir) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
        // Parents made by `create` go too, unless something else now lives in them.
        try io.removeCreatedParents(created, keeping: Set(hierarchyDirs.map(\.dir)))
        created = []
    }

    // MARK: - Freezer

    public func freeze() throws(CgroupError) {
        if let dir = dir("freezer") {
            try freezeV1(dir)
        } else if let dir = paths[""] {
            // Hybrid without a v1 freezer: cgroup2's own freezer.
            try V2Freezer(io: io, dir: dir).set(frozen: true)
        } else {
            throw CgroupError("freezing", reason: "the freezer controller is not available")
        }
    }

    public func thaw() throws(CgroupError) {
        if let dir = dir("freezer") {
            try io.write(dir, "freezer.state", "THAWED")
        } else if let dir = paths[""] {
            try V2Freezer(io: io, dir: dir).set(frozen: false)
        } else {
            throw CgroupError("thawing", reason: "the freezer controller is not available")
        }
    }

    public var isFrozen: Bool {
        get throws(CgroupError) {
            if let dir = dir("freezer") {
                return try io.read(dir, "freezer.state").trimmingWhitespace() == "FROZEN"
            }
            if let dir = paths[""] { return try V2Freezer(io: io, dir: dir).isFrozen }
            throw CgroupError("reading the freezer state", reason: "the freezer controller is not available")
        }
    }

    /// Writes FROZEN until the kernel reports FROZEN rather than FREEZING, within windows
    /// that grow (`freezeWindows`), thawing between them. Two things keep a v1 freeze in
    /// FREEZING: new tasks arriving (fork), which a thaw and a fresh try get past, and a
    /// task that must run to reach the freezer but has no CPU time: one throttled by its
    /// cpu quota waits for its next period (up to a second). Short windows first for the
    /// one, long ones later for the other; most freezes settle in the first few polls.
    private func freezeV1(_ dir: String) throws(CgroupError) {
        for (index, window) in freezeWindows.enumerated() {
            if index > 0 {
                try? io.write(dir, "freezer.state", "THAWED")
                io.system.pause(microseconds: 10_000)
            }
            var polls = 0
            var waited: UInt32 = 0
            while true {
                try io.write(dir, "freezer.state", "FROZEN")
                let state = try io.read(dir, "freezer.state").trimmingWhitespace()
                switch state {
                case "FROZEN": return
                case "FREEZING": break
                default:
                    throw CgroupError("freezing", path: dir + "/freezer.state", reason: "unexpected state \(CgroupIO.quoted(state)) after writing FROZEN")
                }
                if waited >= window { break }
                polls += 1
                if polls > 25 {
                    io.system.pause(microseconds: 1000)
                    waited += 1000
                }
            }
        }
        try? io.write(dir, "freezer.state", "THAWED")
        throw CgroupError("freezing", path: dir, reason: "the processes did not freeze (stuck in FREEZING)")
    }

    public func killAll(signal: Int32) throws(CgroupError) {
        try io.killAll(self, signal: signal, cgroupKillDirectory: paths[""])
    }

    // MARK: - Resources

    public func apply(resources r: LinuxResources) throws(CgroupError) {
        warnings = []
        if !(r.unified ?? [:]).isEmpty {
            throw CgroupError.field("linux.resources.unified", "invalid configuration: unified resources require cgroup v2")
        }
        try validateCommon(r)
        for need in r.requirements(cgroupV2: false) where dir(need.controller) == nil {
            throw CgroupError.field(need.field, "the \(need.controller) controller is not available")
        }
        let devices = r.devices ?? []
        let rules = try DeviceRule.parse(devices)
        warnings += DeviceRule.ignoredAccess(devices)
        if dir("devices") == nil && !DeviceRule.isDefaultDenyAll(devices) {
            throw CgroupError.field("linux.resources.devices", "the devices controller is not available")
        }
        if let limits = r.hugepageLimits, let dir = dir("hugetlb") {
            for (index, limit) in limits.enumerated() where !io.exists(dir, "hugetlb.\(limit.pageSize).limit_in_bytes") {
                throw CgroupError.field("linux.resources.hugepageLimits[\(index)].pageSize", "page size \(limit.pageSize) is not supported by the host")
            }
        }

        // The order of runc's subsystems: cpuset, devices, memory, cpu, pids, blkio, ...
        if let cpu = r.cpu, cpu.isCpusetSet, let dir = dir("cpuset") {
            if let cpus = cpu.cpus, !cpus.isEmpty { try io.write(dir, "cpuset.cpus", cpus) }
            if let mems = cpu.mems, !mems.isEmpty { try io.write(dir, "cpuset.mems", mems) }
        }
        if let dir = dir("devices"), !devices.isEmpty {
            let current = try io.readIfPresent(dir, "devices.list").flatMap { DeviceState.parse(list: $0) }
            for write in DeviceState.target(rules).writes(from: current) {
                try io.write(dir, write.file, write.value)
            }
            devicesEnforced = true
        } else if dir("devices") == nil {
            devicesEnforced = false
        }
        if r.devices != nil { deviceRules = devices }
        if let memory = r.memory, memory.isSet, let dir = dir("memory") { try applyMemory(memory, dir: dir) }
        if let cpu = r.cpu, cpu.isCPUSet, let dir = dir("cpu") { try applyCPU(cpu, dir: dir) }
        if let pids = r.pids, pids.limit != 0, let dir = dir("pids") {
            try io.write(dir, "pids.max", pids.limit > 0 ? String(pids.limit) : "max")
        }
        if let blockIO = r.blockIO, blockIO.isSet, let dir = dir("blkio") { try applyBlockIO(blockIO, dir: dir) }
        if let limits = r.hugepageLimits, let dir = dir("hugetlb") {
            for limit in limits {
                let prefix = "hugetlb.\(limit.pageSize)"
                try io.write(dir, prefix + ".limit_in_bytes", String(limit.limit))
                // Reservations (kernel 5.7+) get the same limit, as runc sets them.
                if io.exists(dir, prefix + ".rsvd.limit_in_bytes") {
                    try io.write(dir, prefix + ".rsvd.limit_in_bytes", String(limit.limit))
                }
            }
        }
        if let classID = r.network?.classID, classID != 0, let dir = dir("net_cls") {
            try io.write(dir, "net_cls.classid", String(classID))
        }
        if let priorities = r.network?.priorities, let dir = dir("net_prio") {
            for priority in priorities {
                try io.write(dir, "net_prio.ifpriomap", "\(priority.name) \(priority.priority)")
            }
        }
        if let rdma = r.rdma, let dir = dir("rdma") {
            for line in rdmaLines(rdma) { try io.write(dir, "rdma.max", line) }
        }
    }

    /// memory.limit_in_bytes and memory.memsw.limit_in_bytes (memory+swap) must always
    /// satisfy memsw >= limit, so their order depends on whether the limits go up or down.
    private func applyMemory(_ m: LinuxMemory, dir: String) throws(CgroupError) {
        let limit = m.limit ?? 0
        var swap = m.swap ?? 0
        let hasSwap = io.exists(dir, "memory.memsw.limit_in_bytes")
        if m.checkBeforeUpdate == true && limit > 0 {
            let usage = try io.readUInt(dir, "memory.usage_in_bytes")
            if usage > UInt64(limit) {
                throw CgroupError.field("linux.resources.memory.limit", "rejecting memory limit \(limit) below current usage \(usage)")
            }
        }
        // An unlimited memory limit with no swap given means unlimited swap too.
        if limit == -1 && swap == 0 && hasSwap { swap = -1 }
        if swap != 0 && !hasSwap {
            guard swap == -1 else {
                throw CgroupError.field("linux.resources.memory.swap", "swap accounting is not enabled on the host (no memory.memsw.limit_in_bytes)")
            }
            warnings.append("linux.resources.memory.swap: swap accounting is not enabled; -1 ignored")
            swap = 0
        }
        var done = false
        if limit != 0 && swap != 0 {
            let current = try io.readUInt(dir, "memory.limit_in_bytes")
            if swap == -1 || current < UInt64(swap) {
                // Raising: memsw first, so the new limit fits under it.
                try io.write(dir, "memory.memsw.limit_in_bytes", String(swap))
                try writeMemoryLimit(limit, dir: dir)
                done = true
            }
        }
        if !done {
            if limit != 0 { try writeMemoryLimit(limit, dir: dir) }
            if swap != 0 { try io.write(dir, "memory.memsw.limit_in_bytes", String(swap)) }
        }
        if let kernel = m.kernel, kernel != 0 {
            // Deprecated by the spec; kernels from 5.16 accept and ignore it, 6.x may lack it.
            if io.exists(dir, "memory.kmem.limit_in_bytes") {
                try io.write(dir, "memory.kmem.limit_in_bytes", String(kernel))
            } else {
                warnings.append("linux.resources.memory.kernel: not supported by the kernel; ignored")
            }
        }
        if let tcp = m.kernelTCP, tcp != 0 {
            try io.write(dir, "memory.kmem.tcp.limit_in_bytes", String(tcp))
        }
        if let reservation = m.reservation, reservation != 0 {
            try io.write(dir, "memory.soft_limit_in_bytes", String(reservation))
        }
        if m.disableOOMKiller == true {
            try io.write(dir, "memory.oom_control", "1")
        }
        if let swappiness = m.swappiness, swappiness != unsetSwappiness {
            try io.write(dir, "memory.swappiness", String(swappiness))
        }
        if let hierarchy = m.useHierarchy {
            try io.write(dir, "memory.use_hierarchy", hierarchy ? "1" : "0")
        }
    }

    /// EBUSY means the new limit is below the current usage: say so with the numbers.
    private func writeMemoryLimit(_ limit: Int64, dir: String) throws(CgroupError) {
        do {
            try io.write(dir, "memory.limit_in_bytes", String(limit))
        } catch {
            guard error.errno == EBUSY else { throw error }
            let usage = (try? io.readUInt(dir, "memory.usage_in_bytes")).map(String.init) ?? "unknown"
            let peak = (try? io.readUInt(dir, "memory.max_usage_in_bytes")).map(String.init) ?? "unknown"
            throw CgroupError(error.step, path: error.path, errno: error.errno,
                              reason: "unable to set memory limit to \(limit) (current usage: \(usage), peak usage: \(peak))")
        }
    }

    private func applyCPU(_ cpu: LinuxCPU, dir: String) throws(CgroupError) {
        if let shares = cpu.shares, shares != 0 {
            try io.write(dir, "cpu.shares", String(shares))
            // The kernel clamps out-of-range shares silently: read back and complain.
            let actual = try io.readUInt(dir, "cpu.shares")
            if shares > actual {
                throw CgroupError.field("linux.resources.cpu.shares", "the maximum allowed cpu-shares is \(actual)")
            } else if shares < actual {
                throw CgroupError.field("linux.resources.cpu.shares", "the minimum allowed cpu-shares is \(actual)")
            }
        }
        let quota = cpu.quota ?? 0
        // The kernel checks period, quota and burst against each other as each is written;
        // an EINVAL on period or burst may go away once the quota is in, so retry them then.
        var periodLater: String?
        if let period = cpu.period, period != 0 {
            do {
                try io.write(dir, "cpu.cfs_period_us", String(period))
            } catch {
                guard error.errno == EINVAL && quota != 0 else { throw error }
                periodLater = String(period)
            }
        }
        var burstLater: String?
        if let burst = cpu.burst {
            if !io.exists(dir, "cpu.cfs_burst_us") {
                throw CgroupError.field("linux.resources.cpu.burst", "not supported by the kernel (no cpu.cfs_burst_us)")
            }
            do {
                try io.write(dir, "cpu.cfs_burst_us", String(burst))
            } catch {
                guard error.errno == EINVAL && quota != 0 else { throw error }
                burstLater = String(burst)
            }
        }
        if quota != 0 {
            try io.write(dir, "cpu.cfs_quota_us", String(quota))
            if let periodLater { try io.write(dir, "cpu.cfs_period_us", periodLater) }
            if let burstLater { try io.write(dir, "cpu.cfs_burst_us", burstLater) }
        }
        if let idle = cpu.idle {
            try io.write(dir, "cpu.idle", String(idle))
        }
        // Real-time period and runtime constrain each other the same way.
        let runtime = cpu.realtimeRuntime ?? 0
        var rtPeriodLater: String?
        if let period = cpu.realtimePeriod, period != 0 {
            do {
                try io.write(dir, "cpu.rt_period_us", String(period))
            } catch {
                guard error.errno == EINVAL && runtime != 0 else { throw error }
                rtPeriodLater = String(period)
            }
        }
        if runtime != 0 {
            try io.write(dir, "cpu.rt_runtime_us", String(runtime))
            if let rtPeriodLater { try io.write(dir, "cpu.rt_period_us", rtPeriodLater) }
        }
    }

    static let noWeights = "this kernel's blkio controller has no weights (neither CFQ's blkio.weight nor BFQ's blkio.bfq.weight: the BFQ I/O scheduler is not in use)"

    private func applyBlockIO(_ b: LinuxBlockIO, dir: String) throws(CgroupError) {
        // CFQ's files when present, else BFQ's (kernels from 5.0 have only BFQ).
        let useCFQ = io.exists(dir, "blkio.weight")
        let weightFile = useCFQ ? "blkio.weight" : "blkio.bfq.weight"
        let weightDeviceFile = useCFQ ? "blkio.weight_device" : "blkio.bfq.weight_device"
        let hasWeights = useCFQ || io.exists(dir, weightFile)
        if let weight = b.weight, weight != 0 {
            guard hasWeights else { throw CgroupError.field("linux.resources.blockIO.weight", Self.noWeights) }
            try io.write(dir, weightFile, String(weight))
        }
        if let leaf = b.leafWeight, leaf != 0 { try io.write(dir, "blkio.leaf_weight", String(leaf)) }
        for (index, device) in (b.weightDevice ?? []).enumerated() {
            if let weight = device.weight, weight != 0 {
                guard hasWeights else { throw CgroupError.field("linux.resources.blockIO.weightDevice[\(index)]", Self.noWeights) }
                try io.write(dir, weightDeviceFile, "\(device.major):\(device.minor) \(weight)")
            }
            if let leaf = device.leafWeight, leaf != 0 {
                try io.write(dir, "blkio.leaf_weight_device", "\(device.major):\(device.minor) \(leaf)")
            }
        }
        let throttles: [(String, [LinuxThrottleDevice]?)] = [
            ("blkio.throttle.read_bps_device", b.throttleReadBpsDevice),
            ("blkio.throttle.write_bps_device", b.throttleWriteBpsDevice),
            ("blkio.throttle.read_iops_device", b.throttleReadIOPSDevice),
            ("blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice),
        ]
        for (file, devices) in throttles {
            for device in devices ?? [] {
                try io.write(dir, file, "\(device.major):\(device.minor) \(device.rate)")
            }
        }
    }

    // MARK: - Stats

    public func stats() throws(CgroupError) -> CgroupStats {
        try V1Stats(io: io, paths: paths).collect()
    }
}

/// rdma.max lines, one per device in name order: "mlx5_1 hca_handle=3 hca_object=10000".
func rdmaLines(_ rdma: [String: LinuxRdma]) -> [String] {
    rdma.keys.sorted().compactMap { device in
        guard let limits = rdma[device], limits.hcaHandles != nil || limits.hcaObjects != nil else { return nil }
        var line = device
        if let handles = limits.hcaHandles { line += " hca_handle=\(handles)" }
        if let objects = limits.hcaObjects { line += " hca_object=\(objects)" }
        return line
    }
}
