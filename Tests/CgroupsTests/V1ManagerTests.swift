import Foundation
import OCISpec
@testable import Cgroups
import Testing

@Suite("cgroup v1 manager")
struct V1ManagerTests {
    /// A created container cgroup at /hako/c1 on a fake v1 (or hybrid) host.
    func makeManager(_ tree: FakeTree, path: String? = "/hako/c1") throws -> V1Manager {
        let host = try tree.detect()
        let manager = try Cgroups.manager(host: host, cgroupsPath: path, containerID: "c1", system: tree.system)
        let v1 = try #require(manager as? V1Manager)
        try v1.create()
        return v1
    }

    @Test("create makes the path in every hierarchy and copies cpuset down")
    func create() throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        for (point, controllers) in tree.v1 {
            #expect(FileManager.default.fileExists(atPath: point + "/hako/c1"), "\(point)")
            for controller in controllers { #expect(manager.paths[controller] == point + "/hako/c1") }
        }
        #expect(manager.paths["name=systemd"] == tree.root + "/systemd/hako/c1")
        #expect(manager.paths[""] == nil)
        // Both levels got the parent's cpus and mems, outermost first.
        let cpuset = tree.mount("cpuset")
        #expect(tree.system.log(under: cpuset) == ["hako/cpuset.cpus=0-1", "hako/cpuset.mems=0", "hako/c1/cpuset.cpus=0-1", "hako/c1/cpuset.mems=0"])
        #expect(manager.devicesEnforced)
    }

    @Test("relative paths go under our own cgroup in each hierarchy")
    func relative() throws {
        let tree = try FakeTree(v1: [["memory"], ["pids"]])
        tree.ownPaths = ["memory": "/user.slice", "pids": "/"]
        try tree.system.makeDirectory(tree.mount("memory") + "/user.slice")
        let manager = try makeManager(tree, path: "box/c1")
        #expect(manager.paths == ["memory": tree.mount("memory") + "/user.slice/box/c1", "pids": tree.mount("pids") + "/box/c1"])
    }

    @Test("the default resources of runc spec: deny every device", arguments: [false, true])
    func defaultResources(hybrid: Bool) throws {
        let tree = try FakeTree(unified: hybrid ? "unified" : nil)
        let manager = try makeManager(tree)
        let resources = try #require(Spec.defaultSpec(rootless: false).linux?.resources)
        try manager.apply(resources: resources)
        let dir = tree.mount("devices") + "/hako/c1"
        #expect(tree.system.written(dir + "/devices.deny") == ["a"])
        #expect(tree.system.written(dir + "/devices.allow") == [])
        #expect(manager.deviceRules == resources.devices)
        #expect(manager.devicesEnforced)
    }

