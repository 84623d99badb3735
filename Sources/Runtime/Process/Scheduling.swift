#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec

/// process.scheduler, process.ioPriority, process.execCPUAffinity and
/// linux.memoryPolicy: set on the process before it execs, so they are inherited.
enum Scheduling {
    static let policies: [String: UInt32] = [
        "SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
    ]
    static let schedulerFlags: [String: UInt64] = [
        "SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
        "SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10, "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20, "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
    ]
    static let ioClasses: [String: Int32] = ["IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3]
    static let memoryModes: [String: Int32] = [
        "MPOL_DEFAULT": 0, "MPOL_PREFERRED": 1, "MPOL_BIND": 2, "MPOL_INTERLEAVE": 3, "MPOL_LOCAL": 4,
        "MPOL_PREFERRED_MANY": 5, "MPOL_WEIGHTED_INTERLEAVE": 6,
    ]
    static let memoryFlags: [String: Int32] = ["MPOL_F_NUMA_BALANCING": 1 << 13, "MPOL_F_RELATIVE_NODES": 1 << 14, "MPOL_F_STATIC_NODES": 1 << 15]

    static func applyScheduler(_ scheduler: Scheduler) throws {
        guard let policy = policies[scheduler.policy] else {
            throw RuntimeError("process.scheduler.policy: unknown policy \"\(scheduler.policy)\"")
        }
        var flags: UInt64 = 0
        for name in scheduler.flags ?? [] {
            guard let flag = schedulerFlags[name] else { throw RuntimeError("process.scheduler.flags: unknown flag \"\(name)\"") }
            flags |= flag
        }
        try step("setting process.scheduler (\(scheduler.policy))") {
            try ThreadScheduling.setAttributes(policy: policy, flags: flags, nice: scheduler.nice ?? 0, priority: UInt32(max(0, scheduler.priority ?? 0)),
                                        runtime: scheduler.runtime ?? 0, deadline: scheduler.deadline ?? 0, period: scheduler.period ?? 0)
        }
    }

    static func applyIOPriority(_ priority: LinuxIOPriority) throws {
        guard let ioClass = ioClasses[priority.class] else {
            throw RuntimeError("process.ioPriority.class: unknown class \"\(priority.class)\"")
        }
        guard (0...7).contains(priority.priority) else {
            throw RuntimeError("process.ioPriority.priority: \(priority.priority) is not in 0...7")
        }
        try step("setting process.ioPriority") { try ThreadScheduling.setIOPriority(ioClass << 13 | Int32(priority.priority)) }
    }

    /// Sets the CPU affinity from a list such as "0-3,7".
    static func applyAffinity(_ list: String, field: String) throws {
        try Affinity(list, field: field).apply()
    }

    /// Every CPU the process's cpuset allows: the affinity a container process starts with
    /// when process.execCPUAffinity does not say, instead of the one hako inherited (an
    /// engine or a user may run the runtime under taskset(1)), as runc resets it. The
    /// kernel keeps only the CPUs of the cgroup's cpuset from the full mask.
    static func resetAffinity() throws {
        let allCPUs = [UInt8](repeating: 0xff, count: 1024 / 8)
        try step("resetting the CPU affinity") { try ThreadScheduling.setAffinity(allCPUs) }
    }

    /// A CPU list parsed into sched_setaffinity(2)'s mask, so that a list the config gets
    /// wrong fails before the moment it is applied.
    struct Affinity {
        let list: String
        let field: String
        let mask: [UInt8]

        init(_ list: String, field: String) throws {
            let cpus = try Scheduling.parseList(list, field: field)
            var mask = [UInt8](repeating: 0, count: max(8, ((cpus.max() ?? 0) / 64 + 1) * 8))
            for cpu in cpus { mask[cpu / 8] |= 1 << UInt8(cpu % 8) }
            self.list = list
            self.field = field
            self.mask = mask
        }

        func apply() throws {
            try step("setting \(field) \"\(list)\"") { try ThreadScheduling.setAffinity(mask) }
        }
    }

    static func applyMemoryPolicy(_ policy: LinuxMemoryPolicy) throws {
        guard var mode = memoryModes[policy.mode] else {
            throw RuntimeError("linux.memoryPolicy.mode: unknown mode \"\(policy.mode)\"")
        }
        for name in policy.flags ?? [] {
            guard let flag = memoryFlags[name] else { throw RuntimeError("linux.memoryPolicy.flags: unknown flag \"\(name)\"") }
            mode |= flag
        }
        let nodes = policy.nodes.isEmpty ? [] : try parseList(policy.nodes, field: "linux.memoryPolicy.nodes")
        let words = max(1, ((nodes.max() ?? 0) / 64) + 1)
        var mask = [UInt](repeating: 0, count: words)
        for node in nodes { mask[node / 64] |= 1 << UInt(node % 64) }
        try step("setting linux.memoryPolicy (\(policy.mode))") { try ThreadScheduling.setMemoryPolicy(mode: mode, nodes: nodes.isEmpty ? [] : mask) }
    }

    /// "0-3,7" -> [0, 1, 2, 3, 7].
    static func parseList(_ text: String, field: String) throws -> [Int] {
        var result: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0].trimmingWhitespace()), low >= 0,
                  let high = Int(bounds[bounds.count - 1].trimmingWhitespace()), high >= low, high < 8192 else {
                throw RuntimeError("\(field): invalid list \"\(text)\"")
            }
            result += Array(low...high)
        }
        return result
    }
}

extension Substring {
    func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}
