import Foundation
import LinuxSys
import OCISpec
@testable import Cgroups
import Testing

@Suite("systemd driver: unit names from cgroupsPath")
struct SystemdUnitTests {
    @Test("slice:prefix:name makes a scope in the slice, as runc", arguments: [
        ("system.slice:hako:abc", "hako-abc.scope", "system.slice", "/system.slice/hako-abc.scope"),
        (":crio:abc", "crio-abc.scope", "system.slice", "/system.slice/crio-abc.scope"),
        ("machine.slice:libpod:0123abc", "libpod-0123abc.scope", "machine.slice", "/machine.slice/libpod-0123abc.scope"),
        ("kubepods-besteffort-pod12_3.slice:cri-containerd:ab", "cri-containerd-ab.scope", "kubepods-besteffort-pod12_3.slice",
         "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12_3.slice/cri-containerd-ab.scope"),
        ("-.slice:p:n", "p-n.scope", "-.slice", "/p-n.scope"),
        ("system.slice::n", "-n.scope", "system.slice", "/system.slice/-n.scope"),
        ("system.slice:p:a-b.slice", "a-b.slice", "system.slice", "/a.slice/a-b.slice"),
    ])
    func parse(path: String, name: String, slice: String, cgroupPath: String) throws {
        let unit = try SystemdUnit.parse(path, containerID: "ignored")
        #expect(unit.name == name)
        #expect(unit.slice == slice)
        #expect(unit.cgroupPath == cgroupPath)
        #expect(unit.isSlice == name.hasSuffix(".slice"))
    }

    @Test("no cgroupsPath: hako-<id>.scope in system.slice")
    func defaultUnit() throws {
        for path in [nil, ""] as [String?] {
            let unit = try SystemdUnit.parse(path, containerID: "c1")
            #expect(unit == SystemdUnit(name: "hako-c1.scope", slice: "system.slice", cgroupPath: "/system.slice/hako-c1.scope"))
        }
    }

    @Test("what is not slice:prefix:name, or not a unit name, is refused naming linux.cgroupsPath", arguments: [
        "/machine/abc", "abc", "a:b", "a:b:c:d", "notaslice:p:n", "a--b.slice:p:n", "-a.slice:p:n", "a-.slice:p:n",
        ".slice:p:n", "a/b.slice:p:n", "system.slice:p:", "system.slice:p:a/b", "system.slice:p:../x", "system.slice:a b:n",
        "system.slice::-.slice", "system.slice:p:caf\u{e9}",
    ])
    func refused(path: String) {
        let error = cgroupError { _ = try SystemdUnit.parse(path, containerID: "c1") }
        #expect(error?.step == "linux.cgroupsPath", "\(String(describing: error))")
    }

    @Test("a too long unit name is refused")
    func tooLong() {
        let error = cgroupError { _ = try SystemdUnit.parse("system.slice:p:" + String(repeating: "a", count: 250), containerID: "c1") }
        #expect(error?.description.contains("longer than systemd's 255 characters") == true)
    }

    @Test("slice expansion", arguments: [
        ("system.slice", "/system.slice"),
        ("-.slice", "/"),
        ("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"),
        ("user-1000.slice", "/user.slice/user-1000.slice"),
    ])
    func expand(slice: String, path: String) throws {
        #expect(try SystemdUnit.expandSlice(slice) == path)
    }

    @Test("the not-a-slice error reads well")
    func expandError() {
        let error = cgroupError { _ = try SystemdUnit.expandSlice("system") }
        #expect(error?.description == "linux.cgroupsPath: invalid slice name system (want e.g. system.slice or a-b.slice)")
    }
}

