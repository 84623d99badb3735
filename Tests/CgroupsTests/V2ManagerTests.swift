import Foundation
import OCISpec
@testable import Cgroups
import Testing

@Suite("cgroup v2 manager")
struct V2ManagerTests {
    func makeManager(_ tree: FakeTree, path: String = "/hako/c1") throws -> V2Manager {
        let host = try tree.detect()
        let manager = try #require(try Cgroups.manager(host: host, cgroupsPath: path, containerID: "c1", system: tree.system) as? V2Manager)
        try manager.create()
        return manager
    }

    static let all = "+cpuset +cpu +io +memory +hugetlb +pids +rdma"

    @Test("create enables the controllers in every ancestor, not in the leaf")
    func create() throws {
        let tree = try FakeTree(v2: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma"])
        let manager = try makeManager(tree)
        #expect(manager.paths == ["": tree.root + "/hako/c1"])
        #expect(manager.mode == .unified)
        #expect(tree.system.writes.map { "\($0.path.dropFirst(tree.root.count))=\($0.value)" } == [
            "/cgroup.subtree_control=\(Self.all)",
            "/hako/cgroup.subtree_control=\(Self.all)",
        ])
        #expect(tree.read(tree.root + "/hako/c1/cgroup.controllers") == "cpuset cpu io memory hugetlb pids rdma")
        // A second create (an existing cgroup) changes nothing.
        try manager.create()
        #expect(tree.system.writes.count == 2)
    }

    @Test("a controller the parent refuses is enabled one by one")
    func partialEnable() throws {
        let tree = try FakeTree(v2: ["cpu", "memory"])
        tree.system.failures[tree.root + "/cgroup.subtree_control"] = (EOPNOTSUPP, 1)
        let manager = try makeManager(tree, path: "/c1")
        #expect(tree.system.written(tree.root + "/cgroup.subtree_control") == ["+cpu +memory", "+cpu", "+memory"])
        #expect(manager.devicesEnforced == false)
    }

    @Test("the default resources of runc spec: no file written, a deny-all device program attached")
    func defaultResources() throws {
        let tree = try FakeTree(v2: ["memory", "pids"])
        let manager = try makeManager(tree)
        let resources = try #require(Spec.defaultSpec(rootless: false).linux?.resources)
        let before = tree.system.writes.count
        try manager.apply(resources: resources)
        #expect(tree.system.writes.count == before)
        #expect(manager.deviceRules == resources.devices)
        #expect(manager.devicesEnforced)
        let attached = try #require(tree.system.devicePrograms.first)
        #expect(tree.system.devicePrograms.count == 1)
        #expect(attached.directory == tree.root + "/hako/c1")
        #expect(DeviceProgramInterpreter(attached.program).allows(.char, major: 1, minor: 3, "r") == false)
    }

    @Test("resources without devices leave the device program alone")
    func noDevices() throws {
        let tree = try FakeTree(v2: ["pids"])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(pids: LinuxPids(limit: 5)))
        #expect(tree.system.devicePrograms.isEmpty)
        #expect(!manager.devicesEnforced)
    }

    @Test("a device program the kernel refuses fails apply, naming the field")
    func deviceProgramRefused() throws {
        let tree = try FakeTree(v2: ["pids"])
        let manager = try makeManager(tree)
        tree.system.failures[tree.root + "/hako/c1"] = (EPERM, 1)
        #expect {
            try manager.apply(resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: false)], pids: LinuxPids(limit: 5)))
        } throws: { error in
            "\(error)".hasPrefix("linux.resources.devices: attaching the device eBPF program (BPF_PROG_ATTACH) to \(tree.root)/hako/c1: operation not permitted")
        }
        // Nothing else was written: the rules come first.
        #expect(tree.system.written(tree.root + "/hako/c1/pids.max").isEmpty)
    }

    @Test("every v2 file of a full configuration")
    func everything() throws {
        let tree = try FakeTree(v2: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma"])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(
            devices: [LinuxDeviceCgroup(allow: false, access: "rwm"), LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm")],
            memory: LinuxMemory(limit: 1 << 20, reservation: 1 << 19, swap: 3 << 20),
            cpu: LinuxCPU(shares: 1024, quota: 50000, burst: 1000, period: 100000, cpus: "0-1", mems: "0", idle: 0),
            pids: LinuxPids(limit: 100),
            blockIO: LinuxBlockIO(
                weight: 500,
                weightDevice: [LinuxWeightDevice(major: 8, minor: 0, weight: 1000)],
                throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 1_048_576)],
                throttleWriteBpsDevice: [LinuxThrottleDevice(major: 8, minor: 16, rate: 2_097_152)],
                throttleReadIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 100)],
                throttleWriteIOPSDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 200)]
            ),
            hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 4 << 21)],
            rdma: ["mlx5_1": LinuxRdma(hcaHandles: 3, hcaObjects: 10000)],
            unified: ["memory.high": "2097152", "io.max": "8:32 rbps=5\n8:48 wbps=6\n"]
        ))
        #expect(tree.system.log(under: tree.root + "/hako/c1") == [
            "pids.max=100",
            "memory.swap.max=2097152",
            "memory.max=1048576",
            "memory.low=524288",
            "io.weight=4950",
            "io.weight=8:0 10000",
            "io.max=8:0 rbps=1048576",
            "io.max=8:16 wbps=2097152",
            "io.max=8:0 riops=100",
            "io.max=8:0 wiops=200",
            "cpu.idle=0",
            "cpu.weight=39",
            "cpu.max.burst=1000",
            "cpu.max=50000 100000",
            "cpuset.cpus=0-1",
            "cpuset.mems=0",
            "hugetlb.2MB.max=8388608",
            "hugetlb.2MB.rsvd.max=8388608",
            "rdma.max=mlx5_1 hca_handle=3 hca_object=10000",
            "io.max=8:32 rbps=5",
            "io.max=8:48 wbps=6",
            "memory.high=2097152",
        ])
        #expect(manager.deviceRules.count == 2)
        #expect(manager.devicesEnforced)
        let program = try #require(tree.system.devicePrograms.last?.program)
        #expect(DeviceProgramInterpreter(program).allows(.char, major: 1, minor: 3, "rw"))
        #expect(!DeviceProgramInterpreter(program).allows(.char, major: 1, minor: 5, "r"))
        #expect(manager.warnings.isEmpty)
    }

    @Test("memory and swap conversions", arguments: [
        (LinuxMemory(limit: -1), ["memory.swap.max=max", "memory.max=max"]),
        (LinuxMemory(limit: 100, swap: 100), ["memory.swap.max=0", "memory.max=100"]),
        (LinuxMemory(limit: 100, swap: -1), ["memory.swap.max=max", "memory.max=100"]),
        (LinuxMemory(limit: 100), ["memory.max=100"]),
        (LinuxMemory(reservation: -1), ["memory.low=max"]),
    ])
    func memory(memory: LinuxMemory, writes: [String]) throws {
        let tree = try FakeTree(v2: ["memory"])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(memory: memory))
        #expect(tree.system.log(under: tree.root + "/hako/c1") == writes)
    }

    @Test("no swap accounting: unlimited or no swap is fine, a real swap limit is not")
    func noSwapFile() throws {
        let tree = try FakeTree(v2: ["memory"], without: ["memory.swap.max"])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: -1)))
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 100, swap: 100)))
        #expect(tree.system.log(under: tree.root + "/hako/c1") == ["memory.max=max", "memory.max=100"])
        let error = cgroupError { try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 100, swap: 300))) }
        #expect(error?.description == "linux.resources.memory.swap: swap accounting is not enabled on the host (no memory.swap.max)")
    }

    @Test("v1-only memory settings are warnings on v2")
    func memoryWarnings() throws {
        let tree = try FakeTree(v2: ["memory"])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(memory: LinuxMemory(kernel: 1, swappiness: 10, disableOOMKiller: true)))
        #expect(manager.warnings == [
            "linux.resources.memory.kernel: ignored on cgroup v2",
            "linux.resources.memory.swappiness: ignored on cgroup v2",
            "linux.resources.memory.disableOOMKiller: ignored on cgroup v2",
        ])
        #expect(tree.system.log(under: tree.root + "/hako/c1").isEmpty)
    }

    @Test("cpu.max forms", arguments: [
        (LinuxCPU(quota: -1, period: 100000), ["cpu.max=max 100000"]),
        (LinuxCPU(period: 50000), ["cpu.max=max 50000"]),
        (LinuxCPU(quota: 20000), ["cpu.max=20000"]),
        (LinuxCPU(shares: 2), ["cpu.weight=1"]),
        (LinuxCPU(idle: 1), ["cpu.idle=1"]),
    ])
    func cpu(cpu: LinuxCPU, writes: [String]) throws {
        let tree = try FakeTree(v2: ["cpu"])
        let manager = try makeManager(tree)
        try manager.apply(resources: LinuxResources(cpu: cpu))
        #expect(tree.system.log(under: tree.root + "/hako/c1") == writes)
    }

    @Test("a burst refused before the quota is retried after it")
    func burstRetry() throws {
        let tree = try FakeTree(v2: ["cpu"])
        let manager = try makeManager(tree)
        let dir = tree.root + "/hako/c1"
        tree.system.failures[dir + "/cpu.max.burst"] = (EINVAL, 1)
        try manager.apply(resources: LinuxResources(cpu: LinuxCPU(quota: 20000, burst: 5000)))
        #expect(tree.system.log(under: dir) == ["cpu.max.burst=5000", "cpu.max=20000", "cpu.max.burst=5000"])
    }

    @Test("BFQ takes blkio weights unconverted")
    func bfq() throws {
        let tree = try FakeTree(v2: ["io"])
        let manager = try makeManager(tree)
        let dir = tree.root + "/hako/c1"
        try tree.write(dir + "/io.bfq.weight", "default 100\n")
        try manager.apply(resources: LinuxResources(blockIO: LinuxBlockIO(weight: 500, leafWeight: 20, weightDevice: [LinuxWeightDevice(major: 8, minor: 0, weight: 300)])))
        #expect(tree.system.log(under: dir) == ["io.bfq.weight=500", "io.bfq.weight=8:0 300"])
        #expect(manager.warnings == ["linux.resources.blockIO.leafWeight: ignored on cgroup v2"])
    }

    @Test("what cgroup v2 cannot do, or this host lacks, is an error naming the field", arguments: [
        (LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1)]), "linux.resources.hugepageLimits: the hugetlb controller is not available"),
        (LinuxResources(blockIO: LinuxBlockIO(weight: 100)), "linux.resources.blockIO: the io controller is not available"),
        (LinuxResources(cpu: LinuxCPU(cpus: "0")), "linux.resources.cpu.cpus: the cpuset controller is not available"),
        (LinuxResources(network: LinuxNetwork(classID: 1)), "linux.resources.network: net_cls and net_prio do not exist on cgroup v2"),
        (LinuxResources(cpu: LinuxCPU(realtimeRuntime: 1)), "linux.resources.cpu.realtimeRuntime: real-time scheduling limits do not exist on cgroup v2"),
        (LinuxResources(memory: LinuxMemory(swap: 100)), "linux.resources.memory.swap: unable to set a swap limit without a memory limit"),
        (LinuxResources(unified: ["../memory.max": "1"]), "linux.resources.unified[\"../memory.max\"]: must be a file name of the cgroup (no \"/\" or \"..\")"),
        (LinuxResources(unified: ["memory/max": "1"]), "linux.resources.unified[\"memory/max\"]: must be a file name of the cgroup (no \"/\" or \"..\")"),
        (LinuxResources(unified: ["memory..max": "1"]), "linux.resources.unified[\"memory..max\"]: must be a file name of the cgroup (no \"/\" or \"..\")"),
        (LinuxResources(unified: ["nodot": "1"]), "linux.resources.unified[\"nodot\"]: must have the form CONTROLLER.KNOB"),
        (LinuxResources(unified: ["misc.max": "1"]), "linux.resources.unified[\"misc.max\"]: the misc controller is not available"),
    ])
    func refused(resources: LinuxResources, message: String) throws {
        let tree = try FakeTree(v2: ["cpu", "memory", "pids"])
        let manager = try makeManager(tree)
        var withPids = resources
        withPids.pids = LinuxPids(limit: 5)
        #expect(cgroupError { try manager.apply(resources: withPids) }?.description == message)
        #expect(tree.system.log(under: tree.root + "/hako/c1").isEmpty)
    }

    @Test("apply before create names the missing directory")
    func applyBeforeCreate() throws {
        let tree = try FakeTree(v2: ["memory"])
        let manager = try #require(try Cgroups.manager(host: tree.detect(), cgroupsPath: "/x", containerID: "c1", system: tree.system) as? V2Manager)
        let error = cgroupError { try manager.apply(resources: LinuxResources(memory: LinuxMemory(limit: 1))) }
        #expect(error?.description == "applying resources to \(tree.root)/x: no such file or directory")
    }

    @Test("freeze and thaw follow cgroup.events")
    func freezer() throws {
        let tree = try FakeTree(v2: ["cpu"])
        let manager = try makeManager(tree)
        let dir = tree.root + "/hako/c1"
        #expect(try manager.isFrozen == false)
        try manager.freeze()
        #expect(try manager.isFrozen)
        #expect(tree.read(dir + "/cgroup.events")?.contains("frozen 1") == true)
        try manager.thaw()
        #expect(try manager.isFrozen == false)
        #expect(tree.system.written(dir + "/cgroup.freeze") == ["1", "0"])
    }

    @Test("a freeze that never shows in cgroup.events times out and is undone")
    func freezeTimeout() throws {
        let tree = try FakeTree(v2: ["cpu"])
        let manager = try makeManager(tree)
        manager.settleTimeout = 50_000
        tree.system.eventsFollowFreeze = false
        let error = cgroupError { try manager.freeze() }
        #expect(error?.description == "freezing \(tree.root)/hako/c1: cgroup.events did not report frozen 1 within 50 ms")
        #expect(tree.system.written(tree.root + "/hako/c1/cgroup.freeze") == ["1", "0"])
        #expect(tree.system.pauses.reduce(0, +) >= 50_000)
    }

    @Test("SIGKILL goes through cgroup.kill; other signals to each pid")
    func killAll() throws {
        let tree = try FakeTree(v2: ["cpu"])
        let manager = try makeManager(tree)
        let dir = tree.root + "/hako/c1"
        try manager.killAll(signal: SIGKILL)
        #expect(tree.system.written(dir + "/cgroup.kill") == ["1"])
        #expect(tree.system.signals.isEmpty)
        try tree.write(dir + "/cgroup.procs", "7\n8\n")
        try manager.killAll(signal: SIGHUP)
        #expect(tree.system.signals.map(\.pid) == [7, 8])
        #expect(tree.system.written(dir + "/cgroup.freeze") == ["1", "0"])
        // Without cgroup.kill (before 5.14) SIGKILL is signalled too.
        try FileManager.default.removeItem(atPath: dir + "/cgroup.kill")
        try manager.killAll(signal: SIGKILL)
        #expect(tree.system.signals.map(\.pid) == [7, 8, 7, 8])
    }

    @Test("remove takes the cgroup and the parents create made")
    func remove() throws {
        let tree = try FakeTree(v2: ["cpu"])
        let manager = try makeManager(tree, path: "/a/b/c1")
        try tree.system.makeDirectory(tree.root + "/a/b/c1/inner")
        try manager.remove()
        #expect(!tree.exists(tree.root + "/a"))
        #expect(tree.system.removed.map { String($0.dropFirst(tree.root.count)) } == ["/a/b/c1/inner", "/a/b/c1", "/a/b", "/a"])
    }

    @Test("stats from the v2 files, in the v1 shape")
    func stats() throws {
        let tree = try FakeTree(v2: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"])
        let manager = try makeManager(tree)
        let dir = tree.root + "/hako/c1"
        try tree.write(dir + "/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n")
        try tree.write(dir + "/cpu.pressure", "some avg10=1.50 avg60=0.25 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        try tree.write(dir + "/memory.current", "8192\n")
        try tree.write(dir + "/memory.max", "1048576\n")
        try tree.write(dir + "/memory.peak", "16384\n")
        try tree.write(dir + "/memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n")
        try tree.write(dir + "/memory.stat", "anon 4096\nfile 2048\n")
        try tree.write(dir + "/memory.swap.current", "1024\n")
        try tree.write(dir + "/memory.swap.max", "max\n")
        try tree.write(dir + "/io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n")
        try tree.write(dir + "/pids.current", "2\n")
        try tree.write(dir + "/pids.max", "max\n")
        try tree.write(dir + "/hugetlb.2MB.current", "2097152\n")
        try tree.write(dir + "/hugetlb.2MB.events", "max 3\n")
        let stats = try manager.stats()
        #expect(stats.cpu.usage.total == 1_500_000 && stats.cpu.usage.user == 1_000_000 && stats.cpu.usage.kernel == 500_000)
        #expect(stats.cpu.usage.percpu.isEmpty)
        #expect(stats.cpu.throttling.periods == 4 && stats.cpu.throttling.throttledPeriods == 1 && stats.cpu.throttling.throttledTime == 20_000)
        #expect(stats.cpu.psi?.some == .init(avg10: 1.5, avg60: 0.25, avg300: 0, total: 12345))
        #expect(stats.memory.usage == .init(limit: 1_048_576, usage: 8192, max: 16384, failcnt: 5))
        #expect(stats.memory.swap == .init(limit: UInt64.max, usage: 9216, max: 0, failcnt: 0))
        #expect(stats.memory.cache == 2048 && stats.memory.raw == ["anon": 4096, "file": 2048])
        #expect(stats.blkio.ioServiceBytesRecursive == [.init(major: 8, minor: 0, op: "Read", value: 4096), .init(major: 8, minor: 0, op: "Write", value: 8192),
                                                       .init(major: 8, minor: 0, op: "Discard", value: 0)])
        #expect(stats.blkio.ioServicedRecursive.map(\.value) == [1, 2, 0])
        #expect(stats.pids == .init(current: 2, limit: 0))
        #expect(stats.hugetlb["2MB"] == .init(usage: 2_097_152, max: 0, failcnt: 3))
        #expect(stats.cpuset.cpus == [0, 1])
    }
}

