import Foundation
import LinuxSys
import OCISpec
import Testing

/// Configs hako did not write: the OCI runtime-tools generator's default config (kept as
/// `oci-runtime-tool generate` printed it, in Tests/OCISpecTests/Fixtures), whose seccomp
/// profile is a 2016-era allow list with EPERM for everything else, and namespace layouts
/// that engines and the runtime-tools suite use.
@Suite("configs from other tools", .enabled(if: Runner.isRoot, "needs root"))
struct ForeignConfigTests {
    /// The generator's config, with the test's command and its leftover marker.
    static func generatedSpec(args: [String], id: String) throws -> Spec {
        let path = Runner.packageRoot + "/Tests/OCISpecTests/Fixtures/runtime-tools-generate.json"
        var spec = try Spec.decode(Array(Data(contentsOf: URL(fileURLWithPath: path))))
        spec.process?.args = args
        let env = spec.process?.env ?? []
        spec.process?.env = env + ["HAKO_TEST_MARKER=\(id)"]
        return spec
    }

    static func bundle(args: [String]) throws -> TestBundle {
        let bundle = try TestBundle(args: args)
        bundle.spec = try generatedSpec(args: args, id: bundle.id)
        return bundle
    }

    @Test("the fixture's profile refuses what hako's own setup uses, with EPERM")
    func fixtureIsOld() throws {
        let spec = try Self.generatedSpec(args: ["true"], id: "x")
        let seccomp = try #require(spec.linux?.seccomp)
        #expect(seccomp.defaultAction == "SCMP_ACT_ERRNO")
        #expect(seccomp.defaultErrnoRet == nil)
        let allowed = Set(seccomp.syscalls?.flatMap(\.names) ?? [])
        for name in ["close_range", "clone3", "openat2", "pidfd_open", "pidfd_send_signal", "faccessat2", "epoll_pwait2",
                     "mount_setattr", "open_tree", "move_mount", "setns", "unshare", "mount", "pivot_root"] {
            #expect(!allowed.contains(name), "\(name)")
        }
    }

