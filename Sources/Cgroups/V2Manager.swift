#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// cgroup v2 through the cgroupfs: one directory in the unified hierarchy. Device rules,
/// for which v2 has no files, become an eBPF program attached to the directory.
public final class V2Manager: CgroupManager {
    public let host: CgroupHost
    /// The container's cgroup directory.
    public let directory: String
    public private(set) var devicesEnforced = false
    public private(set) var deviceRules: [LinuxDeviceCgroup] = []
    public private(set) var warnings: [String] = []
    public var mode: CgroupMode { .unified }
    public var paths: [String: String] { ["": directory] }
    /// How long `freeze`/`thaw` wait for cgroup.events to agree, in microseconds.
    public var settleTimeout: UInt32 = 5_000_000
    /// Rootless (a cgroup delegated to a user, as a user's systemd instance gives): a device
    /// program a user may not attach is skipped, as runc skips it. Such a container has a
    /// user namespace, which lets it make no device nodes; it can only bind the host's.
    public let rootless: Bool

    let io: CgroupIO
    private(set) var created: [String] = []

    public init(host: CgroupHost, directory: String, system: any CgroupSystem = HostCgroupSystem(), rootless: Bool = false) {
        self.host = host
        self.directory = directory
        self.rootless = rootless
        self.io = CgroupIO(system: system)
    }

    var mountPoint: String { host.unified?.mountPoint ?? host.root }

    // MARK: - Lifecycle

    /// Creates the directory and, in each ancestor from the mount point down, enables in
    /// cgroup.subtree_control every controller that ancestor has (runc enables them all).
    /// Failures to enable are not fatal here: a controller that stays off is reported by
    /// `apply` against the config field that needs it.
    public func create() throws(CgroupError) {
        let levels = [mountPoint] + CgroupIO.levels(of: directory, below: mountPoint)
        var made: [String] = []
        do {
            for (index, level) in levels.enumerated() {
                if index > 0 {
                    made += try io.makeDirectories(level, below: levels[index - 1])
                }
                // Each level's children get the controllers it enables: all but the leaf.
                if index < levels.count - 1 { enableControllers(level) }
            }
        } catch {
            for dir in made.reversed() { try? io.system.removeDirectory(dir) }
            throw error
        }
        created += made
    }