@Suite("systemd driver: unit properties")
struct SystemdPropertiesTests {
    @Test("a scope: description, slice, delegation, the pid, accounting, no default dependencies")
    func scope() throws {
        let unit = try SystemdUnit.parse("system.slice:hako:c1", containerID: "c1")
        #expect(SystemdProperties.unit(unit, description: "hako container c1", pid: 4242) == [
            UnitProperty("Description", .string("hako container c1")),
            UnitProperty("Slice", .string("system.slice")),
            UnitProperty("Delegate", .bool(true)),
            UnitProperty("PIDs", .uint32Array([4242])),
            UnitProperty("MemoryAccounting", .bool(true)),
            UnitProperty("CPUAccounting", .bool(true)),
            UnitProperty("IOAccounting", .bool(true)),
            UnitProperty("TasksAccounting", .bool(true)),
            UnitProperty("DefaultDependencies", .bool(false)),
        ])
    }

    @Test("a slice wants its parent and takes no PIDs")
    func slice() throws {
        let unit = try SystemdUnit.parse("system.slice:p:a-b.slice", containerID: "c1")
        let properties = SystemdProperties.unit(unit, description: "d", pid: 7)
        #expect(properties.prefix(2) == [UnitProperty("Description", .string("d")), UnitProperty("Wants", .stringArray(["system.slice"]))])
        #expect(!properties.contains { $0.name == "PIDs" || $0.name == "Delegate" || $0.name == "Slice" })
    }

    @Test("every resource systemd has a property for, converted as runc converts it")
    func resources() throws {
        let resources = LinuxResources(
            memory: LinuxMemory(limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20, checkBeforeUpdate: nil),
            cpu: LinuxCPU(shares: 2048, quota: 50_000, period: 100_000, cpus: "0-2,7", mems: "0"),
            pids: LinuxPids(limit: 42),
            blockIO: LinuxBlockIO(weight: 500),
            hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1 << 21)]
        )
        #expect(try SystemdProperties.resources(resources, systemdVersion: 252) == [
            UnitProperty("MemoryMax", .uint64(64 << 20)),
            UnitProperty("MemoryLow", .uint64(32 << 20)),
            UnitProperty("MemorySwapMax", .uint64(64 << 20)),
            UnitProperty("CPUWeight", .uint64(79)),
            UnitProperty("CPUQuotaPeriodUSec", .uint64(100_000)),
            UnitProperty("CPUQuotaPerSecUSec", .uint64(500_000)),
            UnitProperty("TasksMax", .uint64(42)),
            UnitProperty("AllowedCPUs", .bytes([0b1000_0111])),
            UnitProperty("AllowedMemoryNodes", .bytes([1])),
            UnitProperty("IOWeight", .uint64(4950)),
        ])
    }

    @Test("older systemd: no CPUQuotaPeriodUSec before 242, no AllowedCPUs before 244")
    func versionGates() throws {
        let resources = LinuxResources(cpu: LinuxCPU(quota: 20_000, period: 50_000, cpus: "1"))
        #expect(try SystemdProperties.resources(resources, systemdVersion: 241) == [UnitProperty("CPUQuotaPerSecUSec", .uint64(400_000))])
        #expect(try SystemdProperties.resources(resources, systemdVersion: 243).map(\.name) == ["CPUQuotaPeriodUSec", "CPUQuotaPerSecUSec"])
        #expect(try SystemdProperties.resources(resources, systemdVersion: 244).map(\.name) == ["CPUQuotaPeriodUSec", "CPUQuotaPerSecUSec", "AllowedCPUs"])
    }

    @Test("unlimited values are systemd's infinity; unset ones are left out", arguments: [
        (LinuxResources(memory: LinuxMemory(limit: -1)), [UnitProperty("MemoryMax", .uint64(.max)), UnitProperty("MemorySwapMax", .uint64(.max))]),
        (LinuxResources(memory: LinuxMemory(limit: 100, swap: 100)), [UnitProperty("MemoryMax", .uint64(100))]),
        (LinuxResources(memory: LinuxMemory(limit: 100, swap: -1)), [UnitProperty("MemoryMax", .uint64(100)), UnitProperty("MemorySwapMax", .uint64(.max))]),
        (LinuxResources(pids: LinuxPids(limit: -1)), [UnitProperty("TasksMax", .uint64(.max))]),
        (LinuxResources(pids: LinuxPids(limit: 0)), []),
        (LinuxResources(cpu: LinuxCPU(quota: -1)), [UnitProperty("CPUQuotaPerSecUSec", .uint64(.max))]),
        (LinuxResources(cpu: LinuxCPU(shares: 0, idle: 1)), [UnitProperty("CPUWeight", .uint64(0))]),
        (LinuxResources(cpu: LinuxCPU(shares: 1024, idle: 1)), [UnitProperty("CPUWeight", .uint64(0))]),
        (LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1)]), []),
    ])
    func limits(resources: LinuxResources, properties: [UnitProperty]) throws {
        #expect(try SystemdProperties.resources(resources, systemdVersion: 252) == properties)
    }

    @Test("invalid values fail before systemd is asked, naming the field")
    func invalid() {
        let swap = cgroupError { _ = try SystemdProperties.resources(LinuxResources(memory: LinuxMemory(swap: 100)), systemdVersion: 252) }
        #expect(swap?.step == "linux.resources.memory.swap")
        let cpus = cgroupError { _ = try SystemdProperties.resources(LinuxResources(cpu: LinuxCPU(cpus: "3-1")), systemdVersion: 252) }
        #expect(cpus?.step == "linux.resources.cpu.cpus")
        let memory = cgroupError { _ = try SystemdProperties.resources(LinuxResources(memory: LinuxMemory(limit: -5)), systemdVersion: 252) }
        #expect(memory?.description == "linux.resources.memory.limit: invalid memory value -5")
    }

    @Test("CPU quota per second: runc's rounding up to whole percents", arguments: [
        (Int64(50_000), UInt64(100_000), UInt64(500_000)),
        (12_345, 100_000, 130_000),
        (10_000, 0, 100_000),
        (200_000, 100_000, 2_000_000),
        (1, 1_000_000, 10_000),
        (-1, 100_000, UInt64.max),
        (0, 100_000, UInt64.max),
    ])
    func quota(quota: Int64, period: UInt64, perSecond: UInt64) {
        #expect(SystemdProperties.cpuQuotaPerSecond(quota: quota, period: period) == perSecond)
    }

    @Test("cpuset lists as systemd's little-endian byte masks", arguments: [
        ("0", [UInt8(1)]),
        ("0-2,7", [0x87]),
        ("8", [0, 1]),
        ("1,3-5", [0x3a]),
        (" 0 , ,9-10", [1, 6]),
        ("16", [0, 0, 1]),
    ])
    func bits(list: String, bytes: [UInt8]) throws {
        #expect(try SystemdProperties.rangeToBits(list, field: "f") == bytes)
    }

    @Test("bad cpuset lists", arguments: ["", ",", "3-1", "x", "1-", "-1", "70000"])
    func badBits(list: String) {
        #expect(cgroupError { _ = try SystemdProperties.rangeToBits(list, field: "f") }?.step == "f")
    }

    @Test("unified keys systemd knows become properties after the others; the rest only files")
    func unified() throws {
        let resources = LinuxResources(pids: LinuxPids(limit: 10), unified: [
            "pids.max": "7", "memory.max": "max", "memory.high": " 50000000\n", "memory.min": "1", "cpu.max": "max 50000",
            "cpu.weight": "300", "cpuset.cpus": "1", "io.max": "8:0 rbps=5", "memory.oom.group": "1",
        ])
        #expect(try SystemdProperties.resources(resources, systemdVersion: 252) == [
            UnitProperty("TasksMax", .uint64(10)),
            UnitProperty("CPUQuotaPeriodUSec", .uint64(50_000)),
            UnitProperty("CPUQuotaPerSecUSec", .uint64(.max)),
            UnitProperty("CPUWeight", .uint64(300)),
            UnitProperty("AllowedCPUs", .bytes([2])),
            UnitProperty("MemoryHigh", .uint64(50_000_000)),
            UnitProperty("MemoryMax", .uint64(.max)),
            UnitProperty("MemoryMin", .uint64(1)),
            UnitProperty("TasksMax", .uint64(7)),
        ])
        let bad = cgroupError { _ = try SystemdProperties.resources(LinuxResources(unified: ["memory.max": "lots"]), systemdVersion: 252) }
        #expect(bad?.description == "linux.resources.unified[\"memory.max\"]: invalid value lots")
    }

    @Test("systemd's version string", arguments: [("252.22-1~deb12u1", 252), ("v245.4-1.fc32", 245), ("\"245\"", 245), ("255", 255), ("", -1), ("x", -1)])
    func version(text: String, number: Int) {
        #expect(SystemdBusConnection.parseVersion(text) == number)
    }

    @Test("D-Bus signatures")
    func signatures() {
        #expect([UnitValue.string(""), .bool(true), .uint64(1), .uint32Array([]), .stringArray([]), .bytes([]), .stringPairs([])].map(\.signature)
                == ["s", "b", "t", "au", "as", "ay", "a(ss)"])
    }
}

