import Foundation
import OCISpec
import Testing

@Suite("Round trip")
struct RoundTripTests {
    static let configFixtures = ["runc-spec", "runc-spec-rootless", "full", "podman", "config-1.3", "runtime-tools-generate"]

    @Test("decode, encode, decode gives an equal Spec", arguments: configFixtures)
    func specRoundTrip(name: String) throws {
        let first = try Fixture.spec(name)
        for pretty in [false, true] {
            let second = try Spec.decode(first.encoded(pretty: pretty))
            #expect(second == first)
        }
    }

    @Test("encoding keeps every key and value of the fixture",
          arguments: ["runc-spec", "runc-spec-rootless", "full", "podman", "config-1.3"])
    func encodingPreservesDocument(name: String) throws {
        let original = try Fixture.data(name)
        let reencoded = try Fixture.spec(name).encoded(pretty: true)
        #expect(try jsonObject(reencoded) == jsonObject(original))
    }

    @Test("full.json sets every field of every type")
    func fullSetsEverything() throws {
        let spec = try Fixture.spec("full")
        #expect(uncoveredFields(spec) == [])
    }

    @Test("the coverage walker notices a field left unset everywhere")
    func coverageWalkerFindsGaps() throws {
        var spec = try Fixture.spec("full")
        spec.linux?.resources?.cpu?.burst = nil
        spec.process?.execCPUAffinity?.final = nil
        spec.hooks?.prestart?[0].timeout = nil
        spec.linux?.netDevices?["eth1"]?.name = nil
        #expect(uncoveredFields(spec) == ["CPUAffinity.final", "LinuxCPU.burst", "LinuxNetDevice.name"])
        // Still set in other hooks, Hook.timeout stays covered.
        spec.linux?.resources?.cpu?.burst = 1
        spec.process?.execCPUAffinity?.final = "1"
        spec.linux?.netDevices?["eth1"]?.name = "x"
        #expect(uncoveredFields(spec) == [])
    }

    @Test("full.json decodes to the values it spells")
    func fullValues() throws {
        let spec = try Fixture.spec("full")
        #expect(spec.process?.rlimits?[1].hard == UInt64.max)
        #expect(spec.process?.user.additionalGids == [5, 6, 4_294_967_294])
        #expect(spec.process?.ioPriority?.class == "IOPRIO_CLASS_BE")
        #expect(spec.linux?.timeOffsets?["boottime"]?.secs == -3600)
        #expect(spec.linux?.resources?.memory?.kernel == -1)
        #expect(spec.linux?.resources?.rdma?["mlx5_1"]?.hcaObjects == 10000)
        #expect(spec.linux?.devices?[1] == LinuxDevice(path: "/dev/pipe", type: "p"))
        #expect(spec.linux?.seccomp?.syscalls?[2].args?[0].valueTwo == 2_114_060_288)
        #expect(spec.linux?.netDevices?["eth1"]?.name == "ctr1")
        #expect(spec.vm?.kernel.initrd == "/var/lib/hako/initrd.img")
        #expect(spec.linux?.namespace(.network)?.path == "/var/run/netns/full")
    }

    @Test("fixtures other than 2.0 validate", arguments: configFixtures)
    func fixturesValidate(name: String) throws {
        let spec = try Fixture.spec(name)
        #expect(specError { () throws(SpecError) in try spec.validate() } == nil)
    }

    @Test("podman.json keeps its systemd cgroupsPath, cgroup mount and annotations")
    func podmanFields() throws {
        let spec = try Fixture.spec("podman")
        #expect(spec.linux?.cgroupsPath == "machine.slice:libpod:3f1c2b9a7d64")
        #expect(spec.mounts?.last?.destination == "/sys/fs/cgroup")
        #expect(spec.annotations?["io.container.manager"] == "libpod")
        #expect(spec.linux?.maskedPaths?.contains("/sys/dev/block") == true)
        #expect(spec.linux?.seccomp?.defaultErrnoRet == 38)
    }

    @Test("a 1.3.0 config with newer fields is accepted")
    func version13Accepted() throws {
        let spec = try Fixture.spec("config-1.3")
        #expect(spec.ociVersion == "1.3.0")
        #expect(spec.linux?.memoryPolicy == LinuxMemoryPolicy(mode: "MPOL_PREFERRED_MANY", nodes: "0,2"))
        #expect(spec.linux?.netDevices == ["eth1": LinuxNetDevice()])
        #expect(spec.process?.execCPUAffinity == CPUAffinity(initial: "0-1", final: "2-3"))
        try spec.validate()
    }

    @Test("a 2.0.0 config decodes but is rejected by validation")
    func version20Rejected() throws {
        let spec = try Fixture.spec("config-2.0")
        let error = specError { () throws(SpecError) in try spec.validate() }
        #expect(error?.description == #"ociVersion: unsupported version "2.0.0": only 1.x is supported"#)
    }

    @Test("omitted optionals are left out of the encoding")
    func omitsUnset() throws {
        let data = try Spec(ociVersion: "1.2.0", root: Root(path: "/a/b")).encoded(pretty: false)
        #expect(String(decoding: data, as: UTF8.self) == #"{"ociVersion":"1.2.0","root":{"path":"/a/b"}}"#)
    }

    @Test("required Go fields are always encoded, even at their zero value")
    func encodesRequiredZeros() throws {
        let process = ProcessSpec(args: ["sh"], cwd: "/")
        let data = try Spec(ociVersion: "1.2.0", process: process).encoded(pretty: false)
        #expect(String(decoding: data, as: UTF8.self)
            == #"{"ociVersion":"1.2.0","process":{"args":["sh"],"cwd":"/","user":{"gid":0,"uid":0}}}"#)
    }

    @Test("pretty output is indented and sorted")
    func prettyOutput() throws {
        let data = try Spec(ociVersion: "1.2.0", hostname: "h").encoded(pretty: true)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\n"))
        let hostname = try #require(text.range(of: "hostname"))
        let version = try #require(text.range(of: "ociVersion"))
        #expect(hostname.lowerBound < version.lowerBound)
    }
}
