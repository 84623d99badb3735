import Foundation
import OCISpec
import Testing

/// hako where clone3 (Linux 5.3) and openat2 (5.6) fail with ENOSYS: an older kernel, or a
/// seccomp profile that refuses them (Docker's default one refuses clone3, so hako inside a
/// Docker container meets this). It forks and writes cgroup.procs instead of forking into
/// the cgroup, and resolves paths in the rootfs one component at a time.
@Suite("without clone3 and openat2", .enabled(if: Runner.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                                               "needs root (for the seccomp filter and containers) and python3"))
struct OldKernelTests {
    static let helper = Runner.packageRoot + "/Tests/Helpers/without-syscalls.py"
    /// clone3 and openat2 (the same numbers on x86_64 and arm64).
    static let refused = "435,437"

    /// hako with this bundle's --root, on which clone3 and openat2 fail with ENOSYS.
    func hakoWithoutNewCalls(_ bundle: TestBundle, _ arguments: [String]) throws -> Runner.Result {
        try Runner.run([Self.helper, Self.refused, Runner.binary, "--root", bundle.root] + arguments, executable: "/usr/bin/python3")
    }

    func cgroups(of pid: Int) throws -> [String] {
        try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test("create and exec put every process in all the container's cgroups; a mount through a symlink stays in the rootfs")
    func createAndExec() throws {
        let bundle = try TestBundle(args: ["sleep", "30"], tag: "old")
        // "/../../.." resolves to the rootfs's own /, so /link/escape is the rootfs's /escape.
        try FileManager.default.createSymbolicLink(atPath: bundle.rootfs + "/link", withDestinationPath: "/../../..")
        bundle.spec.mounts?.append(Mount(destination: "/link/escape", type: "tmpfs", source: "tmpfs", options: ["size=64k"]))
        try bundle.writeConfig()
        let created = try hakoWithoutNewCalls(bundle, ["create", "--bundle", bundle.path, bundle.id])
        #expect(created.status == 0, "\(created.stderr)")
        defer {
            _ = try? bundle.hako(["delete", "--force", bundle.id])
            bundle.expectNothingLeft()
        }
        let pid = try #require(try bundle.state()?["pid"] as? Int)
        // Every hierarchy, the cgroup2 one (written through cgroup.procs) included.
        let initCgroups = try cgroups(of: pid)
        #expect(initCgroups.contains("0::/\(bundle.id)"), "\(initCgroups)")
        #expect(initCgroups.allSatisfy { $0.hasSuffix(":/\(bundle.id)") }, "\(initCgroups)")
        #expect(FileManager.default.fileExists(atPath: bundle.rootfs + "/escape"))
        #expect(!FileManager.default.fileExists(atPath: "/escape"))
        #expect(try bundle.hako(["start", bundle.id]).status == 0)

        let pidFile = try Scratch.directory("pid") + "/exec.pid"
        defer { try? FileManager.default.removeItem(atPath: (pidFile as NSString).deletingLastPathComponent) }
        let exec = try hakoWithoutNewCalls(bundle, ["exec", "--detach", "--pid-file", pidFile, bundle.id, "sleep", "30"])
        #expect(exec.status == 0, "\(exec.stderr)")
        let execPid = try #require(Int(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try cgroups(of: execPid) == initCgroups)
    }
}
