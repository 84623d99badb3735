#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSys
import Testing

/// `Files.removeTree` removes state directories: it must never follow a mount left inside
/// one (restore's bind of a rootfs, say) into what is mounted there.
@Suite("removing a tree", .enabled(if: getuid() == 0, "needs root to mount"))
struct RemoveTreeTests {
    @Test("a mount inside the tree stops the removal (EBUSY) and what it shows is untouched", arguments: [false, true])
    func stopsAtMounts(bind: Bool) throws {
        let base = "/tmp/hako-remove-tree-\(getpid())-\(bind)"
        let outside = base + "-outside"
        try Files.makeDirectories(base + "/state/criu-root")
        try Files.makeDirectories(outside + "/bin")
        try Files.write(outside + "/bin/keep", "precious")
        defer {
            _ = try? Mounts.unmount(base + "/state/criu-root", flags: Int32(MNT_DETACH))
            try? Files.removeTree(base)
            try? Files.removeTree(outside)
        }
        if bind {
            // A bind of the same filesystem: same st_dev, only the mount tells.
            try Mounts.mount(source: outside, target: base + "/state/criu-root", type: nil, flags: 4096 | 16384)
        } else {
            try Mounts.mount(source: "tmpfs", target: base + "/state/criu-root", type: "tmpfs", flags: 0)
            try Files.makeDirectories(base + "/state/criu-root/bin")
            try Files.write(base + "/state/criu-root/bin/keep", "precious")
        }
        #expect(throws: SysError.self) { try Files.removeTree(base + "/state") }
        do {
            try Files.removeTree(base + "/state")
        } catch {
            #expect(error.errno == EBUSY && error.path == base + "/state/criu-root", "\(error)")
        }
        #expect(try Files.readText(base + "/state/criu-root/bin/keep") == "precious")
        try Mounts.unmount(base + "/state/criu-root", flags: Int32(MNT_DETACH))
        try Files.removeTree(base + "/state")
        #expect(!Files.exists(base + "/state"))
        if bind { #expect(try Files.readText(outside + "/bin/keep") == "precious") }
    }
}
