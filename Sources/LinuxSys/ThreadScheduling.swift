#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// How the calling thread is scheduled: CPU policy and priority, I/O priority, the CPUs it
/// may run on and the NUMA nodes it allocates from.
public enum ThreadScheduling {
    /// sched_setattr(2) for the calling thread.
    public static func setAttributes(policy: UInt32, flags: UInt64, nice: Int32, priority: UInt32,
                                     runtime: UInt64, deadline: UInt64, period: UInt64) throws(SysError) {
        try check(hako_sched_setattr(policy, flags, nice, priority, runtime, deadline, period), "sched_setattr")
    }

    /// ioprio_set(2) for the calling process: `value` is class << 13 | level.
    public static func setIOPriority(_ value: Int32) throws(SysError) {
        try check(hako_ioprio_set_self(value), "ioprio_set")
    }

    /// sched_setaffinity(2) for the calling thread: bit N of `mask` is CPU N.
    public static func setAffinity(_ mask: [UInt8]) throws(SysError) {
        try check(hako_sched_setaffinity_self(mask, mask.count), "sched_setaffinity")
    }

    /// set_mempolicy(2): `mode` with its flags, and the nodes as a bit mask of words (empty
    /// for the modes that take none).
    public static func setMemoryPolicy(mode: Int32, nodes: [UInt]) throws(SysError) {
        let result = nodes.isEmpty ? hako_set_mempolicy(mode, nil, 0) : hako_set_mempolicy(mode, nodes, UInt(nodes.count * 64 + 1))
        if result != 0 { throw SysError("set_mempolicy", errno: errno) }
    }
}
