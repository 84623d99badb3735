#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
@testable import Rootfs
import Testing

/// The switch of root (pivot_root, or --no-pivot's move and chroot, or the chroot of a
/// container without a mount namespace) when a call fails.
@Suite("switching root failures")
struct SwitchRootFailureTests {
    @Test("entering the rootfs refused")
    func chdirRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.chdir, errno: ENOENT)
        let error = s.failure { try s.builder(s.spec()).pivot(noPivot: false) }
        #expect("\(error!)" == "entering the rootfs: chdir \(s.rootfs): No such file or directory")
        #expect(s.recorder.paths(of: .pivotRoot).isEmpty)
    }

    @Test("pivot_root refused with EINVAL: the old root is not touched")
    func pivotRootRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.pivotRoot, errno: EINVAL)
        let error = s.failure { try s.builder(s.spec()).pivot(noPivot: false) }
        #expect("\(error!)" == "pivot_root: pivot_root .: Invalid argument")
        #expect(Scratch.sysError(error)?.errno == EINVAL)
        #expect(s.recorder.paths(of: .umount).isEmpty)
        #expect(s.recorder.paths(of: .mount).isEmpty)
    }

    @Test("the old root cannot be detached")
    func detachRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.umount, errno: EBUSY)
        let error = s.failure { try s.builder(s.spec()).pivot(noPivot: false) }
        #expect("\(error!)" == "hiding the old root: umount .: Device or resource busy")
        #expect(s.log.suffix(2) == ["umount . (failed: errno \(EBUSY))", "close host:/"])
    }

    @Test("pivot_root, then the old root, entered by a descriptor opened before, made a slave and detached, then /")
    func pivotSequence() throws {
        let s = try Scratch()
        try s.recorder.run { try s.builder(s.spec()).pivot(noPivot: false) }
        #expect(s.log == ["chdir /", "open host:/", "pivot_root .", "chdir host:/", "mount .", "umount .", "close host:/", "chdir host:/"])
    }

    @Test("--no-pivot: moving the rootfs to / refused, so no chroot")
    func noPivotMoveRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "host:/", errno: EINVAL)
        let error = s.failure { try s.builder(s.spec()).pivot(noPivot: true) }
        #expect("\(error!)".hasPrefix("moving the rootfs to /: mount \(s.rootfs) on /: "))
        #expect(s.recorder.paths(of: .chroot).isEmpty)
    }

    @Test("--no-pivot: a host proc that cannot be detached is covered by a tmpfs")
    func noPivotCoversProc() throws {
        let s = try Scratch()
        s.recorder.fail(.umount, path: "host:/proc", errno: EINVAL)
        try s.recorder.run { try s.builder(s.spec()).pivot(noPivot: true) }
        let proc = s.recorder.calls.filter { $0.path == "host:/proc" }
        #expect(proc.prefix(2).map(\.syscall) == [.umount, .mount], "\(proc)")
        #expect(s.recorder.paths(of: .chroot) == ["."])
    }

    @Test("no mount namespace: the chroot refused")
    func jailRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.chroot, errno: EPERM)
        let error = s.failure { try RootfsBuilder.jail(in: s.rootfs) }
        #expect("\(error!)" == "entering the rootfs \(s.rootfs) (no mount namespace: chroot): chroot \(s.rootfs): Operation not permitted")
        #expect(s.recorder.paths(of: .chdir).isEmpty)
    }
}

/// readonlyPaths, maskedPaths and root.readonly, after the switch of root (here: on the
/// scratch rootfs, which `finalize(root:)` takes in place of "/").
@Suite("masks and read-only paths failures")
struct FinalizeFailureTests {
    @Test("a mask refused is an error, never silently skipped")
    func maskRefused() throws {
        let s = try Scratch()
        try s.write("/proc/kcore")
        s.recorder.fail(.mount, path: "/proc/kcore", errno: EPERM)
        let error = s.failure { try s.builder(s.spec(masked: ["/proc/kcore"])).finalize(root: s.rootfs) }
        #expect("\(error!)".hasPrefix("masking /proc/kcore: mount /dev/null on /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == EPERM)
        s.expectNoDescriptorLeft()
    }

    @Test("a masked path the rootfs does not have is skipped (runc's rule)")
    func maskMissing() throws {
        let s = try Scratch()
        try s.recorder.run { try s.builder(s.spec(masked: ["/proc/nothing", "/sys/firmware"])).finalize(root: s.rootfs) }
        #expect(s.recorder.paths(of: .mount).isEmpty)
        s.expectNoDescriptorLeft()
    }

    @Test("a masked path that cannot be opened (EACCES, not ENOENT) is an error")
    func maskUnreachable() throws {
        let s = try Scratch()
        try s.write("/proc/secret")
        s.recorder.fail(.openat2, path: "/proc/secret", errno: EACCES)
        s.recorder.fail(.open, path: "/proc/secret", errno: EACCES)
        let error = s.failure { try s.builder(s.spec(masked: ["/proc/secret"])).finalize(root: s.rootfs) }
        #expect("\(error!)" == "masking /proc/secret: open \(s.rootfs)/proc/secret: Permission denied")
        #expect(s.recorder.paths(of: .mount).isEmpty)
        s.expectNoDescriptorLeft()
    }