    private func enableControllers(_ level: String) {
        guard let available = try? io.read(level, "cgroup.controllers") else { return }
        let controllers = available.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        let enabledText = (try? io.read(level, "cgroup.subtree_control")) ?? ""
        let enabled = Set(enabledText.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        let missing = controllers.filter { !enabled.contains($0) }
        guard !missing.isEmpty else { return }
        if (try? io.write(level, "cgroup.subtree_control", missing.map { "+" + $0 }.joined(separator: " "))) == nil {
            // One refusal (e.g. a threaded cgroup) fails the whole write: go one by one.
            for controller in missing { try? io.write(level, "cgroup.subtree_control", "+" + controller) }
        }
    }

    public func join(pid: Int32) throws(CgroupError) {
        try io.write(directory, "cgroup.procs", String(pid))
    }

    public func pids() throws(CgroupError) -> [Int32] {
        try io.processes(directory)
    }

    public func remove() throws(CgroupError) {
        try io.removeTree(directory)
        try io.removeCreatedParents(created, keeping: [directory])
        created = []
    }

    // MARK: - Freezer and kill

    public func freeze() throws(CgroupError) {
        try V2Freezer(io: io, dir: directory, timeout: settleTimeout).set(frozen: true)
    }

    public func thaw() throws(CgroupError) {
        try V2Freezer(io: io, dir: directory, timeout: settleTimeout).set(frozen: false)
    }

    public var isFrozen: Bool {
        get throws(CgroupError) { try V2Freezer(io: io, dir: directory).isFrozen }
    }

    public func killAll(signal: Int32) throws(CgroupError) {
        try io.killAll(self, signal: signal, cgroupKillDirectory: directory)
    }

    // MARK: - Resources

    /// The controllers this cgroup can use: its cgroup.controllers (what the parent enabled).
    func availableControllers() throws(CgroupError) -> Set<String> {
        var text = try io.readIfPresent(directory, "cgroup.controllers")
        if text == nil { text = try io.read(mountPoint, "cgroup.controllers") }
        return Set((text ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    public func apply(resources r: LinuxResources) throws(CgroupError) {
        warnings = []
        guard io.system.isDirectory(directory) else {
            throw CgroupError("applying resources to", path: directory, errno: ENOENT)
        }
        try validateCommon(r)
        let available = try availableControllers()
        for need in r.requirements(cgroupV2: true) where !available.contains(need.controller) {
            throw CgroupError.field(need.field, "the \(need.controller) controller is not available")
        }
        if let network = r.network, (network.classID ?? 0) != 0 || !(network.priorities ?? []).isEmpty {
            throw CgroupError.field("linux.resources.network", "net_cls and net_prio do not exist on cgroup v2")
        }
        if let cpu = r.cpu {
            if (cpu.realtimeRuntime ?? 0) != 0 {
                throw CgroupError.field("linux.resources.cpu.realtimeRuntime", "real-time scheduling limits do not exist on cgroup v2")
            }
            if (cpu.realtimePeriod ?? 0) != 0 {
                throw CgroupError.field("linux.resources.cpu.realtimePeriod", "real-time scheduling limits do not exist on cgroup v2")
            }
        }
        for (index, limit) in (r.hugepageLimits ?? []).enumerated() where !io.exists(directory, "hugetlb.\(limit.pageSize).max") {
            throw CgroupError.field("linux.resources.hugepageLimits[\(index)].pageSize", "page size \(limit.pageSize) is not supported by the host")
        }
        let unified = (r.unified ?? [:]).sorted { $0.key < $1.key }
        for (key, _) in unified {
            try V2Convert.checkUnifiedKey(key, available: available)
        }
        var swapValue: String?
        if let m = r.memory { swapValue = try V2Convert.swapMax(swap: m.swap ?? 0, limit: m.limit ?? 0) }
        let devices = try r.devices.map { (rules) throws(CgroupError) in try DeviceRule.parse(rules) }
        warnings += DeviceRule.ignoredAccess(r.devices ?? [])

        // runc's order: pids, memory, io, cpu, cpuset, hugetlb, rdma, then unified last so
        // that it can override any of them.
        // Devices first, as runc: a container never runs with the limits but not the rules.
        if let devices, let rules = r.devices {
            do {
                try io.system.attachDeviceProgram(directory, DeviceProgram.build(devices))
                deviceRules = rules
                devicesEnforced = true
            } catch {
                if !(rootless && (error.errno == EPERM || error.errno == EACCES)) {
                    throw CgroupError("linux.resources.devices: " + error.operation, path: error.path, errno: error.errno)
                }
            }
        }
        if let pids = r.pids, pids.limit != 0 {
            try io.write(directory, "pids.max", pids.limit > 0 ? String(pids.limit) : "max")
        }
        if let memory = r.memory, memory.isSet { try applyMemory(memory, swapMax: swapValue) }
        if let blockIO = r.blockIO, blockIO.isSet { try applyIO(blockIO) }
        if let cpu = r.cpu, cpu.isCPUSet { try applyCPU(cpu) }
        if let cpu = r.cpu {
            if let cpus = cpu.cpus, !cpus.isEmpty { try io.write(directory, "cpuset.cpus", cpus) }
            if let mems = cpu.mems, !mems.isEmpty { try io.write(directory, "cpuset.mems", mems) }
        }
        for limit in r.hugepageLimits ?? [] {
            let prefix = "hugetlb.\(limit.pageSize)"
            try io.write(directory, prefix + ".max", String(limit.limit))
            // runtime-spec 1.2: the limit applies to reservations when the kernel has them.
            if io.exists(directory, prefix + ".rsvd.max") {
                try io.write(directory, prefix + ".rsvd.max", String(limit.limit))
            }
        }
        if let rdma = r.rdma {
            for line in rdmaLines(rdma) { try io.write(directory, "rdma.max", line) }
        }
        for (key, value) in unified {
            // Multi-line values (io.max for several devices) go one line per write.
            let lines = value.split(separator: "\n", omittingEmptySubsequences: true)
            for line in lines.isEmpty ? [Substring(value)] : lines {
                try io.write(directory, key, String(line))
            }
        }
    }

    private func applyMemory(_ m: LinuxMemory, swapMax: String?) throws(CgroupError) {
        let limit = m.limit ?? 0
        if m.checkBeforeUpdate == true && limit > 0 {
            // On v2 a limit below usage does not fail: it OOM-kills. Refuse instead.
            let usage = try io.readUInt(directory, "memory.current")
            if usage > UInt64(limit) {
                throw CgroupError.field("linux.resources.memory.limit", "rejecting memory limit \(limit) below current usage \(usage)")
            }
        }
        if let swapMax {
            if io.exists(directory, "memory.swap.max") {
                try io.write(directory, "memory.swap.max", swapMax)
            } else if swapMax != "max" && swapMax != "0" {
                throw CgroupError.field("linux.resources.memory.swap", "swap accounting is not enabled on the host (no memory.swap.max)")
            }
        }
        if let value = V2Convert.limit(limit) { try io.write(directory, "memory.max", value) }
        if let value = V2Convert.limit(m.reservation ?? 0) { try io.write(directory, "memory.low", value) }
        if (m.kernel ?? 0) != 0 { warnings.append("linux.resources.memory.kernel: ignored on cgroup v2") }
        if (m.kernelTCP ?? 0) != 0 { warnings.append("linux.resources.memory.kernelTCP: ignored on cgroup v2") }
        if let s = m.swappiness, s != unsetSwappiness { warnings.append("linux.resources.memory.swappiness: ignored on cgroup v2") }
        if m.disableOOMKiller == true { warnings.append("linux.resources.memory.disableOOMKiller: ignored on cgroup v2") }
        if m.useHierarchy != nil { warnings.append("linux.resources.memory.useHierarchy: cgroup v2 is always hierarchical") }
    }

    private func applyCPU(_ cpu: LinuxCPU) throws(CgroupError) {
        if let idle = cpu.idle { try io.write(directory, "cpu.idle", String(idle)) }
        if let shares = cpu.shares, shares != 0 {
            try io.write(directory, "cpu.weight", String(V2Convert.cpuWeight(shares: shares)))
        }
        let quota = cpu.quota ?? 0
        var burstLater: String?
        if let burst = cpu.burst {
            do {
                try io.write(directory, "cpu.max.burst", String(burst))
            } catch {
                // A burst above the old quota is refused until the new quota is in.
                guard error.errno == EINVAL && quota != 0 else { throw error }
                burstLater = String(burst)
            }
        }
        if let value = V2Convert.cpuMax(quota: quota, period: cpu.period ?? 0) {
            try io.write(directory, "cpu.max", value)
            if let burstLater { try io.write(directory, "cpu.max.burst", burstLater) }
        }
    }

    private func applyIO(_ b: LinuxBlockIO) throws(CgroupError) {
        // BFQ takes blkio weights as they are (same 1-1000 scale); io.weight needs converting.
        let bfq = io.exists(directory, "io.bfq.weight")
        if let weight = b.weight, weight != 0 {
            if bfq {
                try io.write(directory, "io.bfq.weight", String(weight))
            } else {
                try io.write(directory, "io.weight", String(V2Convert.ioWeight(blkioWeight: weight)))
            }
        }
        for device in b.weightDevice ?? [] {
            guard let weight = device.weight, weight != 0 else { continue }
            if bfq {
                try io.write(directory, "io.bfq.weight", "\(device.major):\(device.minor) \(weight)")
            } else {
                try io.write(directory, "io.weight", "\(device.major):\(device.minor) \(V2Convert.ioWeight(blkioWeight: weight))")
            }
        }
        if (b.leafWeight ?? 0) != 0 || (b.weightDevice ?? []).contains(where: { ($0.leafWeight ?? 0) != 0 }) {
            warnings.append("linux.resources.blockIO.leafWeight: ignored on cgroup v2")
        }
        for line in V2Convert.ioMaxLines(b) { try io.write(directory, "io.max", line) }
    }

    // MARK: - Stats

    public func stats() throws(CgroupError) -> CgroupStats {
        try V2Stats(io: io, dir: directory).collect()
    }
}

/// The cgroup v2 freezer: cgroup.freeze, with cgroup.events' "frozen" as the outcome.
struct V2Freezer {
    let io: CgroupIO
    let dir: String
    var timeout: UInt32 = 5_000_000

    var isFrozen: Bool {
        get throws(CgroupError) { try io.read(dir, "cgroup.freeze").trimmingWhitespace() == "1" }
    }

    /// Writes cgroup.freeze and polls cgroup.events until "frozen" agrees (a task stuck in
    /// the kernel can delay it). A freeze that does not settle in time is undone.
    func set(frozen: Bool) throws(CgroupError) {
        try io.write(dir, "cgroup.freeze", frozen ? "1" : "0")
        var waited: UInt32 = 0
        var delay: UInt32 = 100
        while true {
            if try eventsFrozen() == frozen { return }
            if waited >= timeout { break }
            io.system.pause(microseconds: delay)
            waited += delay
            delay = min(delay * 2, 20_000)
        }
        if frozen { try? io.write(dir, "cgroup.freeze", "0") }
        throw CgroupError(frozen ? "freezing" : "thawing", path: dir,
                          reason: "cgroup.events did not report frozen \(frozen ? 1 : 0) within \(timeout / 1000) ms")
    }

    private func eventsFrozen() throws(CgroupError) -> Bool {
        guard let events = try io.readKeyValues(dir, "cgroup.events") else {
            // Kernels before 5.2 have neither file; the write above would have failed first.
            return try isFrozen
        }
        return events.first { $0.key == "frozen" }?.value == 1
    }
}
