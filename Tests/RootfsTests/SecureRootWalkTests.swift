#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
@testable import Rootfs
import Testing

/// The user-space walk (for kernels without openat2) must resolve every path exactly as
/// openat2 with RESOLVE_IN_ROOT does: same file, or same errno.
@Suite("resolving inside the rootfs without openat2")
struct SecureRootWalkTests {
    /// A small tree with symlinks that try to leave it.
    func makeTree() throws -> String {
        var template = Array("/tmp/hako-walk-XXXXXX".utf8CString)
        let root = try #require(mkdtemp(&template).map { String(cString: $0) })
        for directory in ["a", "a/b", "etc"] { mkdir(root + "/" + directory, 0o755) }
        close(open(root + "/a/b/file", O_CREAT | O_WRONLY, 0o644))
        close(open(root + "/etc/hostname", O_CREAT | O_WRONLY, 0o644))
        let links = [
            "abs": "/a/b", "up": "../../../a", "loop": "loop", "dangling": "/nothere",
            "a/rel": "../a/b", "a/b/escape": "../../../../../etc", "host": "/proc/self/root/etc",
            "dots": "./a/./b/../b", "chain1": "chain2", "chain2": "/a/rel",
        ]
        for (name, target) in links { symlink(target, root + "/" + name) }
        return root
    }

    /// (st_dev, st_ino) of what a descriptor names, or the errno of the failure.
    func identity(_ open: () throws(SysError) -> Int32) -> String {
        do {
            let fd = try open()
            defer { close(fd) }
            var info = stat()
            fstat(fd, &info)
            return "\(info.st_dev):\(info.st_ino)"
        } catch {
            return "errno \(error.errno)"
        }
    }

    @Test("every path resolves as with openat2", arguments: [
        "", "/", "a/b/file", "abs/file", "up/b/file", "../../a/b", "a/rel/file", "loop", "dangling",
        "a/b/file/x", "a/b/escape/hostname", "host", "dots/file", "chain1/file", "nothere/x",
        "/a/../../../etc/hostname", "a//b/./file",
    ])
    func sameAsOpenat2(path: String) throws {
        let root = try makeTree()
        defer { _ = Glibc.system("rm -rf '\(root)'") }
        let secure = try SecureRoot(path: root)
        defer { secure.close() }
        let trimmed = path.drop(while: { $0 == "/" })
        for noSymlinks in [false, true] {
            let kernel = identity { () throws(SysError) -> Int32 in try secure.open(path, noSymlinks: noSymlinks) }
            let walked = identity { () throws(SysError) -> Int32 in try secure.walk(trimmed, noSymlinks: noSymlinks) }
            #expect(walked == kernel, "\(path) noSymlinks: \(noSymlinks)")
        }
    }

    @Test("\"/\" before a combining mark still separates components, as in the kernel")
    func combiningMarkAfterSlash() throws {
        let root = try makeTree()
        defer { _ = Glibc.system("rm -rf '\(root)'") }
        // A host directory holding a name that starts with a combining mark, and a link in
        // the rootfs to that host path: inside the root the link leads nowhere.
        var template = Array("/tmp/hako-walk-host-XXXXXX".utf8CString)
        let host = try #require(mkdtemp(&template).map { String(cString: $0) })
        defer { _ = Glibc.system("rm -rf '\(host)'") }
        close(open(host + "/\u{301}m", O_CREAT | O_WRONLY, 0o644))
        symlink(host, root + "/esc")
        let secure = try SecureRoot(path: root)
        defer { secure.close() }
        let kernel = identity { () throws(SysError) -> Int32 in try secure.open("esc/\u{301}m") }
        #expect(kernel == "errno \(ENOENT)")
        #expect(identity { () throws(SysError) -> Int32 in try secure.walk("esc/\u{301}m", noSymlinks: false) } == kernel)
    }

    @Test("a symlink to / stays in the root")
    func rootSymlink() throws {
        let root = try makeTree()
        defer { _ = Glibc.system("rm -rf '\(root)'") }
        symlink("/", root + "/slash")
        let secure = try SecureRoot(path: root)
        defer { secure.close() }
        let expected = identity { () throws(SysError) -> Int32 in try Files.open(root + "/etc/hostname", Files.pathOnly) }
        #expect(identity { () throws(SysError) -> Int32 in try secure.walk("slash/etc/hostname", noSymlinks: false) } == expected)
        #expect(identity { () throws(SysError) -> Int32 in try secure.walk("slash/../../etc/hostname", noSymlinks: false) } == expected)
    }
}
