import Foundation
@testable import Cgroups
import Testing

@Suite("detection")
struct DetectionTests {
    @Test("legacy: v1 hierarchies only, controllers from the super options")
    func legacy() throws {
        let tree = try FakeTree()
        tree.ownPaths = ["memory": "/user.slice", "name=systemd": "/user.slice/session-1.scope"]
        let host = try tree.detect()
        #expect(host.mode == .legacy)
        #expect(host.unified == nil)
        #expect(host.hierarchies.map(\.controllers) == FakeTree.defaultV1)
        let cpu = try #require(host.hierarchy(for: "cpuacct"))
        #expect(cpu.mountPoint == tree.root + "/cpu,cpuacct")
        #expect(host.hierarchy(for: "cpu") == cpu)
        #expect(host.hierarchy(for: "memory")?.currentPath == "/user.slice")
        #expect(host.hierarchy(for: "name=systemd")?.currentPath == "/user.slice/session-1.scope")
        #expect(host.hierarchy(for: "name=systemd")?.mountPoint == tree.root + "/systemd")
        #expect(host.hierarchy(for: "pids")?.currentPath == "/")
        // The decoy mount inside a container's rootfs is not ours.
        #expect(!host.hierarchies.contains { $0.mountPoint.hasPrefix("/var/lib") })
    }

    @Test("hybrid: v1 controllers plus a cgroup2 mount below the root")
    func hybrid() throws {
        let tree = try FakeTree(unified: "unified")
        tree.ownPaths = ["": "/user.slice/x.scope"]
        let host = try tree.detect()
        #expect(host.mode == .hybrid)
        #expect(host.unified?.mountPoint == tree.root + "/unified")
        #expect(host.unified?.currentPath == "/user.slice/x.scope")
        #expect(host.unified?.isUnified == true)
        #expect(host.hierarchies.count == FakeTree.defaultV1.count)
    }

    @Test("unified: cgroup2 at the root")
    func unified() throws {
        let tree = try FakeTree(v2: ["cpu", "memory"])
        tree.ownPaths = ["": "/system.slice/hako.service"]
        let host = try tree.detect()
        #expect(host.mode == .unified)
        #expect(host.hierarchies.isEmpty)
        #expect(host.unified?.mountPoint == tree.root)
        #expect(host.unified?.ownDirectory == tree.root + "/system.slice/hako.service")
    }

    @Test("cgroup2 at the root with a compatibility name=systemd mount is unified")
    func unifiedWithNamedHierarchy() throws {
        let mountinfo = """
        30 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate
        31 30 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd

        """
        let host = try CgroupHost.detect(mountinfo: mountinfo, selfCgroup: "1:name=systemd:/\n0::/init.scope\n")
        #expect(host.mode == .unified)
        #expect(host.hierarchies.isEmpty)
        #expect(host.unified?.ownDirectory == "/sys/fs/cgroup/init.scope")
    }

    @Test("named v1 hierarchies only, controllers in cgroup2 below the root: unified there")
    func namedOnlyHybrid() throws {
        let mountinfo = """
        30 22 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw
        31 30 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd
        32 30 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw

        """
        let host = try CgroupHost.detect(mountinfo: mountinfo, selfCgroup: "1:name=systemd:/\n0::/\n")
        #expect(host.mode == .unified)
        #expect(host.root == "/sys/fs/cgroup/unified")
    }

    @Test("named v1 hierarchies alone are legacy")
    func namedOnly() throws {
        let host = try CgroupHost.detect(mountinfo: "31 30 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n", selfCgroup: "1:name=systemd:/\n")
        #expect(host.mode == .legacy)
        #expect(host.v1Controllers == ["name=systemd"])
    }

    @Test("directories without a mount are not controllers")
    func plainDirectories() throws {
        let tree = try FakeTree(v1: [["memory"], ["name=systemd"]])
        // An engine left an empty directory for a controller that is not mounted.
        try FileManager.default.createDirectory(atPath: tree.root + "/cpu", withIntermediateDirectories: false)
        let host = try tree.detect()
        #expect(host.v1Controllers == ["memory", "name=systemd"])
        #expect(host.hierarchy(for: "cpu") == nil)
    }

    @Test("the real super options: flags are not controllers")
    func superOptions() {
        #expect(CgroupHost.v1Controllers(superOptions: "rw,cpu,cpuacct") == ["cpu", "cpuacct"])
        #expect(CgroupHost.v1Controllers(superOptions: "rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd") == ["name=systemd"])
        #expect(CgroupHost.v1Controllers(superOptions: "rw,noprefix,cpuset,clone_children") == ["cpuset"])
        #expect(CgroupHost.v1Controllers(superOptions: "rw") == [])
    }