/// systemd's part, played on a FakeTree: starting a unit makes its cgroup (with the
/// controllers enabled above it), stopping it removes the cgroup; every call is recorded.
final class FakeSystemd: SystemdConnection {
    let tree: FakeTree
    var version = 252
    var calls: [String] = []
    var started: [UnitProperty] = []
    var updated: [UnitProperty] = []
    /// Outcomes for the next StartTransientUnit calls (then "done").
    var startOutcomes: [SystemdJobOutcome] = []
    var loaded: Set<String> = []
    /// The manager's own cgroup: "" for the system instance.
    var managerGroup = ""

    init(tree: FakeTree) {
        self.tree = tree
    }

    func controlGroup() throws(CgroupError) -> String {
        calls.append("controlGroup")
        return managerGroup
    }

    func directory(_ unit: String) -> String {
        tree.root + (managerGroup.isEmpty ? "/system.slice/" : managerGroup + "/user.slice/") + unit
    }

    func startTransientUnit(_ name: String, properties: [UnitProperty], timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome {
        calls.append("start \(name)")
        if !startOutcomes.isEmpty {
            let outcome = startOutcomes.removeFirst()
            if outcome == .unitExists { loaded.insert(name) }
            return outcome
        }
        started = properties
        do {
            if !tree.v1.isEmpty {
                // v1: the unit's directory in each hierarchy systemd manages, the pid in it.
                for dir in v1Directories(name) {
                    let parent = Paths.parent(dir)
                    if !tree.system.isDirectory(parent) { try tree.system.makeDirectory(parent) }
                    try tree.system.makeDirectory(dir)
                    for case .uint32Array(let pids) in properties.filter({ $0.name == "PIDs" }).map(\.value) {
                        for pid in pids { try tree.system.writeFile(dir + "/cgroup.procs", String(pid)) }
                    }
                }
                loaded.insert(name)
                return .finished("done")
            }
            // systemd enables the controllers it manages; hako enables the others (hugetlb).
            let managed = ["memory", "pids", "cpu"].filter { (tree.read(tree.root + "/cgroup.controllers") ?? "").contains($0) }
            let enable = managed.map { "+" + $0 }.joined(separator: " ")
            // Every level above the unit: made, with those controllers enabled.
            var level = tree.root
            try tree.system.writeFile(level + "/cgroup.subtree_control", enable)
            for component in Paths.parent(directory(name)).dropFirst(tree.root.count).split(separator: "/") {
                level += "/" + component
                if !tree.system.isDirectory(level) { try tree.system.makeDirectory(level) }
                try tree.system.writeFile(level + "/cgroup.subtree_control", enable)
            }
            try tree.system.makeDirectory(directory(name))
        } catch {
            throw CgroupError("fake systemd", error)
        }
        loaded.insert(name)
        return .finished("done")
    }

    /// The v1 hierarchies systemd manages (as systemd 252 on a hybrid host) and the
    /// unit's directory in each.
    func v1Directories(_ unit: String) -> [String] {
        let managed: Set<String> = ["cpu", "memory", "devices", "pids", "blkio", "name=systemd"]
        return tree.v1.filter { !managed.isDisjoint(with: $0.controllers) }.map { $0.mountPoint + "/system.slice/" + unit }
    }

    func stopUnit(_ name: String, timeoutMicroseconds: UInt64) throws(CgroupError) -> SystemdJobOutcome {
        calls.append("stop \(name)")
        guard loaded.remove(name) != nil else { return .noSuchUnit }
        for dir in tree.v1.isEmpty ? [directory(name)] : v1Directories(name) { try? tree.system.removeDirectory(dir) }
        return .finished("done")
    }

    func setUnitProperties(_ name: String, properties: [UnitProperty]) throws(CgroupError) {
        calls.append("set \(name)")
        updated = properties
    }

    func resetFailedUnit(_ name: String) throws(CgroupError) {
        calls.append("reset \(name)")
        loaded.remove(name)
    }
}

@Suite("systemd driver: the manager, against a fake systemd")
struct SystemdManagerTests {
    func make(_ tree: FakeTree, _ systemd: FakeSystemd?, path: String = "system.slice:hako:c1") throws -> SystemdManager {
        let host = try tree.detect()
        return SystemdManager(host: host, unit: try SystemdUnit.parse(path, containerID: "c1"), containerID: "c1", system: tree.system,
                              connect: { () throws(CgroupError) in
                                  guard let systemd else { throw CgroupError(SystemdBusConnection.unreachable, errno: ENOENT) }
                                  return systemd
                              })
    }

