import Testing
@testable import Runtime
@testable import Rootfs

@Suite("linux.mountLabel")
struct SecurityLabelTests {
    static let label = "system_u:object_r:container_file_t:s0:c1,c2"

    @Test("filesystems get a context= option, after their own data", arguments: [
        ("tmpfs", "mode=755,size=65536k", "mode=755,size=65536k,context=\"\(label)\""),
        ("devpts", nil, "context=\"\(label)\""),
        ("tmpfs", "", "context=\"\(label)\""),
    ] as [(String, String?, String)])
    func labelled(type: String, data: String?, expected: String) {
        #expect(MountLabels.mountData(data, label: Self.label, type: type) == expected)
    }

    @Test("proc, sysfs, cgroup and mqueue keep their data; no label changes nothing", arguments: ["proc", "sysfs", "cgroup", "cgroup2", "mqueue"])
    func unlabelled(type: String) {
        #expect(MountLabels.mountData("a=b", label: Self.label, type: type) == "a=b")
        #expect(MountLabels.mountData(nil, label: Self.label, type: type) == nil)
        #expect(MountLabels.mountData("mode=755", label: nil, type: "tmpfs") == "mode=755")
        #expect(MountLabels.mountData("mode=755", label: "", type: "tmpfs") == "mode=755")
    }
}
