import OCISpec

// Which parts of linux.resources are actually set. runc treats zero values as unset,
// so an empty object ("memory": {}) asks for nothing and needs no controller.

/// swappiness is a Go *uint64 that engines fill with uint64(-1) for "unset".
let unsetSwappiness = UInt64.max

extension LinuxMemory {
    var isSet: Bool {
        (limit ?? 0) != 0 || (reservation ?? 0) != 0 || (swap ?? 0) != 0 || (kernel ?? 0) != 0
            || (kernelTCP ?? 0) != 0 || (swappiness.map { $0 != unsetSwappiness } ?? false)
            || disableOOMKiller == true || useHierarchy != nil
    }
}

extension LinuxCPU {
    /// Settings of the cpu controller (not cpuset).
    var isCPUSet: Bool {
        (shares ?? 0) != 0 || (quota ?? 0) != 0 || (period ?? 0) != 0 || burst != nil
            || (realtimeRuntime ?? 0) != 0 || (realtimePeriod ?? 0) != 0 || idle != nil
    }

    var isCpusetSet: Bool {
        !(cpus ?? "").isEmpty || !(mems ?? "").isEmpty
    }
}

extension LinuxBlockIO {
    var isSet: Bool {
        (weight ?? 0) != 0 || (leafWeight ?? 0) != 0 || !(weightDevice ?? []).isEmpty
            || !(throttleReadBpsDevice ?? []).isEmpty || !(throttleWriteBpsDevice ?? []).isEmpty
            || !(throttleReadIOPSDevice ?? []).isEmpty || !(throttleWriteIOPSDevice ?? []).isEmpty
    }
}

/// A resource field and the controller it needs.
struct Requirement: Equatable {
    var field: String
    var controller: String
}

extension LinuxResources {
    /// The controllers the set fields need. `cgroupV2` switches blkio to io and drops the
    /// v1-only network controllers (reported separately).
    func requirements(cgroupV2: Bool) -> [Requirement] {
        var needs: [Requirement] = []
        if memory?.isSet == true { needs.append(.init(field: "linux.resources.memory", controller: "memory")) }
        if let cpu {
            if cpu.isCPUSet { needs.append(.init(field: "linux.resources.cpu", controller: "cpu")) }
            if !(cpu.cpus ?? "").isEmpty { needs.append(.init(field: "linux.resources.cpu.cpus", controller: "cpuset")) }
            if !(cpu.mems ?? "").isEmpty { needs.append(.init(field: "linux.resources.cpu.mems", controller: "cpuset")) }
        }
        if let pids, pids.limit != 0 { needs.append(.init(field: "linux.resources.pids", controller: "pids")) }
        if blockIO?.isSet == true { needs.append(.init(field: "linux.resources.blockIO", controller: cgroupV2 ? "io" : "blkio")) }
        if !(hugepageLimits ?? []).isEmpty { needs.append(.init(field: "linux.resources.hugepageLimits", controller: "hugetlb")) }
        if !cgroupV2, let network {
            if (network.classID ?? 0) != 0 { needs.append(.init(field: "linux.resources.network.classID", controller: "net_cls")) }
            if !(network.priorities ?? []).isEmpty { needs.append(.init(field: "linux.resources.network.priorities", controller: "net_prio")) }
        }
        if !(rdma ?? [:]).isEmpty { needs.append(.init(field: "linux.resources.rdma", controller: "rdma")) }
        return needs
    }
}

/// Checks the values that are wrong on any cgroup version, before anything is written.
func validateCommon(_ r: LinuxResources) throws(CgroupError) {
    if let memory = r.memory {
        if let swappiness = memory.swappiness, swappiness != unsetSwappiness, swappiness > 100 {
            throw CgroupError.field("linux.resources.memory.swappiness", "invalid value \(swappiness) (valid range is 0-100)")
        }
        let limit = memory.limit ?? 0, swap = memory.swap ?? 0
        if limit > 0 && swap > 0 && swap < limit {
            throw CgroupError.field("linux.resources.memory.swap", "memory+swap limit \(swap) should be >= memory limit \(limit)")
        }
    }
    for (index, limit) in (r.hugepageLimits ?? []).enumerated() where !isValidPageSize(limit.pageSize) {
        throw CgroupError.field("linux.resources.hugepageLimits[\(index)].pageSize", "invalid page size \(CgroupIO.quoted(limit.pageSize)) (want e.g. 2MB or 1GB)")
    }
    for (index, priority) in (r.network?.priorities ?? []).enumerated() where !isPlainName(priority.name) {
        throw CgroupError.field("linux.resources.network.priorities[\(index)].name", "invalid interface name \(CgroupIO.quoted(priority.name))")
    }
    for device in (r.rdma ?? [:]).keys where !isPlainName(device) {
        throw CgroupError.field("linux.resources.rdma", "invalid device name \(CgroupIO.quoted(device))")
    }
}

/// "<digits><K|M|G|T|P|E>B" or "<digits>B", as the hugetlb file names have it.
func isValidPageSize(_ size: String) -> Bool {
    var chars = Array(size)
    guard chars.count >= 2, chars.removeLast() == "B" else { return false }
    if let last = chars.last, "KMGTPE".contains(last) { chars.removeLast() }
    return !chars.isEmpty && chars.allSatisfy { $0.isASCII && $0.isNumber }
}

/// A name that can be written into a cgroup file line: no whitespace, no "/", not empty.
func isPlainName(_ name: String) -> Bool {
    !name.isEmpty && !name.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "/" || $0 == "\0" })
}
