import OCISpec
import Testing

@Suite("Default spec")
struct DefaultSpecTests {
    @Test("matches `runc spec` apart from ociVersion, hostname and runc 1.1's ambient set",
          arguments: [(false, "runc-spec"), (true, "runc-spec-rootless")])
    func matchesRunc(rootless: Bool, fixture: String) throws {
        var runc = try Fixture.spec(fixture)
        #expect(runc.ociVersion == "1.0.2-dev")
        runc.ociVersion = "1.2.0"
        #expect(runc.hostname == "runc")
        runc.hostname = "hako"
        // The fixtures are runc 1.1.5's; runc 1.2 no longer writes the ambient set.
        #expect(runc.process?.capabilities?.ambient != nil)
        runc.process?.capabilities?.ambient = nil
        let generated = Spec.defaultSpec(rootless: rootless)
        #expect(generated == runc)
    }

    @Test("uses ociVersion 1.2.0 and runs sh")
    func versionAndArgs() {
        let spec = Spec.defaultSpec(rootless: false)
        #expect(spec.ociVersion == "1.2.0")
        #expect(spec.process?.args == ["sh"])
    }

    @Test("rootless maps root to the given host IDs and drops the network namespace and device rules")
    func rootlessDifferences() {
        let spec = Spec.defaultSpec(rootless: true, hostUID: 1000, hostGID: 1001)
        #expect(spec.linux?.uidMappings == [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)])
        #expect(spec.linux?.gidMappings == [LinuxIDMapping(containerID: 0, hostID: 1001, size: 1)])
        #expect(spec.linux?.namespace(.network) == nil)
        #expect(spec.linux?.namespace(.user) == LinuxNamespace(.user))
        #expect(spec.linux?.resources == nil)
        #expect(spec.mounts?.first { $0.destination == "/sys" }?.options?.first == "rbind")
    }

    @Test("rootful has no user namespace and denies all devices")
    func rootfulDifferences() {
        let spec = Spec.defaultSpec(rootless: false)
        #expect(spec.linux?.namespace(.user) == nil)
        #expect(spec.linux?.uidMappings == nil)
        #expect(spec.linux?.resources?.devices == [LinuxDeviceCgroup(allow: false, access: "rwm")])
        #expect(spec.mounts?.first { $0.destination == "/dev/pts" }?.options?.last == "gid=5")
    }
}