    @Test("mountinfo: optional fields, escapes and a mount root")
    func mountinfoParsing() {
        let text = """
        35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,relatime shared:7 master:2 - cgroup cgroup rw,memory
        40 31 0:38 / /mnt/with\\040space rw - cgroup2 cgroup2 rw
        garbage line
        """
        let entries = CgroupHost.parseMountinfo(text)
        #expect(entries.count == 2)
        #expect(entries[0] == .init(root: "/docker/abc", mountPoint: "/sys/fs/cgroup/memory", fsType: "cgroup", superOptions: "rw,memory"))
        #expect(entries[1].mountPoint == "/mnt/with space")
        #expect(entries[1].fsType == "cgroup2")
    }

    @Test("own directory subtracts the mount root (a nested engine)")
    func mountRoot() throws {
        let mountinfo = """
        35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids

        """
        let selfCgroup = "2:memory:/docker/abc/inner\n1:pids:/docker/abc/inner\n0::/\n"
        let host = try CgroupHost.detect(root: "/sys/fs/cgroup", mountinfo: mountinfo, selfCgroup: selfCgroup)
        #expect(host.mode == .legacy)
        #expect(host.hierarchy(for: "memory")?.ownDirectory == "/sys/fs/cgroup/memory/inner")
        #expect(host.hierarchy(for: "pids")?.ownDirectory == "/sys/fs/cgroup/pids/docker/abc/inner")
        let relative = try CgroupPath.resolve("c1", containerID: "c1")
        #expect(host.hierarchy(for: "memory")?.directory(for: relative) == "/sys/fs/cgroup/memory/inner/c1")
    }

    @Test("no cgroup filesystem is an error that says where it looked")
    func nothingMounted() {
        let error = cgroupError {
            _ = try CgroupHost.detect(root: "/sys/fs/cgroup", mountinfo: "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", selfCgroup: "0::/\n")
        }
        #expect(error?.description == "detecting cgroups /sys/fs/cgroup: no cgroup or cgroup2 filesystem is mounted there")
    }

    @Test("this host's own mountinfo parses")
    func realHost() throws {
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup") else { return }
        let host = try CgroupHost.detect()
        switch host.mode {
        case .unified: #expect(host.unified?.mountPoint == "/sys/fs/cgroup")
        case .hybrid: #expect(host.unified != nil && !host.hierarchies.isEmpty)
        case .legacy: #expect(!host.hierarchies.isEmpty)
        }
    }
}

@Suite("cgroupsPath resolution")
struct PathTests {
    @Test("absolute paths are cleaned and stay absolute")
    func absolute() throws {
        #expect(try CgroupPath.resolve("/machine/abc", containerID: "x") == .absolute("/machine/abc"))
        #expect(try CgroupPath.resolve("//machine/./abc/", containerID: "x") == .absolute("/machine/abc"))
        #expect(try CgroupPath.resolve("/a/b/../c", containerID: "x") == .absolute("/a/c"))
    }

    @Test("relative paths stay relative")
    func relative() throws {
        #expect(try CgroupPath.resolve("abc/def", containerID: "x") == .relative("abc/def"))
        #expect(try CgroupPath.resolve("./abc", containerID: "x") == .relative("abc"))
    }

    @Test("empty or absent means /<id>, as runc")
    func empty() throws {
        #expect(try CgroupPath.resolve(nil, containerID: "c1") == .absolute("/c1"))
        #expect(try CgroupPath.resolve("", containerID: "c1") == .absolute("/c1"))
    }

    @Test("escaping with .. is rejected", arguments: ["../x", "/../x", "a/../../b", "/a/../..", "..", "x/../.."])
    func escaping(path: String) {
        let error = cgroupError { _ = try CgroupPath.resolve(path, containerID: "c1") }
        #expect(error?.description == "linux.cgroupsPath: \"\(path)\" escapes the cgroup root with \"..\"")
    }

    @Test("a path naming the root or our own cgroup is rejected", arguments: ["/", "/.", ".", "a/.."])
    func noCgroupOfItsOwn(path: String) {
        let error = cgroupError { _ = try CgroupPath.resolve(path, containerID: "c1") }
        #expect(error?.step == "linux.cgroupsPath")
        #expect(error?.reason?.contains("not a cgroup of its own") == true)
    }

    @Test("absolute and relative directories in a hierarchy")
    func directories() throws {
        let hierarchy = CgroupHierarchy(mountPoint: "/sys/fs/cgroup/memory", controllers: ["memory"], currentPath: "/user.slice/u.scope")
        #expect(hierarchy.directory(for: try CgroupPath.resolve("/machine/abc", containerID: "x")) == "/sys/fs/cgroup/memory/machine/abc")
        #expect(hierarchy.directory(for: try CgroupPath.resolve("abc/def", containerID: "x")) == "/sys/fs/cgroup/memory/user.slice/u.scope/abc/def")
        #expect(hierarchy.directory(for: try CgroupPath.resolve(nil, containerID: "c1")) == "/sys/fs/cgroup/memory/c1")
    }
}
