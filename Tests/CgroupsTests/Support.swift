import Foundation
import LinuxSys
@testable import Cgroups

/// A cgroup tree in a temp dir, laid out like the kernel's, with the kernel's part played
/// by `FakeSystem`: new directories get their interface files, cgroup.subtree_control
/// and cgroup.freeze behave, and every write is recorded.
final class FakeTree {
    let root: String
    let system: FakeSystem
    /// v1 mount point -> controllers.
    let v1: [(mountPoint: String, controllers: [String])]
    /// The cgroup2 mount point, if any.
    let v2: String?
    /// Where this "process" sits: hierarchy path by controller key ("" for cgroup2).
    var ownPaths: [String: String] = [:]

    static let defaultV1: [[String]] = [
        ["cpu", "cpuacct"], ["cpuset"], ["memory"], ["devices"], ["freezer"], ["pids"], ["blkio"],
        ["hugetlb"], ["net_cls", "net_prio"], ["rdma"], ["name=systemd"],
    ]

    /// A v1 host (legacy, or hybrid with `unified` naming the cgroup2 mount directory).
    init(v1 controllers: [[String]] = FakeTree.defaultV1, unified: String? = nil, without: Set<String> = []) throws {
        root = try makeTempDir()
        system = FakeSystem()
        var mounts: [(String, [String])] = []
        for group in controllers {
            let name = group.map { $0.replacingOccurrences(of: "name=", with: "") }.joined(separator: ",")
            let point = root + "/" + name
            try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: false)
            mounts.append((point, group))
            for (file, content) in Self.v1Files(group, root: true) where !without.contains(file) {
                try content.write(toFile: point + "/" + file, atomically: false, encoding: .utf8)
            }
        }
        v1 = mounts
        if let unified {
            let point = root + "/" + unified
            try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: false)
            for (file, content) in Self.v2Files([], root: true) {
                try content.write(toFile: point + "/" + file, atomically: false, encoding: .utf8)
            }
            v2 = point
        } else {
            v2 = nil
        }
        system.v1 = v1
        system.v2 = v2
        system.excluded = without
    }

    /// A pure cgroup v2 host whose root offers `controllers`.
    init(v2 controllers: [String], without: Set<String> = []) throws {
        root = try makeTempDir()
        system = FakeSystem()
        v1 = []
        v2 = root
        for (file, content) in Self.v2Files([], root: true) {
            try content.write(toFile: root + "/" + file, atomically: false, encoding: .utf8)
        }
        try controllers.joined(separator: " ").write(toFile: root + "/cgroup.controllers", atomically: false, encoding: .utf8)
        system.v2 = v2
        system.excluded = without
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// /proc/self/mountinfo for this tree, with a decoy cgroup mount outside it.
    var mountinfo: String {
        var lines = ["22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
                     "30 22 0:26 / \(root) rw,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755"]
        var id = 31
        for (point, controllers) in v1 {
            lines.append("\(id) 30 0:\(id) / \(point) rw,nosuid,nodev,noexec,relatime shared:\(id) - cgroup cgroup rw,\(controllers.joined(separator: ","))")
            id += 1
        }
        if let v2 {
            lines.append("\(id) 30 0:\(id) / \(v2) rw,nosuid,nodev,noexec,relatime shared:\(id) - cgroup2 cgroup2 rw,nsdelegate")
        }
        lines.append("99 22 0:50 / /var/lib/engine/rootfs/sys/fs/cgroup/memory rw - cgroup cgroup rw,memory")
        return lines.joined(separator: "\n") + "\n"
    }

    /// /proc/self/cgroup for this tree.
    var selfCgroup: String {
        var lines: [String] = []
        for (index, (_, controllers)) in v1.enumerated() {
            let path = controllers.compactMap { ownPaths[$0] }.first ?? "/"
            lines.append("\(v1.count - index):\(controllers.joined(separator: ",")):\(path)")
        }
        lines.append("0::\(ownPaths[""] ?? "/")")
        return lines.joined(separator: "\n") + "\n"
    }

    func detect() throws -> CgroupHost {
        try CgroupHost.detect(root: root, mountinfo: mountinfo, selfCgroup: selfCgroup)
    }

    /// The mount point of the v1 hierarchy holding a controller.
    func mount(_ controller: String) -> String {
        v1.first { $0.controllers.contains(controller) }?.mountPoint ?? root + "/no-such-hierarchy"
    }

    func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    func write(_ path: String, _ content: String) throws {
        try content.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// Interface files of a new v1 cgroup (or the root) for a hierarchy's controllers.
    static func v1Files(_ controllers: [String], root: Bool) -> [String: String] {
        var files: [String: String] = ["cgroup.procs": "", "tasks": "", "notify_on_release": "0", "cgroup.clone_children": "0"]
        for controller in controllers {
            switch controller {
            case "memory":
                for name in ["memory", "memory.memsw", "memory.kmem", "memory.kmem.tcp"] {
                    files[name + ".limit_in_bytes"] = "9223372036854771712"
                    files[name + ".usage_in_bytes"] = "0"
                    files[name + ".max_usage_in_bytes"] = "0"
                    files[name + ".failcnt"] = "0"
                }
                files["memory.soft_limit_in_bytes"] = "9223372036854771712"
                files["memory.swappiness"] = "60"
                files["memory.oom_control"] = "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"
                files["memory.use_hierarchy"] = "1"
                files["memory.stat"] = "cache 0\nrss 0\n"
            case "cpu":
                files["cpu.shares"] = "1024"
                files["cpu.cfs_quota_us"] = "-1"
                files["cpu.cfs_period_us"] = "100000"
                files["cpu.cfs_burst_us"] = "0"
                files["cpu.rt_runtime_us"] = "0"
                files["cpu.rt_period_us"] = "1000000"
                files["cpu.idle"] = "0"
                files["cpu.stat"] = "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"
            case "cpuacct":
                files["cpuacct.usage"] = "0"
                files["cpuacct.usage_percpu"] = "0 0 \n"
                files["cpuacct.stat"] = "user 0\nsystem 0\n"
                files["cpuacct.usage_all"] = "cpu user system\n0 0 0\n1 0 0\n"
            case "cpuset":
                files["cpuset.cpus"] = root ? "0-1\n" : "\n"
                files["cpuset.mems"] = root ? "0\n" : "\n"
                files["cpuset.cpu_exclusive"] = "0"
            case "devices":
                files["devices.allow"] = ""
                files["devices.deny"] = ""
                files["devices.list"] = "a *:* rwm\n"
            case "freezer":
                if !root {
                    files["freezer.state"] = "THAWED\n"
                    files["freezer.self_freezing"] = "0"
                }
            case "pids":
                if !root {
                    files["pids.max"] = "max\n"
                    files["pids.current"] = "0\n"
                }
            case "blkio":
                for name in ["blkio.weight", "blkio.leaf_weight", "blkio.weight_device", "blkio.leaf_weight_device",
                             "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                             "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
                             "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"] {
                    files[name] = ""
                }
            case "hugetlb":
                for size in ["2MB", "1GB"] {
                    files["hugetlb.\(size).limit_in_bytes"] = "9223372036854771712"
                    files["hugetlb.\(size).rsvd.limit_in_bytes"] = "9223372036854771712"
                    files["hugetlb.\(size).usage_in_bytes"] = "0"
                    files["hugetlb.\(size).max_usage_in_bytes"] = "0"
                    files["hugetlb.\(size).failcnt"] = "0"
                }
            case "net_cls": files["net_cls.classid"] = "0"
            case "net_prio": files["net_prio.ifpriomap"] = "lo 0\n"
            case "rdma": files["rdma.max"] = ""
            default: break
            }
        }
        return files
    }

    /// Interface files of a new cgroup2 directory (or the root) given its enabled controllers.
    static func v2Files(_ controllers: [String], root: Bool) -> [String: String] {
        var files: [String: String] = ["cgroup.procs": "", "cgroup.controllers": controllers.joined(separator: " "),
                                       "cgroup.subtree_control": "", "cgroup.stat": "nr_descendants 0\n"]
        if !root {
            files["cgroup.freeze"] = "0\n"
            files["cgroup.events"] = "populated 0\nfrozen 0\n"
            files["cgroup.kill"] = ""
            files["cgroup.type"] = "domain\n"
        }
        files["cpu.stat"] = "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"
        for controller in controllers where !root {
            switch controller {
            case "cpu":
                files["cpu.weight"] = "100\n"
                files["cpu.max"] = "max 100000\n"
                files["cpu.max.burst"] = "0\n"
                files["cpu.idle"] = "0\n"
            case "cpuset":
                files["cpuset.cpus"] = "\n"
                files["cpuset.mems"] = "\n"
                files["cpuset.cpus.effective"] = "0-1\n"
                files["cpuset.mems.effective"] = "0\n"
            case "memory":
                files["memory.max"] = "max\n"
                files["memory.low"] = "0\n"
                files["memory.high"] = "max\n"
                files["memory.swap.max"] = "max\n"
                files["memory.current"] = "0\n"
                files["memory.swap.current"] = "0\n"
                files["memory.peak"] = "0\n"
                files["memory.stat"] = "anon 0\nfile 0\n"
                files["memory.events"] = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"
            case "io":
                files["io.weight"] = "default 100\n"
                files["io.max"] = ""
                files["io.stat"] = ""
            case "pids":
                files["pids.max"] = "max\n"
                files["pids.current"] = "0\n"
            case "hugetlb":
                for size in ["2MB", "1GB"] {
                    files["hugetlb.\(size).max"] = "max\n"
                    files["hugetlb.\(size).rsvd.max"] = "max\n"
                    files["hugetlb.\(size).current"] = "0\n"
                    files["hugetlb.\(size).events"] = "max 0\n"
                }
            case "rdma": files["rdma.max"] = ""
            default: break
            }
        }
        return files
    }
}

/// The kernel's side of the fake tree, and a recorder of what the managers did.
final class FakeSystem: CgroupSystem {
    let host = HostCgroupSystem()
    /// The tree's layout, set by FakeTree.
    var v1: [(mountPoint: String, controllers: [String])] = []
    var v2: String?
    /// Interface files no new cgroup gets (a kernel without swap accounting, say).
    var excluded: Set<String> = []
    /// (path, value) of each write, in order.
    private(set) var writes: [(path: String, value: String)] = []
    private(set) var signals: [(pid: Int32, signal: Int32)] = []
    private(set) var pauses: [UInt32] = []
    private(set) var removed: [String] = []
    /// (directory, program) of each device program attached, in order.
    private(set) var devicePrograms: [(directory: String, program: DeviceProgram)] = []
    /// Path -> (errno, how many more times) for writes and rmdirs that should fail.
    var failures: [String: (errno: Int32, times: Int)] = [:]
    /// The same for reads.
    var readFailures: [String: (errno: Int32, times: Int)] = [:]
    /// Reads of freezer.state that still say FREEZING.
    var freezingReads = 0
    /// When false, cgroup.freeze writes do not reach cgroup.events (a stuck freeze).
    var eventsFollowFreeze = true
    /// File name -> what the kernel makes of a written value (clamping, say).
    var rewrite: [String: (String) -> String] = [:]

    /// Values written to one file, in order.
    func written(_ path: String) -> [String] {
        writes.filter { $0.path == path }.map(\.value)
    }

    /// Every write as "file=value" with the path relative to the tree root.
    func log(under dir: String) -> [String] {
        writes.filter { $0.path.hasPrefix(dir + "/") }.map { "\($0.path.dropFirst(dir.count + 1))=\($0.value)" }
    }

    private func fail(_ path: String, _ operation: String) throws(SysError) {
        if let failure = failures[path], failure.times > 0 {
            failures[path] = (failure.errno, failure.times - 1)
            throw SysError(operation, path: path, errno: failure.errno)
        }
    }

    func readFile(_ path: String) throws(SysError) -> String {
        if let failure = readFailures[path], failure.times > 0 {
            readFailures[path] = (failure.errno, failure.times - 1)
            throw SysError("read", path: path, errno: failure.errno)
        }
        if path.hasSuffix("/freezer.state") && freezingReads > 0 {
            freezingReads -= 1
            return "FREEZING\n"
        }
        return try host.readFile(path)
    }

    func writeFile(_ path: String, _ value: String) throws(SysError) {
        writes.append((path, value))
        try fail(path, "write")
        guard host.exists(path) else { throw SysError("open", path: path, errno: ENOENT) }
        let name = String(path.split(separator: "/").last ?? "")
        var stored = rewrite[name].map { $0(value) } ?? value
        switch name {
        case "cgroup.subtree_control":
            let dir = Paths.parent(path)
            let available = words(try host.readFile(dir + "/cgroup.controllers"))
            var enabled = words(try host.readFile(path))
            for token in value.split(separator: " ") {
                let controller = String(token.dropFirst())
                guard available.contains(controller) else { throw SysError("write", path: path, errno: ENOENT) }
                if token.hasPrefix("+") { if !enabled.contains(controller) { enabled.append(controller) } } else { enabled.removeAll { $0 == controller } }
            }
            stored = enabled.joined(separator: " ")
        case "cgroup.freeze":
            if eventsFollowFreeze {
                try host.writeFile(Paths.parent(path) + "/cgroup.events", "populated 0\nfrozen \(value)\n")
            }
        case "cgroup.procs":
            // The kernel appends; keep every pid so pids() sees them.
            let current = try host.readFile(path)
            stored = current + value + "\n"
        default:
            break
        }
        try host.writeFile(path, stored)
    }

    func attachDeviceProgram(_ directory: String, _ program: DeviceProgram) throws(SysError) {
        try fail(directory, "attaching the device eBPF program (BPF_PROG_ATTACH) to")
        devicePrograms.append((directory, program))
    }

    func makeDirectory(_ path: String) throws(SysError) {
        try host.makeDirectory(path)
        let files: [String: String]
        if let mount = v1.first(where: { path.hasPrefix($0.mountPoint + "/") }) {
            files = FakeTree.v1Files(mount.controllers, root: false)
        } else if let v2, path.hasPrefix(v2 + "/") {
            let enabled = words((try? host.readFile(Paths.parent(path) + "/cgroup.subtree_control")) ?? "")
            files = FakeTree.v2Files(enabled, root: false)
        } else {
            files = [:]
        }
        for (file, content) in files where !excluded.contains(file) {
            let fd = open(path + "/" + file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd >= 0 {
                _ = content.withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
        }
    }

    func removeDirectory(_ path: String) throws(SysError) {
        try fail(path, "rmdir")
        // A cgroup directory holds only interface files, which go with it.
        let names = (try? host.listDirectory(path)) ?? []
        if names.contains(where: { host.isDirectory(path + "/" + $0) }) { throw SysError("rmdir", path: path, errno: EBUSY) }
        for name in names { unlink(path + "/" + name) }
        try host.removeDirectory(path)
        removed.append(path)
    }

    func listDirectory(_ path: String) throws(SysError) -> [String] { try host.listDirectory(path) }
    func exists(_ path: String) -> Bool { host.exists(path) }
    func isDirectory(_ path: String) -> Bool { host.isDirectory(path) }

    func signal(_ pid: Int32, _ signal: Int32) throws(SysError) {
        signals.append((pid, signal))
    }

    func pause(microseconds: UInt32) {
        pauses.append(microseconds)
    }

    private func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }
}

func makeTempDir() throws -> String {
    // A clean path (no doubled slashes): the managers compare paths textually.
    let base = Paths.clean(NSTemporaryDirectory())
    var template = Array((base + "/hako-cgroups-XXXXXX").utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw SysError("mkdtemp", errno: errno)
    }
    return String(cString: made)
}

/// Catches a CgroupError from a throwing call, for checking its message.
func cgroupError(_ body: () throws -> Void) -> CgroupError? {
    do {
        try body()
        return nil
    } catch let error as CgroupError {
        return error
    } catch {
        return nil
    }
}
