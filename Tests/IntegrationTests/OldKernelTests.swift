import Foundation
import OCISpec
import Testing

/// hako where clone3 (Linux 5.3), close_range (5.9) and openat2 (5.6) fail with ENOSYS: an
/// older kernel, or a seccomp profile that refuses them (Docker's default one refuses clone3,
/// so hako inside a Docker container meets this). It forks and writes cgroup.procs instead of
/// forking into the cgroup, closes descriptors one at a time, and resolves paths in the rootfs
/// one component at a time.
@Suite("without clone3, close_range and openat2", .enabled(if: Runner.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                                               "needs root (for the seccomp filter and containers) and python3"))
struct OldKernelTests {
    static let helper = Runner.packageRoot + "/Tests/Helpers/without-syscalls.py"
    /// clone3, close_range and openat2 (the same numbers on x86_64 and arm64).
    static let refused = "435,436,437"

    /// hako with this bundle's --root, on which clone3, close_range and openat2 fail with
    /// `errno`, started with `stray` open (an engine's descriptor that must not leak).
    func hakoWithoutNewCalls(_ bundle: TestBundle, _ arguments: [String], stray: String, errno: Int32) throws -> Runner.Result {
        try Runner.run([Self.helper, "--open", stray, "--errno", "\(errno)", Self.refused, Runner.binary, "--root", bundle.root] + arguments,
                       executable: "/usr/bin/python3")
    }

    func cgroups(of pid: Int) throws -> [String] {
        try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// ENOSYS as old kernels and Docker's profile answer; EPERM as older profiles do (the
    /// fallbacks must not depend on the errno a profile picks).
    @Test("create and exec put every process in all the container's cgroups, pass on no stray descriptor; a mount through a symlink stays in the rootfs",
          arguments: [ENOSYS, EPERM])
    func createAndExec(errno: Int32) throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ls -l /proc/self/fd > /fds; exec sleep 30"], tag: "old")
        let stray = try Scratch.directory("stray") + "/engine-descriptor"
        defer { try? FileManager.default.removeItem(atPath: (stray as NSString).deletingLastPathComponent) }
        try "x".write(toFile: stray, atomically: true, encoding: .utf8)
        bundle.spec.root?.readonly = false
        // "/../../.." resolves to the rootfs's own /, so /link/escape is the rootfs's /escape.
        try FileManager.default.createSymbolicLink(atPath: bundle.rootfs + "/link", withDestinationPath: "/../../..")
        bundle.spec.mounts?.append(Mount(destination: "/link/escape", type: "tmpfs", source: "tmpfs", options: ["size=64k"]))
        try bundle.writeConfig()
        let created = try hakoWithoutNewCalls(bundle, ["create", "--bundle", bundle.path, bundle.id], stray: stray, errno: errno)
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
        // The container process's descriptors: stdio only (and ls's own listing).
        var fds = ""
        for _ in 0..<100 where fds.isEmpty {
            usleep(20_000)
            fds = (try? String(contentsOfFile: bundle.rootfs + "/fds", encoding: .utf8)) ?? ""
        }
        #expect(fds.contains(" 1 -> /fds"), "\(fds)")
        #expect(!fds.contains("engine-descriptor"), "\(fds)")

        let pidFile = try Scratch.directory("pid") + "/exec.pid"
        defer { try? FileManager.default.removeItem(atPath: (pidFile as NSString).deletingLastPathComponent) }
        let exec = try hakoWithoutNewCalls(bundle, ["exec", "--detach", "--pid-file", pidFile, bundle.id, "sleep", "30"], stray: stray, errno: errno)
        #expect(exec.status == 0, "\(exec.stderr)")
        let execPid = try #require(Int(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try cgroups(of: execPid) == initCgroups)
        let execFds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(execPid)/fd")
        #expect(execFds.sorted() == ["0", "1", "2"], "\(execFds)")
    }
}