    @Test("a masked directory's read-only tmpfs refused")
    func maskDirectoryRefused() throws {
        let s = try Scratch(directories: ["proc/acpi"])
        s.recorder.fail(.mount, path: "/proc/acpi", errno: ENOSPC)
        let error = s.failure { try s.builder(s.spec(masked: ["/proc/acpi"])).finalize(root: s.rootfs) }
        #expect("\(error!)".hasPrefix("masking /proc/acpi: mount tmpfs tmpfs on /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == ENOSPC)
        s.expectNoDescriptorLeft()
    }

    @Test("masks are applied in order; the first refusal stops the rest")
    func masksInOrder() throws {
        let s = try Scratch(directories: ["proc/acpi", "proc/scsi"])
        try s.write("/proc/kcore")
        s.recorder.fail(.mount, path: "/proc/acpi", errno: EPERM)
        let spec = s.spec(masked: ["/proc/kcore", "/proc/acpi", "/proc/scsi"])
        _ = s.failure { try s.builder(spec).finalize(root: s.rootfs) }
        #expect(s.recorder.paths(of: .mount) == ["/proc/kcore", "/proc/acpi"])
        s.expectNoDescriptorLeft()
    }

    @Test("a read-only path's bind refused")
    func readonlyBindRefused() throws {
        let s = try Scratch(directories: ["proc/sys"])
        s.recorder.fail(.mount, path: "/proc/sys", errno: EACCES)
        let error = s.failure { try s.builder(s.spec(readonly: ["/proc/sys"])).finalize(root: s.rootfs) }
        #expect("\(error!)".hasPrefix("making /proc/sys read-only: mount /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == EACCES)
        s.expectNoDescriptorLeft()
    }

    @Test("a read-only path's remount refused")
    func readonlyRemountRefused() throws {
        let s = try Scratch(directories: ["proc/sys"])
        s.recorder.fail(.mount, path: "/proc/sys", errno: EPERM, after: 1)
        let error = s.failure { try s.builder(s.spec(readonly: ["/proc/sys"])).finalize(root: s.rootfs) }
        #expect("\(error!)".hasPrefix("making /proc/sys read-only: mount on /proc/self/fd/"))
        #expect(Scratch.sysError(error)?.errno == EPERM)
        s.expectNoDescriptorLeft()
    }

    @Test("root.readonly's remount refused")
    func readonlyRootRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.mount, path: "/", errno: EPERM)
        let error = s.failure { try s.builder(s.spec(readonlyRoot: true)).finalize(root: s.rootfs) }
        #expect("\(error!)" == "making the rootfs read-only: mount on \(s.rootfs): Operation not permitted")
        s.expectNoDescriptorLeft()
    }

    @Test("an unbindable / is set last, after the read-only paths")
    func propagationLast() throws {
        let s = try Scratch(directories: ["proc/sys"])
        try s.recorder.run { try s.builder(s.spec(readonly: ["/proc/sys"], propagation: "runbindable")).finalize(root: s.rootfs) }
        #expect(s.recorder.paths(of: .mount) == ["/proc/sys", "/proc/sys", "/"])
        s.expectNoDescriptorLeft()
    }
}

/// The wrappers under the recorder: what a test may rely on.
@Suite("the syscall seam")
struct SeamTests {
    @Test("a pretended mount mounts nothing; file calls are made")
    func pretends() throws {
        let s = try Scratch()
        let before = try Files.readText("/proc/self/mountinfo")
        try s.recorder.run {
            try Mounts.mount(source: "tmpfs", target: s.rootfs + "/tmp", type: "tmpfs", flags: 0)
            let dir = try Files.open(s.rootfs, O_RDONLY | O_DIRECTORY)
            defer { Files.close(dir) }
            try Files.makeDirectory("made", at: dir, mode: 0o755, path: "/made")
        }
        #expect(try Files.readText("/proc/self/mountinfo") == before)
        #expect(Files.isDirectory(s.rootfs + "/made"))
        #expect(s.recorder.calls.map(\.made) == [false, true, true, true])
        #expect(s.log == ["mount /tmp", "open /", "mkdir /made", "close /"])
        s.expectNoDescriptorLeft()
    }

    @Test("setns refused: the namespace's descriptor is closed, the path named")
    func setnsRefused() throws {
        let s = try Scratch()
        s.recorder.fail(.setns, errno: EINVAL)
        let error = s.failure { try Namespaces.join(path: "/proc/self/ns/uts", type: 0) }
        #expect("\(error!)" == "setns /proc/self/ns/uts: Invalid argument")
        s.expectNoDescriptorLeft()
    }

    @Test("setns by a path that does not exist: ENOENT from the open, no setns")
    func setnsMissing() throws {
        let s = try Scratch()
        let error = s.failure { try Namespaces.join(path: s.bundle + "/no-such-ns", type: 0) }
        #expect(Scratch.sysError(error)?.errno == ENOENT)
        #expect(s.recorder.paths(of: .setns).isEmpty)
    }

    @Test("no fork under a recorder")
    func noFork() throws {
        let s = try Scratch()
        let error = s.failure { _ = try Processes.fork() }
        #expect(Scratch.sysError(error)?.errno == ENOTSUP)
    }
}