    @Test("setUp starts the scope with the pid and limits, then writes the files; remove stops it")
    func lifecycle() throws {
        let tree = try FakeTree(v2: ["memory", "pids", "cpu"])
        let systemd = FakeSystemd(tree: tree)
        let manager = try make(tree, systemd)
        try manager.setUp(pid: 4242, resources: LinuxResources(memory: LinuxMemory(limit: 1 << 20), pids: LinuxPids(limit: 9)))
        let dir = tree.root + "/system.slice/hako-c1.scope"
        #expect(systemd.calls == ["start hako-c1.scope"])
        #expect(systemd.started.contains(UnitProperty("PIDs", .uint32Array([4242]))))
        #expect(systemd.started.suffix(2) == [UnitProperty("MemoryMax", .uint64(1 << 20)), UnitProperty("TasksMax", .uint64(9))])
        #expect(tree.system.log(under: dir) == ["pids.max=9", "memory.max=1048576"])
        // systemd moved the pid in: hako does not write cgroup.procs for a scope.
        #expect(tree.system.written(dir + "/cgroup.procs").isEmpty)
        #expect(manager.paths == ["": dir, "systemd-unit": "hako-c1.scope"])

        let restored = try #require(try Cgroups.restore(host: try tree.detect(), paths: manager.paths, system: tree.system,
                                                        connectSystemd: { () throws(CgroupError) in systemd }) as? SystemdManager)
        #expect(restored.unitName == "hako-c1.scope" && restored.directory == dir)
        #expect(try restored.pids().isEmpty)
        try restored.remove()
        #expect(systemd.calls == ["start hako-c1.scope", "stop hako-c1.scope", "reset hako-c1.scope"])
        #expect(!tree.exists(dir))
        // A unit systemd already dropped (the container's processes all exited) is fine.
        try restored.remove()
        #expect(try restored.pids().isEmpty)
        #expect(try restored.isFrozen == false)
    }

    @Test("a unit left over is reset and started again once, as runc does")
    func unitExists() throws {
        let tree = try FakeTree(v2: ["memory", "pids"])
        let systemd = FakeSystemd(tree: tree)
        systemd.startOutcomes = [.unitExists]
        try make(tree, systemd).setUp(pid: 1, resources: LinuxResources())
        #expect(systemd.calls == ["start hako-c1.scope", "reset hako-c1.scope", "start hako-c1.scope"])
    }

    @Test("a failed job is an error and leaves nothing")
    func failedJob() throws {
        let tree = try FakeTree(v2: ["memory", "pids"])
        let systemd = FakeSystemd(tree: tree)
        systemd.startOutcomes = [.finished("failed")]
        let error = cgroupError { try make(tree, systemd).setUp(pid: 1, resources: LinuxResources()) }
        #expect(error?.description == "starting systemd unit hako-c1.scope: the job ended with \"failed\"")
        #expect(systemd.calls == ["start hako-c1.scope", "reset hako-c1.scope"])
    }

    @Test("a limit the cgroup cannot take stops the unit again")
    func applyFails() throws {
        let tree = try FakeTree(v2: ["memory", "pids", "cpu"])
        let systemd = FakeSystemd(tree: tree)
        let error = cgroupError {
            try make(tree, systemd).setUp(pid: 1, resources: LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1)]))
        }
        #expect(error?.description == "linux.resources.hugepageLimits: the hugetlb controller is not available")
        #expect(systemd.calls == ["start hako-c1.scope", "stop hako-c1.scope", "reset hako-c1.scope"])
        #expect(!tree.exists(tree.root + "/system.slice/hako-c1.scope"))
    }

    @Test("without systemd: one clear error, and nothing is made")
    func unreachable() throws {
        let tree = try FakeTree(v2: ["memory", "pids"])
        let error = cgroupError { try make(tree, nil).setUp(pid: 1, resources: LinuxResources()) }
        #expect(error?.description == "--systemd-cgroup: cannot reach systemd over D-Bus: no such file or directory")
        #expect(tree.system.writes.isEmpty)
        #expect(!tree.exists(tree.root + "/system.slice"))
    }

    @Test("a user's instance: the unit in user.slice below the manager's own cgroup, asked once")
    func userInstance() throws {
        let tree = try FakeTree(v2: ["memory", "pids", "cpu"])
        let systemd = FakeSystemd(tree: tree)
        systemd.managerGroup = "/user.slice/user-1000.slice/user@1000.service"
        let manager = try Cgroups.systemdManager(host: try tree.detect(), cgroupsPath: nil, containerID: "c1", system: tree.system,
                                                 userInstance: true, connect: { () throws(CgroupError) in systemd })
        #expect(manager.unitName == "hako-c1.scope")
        #expect(manager.directory == tree.root + "/user.slice/user-1000.slice/user@1000.service/user.slice/hako-c1.scope")
        #expect(systemd.calls == ["controlGroup"])
        // podman's rootless form names the slice itself.
        let named = try Cgroups.systemdManager(host: try tree.detect(), cgroupsPath: "user.slice:libpod:c2", containerID: "c2",
                                               system: tree.system, userInstance: true, connect: { () throws(CgroupError) in systemd })
        #expect(named.directory == tree.root + "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-c2.scope")
        // The system instance: system.slice from the root, systemd not asked before setUp.
        systemd.calls = []
        let system = try Cgroups.systemdManager(host: try tree.detect(), cgroupsPath: nil, containerID: "c3", system: tree.system,
                                                userInstance: false, connect: { () throws(CgroupError) in systemd })
        #expect(system.directory == tree.root + "/system.slice/hako-c3.scope")
        #expect(systemd.calls.isEmpty)
    }

    @Test("a user's instance: a device program the user may not attach is skipped (as runc), the limits still written")
    func userInstanceDevices() throws {
        let tree = try FakeTree(v2: ["memory", "pids", "cpu"])
        let systemd = FakeSystemd(tree: tree)
        systemd.managerGroup = "/user.slice/user-1000.slice/user@1000.service"
        let dir = tree.root + "/user.slice/user-1000.slice/user@1000.service/user.slice/hako-c1.scope"
        tree.system.failures[dir] = (EPERM, 1)
        let resources = LinuxResources(devices: [LinuxDeviceCgroup(allow: false)], pids: LinuxPids(limit: 9))
        let manager = try Cgroups.systemdManager(host: try tree.detect(), cgroupsPath: nil, containerID: "c1", system: tree.system,
                                                 userInstance: true, connect: { () throws(CgroupError) in systemd })
        try manager.setUp(pid: 4242, resources: resources)
        #expect(!manager.devicesEnforced)
        #expect(tree.system.written(dir + "/pids.max") == ["9"])
        // `update` by a later hako, from the saved paths: the same skip.
        tree.system.failures[dir] = (EPERM, 1)
        let restored = try Cgroups.restore(host: try tree.detect(), paths: manager.paths, system: tree.system,
                                           userInstance: true, connectSystemd: { () throws(CgroupError) in systemd })
        try restored.apply(resources: LinuxResources(devices: [LinuxDeviceCgroup(allow: false)], pids: LinuxPids(limit: 10)))
        #expect(tree.system.written(dir + "/pids.max") == ["9", "10"])
        // The system instance (root) does not skip it.
        let rootTree = try FakeTree(v2: ["memory", "pids", "cpu"])
        let rootSystemd = FakeSystemd(tree: rootTree)
        rootTree.system.failures[rootTree.root + "/system.slice/hako-c1.scope"] = (EPERM, 1)
        let rootManager = try Cgroups.systemdManager(host: try rootTree.detect(), cgroupsPath: nil, containerID: "c1", system: rootTree.system,
                                                     userInstance: false, connect: { () throws(CgroupError) in rootSystemd })
        let error = cgroupError { try rootManager.setUp(pid: 4242, resources: resources) }
        #expect(error?.step.hasPrefix("linux.resources.devices: ") == true, "\(String(describing: error))")
    }

    @Test("a user's instance on a v1 or hybrid host: a clear error before systemd is asked")
    func userInstanceNeedsV2() throws {
        let tree = try FakeTree(unified: "unified")
        let systemd = FakeSystemd(tree: tree)
        let error = cgroupError {
            _ = try Cgroups.systemdManager(host: try tree.detect(), cgroupsPath: nil, containerID: "c1", system: tree.system,
                                           userInstance: true, connect: { () throws(CgroupError) in systemd })
        }
        #expect(error?.description == "--systemd-cgroup without root: a user's systemd instance needs cgroup v2 (this host has hybrid cgroups)")
        #expect(systemd.calls.isEmpty)
    }

    @Test("the initial user namespace is told from /proc/self/uid_map")
    func initialUserNamespace() {
        #expect(Namespaces.inInitialUserNamespace(uidMap: "         0          0 4294967295\n"))
        #expect(!Namespaces.inInitialUserNamespace(uidMap: "         0       1000          1\n         1     100000      65536\n"))
        #expect(Namespaces.inInitialUserNamespace(uidMap: nil))
    }

    @Test("a hybrid host: v1 properties, systemd's hierarchies joined by systemd, the others made and joined here")
    func hybridHost() throws {
        let tree = try FakeTree(unified: "unified")
        let systemd = FakeSystemd(tree: tree)
        let manager = try make(tree, systemd)
        try manager.setUp(pid: 4242, resources: LinuxResources(
            devices: [LinuxDeviceCgroup(allow: false), LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm")],
            memory: LinuxMemory(limit: 1 << 20), cpu: LinuxCPU(shares: 512), pids: LinuxPids(limit: 9), blockIO: LinuxBlockIO(weight: 300)))
        let started = systemd.started
        #expect(started.contains(UnitProperty("BlockIOAccounting", .bool(true))))
        #expect(!started.contains { $0.name == "IOAccounting" || $0.name == "MemoryMax" || $0.name == "CPUWeight" })
        for property in [UnitProperty("MemoryLimit", .uint64(1 << 20)), UnitProperty("CPUShares", .uint64(512)),
                         UnitProperty("BlockIOWeight", .uint64(300)), UnitProperty("TasksMax", .uint64(9)),
                         UnitProperty("DevicePolicy", .string("strict")),
                         UnitProperty("DeviceAllow", .stringPairs([StringPair("/dev/char/1:3", "rwm")]))] {
            #expect(started.contains(property), "\(property)")
        }
        let unit = "/system.slice/hako-c1.scope"
        // The limits in the files of the v1 controllers, the shares as they are.
        #expect(tree.system.written(tree.root + "/memory" + unit + "/memory.limit_in_bytes") == ["1048576"])
        #expect(tree.system.written(tree.root + "/cpu,cpuacct" + unit + "/cpu.shares") == ["512"])
        #expect(tree.system.written(tree.root + "/devices" + unit + "/devices.allow") == ["c 1:3 rwm"])
        // Hierarchies systemd does not manage: made here, with the pid moved in.
        for hierarchy in ["cpuset", "freezer", "net_cls,net_prio", "hugetlb", "rdma", "unified"] {
            #expect(tree.system.written(tree.root + "/" + hierarchy + unit + "/cgroup.procs") == ["4242"], "\(hierarchy)")
        }
        #expect(manager.paths["memory"] == tree.root + "/memory" + unit)
        #expect(manager.paths["systemd-unit"] == "hako-c1.scope")
        #expect(manager.mode == .hybrid)

        // Restored from the saved paths, it is the same driver: delete stops the unit and
        // removes what hako made.
        let restored = try Cgroups.restore(host: try tree.detect(), paths: manager.paths, system: tree.system,
                                           connectSystemd: { () throws(CgroupError) in systemd })
        #expect(restored is SystemdManager)
        try restored.remove()
        #expect(systemd.calls == ["start hako-c1.scope", "stop hako-c1.scope", "reset hako-c1.scope"])
        for hierarchy in ["memory", "cpuset", "freezer", "unified", "name=systemd".replacingOccurrences(of: "name=", with: "")] {
            #expect(!tree.exists(tree.root + "/" + hierarchy + unit), "\(hierarchy)")
        }
    }

    @Test("a scope systemd is removing (its files read ENODEV) counts as gone: no processes, kill and remove succeed")
    func scopeBeingRemoved() throws {
        let tree = try FakeTree(v2: ["memory", "pids"])
        let systemd = FakeSystemd(tree: tree)
        let manager = try make(tree, systemd)
        try manager.setUp(pid: 4242, resources: LinuxResources())
        let procs = tree.root + "/system.slice/hako-c1.scope/cgroup.procs"
        tree.system.readFailures[procs] = (ENODEV, 1)
        #expect(try manager.pids() == [])
        tree.system.readFailures[procs] = (ENODEV, 1)
        try manager.killAll(signal: SIGKILL)
        try manager.remove()
        #expect(!tree.exists(tree.root + "/system.slice/hako-c1.scope"))
    }

    @Test("on a hybrid host systemd removes the unit hierarchy by hierarchy: a directory gone before the witness counts as gone")
    func hierarchyRemovedFirst() throws {
        let tree = try FakeTree(unified: "unified")
        let systemd = FakeSystemd(tree: tree)
        let manager = try make(tree, systemd)
        try manager.setUp(pid: 4242, resources: LinuxResources())
        let unit = "/system.slice/hako-c1.scope"
        // The devices directory (whose cgroup.procs lists the processes) is gone; the
        // witness (name=systemd's) is not yet.
        try tree.system.removeDirectory(tree.root + "/devices" + unit)
        #expect(tree.exists(tree.root + "/systemd" + unit))
        #expect(try manager.pids() == [])
        try manager.killAll(signal: SIGKILL)
        try manager.remove()
        #expect(!tree.exists(tree.root + "/systemd" + unit))
    }

    @Test("annotation properties go last, so that they override the others")
    func annotationPropertiesLast() throws {
        let tree = try FakeTree(v2: ["memory", "pids"])
        let systemd = FakeSystemd(tree: tree)
        let manager = try make(tree, systemd)
        manager.annotationProperties = try SystemdAnnotations.properties(["org.systemd.property.TasksMax": "uint64 77"])
        try manager.setUp(pid: 1, resources: LinuxResources(pids: LinuxPids(limit: 9)))
        #expect(systemd.started.last == UnitProperty("TasksMax", .uint64(77)))
        #expect(systemd.started.contains(UnitProperty("TasksMax", .uint64(9))))
    }

    @Test("device rules as DevicePolicy and DeviceAllow")
    func deviceProperties() {
        let procDevices = "Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n\nBlock devices:\n  8 sd\n"
        var warnings: [String] = []
        let rules = [
            LinuxDeviceCgroup(allow: false),
            LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 136, access: "rw"),
            LinuxDeviceCgroup(allow: true, type: "b", major: 8, access: "r"),
            LinuxDeviceCgroup(allow: true, type: "c", access: "m"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 250, access: "r"),
        ]
        #expect(SystemdProperties.devices(rules, procDevices: procDevices, warnings: &warnings) == [
            UnitProperty("DevicePolicy", .string("strict")),
            UnitProperty("DeviceAllow", .stringPairs([StringPair("/dev/char/1:3", "rwm"), StringPair("char-pts", "rw"),
                                                      StringPair("block-sd", "r"), StringPair("char-*", "m")])),
        ])
        #expect(warnings == ["linux.resources.devices: no char driver has major 250 in /proc/devices; systemd is not told of c 250:*"])
        warnings = []
        #expect(SystemdProperties.devices([LinuxDeviceCgroup(allow: true), LinuxDeviceCgroup(allow: false, type: "c", major: 1, minor: 1)],
                                          procDevices: procDevices, warnings: &warnings)
                == [UnitProperty("DevicePolicy", .string("auto")), UnitProperty("DeviceAllow", .stringPairs([]))])
        #expect(warnings.count == 1)
    }

    @Test("a slice unit: started without PIDs, the process joins through cgroup.procs")
    func sliceUnit() throws {
        let tree = try FakeTree(v2: ["memory", "pids"])
        let systemd = FakeSystemd(tree: tree)
        // The fake puts every unit under system.slice; a slice named so lives there too.
        let manager = try make(tree, systemd, path: "system.slice:p:system-c1.slice")
        try manager.setUp(pid: 77, resources: LinuxResources())
        #expect(!systemd.started.contains { $0.name == "PIDs" })
        #expect(tree.system.written(tree.root + "/system.slice/system-c1.slice/cgroup.procs") == ["77"])
    }

    @Test("update: the properties go to the unit, then the files; a file-only change asks nothing of systemd")
    func update() throws {
        let tree = try FakeTree(v2: ["memory", "pids", "cpu", "hugetlb"])
        let systemd = FakeSystemd(tree: tree)
        let manager = try make(tree, systemd)
        try manager.setUp(pid: 1, resources: LinuxResources())
        let restored = try Cgroups.restore(host: try tree.detect(), paths: manager.paths, system: tree.system,
                                           connectSystemd: { () throws(CgroupError) in systemd })
        try restored.apply(resources: LinuxResources(memory: LinuxMemory(limit: 100 << 20), pids: LinuxPids(limit: 20)))
        #expect(systemd.calls.last == "set hako-c1.scope")
        #expect(systemd.updated == [UnitProperty("MemoryMax", .uint64(100 << 20)), UnitProperty("TasksMax", .uint64(20))])
        #expect(tree.system.log(under: tree.root + "/system.slice/hako-c1.scope").suffix(2) == ["pids.max=20", "memory.max=104857600"])
        let calls = systemd.calls.count
        try restored.apply(resources: LinuxResources(cpu: LinuxCPU(burst: 10)))
        #expect(systemd.calls.count == calls)
    }

    @Test("saved paths that do not make sense are refused")
    func badRestore() throws {
        let tree = try FakeTree(v2: ["memory"])
        let host = try tree.detect()
        let dir = tree.root + "/system.slice/hako-c1.scope"
        for paths in [["": dir, "systemd-unit": "../x.scope"], ["": dir, "systemd-unit": "x.service"], ["systemd-unit": "hako-c1.scope"],
                      ["": "/etc", "systemd-unit": "hako-c1.scope"]] {
            #expect(cgroupError { _ = try Cgroups.restore(host: host, paths: paths, system: tree.system) } != nil, "\(paths)")
        }
        let hybrid = try FakeTree(unified: "unified")
        let onV1 = cgroupError {
            _ = try Cgroups.restore(host: try hybrid.detect(), paths: ["": "/etc/x", "systemd-unit": "x.scope"], system: hybrid.system)
        }
        #expect(onV1 != nil)
    }
}
