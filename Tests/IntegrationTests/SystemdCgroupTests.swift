import Foundation
import OCISpec
import Testing

/// `--systemd-cgroup` on a host without systemd (this one: no systemd as PID 1, no system
/// bus): create fails with one clear error and leaves nothing. The driver itself is
/// checked against a real systemd in the VM (vm/cgroup-v2-check.sh).
@Suite("systemd cgroup driver without systemd",
       .enabled(if: Runner.isRoot && !FileManager.default.fileExists(atPath: "/run/systemd/system"), "needs root and a host without systemd"))
struct SystemdCgroupTests {
    /// Scope directories named after the container anywhere in the cgroup tree.
    func leftoverScopes(_ bundle: TestBundle) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: "/sys/fs/cgroup")
        var found: [String] = []
        while let entry = enumerator?.nextObject() as? String {
            if entry.hasSuffix("-\(bundle.id).scope") { found.append(entry) }
            // Deep trees (engines' containers) are not where a scope of ours would be.
            if entry.split(separator: "/").count > 3 { enumerator?.skipDescendants() }
        }
        return found
    }

    @Test("create and run fail with 'cannot reach systemd over D-Bus' and leave nothing", arguments: ["create", "run"])
    func unreachable(command: String) throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.cgroupsPath = "system.slice:hako:\(bundle.id)"
        bundle.spec.linux?.resources = LinuxResources(pids: LinuxPids(limit: 10))
        try bundle.writeConfig()
        let result = try bundle.hako(["--systemd-cgroup", command, "--bundle", bundle.path, bundle.id])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("hako: "), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("--systemd-cgroup: cannot reach systemd over D-Bus: "), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        bundle.expectNothingLeft()
        #expect(leftoverScopes(bundle).isEmpty)
    }

    @Test("a bad org.systemd.property annotation is refused naming it, before anything is made")
    func badAnnotation() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.cgroupsPath = "system.slice:hako:\(bundle.id)"
        bundle.spec.annotations = ["org.systemd.property.TimeoutStopSec": "'soon'"]
        try bundle.writeConfig()
        let result = try bundle.hako(["--systemd-cgroup", "create", "--bundle", bundle.path, bundle.id])
        #expect(result.status == 1)
        #expect(result.stderr.contains("annotations[\"org.systemd.property.TimeoutStopSec\"]: TimeoutStopSec takes a number of seconds"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a cgroupsPath that is not slice:prefix:name is refused naming linux.cgroupsPath")
    func badPath() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.cgroupsPath = "/hako/\(bundle.id)"
        try bundle.writeConfig()
        let result = try bundle.hako(["--systemd-cgroup", "create", "--bundle", bundle.path, bundle.id])
        #expect(result.status == 1)
        #expect(result.stderr.contains("linux.cgroupsPath: /hako/\(bundle.id) is not of the form slice:prefix:name"), "stderr: \(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("the flag is accepted by every command, before or after its name, as engines pass it")
    func flagAccepted() throws {
        let bundle = try TestBundle(args: ["true"])
        #expect(try bundle.hako(["--systemd-cgroup", "list"]).status == 0)
        #expect(try bundle.hako(["list", "--systemd-cgroup"]).status == 0)
        let state = try bundle.hako(["--systemd-cgroup", "state", bundle.id])
        #expect(state.stderr.contains("does not exist") || state.stderr.contains(bundle.id), "stderr: \(state.stderr)")
        #expect(!state.stderr.contains("systemd"), "stderr: \(state.stderr)")
    }
}