@Suite("v2 conversions")
struct ConversionTests {
    @Test("cpu.shares to cpu.weight", arguments: [(0, 0), (1, 1), (2, 1), (512, 20), (1024, 39), (262_144, 10000), (1_000_000, 10000)] as [(UInt64, UInt64)])
    func cpuWeight(shares: UInt64, weight: UInt64) {
        #expect(V2Convert.cpuWeight(shares: shares) == weight)
    }

    @Test("blkio weight to io.weight", arguments: [(0, 0), (10, 1), (100, 910), (500, 4950), (1000, 10000), (5, 1)] as [(UInt16, UInt64)])
    func ioWeight(blkio: UInt16, io: UInt64) {
        #expect(V2Convert.ioWeight(blkioWeight: blkio) == io)
    }

    @Test("memory+swap to swap", arguments: [
        (0, 0, nil), (0, -1, "max"), (-1, 0, "max"), (-1, -1, "max"), (100, 100, "0"), (100, 250, "150"), (100, 0, nil),
    ] as [(Int64, Int64, String?)])
    func swap(limit: Int64, swap: Int64, result: String?) throws {
        #expect(try V2Convert.swapMax(swap: swap, limit: limit) == result)
    }

    @Test("impossible swap settings")
    func swapErrors() {
        #expect(cgroupError { _ = try V2Convert.swapMax(swap: 100, limit: 0) }?.description == "linux.resources.memory.swap: unable to set a swap limit without a memory limit")
        #expect(cgroupError { _ = try V2Convert.swapMax(swap: 100, limit: 200) }?.description == "linux.resources.memory.swap: memory+swap limit 100 should be >= memory limit 200")
        #expect(cgroupError { _ = try V2Convert.swapMax(swap: 100, limit: -5) }?.description == "linux.resources.memory.limit: invalid memory value -5")
    }

    @Test("cpu.max", arguments: [(0, 0, nil), (-1, 0, "max"), (-1, 100000, "max 100000"), (50000, 100000, "50000 100000"), (50000, 0, "50000"), (0, 25000, "max 25000")] as [(Int64, UInt64, String?)])
    func cpuMax(quota: Int64, period: UInt64, result: String?) {
        #expect(V2Convert.cpuMax(quota: quota, period: period) == result)
    }

    @Test("byte limits")
    func limits() {
        #expect(V2Convert.limit(0) == nil)
        #expect(V2Convert.limit(-1) == "max")
        #expect(V2Convert.limit(4096) == "4096")
    }

    @Test("io.max lines")
    func ioMax() {
        let lines = V2Convert.ioMaxLines(LinuxBlockIO(
            throttleReadBpsDevice: [LinuxThrottleDevice(major: 8, minor: 0, rate: 10), LinuxThrottleDevice(major: 8, minor: 16, rate: 11)],
            throttleWriteIOPSDevice: [LinuxThrottleDevice(major: 259, minor: 0, rate: 12)]
        ))
        #expect(lines == ["8:0 rbps=10", "8:16 rbps=11", "259:0 wiops=12"])
    }
}
