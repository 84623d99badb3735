import Foundation
import OCISpec
@testable import Cgroups
import Testing

/// Against the real cgroup filesystem of a v1 or hybrid host, as root. Everything the test
/// makes is under a unique name and removed at the end, whatever happens.
@Suite("real v1/hybrid host", .enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory")))
struct HostCgroupTests {
    /// Starts `sleep 60` with posix_spawn.
    func spawnSleep() throws -> pid_t {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
        defer { for arg in argv { free(arg) } }
        let result = posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ)
        try #require(result == 0, "posix_spawn: \(String(cString: strerror(result)))")
        return pid
    }

    @Test("create, limit, join, freeze, stats, kill and remove a real cgroup")
    func lifecycle() throws {
        let host = try CgroupHost.detect()
        #expect(host.mode == .legacy || host.mode == .hybrid)
        let name = "hako-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let manager = try Cgroups.manager(host: host, cgroupsPath: "/" + name, containerID: "unused")
        var child: pid_t = 0
        defer {
            // Whatever failed above, leave nothing behind.
            if child > 0 {
                kill(child, SIGKILL)
                var status: Int32 = 0
                waitpid(child, &status, 0)
            }
            try? manager.thaw()
            try? manager.remove()
        }

        try manager.create()
        let dirs = Set(manager.paths.values)
        #expect(!dirs.isEmpty)
        for dir in dirs { #expect(FileManager.default.fileExists(atPath: dir), "\(dir)") }
        let memoryDir = try #require(manager.paths["memory"])
        #expect(memoryDir == "/sys/fs/cgroup/memory/" + name)
        if host.mode == .hybrid, let unified = host.unified { #expect(manager.paths[""] == unified.mountPoint + "/" + name) }

        var resources = try #require(Spec.defaultSpec(rootless: false).linux?.resources)
        resources.memory = LinuxMemory(limit: 64 << 20)
        resources.pids = LinuxPids(limit: 16)
        try manager.apply(resources: resources)
        #expect(try String(contentsOfFile: memoryDir + "/memory.limit_in_bytes", encoding: .utf8) == "\(64 << 20)\n")
        if let pidsDir = manager.paths["pids"] {
            #expect(try String(contentsOfFile: pidsDir + "/pids.max", encoding: .utf8) == "16\n")
        }
        if let devicesDir = manager.paths["devices"] {
            #expect(try String(contentsOfFile: devicesDir + "/devices.list", encoding: .utf8) == "")
        }
        if host.hierarchy(for: "hugetlb") == nil {
            let error = cgroupError { try manager.apply(resources: LinuxResources(hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 0)])) }
            #expect(error?.description == "linux.resources.hugepageLimits: the hugetlb controller is not available")
        }

        child = try spawnSleep()
        try manager.join(pid: child)
        #expect(try manager.pids() == [child])
        let selfCgroup = try String(contentsOfFile: "/proc/\(child)/cgroup", encoding: .utf8)
        #expect(selfCgroup.contains(":memory:/\(name)\n"))

        if manager.paths["freezer"] != nil || manager.paths[""] != nil {
            try manager.freeze()
            #expect(try manager.isFrozen)
            try manager.thaw()
            #expect(try manager.isFrozen == false)
        }

        let stats = try manager.stats()
        #expect(stats.memory.usage.limit == 64 << 20)
        if manager.paths["pids"] != nil { #expect(stats.pids == .init(current: 1, limit: 16)) }
        let encoded = try JSONEncoder().encode(stats)
        #expect(try JSONDecoder().decode(CgroupStats.self, from: encoded) == stats)

        try manager.killAll(signal: SIGKILL)
        var status: Int32 = 0
        #expect(waitpid(child, &status, 0) == child)
        #expect(status & 0x7f == SIGKILL)
        child = 0
        #expect(try manager.pids() == [])

        try manager.remove()
        for dir in dirs { #expect(!FileManager.default.fileExists(atPath: dir), "\(dir) left behind") }
    }
}
