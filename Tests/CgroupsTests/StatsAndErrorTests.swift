import Foundation
@testable import Cgroups
import Testing

@Suite("stats JSON and error text")
struct StatsJSONTests {
    func json(_ stats: CgroupStats) throws -> [String: Any] {
        let data = try JSONEncoder().encode(stats)
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("an empty report has runc's always-present fields only")
    func empty() throws {
        let object = try json(CgroupStats())
        #expect(Set(object.keys) == ["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"])
        #expect(object["network_interfaces"] is NSNull)
        let cpu = try #require(object["cpu"] as? [String: Any])
        #expect(Set(cpu.keys) == ["usage", "throttling"])
        #expect(Set((cpu["usage"] as? [String: Any])?.keys ?? [:].keys) == ["kernel", "user"])
        #expect((cpu["throttling"] as? [String: Any])?.isEmpty == true)
        let memory = try #require(object["memory"] as? [String: Any])
        #expect(Set(memory.keys) == ["usage", "swap", "kernel", "kernelTCP"])
        #expect(Set((memory["usage"] as? [String: Any])?.keys ?? [:].keys) == ["limit", "failcnt"])
        #expect((object["pids"] as? [String: Any])?.isEmpty == true)
        #expect((object["blkio"] as? [String: Any])?.isEmpty == true)
        #expect((object["hugetlb"] as? [String: Any])?.isEmpty == true)
        let cpuset = try #require(object["cpuset"] as? [String: Any])
        #expect(cpuset["cpus"] == nil && cpuset["cpu_exclusive"] as? Int == 0 && cpuset["sched_relax_domain_level"] as? Int == 0)
    }

    @Test("a filled report uses runc's names and round-trips")
    func filled() throws {
        var stats = CgroupStats()
        stats.cpu.usage.total = 10
        stats.cpu.usage.percpu = [4, 6]
        stats.cpu.usage.percpuKernel = [1, 2]
        stats.cpu.throttling.throttledPeriods = 3
        stats.memory.cache = 5
        stats.memory.usage = .init(limit: 100, usage: 50, max: 70, failcnt: 1)
        stats.memory.raw = ["rss": 9]
        stats.memory.psi = .init(some: .init(avg10: 0.5, total: 7))
        stats.pids = .init(current: 2, limit: 8)
        stats.blkio.ioServiceBytesRecursive = [.init(major: 8, minor: 0, op: "Read", value: 4096)]
        stats.blkio.ioQueuedRecursive = [.init(major: 8, minor: 0, value: 1)]
        stats.hugetlb["2MB"] = .init(usage: 1, max: 2, failcnt: 0)
        stats.networkInterfaces = [CgroupStats.NetworkInterface(name: "eth0")]
        let object = try json(stats)
        let usage = try #require((object["cpu"] as? [String: Any])?["usage"] as? [String: Any])
        #expect(usage["total"] as? Int == 10 && usage["percpu"] as? [Int] == [4, 6] && usage["percpu_kernel"] as? [Int] == [1, 2])
        #expect(((object["cpu"] as? [String: Any])?["throttling"] as? [String: Any])?["throttledPeriods"] as? Int == 3)
        let memory = try #require(object["memory"] as? [String: Any])
        #expect(memory["cache"] as? Int == 5)
        #expect((memory["usage"] as? [String: Any])?["max"] as? Int == 70)
        #expect((memory["raw"] as? [String: Any])?["rss"] as? Int == 9)
        #expect(((memory["psi"] as? [String: Any])?["some"] as? [String: Any])?["avg10"] as? Double == 0.5)
        let blkio = try #require(object["blkio"] as? [String: Any])
        #expect(Set(blkio.keys) == ["ioServiceBytesRecursive", "ioQueueRecursive"])
        #expect((blkio["ioQueueRecursive"] as? [[String: Any]])?.first?.keys.sorted() == ["major", "value"])
        #expect(((object["hugetlb"] as? [String: Any])?["2MB"] as? [String: Any])?.keys.sorted() == ["failcnt", "max", "usage"])
        #expect((object["network_interfaces"] as? [[String: Any]])?.first?["Name"] as? String == "eth0")
        let decoded = try JSONDecoder().decode(CgroupStats.self, from: JSONEncoder().encode(stats))
        #expect(decoded == stats)
    }

    @Test("error text: step, path, reason, errno")
    func errorText() {
        #expect(CgroupError("writing 1048576 to", path: "/sys/fs/cgroup/memory/x/memory.limit_in_bytes", errno: EBUSY).description
            == "writing 1048576 to /sys/fs/cgroup/memory/x/memory.limit_in_bytes: device or resource busy")
        #expect(CgroupError("linux.resources.hugepageLimits", reason: "the hugetlb controller is not available").description
            == "linux.resources.hugepageLimits: the hugetlb controller is not available")
        #expect(CgroupError("rmdir", path: "/x", errno: ENOENT, reason: "gone").description == "rmdir /x: gone: no such file or directory")
        #expect(CgroupIO.quoted("+cpu +memory") == "\"+cpu +memory\"")
        #expect(CgroupIO.quoted("") == "\"\"")
    }

    @Test("list and key-value parsing")
    func parsing() throws {
        #expect(try CgroupIO.parseList("0-3,7\n", path: "x") == [0, 1, 2, 3, 7])
        #expect(try CgroupIO.parseList("\n", path: "x") == [])
        #expect(cgroupError { _ = try CgroupIO.parseList("3-1", path: "/f") }?.description == "parsing /f: 3-1 is not a list range")
        #expect(try CgroupIO.parseUInt("max\n", path: "x") == UInt64.max)
        #expect(try CgroupIO.parseKeyValues("a 1\n\nb 2\n", path: "x").map(\.key) == ["a", "b"])
        #expect(cgroupError { _ = try CgroupIO.parseKeyValues("a 1 2\n", path: "/f") }?.description == "parsing /f: unexpected line \"a 1 2\"")
        #expect(try V2Stats.parsePSI("some avg10=0.10 avg60=0.20 avg300=0.30 total=4\n", path: "x").some.avg300 == 0.3)
        #expect(pageSizesIn(["hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "hugetlb.1GB.max", "memory.max"], suffix: ".max") == ["1GB", "2MB"])
    }
}