    @Test("run under the generator's seccomp profile, with and without noNewPrivileges", arguments: [false, true])
    func runUnderOldProfile(noNewPrivileges: Bool) throws {
        let bundle = try Self.bundle(args: ["sh", "-c", "echo hello from $(hostname); ls /proc/self/fd | wc -l"])
        bundle.spec.process?.noNewPrivileges = noNewPrivileges
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("hello from mrsdalloway\n"), "\(result.stdout)")
        bundle.expectNothingLeft()
    }

    @Test("startContainer hooks run under the container's filter, which their own process loads: they work under the generator's profile")
    func hookUnderFilter() throws {
        let bundle = try Self.bundle(args: ["true"])
        // The hook fails unless it finds itself under a filter (Seccomp: 2 in its status).
        bundle.spec.hooks = Hooks(startContainer: [Hook(path: "/bin/sh", args: ["sh", "-c", "grep -q 'Seccomp:\t2' /proc/self/status"])])
        for noNewPrivileges in [false, true] {
            bundle.spec.process?.noNewPrivileges = noNewPrivileges
            let result = try bundle.run()
            #expect(result.status == 0, "\(result.stderr)")
        }
        bundle.expectNothingLeft()
    }

    @Test("a startContainer hook killed by the container's filter fails the start, in runc's words")
    func hookKilledByFilter() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.seccomp = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                                                  syscalls: [LinuxSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL")])
        bundle.spec.hooks = Hooks(startContainer: [Hook(path: "/bin/sh", args: ["sh", "-c", "mkdir /dev/shm/foo"])])
        let result = try bundle.run()
        #expect(result.status != 0)
        #expect(result.stderr.contains("error running startContainer hook #0: /bin/sh"), "\(result.stderr)")
        #expect(result.stderr.contains("bad system call"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("exec, and exec with a terminal, under the generator's seccomp profile")
    func execUnderOldProfile() throws {
        let bundle = try Self.bundle(args: ["sleep", "600"])
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        let exec = try bundle.hako(["exec", bundle.id, "sh", "-c", "echo exec-ok; grep Seccomp: /proc/self/status"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout.contains("exec-ok"))
        #expect(exec.stdout.contains("Seccomp:\t2"), "the exec'd process runs under the filter: \(exec.stdout)")

        let onTerminal = try execOnTerminal(bundle, command: ["sh", "-c", "tty; echo done"], marker: "done")
        #expect(onTerminal.status == 0)
        #expect(onTerminal.output?.contains("/dev/pts/") == true, "\(onTerminal.output ?? "")")
    }

    @Test("run with a terminal under the generator's seccomp profile")
    func terminalUnderOldProfile() throws {
        let bundle = try Self.bundle(args: ["sh", "-c", "tty"])
        bundle.spec.process?.terminal = true
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("/dev/pts/0"), "\(result.stdout)")
        bundle.expectNothingLeft()
    }

    @Test("a user namespace under the generator's seccomp profile, run and exec")
    func userNamespaceUnderOldProfile() throws {
        let bundle = try Self.bundle(args: ["sleep", "600"])
        bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]
        bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 200_000, size: 65536)]
        try FileManager.default.setAttributes([.ownerAccountID: 200_000, .groupOwnerAccountID: 200_000], ofItemAtPath: bundle.rootfs)
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        let exec = try bundle.hako(["exec", bundle.id, "cat", "/proc/self/uid_map"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout.contains("200000"), "\(exec.stdout)")
    }

    // MARK: namespaces

    /// A process in new namespaces of the given kinds, as the runtime-tools suite makes
    /// one with unshare(1); killed (with its child) when the test ends.
    final class NamespaceHolder {
        let process = Process()
        var childPid: Int32 = 0

        init(_ flags: [String]) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments = flags + ["--fork", "sleep", "600"]
            try process.run()
            // unshare forks sleep into the new namespaces: wait for the child.
            for _ in 0..<200 {
                if let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(process.processIdentifier)/children", encoding: .utf8),
                   let pid = Int32(text.split(separator: " ").first ?? "") {
                    childPid = pid
                    break
                }
                usleep(10_000)
            }
        }

        func path(_ ns: String) -> String { "/proc/\(childPid)/ns/\(ns)" }

        deinit {
            if childPid > 0 { kill(childPid, SIGKILL) }
            process.terminate()
            process.waitUntilExit()
        }
    }

    @Test("a mount namespace joined by path: the container runs in it, rootfs and all")
    func joinMountNamespace() throws {
        let holder = try NamespaceHolder(["--mount"])
        #expect(holder.childPid > 0)
        let bundle = try Self.bundle(args: ["sleep", "600"])
        let namespaces = bundle.spec.linux?.namespaces ?? []
        bundle.spec.linux?.namespaces = namespaces.map {
            $0.type == "mount" ? LinuxNamespace(type: "mount", path: holder.path("mnt")) : $0
        }
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        let pid = try #require(bundle.state()?["pid"] as? Int)
        #expect(Namespaces.inode("/proc/\(pid)/ns/mnt") == Namespaces.inode(holder.path("mnt")))
        let exec = try bundle.hako(["exec", bundle.id, "sh", "-c", "ls /bin/busybox && grep -c ' /proc ' /proc/self/mountinfo"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout == "/bin/busybox\n1\n", "\(exec.stdout)")
    }

    @Test("a uts namespace joined by path takes the config's hostname")
    func joinUtsNamespaceWithHostname() throws {
        let holder = try NamespaceHolder(["--uts"])
        let bundle = try Self.bundle(args: ["hostname"])
        let namespaces = bundle.spec.linux?.namespaces ?? []
        bundle.spec.linux?.namespaces = namespaces.map {
            $0.type == "uts" ? LinuxNamespace(type: "uts", path: holder.path("uts")) : $0
        }
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "mrsdalloway\n")
        // Set in the joined namespace, not somewhere of hako's own.
        let seen = try Runner.run(["--target", "\(holder.childPid)", "--uts", "hostname"], executable: "/usr/bin/nsenter")
        #expect(seen.stdout == "mrsdalloway\n", "\(seen.stdout) \(seen.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("hostname without a uts namespace of the container's own is refused")
    func hostnameWithoutUtsNamespace() throws {
        let bundle = try Self.bundle(args: ["true"])
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "uts" }
        let result = try bundle.run()
        #expect(result.status != 0)
        #expect(result.stderr.contains("hostname: setting the hostname needs the container's own uts namespace"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("no mount namespace: the container shares the runtime's mount namespace, jailed in root.path, nothing mounted")
    func noMountNamespace() throws {
        let bundle = try Self.bundle(args: ["sleep", "600"])
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "mount" }
        try "in the rootfs\n".write(toFile: bundle.rootfs + "/marker", atomically: true, encoding: .utf8)
        let run = try bundle.run(["--detach"])
        #expect(run.status == 0, "\(run.stderr)")
        // The generator's config mounts proc, /dev and more: said, not done.
        #expect(run.stderr.contains("not mounted: the container has no mount namespace of its own"), "\(run.stderr)")
        defer { bundle.deleteExpectingNothingLeft() }
        let pid = try #require(bundle.state()?["pid"] as? Int)
        #expect(Namespaces.inode("/proc/\(pid)/ns/mnt") == Namespaces.inode("/proc/self/ns/mnt"))
        let root = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root")
        #expect(root == URL(fileURLWithPath: bundle.rootfs).resolvingSymlinksInPath().path, "\(root)")
        #expect(bundle.leftoverMounts().isEmpty, "\(bundle.leftoverMounts())")
        // exec'd processes share init's root too.
        let exec = try bundle.hako(["exec", bundle.id, "sh", "-c", "cat /marker; ls /proc | wc -l"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout == "in the rootfs\n0\n", "\(exec.stdout)")
    }

    @Test("no mount namespace: masks, read-only paths and devices are refused by name",
          arguments: ["linux.maskedPaths", "linux.readonlyPaths", "linux.devices"])
    func noMountNamespaceRefusals(field: String) throws {
        let bundle = try Self.bundle(args: ["true"])
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "mount" }
        switch field {
        case "linux.maskedPaths": bundle.spec.linux?.maskedPaths = ["/proc/kcore"]
        case "linux.readonlyPaths": bundle.spec.linux?.readonlyPaths = ["/proc/sys"]
        default: bundle.spec.linux?.devices = [LinuxDevice(path: "/dev/fuse", type: "c", major: 10, minor: 229)]
        }
        let result = try bundle.run()
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(field): "), "\(result.stderr)")
        #expect(result.stderr.contains("needs the container's own mount namespace"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    /// A bundle without a mount namespace of its own, and without the masked and read-only
    /// paths such a container refuses (runc's host-mntns test clears them the same way).
    static func sharedMountNamespaceBundle(args: [String]) throws -> TestBundle {
        let bundle = try Self.bundle(args: args)
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "mount" }
        bundle.spec.linux?.maskedPaths = []
        bundle.spec.linux?.readonlyPaths = []
        return bundle
    }

    @Test("no mount namespace: a read-only root is not applied, with a warning; the hooks run (runc's host-mntns test)")
    func noMountNamespaceReadonlyRoot() throws {
        let bundle = try Self.sharedMountNamespaceBundle(args: ["sh", "-c", "touch /written && echo wrote"])
        bundle.spec.root?.readonly = true
        let marker = bundle.path + "/createRuntime-ran"
        bundle.spec.hooks = Hooks(createRuntime: [Hook(path: "/bin/sh", args: ["sh", "-c", "touch \(marker)"])])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "wrote\n")
        #expect(result.stderr.contains("root.readonly: not applied: the container has no mount namespace of its own"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: marker))
        bundle.expectNothingLeft()
    }

    @Test("no mount namespace and a terminal: the pty comes from the host's /dev, and nothing is mounted on the host")
    func noMountNamespaceTerminal() throws {
        let bundle = try Self.sharedMountNamespaceBundle(args: ["sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo on-a-terminal; sleep 600"])
        bundle.spec.process?.terminal = true
        try? FileManager.default.removeItem(atPath: bundle.rootfs + "/dev/ptmx")
        let console = try DescriptorSocket()
        let created = try bundle.create(["--console-socket", console.path])
        #expect(created.status == 0, "\(created.stderr)")
        defer { bundle.deleteExpectingNothingLeft() }
        let (master, name) = try console.receiveDescriptor()
        defer { close(master) }
        #expect(name.hasPrefix("/dev/pts/"), "\(name)")
        #expect(bundle.leftoverMounts().isEmpty, "\(bundle.leftoverMounts())")
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        // The rootfs has no /dev/pts to name it by, but stdin and stdout are the pty.
        #expect(readUntil(master, marker: "on-a-terminal").contains("on-a-terminal"))
    }

    // MARK: smaller findings

    @Test("kill with signal 0 probes a live container and fails on a stopped one")
    func killZero() throws {
        let bundle = try TestBundle(args: ["sleep", "600"])
        #expect(try bundle.run(["--detach"]).status == 0)
        let live = try bundle.hako(["kill", bundle.id, "0"])
        #expect(live.status == 0, "\(live.stderr)")
        #expect((try bundle.state())?["status"] as? String == "running")
        #expect(try bundle.hako(["kill", bundle.id, "KILL"]).status == 0)
        #expect(try eventually { (try bundle.state())?["status"] as? String == "stopped" })
        let stopped = try bundle.hako(["kill", bundle.id, "0"])
        #expect(stopped.status != 0)
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("control characters in an id are escaped: the error is one line without terminal escapes",
          arguments: ["bad\nid", "bad\u{1b}[31mred", "tab\there"])
    func controlCharactersEscaped(id: String) throws {
        let root = try Scratch.directory("root")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for command in [["state", id], ["kill", id, "0"], ["delete", id]] {
            let result = try Runner.run(["--root", root] + command)
            #expect(result.status != 0)
            #expect(result.stderr.hasPrefix("hako: "))
            #expect(result.stderr.filter { $0 == "\n" }.count == 1 && result.stderr.hasSuffix("\n"), "\(command): \(result.stderr.debugDescription)")
            #expect(!result.stderr.contains("\u{1b}"), "\(command): \(result.stderr.debugDescription)")
        }
        let bundle = try TestBundle(args: ["true"])
        let create = try Runner.run(["--root", root, "create", "--bundle", bundle.path, id])
        #expect(create.status != 0)
        #expect(create.stderr.filter { $0 == "\n" }.count == 1 && !create.stderr.contains("\u{1b}"), "\(create.stderr.debugDescription)")
    }

    @Test("capability sets the kernel refuses fail create, not the later start")
    func refusedCapabilitiesFailCreate() throws {
        let bundle = try TestBundle(args: ["true"])
        // An inheritable capability outside the bounding set: capset(2) refuses it (EPERM).
        bundle.spec.process?.capabilities = LinuxCapabilities(bounding: [], effective: [], inheritable: ["CAP_CHOWN"], permitted: [], ambient: [])
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("setting capabilities: capset: Operation not permitted"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("poststart hooks run once the container process has been executed")
    func poststartAfterExec() throws {
        let bundle = try TestBundle(args: ["sleep", "600"])
        let out = bundle.path + "/poststart-comm"
        // The hook reads the name of the process whose pid the state gives it: "sleep" once
        // init has exec'd, hako's name before.
        let script = "pid=$(sed -E 's/.*\"pid\":([0-9]+).*/\\1/'); cat /proc/$pid/comm > \(out)"
        // A slow startContainer hook keeps init from exec'ing for a while after `start`.
        bundle.spec.hooks = Hooks(startContainer: [Hook(path: "/bin/usleep", args: ["usleep", "300000"])],
                                  poststart: [Hook(path: "/bin/sh", args: ["sh", "-c", script])])
        for _ in 0..<3 {
            #expect(try bundle.create().status == 0)
            let start = try bundle.hako(["start", bundle.id])
            #expect(start.status == 0, "\(start.stderr)")
            #expect((try? String(contentsOfFile: out, encoding: .utf8)) == "sleep\n")
            #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
            try? FileManager.default.removeItem(atPath: out)
        }
        bundle.expectNothingLeft()
    }

    @Test("root.path that resolves to the host's / is refused by name")
    func rootSymlinkToSlash() throws {
        let bundle = try TestBundle(args: ["true"])
        try FileManager.default.createSymbolicLink(atPath: bundle.path + "/hostroot", withDestinationPath: "/")
        bundle.spec.root?.path = "hostroot"
        let result = try bundle.run()
        #expect(result.status != 0)
        #expect(result.stderr.contains("root.path: \(bundle.path)/hostroot resolves to the host's root / (through a symlink)"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a masked or read-only path that fails for another reason than ENOENT fails the container by name",
          arguments: [true, false])
    func maskFailureIsAnError(masked: Bool) throws {
        let bundle = try TestBundle(args: ["true"])
        // A path through a regular file: ENOTDIR, not "no such file".
        if masked {
            bundle.spec.linux?.maskedPaths = ["/proc/kcore", "/etc/passwd/inside"]
        } else {
            bundle.spec.linux?.readonlyPaths = ["/etc/passwd/inside"]
        }
        let result = try bundle.run()
        #expect(result.status != 0)
        let verb = masked ? "masking" : "making"
        #expect(result.stderr.contains("\(verb) /etc/passwd/inside"), "\(result.stderr)")
        #expect(result.stderr.contains("Not a directory"), "\(result.stderr)")
        bundle.expectNothingLeft()
        // A path the rootfs does not have is no error (the default lists name such files).
        bundle.spec.linux?.maskedPaths = ["/proc/no-such-file", "/no/such/dir"]
        bundle.spec.linux?.readonlyPaths = ["/no-such-dir"]
        let missing = try bundle.run()
        #expect(missing.status == 0, "\(missing.stderr)")
        bundle.expectNothingLeft()
    }
}
