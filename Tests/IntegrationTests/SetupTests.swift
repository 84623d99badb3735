import Foundation
import LinuxSys
import OCISpec
import Testing

/// What `create` sets up inside the container, checked from inside it.
@Suite("container setup", .enabled(if: Runner.isRoot, "needs root"))
struct SetupTests {
    func output(_ bundle: TestBundle, _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try bundle.runExpectingSuccess(extra, sourceLocation: sourceLocation)
    }

    @Test("process user, groups, cwd, env and umask")
    func processIdentity() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "id; pwd; echo $GREETING; umask"])
        bundle.spec.process?.user = User(uid: 1000, gid: 1001, umask: 0o027, additionalGids: [5, 7])
        bundle.spec.process?.cwd = "/work/here"
        bundle.spec.process?.env?.append("GREETING=hi there")
        let out = try output(bundle)
        #expect(out == "uid=1000 gid=1001 groups=5,7\n/work/here\nhi there\n0027\n")
    }

    @Test("HOME comes from the container's /etc/passwd when env lacks it")
    func home() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "echo $HOME"])
        #expect(try output(bundle) == "/root\n")
    }

    @Test("env: each name once with its last value, an empty HOME replaced from /etc/passwd, no env at all left empty")
    func environment() throws {
        let bundle = try TestBundle(args: ["env"])
        bundle.spec.process?.env = ["ONE=two", "HOME=/override", "PATH=/usr/bin:/bin", "ONE=", "HOME="]
        #expect(try output(bundle) == "PATH=/usr/bin:/bin\nONE=\nHOME=/root\n")
        bundle.spec.process?.env = ["HOME=/first", "ONE=1", "HOME=/override"]
        #expect(try output(bundle) == "ONE=1\nHOME=/override\n")
        bundle.spec.process?.args = ["/bin/env"]
        bundle.spec.process?.env = nil
        #expect(try output(bundle) == "")
    }

    @Test("capabilities: each of the five sets as configured")
    func capabilities() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep ^Cap /proc/self/status"])
        let caps = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"] // bits 0, 5, 13 -> 0x2021
        bundle.spec.process?.capabilities = LinuxCapabilities(bounding: caps + ["CAP_SYS_ADMIN"], effective: caps, inheritable: ["CAP_KILL"], permitted: caps, ambient: ["CAP_KILL"])
        let out = try output(bundle)
        // Inside a shell started by exec: permitted/effective of a root process are from
        // the bounding set; the ambient set survives exec.
        #expect(out.contains("CapBnd:\t0000000000202021"))
        #expect(out.contains("CapAmb:\t0000000000000020"))
        #expect(out.contains("CapInh:\t0000000000000020"))
    }

    @Test("an unknown or unavailable capability is left out with a warning; the others are given (runtime-spec 1.2)")
    func unknownCapability() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep ^CapBnd /proc/self/status"])
        bundle.spec.process?.capabilities = LinuxCapabilities(bounding: ["CAP_KILL", "CAP_FOO", "KILL"], effective: ["CAP_KILL"],
                                                              inheritable: [], permitted: ["CAP_KILL", "CAP_FOO"], ambient: [])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "CapBnd:\t0000000000000020\n")
        #expect(result.stderr.contains("ignoring unknown or unavailable capabilities: [CAP_FOO KILL]"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("an ambient capability that is not both permitted and inheritable is left out with a warning")
    func ambientNotRaisable() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep ^CapAmb /proc/self/status"])
        bundle.spec.process?.capabilities = LinuxCapabilities(bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"], inheritable: ["CAP_KILL"],
                                                              permitted: ["CAP_KILL"], ambient: ["CAP_KILL", "CAP_CHOWN"])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "CapAmb:\t0000000000000020\n")
        #expect(result.stderr.contains("can't raise ambient capability CAP_CHOWN: operation not permitted"), "\(result.stderr)")
        #expect(!result.stderr.contains("CAP_KILL"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a non-root user keeps exactly the configured capabilities through exec (ambient)")
    func nonRootCapabilities() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep ^CapEff /proc/self/status"])
        bundle.spec.process?.user = User(uid: 1000, gid: 1000)
        bundle.spec.process?.capabilities = LinuxCapabilities(bounding: ["CAP_NET_BIND_SERVICE"], effective: ["CAP_NET_BIND_SERVICE"], inheritable: ["CAP_NET_BIND_SERVICE"], permitted: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"])
        #expect(try output(bundle) == "CapEff:\t0000000000000400\n")
    }

    @Test("rlimits are set")
    func rlimits() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ulimit -n; ulimit -Hn; ulimit -c"])
        bundle.spec.process?.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 512, soft: 256), POSIXRlimit(type: "RLIMIT_CORE", hard: 0, soft: 0)]
        #expect(try output(bundle) == "256\n512\n0\n")
    }

    @Test("noNewPrivileges sets the flag")
    func noNewPrivileges() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep NoNewPrivs /proc/self/status"])
        bundle.spec.process?.noNewPrivileges = true
        #expect(try output(bundle) == "NoNewPrivs:\t1\n")
        bundle.spec.process?.noNewPrivileges = false
        #expect(try output(bundle) == "NoNewPrivs:\t0\n")
    }

    @Test("hostname, domainname and namespaces are the container's own")
    func namespaces() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "hostname; cat /proc/sys/kernel/domainname; for n in net uts ipc mnt cgroup time; do readlink /proc/self/ns/$n; done"])
        bundle.spec.hostname = "inside"
        bundle.spec.domainname = "example.test"
        bundle.spec.linux?.namespaces = ["pid", "network", "ipc", "uts", "mount", "cgroup", "time"].map { LinuxNamespace(type: $0) }
        let lines = try output(bundle).split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["inside", "example.test"])
        for (line, kind) in zip(lines.dropFirst(2), ["net", "uts", "ipc", "mnt", "cgroup", "time"]) {
            let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(kind)")
            #expect(line != host, "\(kind) namespace is the host's")
        }
    }

    @Test("a namespace given by path is joined")
    func joinNamespaceByPath() throws {
        let first = try TestBundle(args: ["sleep", "100"])
        #expect(try first.create().status == 0)
        let pid = try #require((try first.state())?["pid"] as? Int)
        let netns = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
        let second = try TestBundle(args: ["readlink", "/proc/self/ns/net"])
        let namespaces = second.spec.linux?.namespaces?.map {
            $0.type == "network" ? LinuxNamespace(type: "network", path: "/proc/\(pid)/ns/net") : $0
        }
        second.spec.linux?.namespaces = namespaces
        #expect(try output(second) == netns + "\n")
        #expect(try first.hako(["delete", first.id]).status == 0)
    }

    @Test("a user namespace with uid and gid mappings")
    func userNamespace() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"])
        bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        // The rootfs must be usable by the mapped root.
        chownTree(bundle.rootfs, to: 100000)
        let out = try output(bundle)
        let words = out.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        #expect(words == ["0", "100000", "65536", "0", "100000", "65536", "0"])
    }

    @Test("user namespace mappings with several ranges")
    func userNamespaceRanges() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map"])
        bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 200000, size: 1000), LinuxIDMapping(containerID: 1000, hostID: 300000, size: 500)]
        bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 200000, size: 1000), LinuxIDMapping(containerID: 5000, hostID: 400000, size: 10)]
        chownTree(bundle.rootfs, to: 200000)
        let words = try output(bundle).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        #expect(words == ["0", "200000", "1000", "1000", "300000", "500", "0", "200000", "1000", "5000", "400000", "10"])
    }

    @Test("a user namespace given by path is joined (with the namespaces it owns)")
    func joinUserNamespace() throws {
        let first = try TestBundle(args: ["sleep", "100"])
        first.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        first.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        first.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        chownTree(first.rootfs, to: 100000)
        #expect(try first.run(["--detach"]).status == 0)
        let pid = try #require((try first.state())?["pid"] as? Int)
        let second = try TestBundle(args: ["sh", "-c", "cat /proc/self/uid_map; readlink /proc/self/ns/user"])
        second.spec.linux?.namespaces = ["pid", "mount", "ipc", "uts"].map { LinuxNamespace(type: $0) }
            + [LinuxNamespace(type: "user", path: "/proc/\(pid)/ns/user"), LinuxNamespace(type: "network", path: "/proc/\(pid)/ns/net")]
        chownTree(second.rootfs, to: 100000)
        let out = try output(second)
        let userns = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/user")
        #expect(out.contains("100000"))
        #expect(out.hasSuffix(userns + "\n"))

        // With a network namespace that user namespace does not own (the host's here):
        // joined before the user namespace, while hako may (runc's "wrong userns owner").
        let third = try TestBundle(args: ["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/user"])
        third.spec.linux?.namespaces = ["pid", "mount", "ipc", "uts"].map { LinuxNamespace(type: $0) }
            + [LinuxNamespace(type: "user", path: "/proc/\(pid)/ns/user"), LinuxNamespace(type: "network", path: "/proc/self/ns/net")]
        // No sysfs of its own without its own network namespace: the host's, bound.
        third.spec.mounts = third.spec.mounts?.map { $0.type == "sysfs" ? Mount(destination: $0.destination, type: "bind", source: "/sys", options: ["rbind"]) : $0 }
        chownTree(third.rootfs, to: 100000)
        let hostNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        #expect(try output(third) == hostNet + "\n" + userns + "\n")
        #expect(try first.hako(["delete", "--force", first.id]).status == 0)
    }

    @Test("a bind's flags are those asked, as runc 1.2 sets them: none asked keeps the source's; in a user namespace the locked ones stay, and clearing one fails",
          arguments: [
              // (source's flags, bind options, user namespace, flags expected in /mnt's entry or nil when create fails)
              (UInt(MS_RDONLY | MS_NOEXEC | MS_NODIRATIME), ["bind"], false, ["ro", "noexec", "nodiratime"]),
              (UInt(MS_RDONLY | MS_NOEXEC | MS_NODIRATIME), ["bind", "dev"], false, ["rw", "!noexec", "nodiratime"]),
              (UInt(MS_RDONLY), ["bind", "nosuid", "nodev"], false, ["rw", "nosuid", "nodev"]),
              (UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), ["bind", "ro"], false, ["ro", "!nosuid", "!nodev", "!noexec"]),
              (UInt(MS_RDONLY | MS_NOEXEC | MS_NODIRATIME), ["bind", "dev"], true, ["ro", "noexec", "nodiratime"]),
              (UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), ["bind", "ro"], true, ["ro", "nosuid", "nodev", "noexec"]),
              (UInt(MS_RDONLY), ["bind", "rw", "nosuid"], true, nil),
          ] as [(UInt, [String], Bool, [String]?)])
    func bindFlags(sourceFlags: UInt, options: [String], userNamespace: Bool, expected: [String]?) throws {
        let source = try Scratch.directory("bindflags")
        try #require(mount("tmpfs", source, "tmpfs", 0, "mode=755") == 0)
        defer { umount2(source, Int32(MNT_DETACH)); try? FileManager.default.removeItem(atPath: source) }
        try #require(mount(nil, source, nil, UInt(MS_BIND | MS_REMOUNT) | sourceFlags, nil) == 0, "errno \(errno)")
        let bundle = try TestBundle(args: ["sh", "-c", "awk '$2 == \"/mnt\" { print $4 }' /proc/self/mounts"])
        bundle.spec.mounts? += [Mount(destination: "/mnt", type: "bind", source: source, options: options)]
        if userNamespace {
            bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
            bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
            bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
            chownTree(bundle.rootfs, to: 100000)
        }
        let result = try bundle.run()
        guard let expected else {
            #expect(result.status != 0)
            #expect(result.stderr.contains("Operation not permitted"), "\(result.stderr)")
            bundle.expectNothingLeft()
            return
        }
        #expect(result.status == 0, "\(result.stderr)")
        let flags = Set(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init))
        for flag in expected {
            if flag.hasPrefix("!") { #expect(!flags.contains(String(flag.dropFirst())), "\(flags)") } else { #expect(flags.contains(flag), "\(flags)") }
        }
        bundle.expectNothingLeft()
    }

    @Test("a bind's propagation option outlives the switch of root: shared stays shared, private stays private")
    func bindPropagation() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep -E ' /(shared|private) ' /proc/self/mountinfo"])
        let source = try Scratch.directory("propagation")
        defer { try? FileManager.default.removeItem(atPath: source) }
        bundle.spec.mounts? += [Mount(destination: "/shared", type: "bind", source: source, options: ["rbind", "rshared"]),
                                Mount(destination: "/private", type: "bind", source: source, options: ["rbind", "rprivate"])]
        let lines = try output(bundle).split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first { $0.contains(" /shared ") }?.contains(" shared:") == true, "\(lines)")
        #expect(lines.first { $0.contains(" /private ") }.map { !$0.contains("shared:") && !$0.contains("master:") } == true, "\(lines)")
    }

    @Test("masked directories share one empty read-only tmpfs; a masked file is /dev/null")
    func maskedDirectoriesShareTmpfs() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "stat -c %d /m1 /m2 /m3 | uniq | wc -l; ls -A /m2 | wc -l; touch /m3/x 2>&1; cat /f"])
        for dir in ["m1", "m2", "m3"] {
            try FileManager.default.createDirectory(atPath: bundle.rootfs + "/" + dir, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: bundle.rootfs + "/\(dir)/secret", contents: Data("no".utf8))
        }
        FileManager.default.createFile(atPath: bundle.rootfs + "/f", contents: Data("secret".utf8))
        bundle.spec.linux?.maskedPaths = ["/m1", "/f", "/m2", "/m3"]
        #expect(try output(bundle) == "1\n0\ntouch: /m3/x: Read-only file system\n")
    }

    @Test("root.readonly makes / read-only; masked and read-only paths hold")
    func readonlyAndMasked() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "touch /x 2>/dev/null && echo root-writable; cat /proc/keys 2>&1 | wc -c; touch /proc/sys/x 2>/dev/null || echo sys-ro; ls /proc/acpi 2>/dev/null | wc -l"])
        bundle.spec.root?.readonly = true
        let out = try output(bundle)
        #expect(!out.contains("root-writable"))
        #expect(out.hasPrefix("0\n"))
        #expect(out.contains("sys-ro"))
    }

    @Test("mounts: tmpfs options, a read-only bind, and propagation of nothing to the host")
    func mounts() throws {
        let shared = try Scratch.directory("bind")
        defer { try? FileManager.default.removeItem(atPath: shared) }
        try "from host\n".write(toFile: shared + "/file", atomically: true, encoding: .utf8)
        let bundle = try TestBundle(args: ["sh", "-c", "cat /data/file; touch /data/new 2>/dev/null || echo bind-ro; grep ' /scratch ' /proc/mounts"])
        bundle.spec.mounts?.append(Mount(destination: "/data", type: "bind", source: shared, options: ["rbind", "ro"]))
        bundle.spec.mounts?.append(Mount(destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "size=1m", "mode=1777"]))
        let out = try output(bundle)
        #expect(out.hasPrefix("from host\nbind-ro\n"))
        #expect(out.contains("tmpfs /scratch tmpfs rw,nosuid,nodev,noexec"))
        #expect(out.contains("size=1024k"))
        #expect(!FileManager.default.fileExists(atPath: shared + "/new"))
    }

    @Test("tmpcopyup fills the tmpfs with what the image had there; the image is unchanged")
    func tmpCopyUp() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "cat /etc/passwd | head -1; ls -l /etc/group | awk '{print $1}'; echo new > /etc/new; grep ' /etc ' /proc/mounts | cut -d' ' -f3"])
        bundle.spec.mounts?.append(Mount(destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "mode=755"]))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: bundle.rootfs + "/etc/group")
        #expect(try output(bundle) == "root:x:0:0:root:/root:/bin/sh\n-rw-r-----\ntmpfs\n")
        #expect(!FileManager.default.fileExists(atPath: bundle.rootfs + "/etc/new"))
        let bad = try TestBundle(args: ["true"])
        bad.spec.mounts?.append(Mount(destination: "/x", type: "proc", source: "proc", options: ["tmpcopyup"]))
        let result = try bad.create()
        #expect(result.stderr.contains("tmpcopyup"))
        bad.expectNothingLeft()
    }

    @Test("a mount destination that is a symlink out of the rootfs lands inside it")
    func symlinkDestination() throws {
        let outside = try Scratch.directory("outside")
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let bundle = try TestBundle(args: ["sh", "-c", "grep ' /evil ' /proc/mounts | wc -l; ls /target"])
        try FileManager.default.createSymbolicLink(atPath: bundle.rootfs + "/evil", withDestinationPath: outside)
        bundle.spec.mounts?.append(Mount(destination: "/evil", type: "tmpfs", source: "tmpfs"))
        _ = try bundle.run()
        // Whatever happened inside, the host directory the link names was not mounted over.
        let hostMounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!hostMounts.contains(outside))
        // The mount went to <rootfs>/<outside>, inside the rootfs.
        #expect(FileManager.default.fileExists(atPath: bundle.rootfs + outside))
    }

    @Test("/dev has the default devices and links")
    func devices() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | awk '{print $1, $5, $6}'; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; echo x > /dev/null && echo null-ok"])
        let out = try output(bundle)
        #expect(out.contains("crw-rw-rw- 1, 3"))
        #expect(out.contains("crw-rw-rw- 1, 5"))
        #expect(out.contains("crw-rw-rw- 5, 0"))
        #expect(out.contains("/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\npts/ptmx\n"))
        #expect(out.hasSuffix("null-ok\n"))
    }

    @Test("linux.devices are created with their type, numbers, mode and owner")
    func configDevices() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ls -ln /dev/mynull /dev/fifo | awk '{print $1, $3, $4, $5, $6}'"])
        bundle.spec.linux?.devices = [
            LinuxDevice(path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 0o600, uid: 12, gid: 34),
            LinuxDevice(path: "/dev/fifo", type: "p", major: 0, minor: 0, fileMode: 0o644),
        ]
        let out = try output(bundle)
        #expect(out.contains("crw------- 12 34 1, 3"))
        #expect(out.contains("prw-r--r--"))
    }

    @Test("a read-only /dev tmpfs and a read-only tmpfs elsewhere: the mounts and nodes inside are made first, read-only comes last")
    func readOnlyTmpfsMounts() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep -E '^tmpfs /(dev|mnt) ' /proc/mounts; ls /dev/null /dev/pts/ptmx /mnt/inner; touch /dev/x 2>&1 | head -1"])
        let mounts = bundle.spec.mounts ?? []
        bundle.spec.mounts = mounts.map { mount in
            guard mount.destination == "/dev" else { return mount }
            var readOnly = mount
            readOnly.options = (mount.options ?? []) + ["ro"]
            return readOnly
        } + [Mount(destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["ro", "nodev", "nosuid", "mode=755"]),
             Mount(destination: "/mnt/inner", type: "tmpfs", source: "tmpfs", options: ["size=64k"])]
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let tmpfsLines = lines.filter { $0.hasPrefix("tmpfs /dev ") || $0.hasPrefix("tmpfs /mnt ") }
        #expect(tmpfsLines.count == 2 && tmpfsLines.allSatisfy { $0.contains(" ro,") }, "\(result.stdout)")
        #expect(result.stdout.contains("/dev/null") && result.stdout.contains("/dev/pts/ptmx"), "\(result.stdout)")
        #expect(result.stdout.contains("Read-only file system"), "\(result.stdout)")
        bundle.expectNothingLeft()
        // With a terminal too: /dev/console is made before /dev turns read-only.
        bundle.spec.process?.terminal = true
        bundle.spec.process?.args = ["sh", "-c", "tty; ls /dev/console"]
        let terminal = try bundle.run()
        #expect(terminal.status == 0, "\(terminal.stderr)")
        #expect(terminal.stdout.contains("/dev/pts/0"), "\(terminal.stdout)")
        bundle.expectNothingLeft()
    }

    @Test("a tmpfs without mode= takes the mode of the directory it covers, special bits included, as mode=; on a new directory tmpfs's 1777")
    func tmpfsInheritsMode() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "stat -c %a /tmp; grep ' /tmp ' /proc/self/mounts | grep -o 'mode=[0-7]*'"])
        try FileManager.default.setAttributes([.posixPermissions: 0o7777], ofItemAtPath: bundle.rootfs + "/tmp")
        let mounts = bundle.spec.mounts ?? []
        bundle.spec.mounts = mounts + [Mount(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["noexec", "nosuid", "nodev"])]
        #expect(try output(bundle) == "7777\nmode=7777\n")
        // Not there before: made for the mount, which keeps tmpfs's own mode.
        bundle.spec.process?.args = ["stat", "-c", "%a", "/new/deep"]
        bundle.spec.mounts = mounts + [Mount(destination: "/new/deep", type: "tmpfs", source: "tmpfs", options: ["nosuid"])]
        #expect(try output(bundle) == "1777\n")
        #expect(try FileManager.default.attributesOfItem(atPath: bundle.rootfs + "/tmp")[.posixPermissions] as? Int == 0o7777)
        bundle.spec.process?.args = ["stat", "-c", "%a", "/tmp"]
        // mode= wins.
        bundle.spec.mounts = mounts + [Mount(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["mode=0444"])]
        #expect(try output(bundle) == "444\n")
    }

    @Test("a program only root may execute runs for a user given CAP_DAC_OVERRIDE, and not without it")
    func execWithDacOverride() throws {
        let bundle = try TestBundle(args: ["/bin/echo", "ran"])
        let busybox = bundle.rootfs + "/bin/busybox"
        try FileManager.default.setAttributes([.posixPermissions: 0o744], ofItemAtPath: busybox)
        bundle.spec.process?.user = User(uid: 1000, gid: 100)
        let refused = try bundle.run()
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("Permission denied"), "\(refused.stderr)")
        bundle.expectNothingLeft()
        for set in [\LinuxCapabilities.bounding, \.effective, \.permitted] {
            bundle.spec.process?.capabilities?[keyPath: set]?.append("CAP_DAC_OVERRIDE")
        }
        #expect(try output(bundle) == "ran\n")
    }

    @Test("--no-pivot runs the container with chroot")
    func noPivot() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ls /bin/busybox"])
        #expect(try output(bundle, ["--no-pivot"]) == "/bin/busybox\n")
    }

    @Test("--preserve-fds passes descriptors 3.. and nothing else")
    func preserveFds() throws {
        let file = try Scratch.directory("fds") + "/data"
        try "preserved\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bundle = try TestBundle(args: ["sh", "-c", "cat <&3; ls /proc/self/fd | sort -n | tr '\\n' ' '"])
        try bundle.writeConfig()
        let handle = try #require(FileHandle(forReadingAtPath: file))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let out = file + ".out"
        // Put the file on fd 3 for hako, as an engine would.
        process.arguments = ["-c", "exec 3<\"$1\"; exec \"$2\" --root \"$3\" run --preserve-fds 1 --bundle \"$4\" \"$5\" > \"$6\"", "sh", file, Runner.binary, bundle.root, bundle.path, bundle.id, out]
        try process.run()
        process.waitUntilExit()
        handle.closeFile()
        #expect(process.terminationStatus == 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        // 0-2 stdio, 3 the preserved file, and the fd ls itself opens for /proc/self/fd.
        #expect(text.hasPrefix("preserved\n0 1 2 3 4 "))
        #expect(!text.contains(" 5 "))
    }

    @Test("hooks run at their moments with the state on stdin")
    func hooks() throws {
        let out = try Scratch.directory("hooks")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let bundle = try TestBundle(args: ["true"])
        func hook(_ name: String) -> Hook {
            Hook(path: "/bin/sh", args: ["sh", "-c", "cat > \(out)/\(name).json"])
        }
        // startContainer runs inside the container (after pivot_root): it writes through a bind.
        bundle.spec.mounts?.append(Mount(destination: "/out", type: "bind", source: out, options: ["rbind", "rw"]))
        let inside = Hook(path: "/bin/sh", args: ["sh", "-c", "cat > /out/startContainer.json"])
        bundle.spec.hooks = Hooks(prestart: [hook("prestart")], createRuntime: [hook("createRuntime")], createContainer: [hook("createContainer")],
                                  startContainer: [inside], poststart: [hook("poststart")], poststop: [hook("poststop")])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] {
            let data = try #require(FileManager.default.contents(atPath: "\(out)/\(name).json"), "\(name) did not run")
            let state = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(state["id"] as? String == bundle.id, "\(name)")
            #expect(state["bundle"] as? String == bundle.path, "\(name)")
        }
    }

    @Test("createContainer hooks run in the container's mount namespace with the rootfs as working directory, as runc runs them")
    func createContainerHookCwd() throws {
        let bundle = try TestBundle(args: ["cat", "/hook-wrote"])
        // As a GPU toolkit's hook: a file made relative to the cwd, then bound over it.
        bundle.spec.hooks = Hooks(createContainer: [Hook(path: "/bin/sh", args: ["sh", "-c",
            "pwd > ./hook-wrote; readlink /proc/self/ns/mnt >> ./hook-wrote; touch ./bound && mount --bind ./hook-wrote ./bound"])])
        bundle.spec.process?.args = ["sh", "-c", "cat /bound"]
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == URL(fileURLWithPath: bundle.rootfs).resolvingSymlinksInPath().path, "\(result.stdout)")
        #expect(lines.count == 2 && lines[1] != "mnt:[\(Namespaces.inode("/proc/self/ns/mnt") ?? 0)]", "\(result.stdout)")
        bundle.expectNothingLeft()
    }

    @Test("a hook that outlives its timeout is killed and fails create")
    func hookTimeout() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.hooks = Hooks(prestart: [Hook(path: "/bin/sh", args: ["sh", "-c", "sleep 30"], timeout: 1)])
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("timed out after 1s"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("hooks start with no signal blocked or ignored, though `run` waits with every signal blocked")
    func hooksGetSignals() throws {
        let bundle = try TestBundle(args: ["true"])
        let out = bundle.path + "/status"
        // cp, not a shell: dash clears its mask at start and would hide what it inherited.
        bundle.spec.hooks = Hooks(prestart: [Hook(path: "/bin/cp", args: ["cp", "/proc/self/status", out + ".prestart"])],
                                  poststop: [Hook(path: "/bin/cp", args: ["cp", "/proc/self/status", out + ".poststop"])])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        for kind in ["prestart", "poststop"] {
            let status = (try? String(contentsOfFile: out + "." + kind, encoding: .utf8)) ?? ""
            func mask(_ name: String) -> UInt64? {
                status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.flatMap { UInt64($0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
            }
            #expect(mask("SigBlk") == 0, "\(kind): \(status) \(result.stderr)")
            // Signals 1-31 (glibc keeps 32 and 33 for itself; signal(2) through it cannot touch them).
            #expect(mask("SigIgn").map { $0 & 0x7fff_ffff } == 0, "\(kind): \(status)")
        }
        bundle.expectNothingLeft()
    }

    @Test("a failing poststart or poststop hook warns, and the hooks after it and the lifecycle go on")
    func failingPostHooks() throws {
        let bundle = try TestBundle(args: ["true"])
        let out = bundle.path + "/after"
        let after = { (kind: String) in Hook(path: "/bin/sh", args: ["sh", "-c", "echo \(kind) >> \(out)"]) }
        bundle.spec.hooks = Hooks(poststart: [Hook(path: "/bin/false"), after("poststart")],
                                  poststop: [Hook(path: "/bin/false"), after("poststop")])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("poststart hook #0"))
        #expect(result.stderr.contains("poststop hook #0"))
        #expect((try? String(contentsOfFile: out, encoding: .utf8)) == "poststart\npoststop\n")
        bundle.expectNothingLeft()
    }

    @Test("a hook gets exactly its env, its args as argv, and stdio alone; one that cannot be executed says why")
    func hookProcess() throws {
        let bundle = try TestBundle(args: ["true"])
        let out = bundle.path + "/hook"
        bundle.spec.hooks = Hooks(prestart: [Hook(path: "/bin/sh", args: ["named-sh", "-c", "{ echo \"$0\"; env | sort; ls /proc/self/fd; } > \(out)"],
                                                  env: ["HOOK_ONLY=1", "PATH=/bin"])])
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(lines.first == "named-sh", "\(lines)")
        #expect(lines.contains("HOOK_ONLY=1") && !lines.contains { $0.hasPrefix("HOME=") }, "\(lines)")
        // 0 1 2, then the descriptor ls opens for /proc/self/fd (3); nothing of hako's.
        #expect(Array(lines.drop { !$0.allSatisfy(\.isNumber) }) == ["0", "1", "2", "3"], "\(lines)")

        let missing = try TestBundle(args: ["true"])
        missing.spec.hooks = Hooks(prestart: [Hook(path: "/nonexistent/hook")])
        let failed = try missing.create()
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("hako: exec /nonexistent/hook: No such file or directory"), "\(failed.stderr)")
        #expect(failed.stderr.contains("error running prestart hook #0: /nonexistent/hook: exited with status 127"), "\(failed.stderr)")
        missing.expectNothingLeft()
        bundle.expectNothingLeft()
    }

    @Test("a hook without env: hako's own environment on the host, the container process's for startContainer hooks")
    func hookInheritedEnvironment() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.process?.env = ["ONE=two", "PATH=/bin"]
        let host = bundle.path + "/prestart-env", inside = "/tmp/start-env"
        bundle.spec.root?.readonly = false
        bundle.spec.hooks = Hooks(prestart: [Hook(path: "/bin/sh", args: ["sh", "-c", "env > \(host)"])],
                                  startContainer: [Hook(path: "/bin/sh", args: ["sh", "-c", "env > \(inside)"])])
        try bundle.writeConfig()
        let result = try bundle.hako(["run", "--bundle", bundle.path, bundle.id], environment: ["HAKO_CALLER_ONLY": "yes"])
        #expect(result.status == 0, "\(result.stderr)")
        let hostEnv = ((try? String(contentsOfFile: host, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(hostEnv.contains("HAKO_CALLER_ONLY=yes"), "\(hostEnv)")
        let startEnv = ((try? String(contentsOfFile: bundle.rootfs + inside, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(startEnv.contains("ONE=two") && startEnv.contains("HOME=/root") && !startEnv.contains { $0.hasPrefix("HAKO_CALLER_ONLY=") },
                "\(startEnv)")
        bundle.expectNothingLeft()
    }

    @Test("an execve that fails (a script whose interpreter is missing) says so in one line, in runc's words, status 127")
    func execveFailure() throws {
        let bundle = try TestBundle(args: ["/run.sh"])
        try "#!/mmnnttbb foo bar\nsh\n".write(toFile: bundle.rootfs + "/run.sh", atomically: true, encoding: .utf8)
        chmod(bundle.rootfs + "/run.sh", 0o755)
        let result = try bundle.run()
        #expect(result.status == 127)
        #expect(result.stderr == "exec /run.sh: no such file or directory\n", "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a failing createRuntime hook fails create and unwinds")
    func failingHook() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.hooks = Hooks(createRuntime: [Hook(path: "/bin/sh", args: ["sh", "-c", "exit 7"])])
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("error running createRuntime hook #0: /bin/sh: exited with status 7"))
        bundle.expectNothingLeft()
    }
}
