import OCISpec
@testable import Runtime
@testable import Rootfs
import Testing

@Suite("idmapped mount requests")
struct IDMapRequestTests {
    func spec(userNamespace: LinuxNamespace? = nil) -> Spec {
        var spec = Spec.defaultSpec(rootless: false)
        if let userNamespace {
            spec.linux?.namespaces?.append(userNamespace)
            if userNamespace.path == nil {
                spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
                spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 200000, size: 65536)]
            }
        }
        return spec
    }

    let map = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]

    @Test("mappings alone make a non-recursive idmapped mount; rbind clones the subtree")
    func impliedByMappings() throws {
        let mount = Mount(destination: "/x", type: "bind", source: "/s", options: ["rbind"], uidMappings: map, gidMappings: map)
        let request = try #require(try IDMapRequest.resolve(mount, index: 0, spec: spec()))
        #expect(request == IDMapRequest(mappings: .ids(uid: map, gid: map), recursive: false, cloneRecursive: true))
    }

    @Test("ridmap is recursive and clones the subtree; a plain bind is not idmapped")
    func ridmap() throws {
        let mount = Mount(destination: "/x", type: "bind", source: "/s", options: ["bind", "ridmap"], uidMappings: map, gidMappings: map)
        let request = try #require(try IDMapRequest.resolve(mount, index: 0, spec: spec()))
        #expect(request.recursive && request.cloneRecursive)
        #expect(try IDMapRequest.resolve(Mount(destination: "/x", type: "bind", source: "/s", options: ["bind"]), index: 0, spec: spec()) == nil)
    }

    @Test("without mappings: the container's new user namespace's, or the joined one")
    func containerMappings() throws {
        let mount = Mount(destination: "/x", source: "/s", options: ["bind", "idmap"])
        let created = try #require(try IDMapRequest.resolve(mount, index: 0, spec: spec(userNamespace: LinuxNamespace(type: "user"))))
        #expect(created.mappings == .ids(uid: [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)],
                                         gid: [LinuxIDMapping(containerID: 0, hostID: 200000, size: 65536)]))
        let joined = try #require(try IDMapRequest.resolve(mount, index: 0, spec: spec(userNamespace: LinuxNamespace(type: "user", path: "/proc/7/ns/user"))))
        #expect(joined.mappings == .namespace(path: "/proc/7/ns/user"))
    }

    @Test("what cannot be done is refused with the field", arguments: [
        (Mount(destination: "/x", type: "tmpfs", source: "tmpfs", options: ["idmap"]), "mounts[3].options: idmap needs a bind mount"),
        (Mount(destination: "/x", type: "tmpfs", source: "tmpfs", uidMappings: [LinuxIDMapping(containerID: 0, hostID: 1, size: 1)], gidMappings: [LinuxIDMapping(containerID: 0, hostID: 1, size: 1)]), "mounts[3].uidMappings: an idmapped mount needs a bind mount"),
        (Mount(destination: "/x", type: "bind", source: "/s", uidMappings: [LinuxIDMapping(containerID: 0, hostID: 1, size: 1)]), "mounts[3].gidMappings: an idmapped mount needs both uid and gid mappings"),
        (Mount(destination: "/x", type: "bind", source: "/s", options: ["ridmap"]), "mounts[3].uidMappings: ridmap needs the mount's uidMappings and gidMappings, or a user namespace with mappings"),
    ])
    func refused(mount: Mount, message: String) {
        #expect {
            try IDMapRequest.resolve(mount, index: 3, spec: spec())
        } throws: { "\($0)" == message }
    }
}

@Suite("network device checks")
struct NetDeviceCheckTests {
    @Test("a new network namespace is needed")
    func namespace() throws {
        let plan = try NamespacePlan([LinuxNamespace(type: "mount"), LinuxNamespace(type: "network", path: "/proc/1/ns/net")])
        #expect {
            try NetDevices.check(["lo": LinuxNetDevice()], namespaces: plan)
        } throws: { "\($0)" == "linux.netDevices: needs a new network namespace" }
    }

    @Test("interface names follow the kernel's rules; two devices cannot get one name")
    func names() throws {
        let plan = try NamespacePlan([LinuxNamespace(type: "mount"), LinuxNamespace(type: "network")])
        for bad in ["a/b", "a:b", "a b", ".", "..", String(repeating: "x", count: 16)] {
            #expect(throws: RuntimeError.self) { try NetDevices.check(["lo": LinuxNetDevice(name: bad)], namespaces: plan) }
        }
        try NetDevices.check(["lo": LinuxNetDevice(name: String(repeating: "x", count: 15))], namespaces: plan)
        #expect {
            try NetDevices.check(["lo": LinuxNetDevice(name: "eth0"), "lo2": LinuxNetDevice(name: "eth0")], namespaces: plan)
        } throws: { "\($0)".contains("is also the name given to") }
    }
}
