import Foundation
import OCISpec
import Testing

/// What an attacker inside the container tries, each a known class of runtime escape.
@Suite("hardening", .enabled(if: Runner.isRoot, "needs root"))
struct HardeningTests {
    @Test("hako's init cannot be read or rewritten through /proc/1/exe before it execs (CVE-2019-5736)")
    func initExeUnreachable() throws {
        let bundle = try TestBundle(args: ["true"])
        let hostBinary = try Data(contentsOf: URL(fileURLWithPath: Runner.binary))
        #expect(try bundle.create().status == 0)
        // Init waits at the start barrier as hako; a process exec'd into the container tries it.
        let result = try bundle.hako(["exec", bundle.id, "sh", "-c",
                                      "cat /proc/1/exe > /dev/null 2>&1 && echo READ; echo x 2>/dev/null >> /proc/1/exe && echo WROTE; for f in /proc/1/fd/*; do readlink $f; done 2>/dev/null | wc -l"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("READ"))
        #expect(!result.stdout.contains("WROTE"))
        // Nor its descriptors (the start barrier among them).
        #expect(result.stdout.hasSuffix("0\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: Runner.binary)) == hostBinary)
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("no descriptor of the caller's reaches the container unless preserved (CVE-2024-21626)")
    func noLeakedDescriptors() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; ls -l /proc/1/cwd"])
        try bundle.writeConfig()
        let out = bundle.path + "/out"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // fds 5 and 7 open in hako's caller, pointing at host directories.
        process.arguments = ["-c", "exec 5</ 7<\"$1\"; exec \"$2\" --root \"$3\" run --bundle \"$4\" \"$5\" > \"$6\"", "sh", bundle.path, Runner.binary, bundle.root, bundle.path, bundle.id, out]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        // The descriptors on the first line (ls -l's date on the second has " 5 " on the 5th).
        let descriptors = text.split(separator: "\n").first.map(String.init) ?? ""
        // 0-2 and the descriptor ls opens for /proc/self/fd.
        #expect(descriptors == "0 1 2 3 ", "\(text)")
        #expect(!text.contains(bundle.path))
    }

    @Test("process.cwd with .. stays inside the rootfs")
    func cwdStaysInside() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "pwd; ls /etc/passwd"])
        bundle.spec.process?.cwd = "/../../../../tmp"
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "/tmp\n/etc/passwd\n")
    }

    @Test("--no-pivot leaves no host procfs or sysfs in the container's mount namespace: a fresh proc cannot be mounted")
    func noPivotHidesHostProc() throws {
        // As runc's own test: a user namespace of its own gives the process CAP_SYS_ADMIN
        // there, and the kernel allows a new proc only where a full one is visible.
        let bundle = try TestBundle(args: ["unshare", "-mrpf", "sh", "-c", "mount -t proc none /proc && echo MOUNTED"])
        bundle.spec.process?.capabilities?.bounding?.append("CAP_SETFCAP")
        bundle.spec.process?.capabilities?.permitted?.append("CAP_SETFCAP")
        let result = try bundle.run(["--no-pivot"])
        #expect(result.status != 0)
        #expect(!result.stdout.contains("MOUNTED"))
        #expect(result.stderr.contains("permission denied"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a cwd only root may enter works for a process of another user, as with runc (run and exec --user)")
    func cwdEnteredBeforeUserSwitch() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "pwd; ls . 2>&1 | head -1"])
        try FileManager.default.createDirectory(atPath: bundle.rootfs + "/secret", withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        bundle.spec.process?.user = User(uid: 1000, gid: 1000)
        bundle.spec.process?.cwd = "/secret"
        let run = try bundle.run()
        #expect(run.status == 0, "\(run.stderr)")
        // In it, but without the right to list it: the process is user 1000.
        #expect(run.stdout.hasPrefix("/secret\n"), "\(run.stdout)")
        #expect(run.stdout.contains("Permission denied"), "\(run.stdout)")
        bundle.spec.process?.user = User(uid: 0, gid: 0)
        bundle.spec.process?.cwd = "/"
        bundle.spec.process?.args = ["sleep", "600"]
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        let exec = try bundle.hako(["exec", "--user", "1000:1000", "--cwd", "/secret", bundle.id, "pwd"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout == "/secret\n")
    }

    @Test("a rootfs whose /proc is a symlink is refused")
    func procSymlinkRefused() throws {
        let bundle = try TestBundle(args: ["true"])
        try FileManager.default.removeItem(atPath: bundle.rootfs + "/proc")
        try FileManager.default.createSymbolicLink(atPath: bundle.rootfs + "/proc", withDestinationPath: "/tmp")
        let result = try bundle.create()
        #expect(result.status != 0)
        // runc's words, which its own test looks for.
        #expect(result.stderr.contains("/proc must be mounted on ordinary directory"), "\(result.stderr)")
        bundle.expectNothingLeft()
        // Nothing was mounted on the host's /tmp or the rootfs's.
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(bundle.rootfs))
    }

    @Test("masked and read-only paths cannot be undone from inside")
    func masksHold() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "umount /proc/keys 2>/dev/null && echo UNMASKED; mount -o remount,rw /proc/sys 2>/dev/null && echo REMOUNTED; wc -c < /proc/keys; echo 1 > /proc/sys/kernel/shmmni 2>/dev/null && echo WROTE-SYS; echo done"])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "0\ndone\n")
    }

    @Test("a mount destination through a symlink to the host's / lands in the rootfs")
    func absoluteSymlinkDestination() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ls /link/marker"])
        try FileManager.default.createSymbolicLink(atPath: bundle.rootfs + "/link", withDestinationPath: "/")
        let source = try Scratch.directory("src")
        defer { try? FileManager.default.removeItem(atPath: source) }
        try "x".write(toFile: source + "/marker", atomically: true, encoding: .utf8)
        bundle.spec.mounts?.append(Mount(destination: "/link/etc", type: "bind", source: source, options: ["bind"]))
        bundle.spec.process?.args = ["sh", "-c", "ls /etc/marker"]
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "/etc/marker\n")
        // The host's /etc was not touched.
        #expect(!FileManager.default.fileExists(atPath: "/etc/marker"))
    }
}