    @Test("default resources work without a devices controller, unenforced")
    func defaultWithoutDevices() throws {
        let tree = try FakeTree(v1: [["memory"], ["name=systemd"]])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")]))
        #expect(!manager.devicesEnforced)
        let error = cgroupError {
            try manager.apply(resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm"),
                                                                  LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm")]))
        }
        #expect(error?.description == "linux.resources.devices: the devices controller is not available")
    }

    @Test("device rules in order, wildcards and types")
    func devices() throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(devices: [
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "mwr"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 136, minor: nil, access: "rw"),
            LinuxDeviceCgroup(allow: true, type: "b", major: nil, minor: nil, access: "m"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 5, minor: 1, access: nil),
            LinuxDeviceCgroup(allow: false, type: "c", major: 5, minor: 1, access: "w"),
        ]))
        let dir = tree.mount("devices") + "/hako/c1"
        #expect(tree.system.log(under: dir) == [
            "devices.deny=a",
            "devices.allow=c 1:3 rwm",
            "devices.allow=c 136:* rw",
            "devices.allow=b *:* m",
            "devices.allow=c 5:1 rm",
        ])
    }

    @Test("allow-all then deny rules")
    func allowAll() throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(devices: [
            LinuxDeviceCgroup(allow: true, type: "a"),
            LinuxDeviceCgroup(allow: false, type: "b", major: 8, minor: 0, access: "w"),
        ]))
        #expect(tree.system.log(under: tree.mount("devices") + "/hako/c1") == ["devices.allow=a", "devices.deny=b 8:0 w"])
    }

    @Test("an update on a deny-all list writes only the difference")
    func devicesUpdate() throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        let dir = tree.mount("devices") + "/hako/c1"
        try tree.write(dir + "/devices.list", "c 1:3 rwm\nc 1:5 rwm\n")
        try manager.apply(resources: LinuxResources(devices: [
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 5, access: "r"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
        ]))
        #expect(tree.system.log(under: dir) == ["devices.deny=c 1:5 wm", "devices.allow=c 1:9 rwm"])
    }

    @Test("access letters other than r, w and m are dropped with a warning, as runc drops them")
    func unknownAccessLetters() throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        let dir = tree.mount("devices") + "/hako/c1"
        try tree.write(dir + "/devices.list", "a *:* rwm\n")
        try manager.apply(resources: LinuxResources(devices: [
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 11, access: "rwa"),
        ]))
        #expect(tree.system.log(under: dir) == ["devices.deny=a", "devices.allow=c 1:11 rw"])
        #expect(manager.warnings == ["linux.resources.devices[1].access: rwa: a ignored (only r, w and m mean something)"])
    }

    @Test("bad device rules name the field", arguments: [
        (LinuxDeviceCgroup(allow: true, type: "x"), "linux.resources.devices[0].type: invalid device type x (want a, b or c)"),
        (LinuxDeviceCgroup(allow: true, type: "c", major: -2), "linux.resources.devices[0].major: negative device number -2"),
    ])
    func badDevices(rule: LinuxDeviceCgroup, message: String) throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        #expect(cgroupError { try manager.apply(resources: LinuxResources(devices: [rule])) }?.description == message)
    }

    @Test("every v1 file of a full configuration")
    func everything() throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(
            memory: LinuxMemory(limit: 1 << 20, reservation: 1 << 19, swap: 2 << 20, kernel: 1 << 22, kernelTCP: 1 << 21,
                                swappiness: 10, disableOOMKiller: true, useHierarchy: true),
            cpu: LinuxCPU(shares: 512, quota: 50000, burst: 1000, period: 100000, realtimeRuntime: 950, realtimePeriod: 1000,
                          cpus: "0", mems: "0", idle: 1),
            pids: LinuxPids(limit: 100),
            blockIO: LinuxBlockIO(
                weight: 300, leafWeight: 200,
                weightDevice: [LinuxWeightDevice(major: 8, minor: 0, weight: 500, leafWeight: 300)],
                throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 1_048_576)],
                throttleWriteBpsDevice: [LinuxThrottleDevice(major: 8, minor: 16, rate: 2_097_152)],
                throttleReadIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 100)],
                throttleWriteIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 200)]
            ),
            hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 4 << 21)],
            network: LinuxNetwork(classID: 0x10001, priorities: [LinuxInterfacePriority(name: "eth0", priority: 5),
                                                                 LinuxInterfacePriority(name: "lo", priority: 2)]),
            rdma: ["mlx5_1": LinuxRdma(hcaHandles: 3, hcaObjects: 10000), "mlx4_0": LinuxRdma(hcaObjects: 7)]
        ))
        func log(_ controller: String) -> [String] { tree.system.log(under: tree.mount(controller) + "/hako/c1") }
        #expect(log("memory") == [
            "memory.limit_in_bytes=1048576",
            "memory.memsw.limit_in_bytes=2097152",
            "memory.kmem.limit_in_bytes=4194304",
            "memory.kmem.tcp.limit_in_bytes=2097152",
            "memory.soft_limit_in_bytes=524288",
            "memory.oom_control=1",
            "memory.swappiness=10",
            "memory.use_hierarchy=1",
        ])
        #expect(log("cpu") == [
            "cpu.shares=512",
            "cpu.cfs_period_us=100000",
            "cpu.cfs_burst_us=1000",
            "cpu.cfs_quota_us=50000",
            "cpu.idle=1",
            "cpu.rt_period_us=1000",
            "cpu.rt_runtime_us=950",
        ])
        #expect(log("cpuset").suffix(2) == ["cpuset.cpus=0", "cpuset.mems=0"])
        #expect(log("pids") == ["pids.max=100"])
        #expect(log("blkio") == [
            "blkio.weight=300",
            "blkio.leaf_weight=200",
            "blkio.weight_device=8:0 500",
            "blkio.leaf_weight_device=8:0 300",
            "blkio.throttle.read_bps_device=8:0 1048576",
            "blkio.throttle.write_bps_device=8:16 2097152",
            "blkio.throttle.read_iops_device=8:0 100",
            "blkio.throttle.write_iops_device=8:0 200",
        ])
        #expect(log("hugetlb") == ["hugetlb.2MB.limit_in_bytes=8388608", "hugetlb.2MB.rsvd.limit_in_bytes=8388608"])
        #expect(log("net_cls") == ["net_cls.classid=65537", "net_prio.ifpriomap=eth0 5", "net_prio.ifpriomap=lo 2"])
        #expect(log("rdma") == ["rdma.max=mlx4_0 hca_object=7", "rdma.max=mlx5_1 hca_handle=3 hca_object=10000"])
        #expect(manager.warnings.isEmpty)
    }

    @Test("memory and swap: raising writes swap first, lowering writes memory first")
    func memoryOrder() throws {
        let tree = try FakeTree(v1: [["memory"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("memory") + "/hako/c1"
        // From unlimited (a fresh cgroup): the limit must go in first.
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 100, swap: 200)))
        #expect(tree.system.log(under: dir) == ["memory.limit_in_bytes=100", "memory.memsw.limit_in_bytes=200"])
        // Raising both: the current limit (100) is below the new swap, so swap first.
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 300, swap: 400)))
        #expect(tree.system.log(under: dir).suffix(2) == ["memory.memsw.limit_in_bytes=400", "memory.limit_in_bytes=300"])
        // Lowering both: memory first.
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 100, swap: 200)))
        #expect(tree.system.log(under: dir).suffix(2) == ["memory.limit_in_bytes=100", "memory.memsw.limit_in_bytes=200"])
        // Unlimited memory with no swap given: swap unlimited too, written first.
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: -1)))
        #expect(tree.system.log(under: dir).suffix(2) == ["memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"])
    }

    @Test("swap needs swap accounting")
    func noSwapAccounting() throws {
        let tree = try FakeTree(v1: [["memory"]], without: ["memory.memsw.limit_in_bytes"])
        let manager = try makeManager(tree)
        let error = cgroupError { try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 100, swap: 200))) }
        #expect(error?.description == "linux.resources.memory.swap: swap accounting is not enabled on the host (no memory.memsw.limit_in_bytes)")
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: -1)))
        #expect(tree.system.log(under: tree.mount("memory") + "/hako/c1") == ["memory.limit_in_bytes=-1"])
    }

    @Test("a memory limit below usage: EBUSY with the numbers")
    func memoryBusy() throws {
        let tree = try FakeTree(v1: [["memory"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("memory") + "/hako/c1"
        try tree.write(dir + "/memory.usage_in_bytes", "4096\n")
        try tree.write(dir + "/memory.max_usage_in_bytes", "8192\n")
        tree.system.failures[dir + "/memory.limit_in_bytes"] = (EBUSY, 1)
        let error = cgroupError { try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 1024))) }
        #expect(error?.description == "writing 1024 to \(dir)/memory.limit_in_bytes: unable to set memory limit to 1024 (current usage: 4096, peak usage: 8192): device or resource busy")
        #expect(error?.errno == EBUSY)
        let check = cgroupError { try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 1024, checkBeforeUpdate: true))) }
        #expect(check?.description == "linux.resources.memory.limit: rejecting memory limit 1024 below current usage 4096")
    }

    @Test("a plain write failure names value, file and errno")
    func writeFailure() throws {
        let tree = try FakeTree(v1: [["pids"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("pids") + "/hako/c1"
        tree.system.failures[dir + "/pids.max"] = (EINVAL, 1)
        let error = cgroupError { try manager.apply(resources: LinuxResources(pids: LinuxPids(limit: 10))) }
        #expect(error?.description == "writing 10 to \(dir)/pids.max: invalid argument")
    }

    @Test("pids: -1 is max, 0 is unset")
    func pids() throws {
        let tree = try FakeTree(v1: [["pids"]])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(pids: LinuxPids(limit: -1)))
        try manager.apply(resources: LinuxResources(pids: LinuxPids(limit: 0)))
        #expect(tree.system.log(under: tree.mount("pids") + "/hako/c1") == ["pids.max=max"])
    }

    @Test("cpu shares the kernel clamps are an error")
    func sharesClamped() throws {
        let tree = try FakeTree(v1: [["cpu", "cpuacct"]])
        tree.system.rewrite["cpu.shares"] = { value in String(min(Int(value) ?? 0, 262_144)) }
        let manager = try makeManager(tree)
        let error = cgroupError { try manager.apply(resources: LinuxResources(cpu: LinuxCPU(shares: 1_000_000))) }
        #expect(error?.description == "linux.resources.cpu.shares: the maximum allowed cpu-shares is 262144")
    }

    @Test("a period the kernel refuses before the quota is retried after it")
    func periodRetry() throws {
        let tree = try FakeTree(v1: [["cpu", "cpuacct"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("cpu") + "/hako/c1"
        tree.system.failures[dir + "/cpu.cfs_period_us"] = (EINVAL, 1)
        try manager.apply(resources: LinuxResources(cpu: LinuxCPU(quota: 20000, period: 50000)))
        #expect(tree.system.log(under: dir) == ["cpu.cfs_period_us=50000", "cpu.cfs_quota_us=20000", "cpu.cfs_period_us=50000"])
        // Without a quota to make room, the EINVAL stands.
        tree.system.failures[dir + "/cpu.cfs_period_us"] = (EINVAL, 1)
        #expect(cgroupError { try manager.apply(resources: LinuxResources(cpu: LinuxCPU(period: 50000))) }?.errno == EINVAL)
    }

    @Test("missing controllers are errors naming the field, and nothing is written", arguments: [
        (LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1)]), "linux.resources.hugepageLimits: the hugetlb controller is not available"),
        (LinuxResources(memory: LinuxMemory(limit: 1)), "linux.resources.memory: the memory controller is not available"),
        (LinuxResources(cpu: LinuxCPU(shares: 2)), "linux.resources.cpu: the cpu controller is not available"),
        (LinuxResources(cpu: LinuxCPU(cpus: "0")), "linux.resources.cpu.cpus: the cpuset controller is not available"),
        (LinuxResources(blockIO: LinuxBlockIO(weight: 10)), "linux.resources.blockIO: the blkio controller is not available"),
        (LinuxResources(network: LinuxNetwork(classID: 1)), "linux.resources.network.classID: the net_cls controller is not available"),
        (LinuxResources(network: LinuxNetwork(priorities: [LinuxInterfacePriority(name: "lo", priority: 1)])), "linux.resources.network.priorities: the net_prio controller is not available"),
        (LinuxResources(rdma: ["mlx": LinuxRdma(hcaHandles: 1)]), "linux.resources.rdma: the rdma controller is not available"),
        (LinuxResources(unified: ["memory.high": "1"]), "linux.resources.unified: invalid configuration: unified resources require cgroup v2"),
    ])
    func missingControllers(resources: LinuxResources, message: String) throws {
        let tree = try FakeTree(v1: [["pids"], ["devices"]])
        let manager = try makeManager(tree)
        var withPids = resources
        withPids.pids = LinuxPids(limit: 5)
        #expect(cgroupError { try manager.apply(resources: withPids) }?.description == message)
        #expect(tree.system.log(under: tree.mount("pids") + "/hako/c1").isEmpty)
    }

    @Test("empty sections need no controller")
    func emptySections() throws {
        let tree = try FakeTree(v1: [["pids"]])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(), cpu: LinuxCPU(), pids: LinuxPids(limit: 0), blockIO: LinuxBlockIO(),
                                                    hugepageLimits: [], network: LinuxNetwork(), rdma: [:], unified: [:]))
        #expect(tree.system.writes.filter { $0.path.contains("/hako/c1/") }.isEmpty)
    }

    @Test("invalid values are refused before writing", arguments: [
        (LinuxResources(memory: LinuxMemory(swappiness: 101)), "linux.resources.memory.swappiness: invalid value 101 (valid range is 0-100)"),
        (LinuxResources(memory: LinuxMemory(limit: 200, swap: 100)), "linux.resources.memory.swap: memory+swap limit 100 should be >= memory limit 200"),
        (LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2M/../x", limit: 1)]), "linux.resources.hugepageLimits[0].pageSize: invalid page size 2M/../x (want e.g. 2MB or 1GB)"),
        (LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "4MB", limit: 1)]), "linux.resources.hugepageLimits[0].pageSize: page size 4MB is not supported by the host"),
        (LinuxResources(network: LinuxNetwork(priorities: [LinuxInterfacePriority(name: "eth0 1\nlo", priority: 1)])), "linux.resources.network.priorities[0].name: invalid interface name \"eth0 1\\nlo\""),
    ])
    func invalidValues(resources: LinuxResources, message: String) throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        #expect(cgroupError { try manager.apply(resources: resources) }?.description == message)
    }

    @Test("join writes the pid to every hierarchy, hybrid's cgroup2 included")
    func join() throws {
        let tree = try FakeTree(v1: [["memory"], ["name=systemd"]], unified: "unified")
        let manager = try makeManager(tree)
        #expect(manager.paths[""] == tree.root + "/unified/hako/c1")
        try manager.join(pid: 4242)
        #expect(tree.system.written(tree.root + "/memory/hako/c1/cgroup.procs") == ["4242"])
        #expect(tree.system.written(tree.root + "/systemd/hako/c1/cgroup.procs") == ["4242"])
        #expect(tree.system.written(tree.root + "/unified/hako/c1/cgroup.procs") == ["4242"])
    }

    @Test("pids include sub-cgroups")
    func pidsRecursive() throws {
        let tree = try FakeTree(v1: [["devices"], ["memory"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("devices") + "/hako/c1"
        try tree.write(dir + "/cgroup.procs", "10\n11\n")
        try tree.system.makeDirectory(dir + "/sub")
        try tree.write(dir + "/sub/cgroup.procs", "12\n")
        #expect(try manager.pids() == [10, 11, 12])
    }

    @Test("freeze polls through FREEZING; thaw; state")
    func freezer() throws {
        let tree = try FakeTree(v1: [["freezer"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("freezer") + "/hako/c1"
        #expect(try manager.isFrozen == false)
        tree.system.freezingReads = 3
        try manager.freeze()
        #expect(tree.system.written(dir + "/freezer.state") == ["FROZEN", "FROZEN", "FROZEN", "FROZEN"])
        #expect(try manager.isFrozen)
        try manager.thaw()
        #expect(tree.system.written(dir + "/freezer.state").last == "THAWED")
        #expect(try manager.isFrozen == false)
    }

    @Test("a freeze that never settles gives up, thawed")
    func freezeStuck() throws {
        let tree = try FakeTree(v1: [["freezer"]])
        let manager = try makeManager(tree)
        manager.freezeWindows = [2_000, 5_000]
        tree.system.freezingReads = 1000
        let error = cgroupError { try manager.freeze() }
        #expect(error?.reason == "the processes did not freeze (stuck in FREEZING)")
        let writes = tree.system.written(tree.mount("freezer") + "/hako/c1/freezer.state")
        #expect(writes.last == "THAWED")
        // One thaw-and-wait between the windows besides the final thaw.
        #expect(writes.filter { $0 == "THAWED" }.count == 2)
        // Each window: 26 polls at once, then one a millisecond until the window is spent.
        #expect(writes.filter { $0 == "FROZEN" }.count == (26 + 2) + (26 + 5))
        #expect(tree.system.pauses == Array(repeating: 1000, count: 2) + [10_000] + Array(repeating: 1000, count: 5))
        tree.system.freezingReads = 0
    }

    @Test("no freezer: a clear error")
    func noFreezer() throws {
        let tree = try FakeTree(v1: [["memory"]])
        let manager = try makeManager(tree)
        #expect(cgroupError { try manager.freeze() }?.description == "freezing: the freezer controller is not available")
    }

    @Test("kill: freeze, signal every pid, thaw")
    func killAll() throws {
        let tree = try FakeTree(v1: [["devices"], ["freezer"]])
        let manager = try makeManager(tree)
        try tree.write(tree.mount("devices") + "/hako/c1/cgroup.procs", "21\n22\n")
        try manager.killAll(signal: SIGTERM)
        #expect(tree.system.signals.map(\.pid) == [21, 22])
        #expect(tree.system.signals.allSatisfy { $0.signal == SIGTERM })
        #expect(tree.system.written(tree.mount("freezer") + "/hako/c1/freezer.state") == ["FROZEN", "THAWED"])
    }

    @Test("hybrid SIGKILL uses cgroup2's cgroup.kill")
    func hybridKill() throws {
        let tree = try FakeTree(v1: [["devices"]], unified: "unified")
        let manager = try makeManager(tree)
        try manager.killAll(signal: SIGKILL)
        #expect(tree.system.written(tree.root + "/unified/hako/c1/cgroup.kill") == ["1"])
        #expect(tree.system.signals.isEmpty)
    }

    @Test("remove takes away what create made, retrying EBUSY")
    func remove() throws {
        let tree = try FakeTree(unified: "unified")
        let manager = try makeManager(tree)
        let memory = tree.mount("memory") + "/hako/c1"
        try tree.system.makeDirectory(memory + "/sub")
        tree.system.failures[memory] = (EBUSY, 2)
        try manager.remove()
        for (point, _) in tree.v1 {
            #expect(!tree.exists(point + "/hako"), "\(point)")
        }
        #expect(!tree.exists(tree.root + "/unified/hako"))
        #expect(tree.system.pauses == [1_000, 2_000])
        // Removing again is fine.
        try manager.remove()
    }

    @Test("remove leaves a parent that existed before")
    func removeKeepsParents() throws {
        let tree = try FakeTree(v1: [["memory"]])
        try tree.system.makeDirectory(tree.mount("memory") + "/hako")
        let manager = try makeManager(tree)
        try manager.remove()
        #expect(tree.exists(tree.mount("memory") + "/hako"))
        #expect(!tree.exists(tree.mount("memory") + "/hako/c1"))
    }

    @Test("a cgroup that stays busy is an error with the errno")
    func removeBusy() throws {
        let tree = try FakeTree(v1: [["memory"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("memory") + "/hako/c1"
        tree.system.failures[dir] = (EBUSY, 10)
        #expect(cgroupError { try manager.remove() }?.description == "removing cgroup \(dir): device or resource busy")
        tree.system.failures = [:]
        try manager.remove()
    }

    @Test("restore from saved paths")
    func restore() throws {
        let tree = try FakeTree(v1: [["memory"], ["pids"]])
        let manager = try makeManager(tree)
        let host = try tree.detect()
        let again = try Cgroups.restore(host: host, paths: manager.paths, system: tree.system)
        #expect(again.paths == manager.paths)
        try again.remove()
        #expect(!tree.exists(tree.mount("memory") + "/hako/c1"))
        let bad = cgroupError { _ = try Cgroups.restore(host: host, paths: ["memory": "/etc"], system: tree.system) }
        #expect(bad?.description == "restoring cgroup paths /etc: not a cgroup of the memory hierarchy")
    }

    @Test("stats from the v1 files")
    func stats() throws {
        let tree = try FakeTree()
        let manager = try makeManager(tree)
        func put(_ controller: String, _ file: String, _ content: String) throws {
            try tree.write(tree.mount(controller) + "/hako/c1/" + file, content)
        }
        try put("memory", "memory.stat", "cache 4096\nrss 8192\ntotal_cache 4096\n")
        try put("memory", "memory.usage_in_bytes", "12288\n")
        try put("memory", "memory.max_usage_in_bytes", "20480\n")
        try put("memory", "memory.limit_in_bytes", "1048576\n")
        try put("memory", "memory.failcnt", "3\n")
        try put("memory", "memory.memsw.usage_in_bytes", "16384\n")
        try put("memory", "memory.memsw.limit_in_bytes", "2097152\n")
        try put("cpuacct", "cpuacct.usage", "5000000\n")
        try put("cpuacct", "cpuacct.usage_percpu", "3000000 2000000 \n")
        try put("cpuacct", "cpuacct.stat", "user 20\nsystem 10\n")
        try put("cpuacct", "cpuacct.usage_all", "cpu user system\n0 2000000 1000000\n1 1500000 500000\n")
        try put("cpu", "cpu.stat", "nr_periods 7\nnr_throttled 2\nthrottled_time 123456\n")
        try put("pids", "pids.current", "3\n")
        try put("pids", "pids.max", "100\n")
        try put("blkio", "blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n")
        try put("blkio", "blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n")
        try put("hugetlb", "hugetlb.2MB.usage_in_bytes", "2097152\n")
        try put("hugetlb", "hugetlb.2MB.max_usage_in_bytes", "4194304\n")
        try put("hugetlb", "hugetlb.2MB.failcnt", "1\n")
        let stats = try manager.stats()
        #expect(stats.memory.cache == 4096)
        #expect(stats.memory.raw["rss"] == 8192)
        #expect(stats.memory.usage == .init(limit: 1_048_576, usage: 12288, max: 20480, failcnt: 3))
        #expect(stats.memory.swap.usage == 16384 && stats.memory.swap.limit == 2_097_152)
        #expect(stats.cpu.usage.total == 5_000_000)
        #expect(stats.cpu.usage.percpu == [3_000_000, 2_000_000])
        #expect(stats.cpu.usage.percpuUser == [2_000_000, 1_500_000])
        #expect(stats.cpu.usage.percpuKernel == [1_000_000, 500_000])
        let tick = 1_000_000_000 / UInt64(sysconf(Int32(_SC_CLK_TCK)))
        #expect(stats.cpu.usage.user == 20 * tick && stats.cpu.usage.kernel == 10 * tick)
        #expect(stats.cpu.throttling.periods == 7 && stats.cpu.throttling.throttledPeriods == 2 && stats.cpu.throttling.throttledTime == 123_456)
        #expect(stats.pids == .init(current: 3, limit: 100))
        #expect(stats.blkio.ioServiceBytesRecursive == [.init(major: 8, minor: 0, op: "Read", value: 4096),
                                                       .init(major: 8, minor: 0, op: "Write", value: 8192),
                                                       .init(major: 8, minor: 0, op: "Total", value: 12288)])
        #expect(stats.blkio.ioServicedRecursive.count == 2)
        #expect(stats.hugetlb["2MB"] == .init(usage: 2_097_152, max: 4_194_304, failcnt: 1))
        #expect(stats.hugetlb["1GB"] == .init())
        #expect(stats.cpuset.cpus == [0, 1] && stats.cpuset.mems == [0])
    }

    @Test("garbage in a stats file is an error naming it")
    func statsGarbage() throws {
        let tree = try FakeTree(v1: [["pids"]])
        let manager = try makeManager(tree)
        let dir = tree.mount("pids") + "/hako/c1"
        try tree.write(dir + "/pids.current", "lots\n")
        #expect(cgroupError { _ = try manager.stats() }?.description == "parsing \(dir)/pids.current: lots is not a number")
    }

    @Test("blkio weights on a kernel with neither CFQ nor BFQ: an error naming the field")
    func noBlkioWeights() throws {
        let tree = try FakeTree(without: ["blkio.weight", "blkio.weight_device", "blkio.bfq.weight", "blkio.bfq.weight_device"])
        let manager = try makeManager(tree)
        let error = cgroupError { try manager.apply(resources: LinuxResources(blockIO: LinuxBlockIO(weight: 500))) }
        #expect(error?.description.hasPrefix("linux.resources.blockIO.weight: this kernel's blkio controller has no weights") == true, "\(String(describing: error))")
        let deviceError = cgroupError {
            try manager.apply(resources: LinuxResources(blockIO: LinuxBlockIO(weightDevice: [LinuxWeightDevice(major: 8, minor: 0, weight: 10)])))
        }
        #expect(deviceError?.description.hasPrefix("linux.resources.blockIO.weightDevice[0]:") == true)
        // Throttles need no scheduler.
        try manager.apply(resources: LinuxResources(blockIO: LinuxBlockIO(throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 1)])))
    }
}
