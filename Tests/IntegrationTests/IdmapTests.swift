import Foundation
import OCISpec
import Testing

/// Idmapped bind mounts (mounts[].uidMappings/gidMappings, "idmap", "ridmap"), seen from
/// inside real containers. As in the kernel and runc: a file whose owner on disk is
/// `containerID + n` appears owned by `hostID + n` through the mount.
@Suite("idmapped mounts", .enabled(if: Runner.isRoot, "needs root"))
struct IdmapTests {
    /// A host directory with files of the given owners (name -> uid, gid = uid).
    func hostDirectory(_ files: [String: UInt32]) throws -> String {
        let dir = try Scratch.directory("idmap")
        for (name, owner) in files {
            try "\(name)\n".write(toFile: dir + "/" + name, atomically: false, encoding: .utf8)
            #expect(chown(dir + "/" + name, owner, owner) == 0)
        }
        return dir
    }

    func owner(_ path: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return "\(attributes[.ownerAccountID] ?? "?"):\(attributes[.groupOwnerAccountID] ?? "?")"
    }

    func run(_ bundle: TestBundle, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let result = try bundle.run()
        #expect(result.status == 0, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        bundle.expectNothingLeft(sourceLocation: sourceLocation)
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test("the mount's own mappings, with and without the idmap option; writes map back")
    func mountMappings() throws {
        let dir = try hostDirectory(["by1000": 1000, "byroot": 0])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Root in the container writes through /a, where the directory must be its own.
        #expect(chown(dir, 1000, 1000) == 0)
        let bundle = try TestBundle(args: ["sh", "-c", "stat -c %u:%g /a/by1000 /b/byroot /b/by1000; touch /b/x 2>/dev/null || echo b-ro; touch /a/new"])
        // On-disk 1000 appears as 0 (mappings alone make an idmapped mount, as with runc).
        let toRoot = [LinuxIDMapping(containerID: 1000, hostID: 0, size: 1)]
        bundle.spec.mounts?.append(Mount(destination: "/a", type: "bind", source: dir, options: ["bind"], uidMappings: toRoot, gidMappings: toRoot))
        // On-disk 0 appears as 1000; what the mapping does not cover is the overflow id.
        let from = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        bundle.spec.mounts?.append(Mount(destination: "/b", type: "bind", source: dir, options: ["bind", "idmap", "ro"], uidMappings: from, gidMappings: from))
        #expect(try run(bundle) == ["0:0", "1000:1000", "65534:65534", "b-ro"])
        // The host's files keep their owners; root's new file is owned by 1000 on disk.
        #expect(try owner(dir + "/by1000") == "1000:1000")
        #expect(try owner(dir + "/byroot") == "0:0")
        #expect(try owner(dir + "/new") == "1000:1000")
    }

    @Test("with a user namespace, bind sources its root cannot reach (under a 0700 host directory) are mounted all the same, run and exec")
    func inaccessibleBindSources() throws {
        var sources: [String] = []
        for n in 1...2 {
            let parent = try Scratch.directory("inaccessible")
            try FileManager.default.createDirectory(atPath: parent + "/dir", withIntermediateDirectories: false)
            FileManager.default.createFile(atPath: parent + "/dir/foo\(n).txt", contents: nil)
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: parent)
            sources.append(parent)
        }
        defer { for parent in sources { try? FileManager.default.removeItem(atPath: parent) } }
        let bundle = try TestBundle(args: ["sleep", "600"])
        bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        chownTree(bundle.rootfs, to: 100000)
        for (n, parent) in sources.enumerated() {
            bundle.spec.mounts?.append(Mount(destination: "/tmp/mount-\(n + 1)", type: "bind", source: parent + "/dir", options: ["bind"]))
        }
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        let exec = try bundle.hako(["exec", bundle.id, "ls", "/tmp/mount-1/foo1.txt", "/tmp/mount-2/foo2.txt"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout == "/tmp/mount-1/foo1.txt\n/tmp/mount-2/foo2.txt\n")
    }

    @Test("a bind whose source is part of the tree earlier mounts built (runc's mount-order test), with the rootfs's host path as destination",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func mountOrder(userNamespace: Bool, idmap: Bool) throws {
        let bundle = try TestBundle(args: ["cat", "/final/x/y/z/z/x/y/z/x/file"])
        let sources = bundle.path + "/bind-src"
        for sub in ["a/x", "b/y", "c/z"] {
            try FileManager.default.createDirectory(atPath: "\(sources)/\(sub)", withIntermediateDirectories: true)
            try "\(sub)\n".write(toFile: "\(sources)/\(sub)/file", atomically: false, encoding: .utf8)
            let top = String(sub.prefix(1))
            try FileManager.default.createSymbolicLink(atPath: "\(sources)/sym-\(top)", withDestinationPath: top)
        }
        chmod(sources, 0o750)
        for dir in ["mnt", "final"] { try FileManager.default.createDirectory(atPath: bundle.rootfs + "/" + dir, withIntermediateDirectories: true) }
        if userNamespace {
            bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
            bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
            bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
            chownTree(bundle.rootfs, to: 100000)
        }
        let rootfs = bundle.rootfs
        let inTree = idmap ? ["rbind", "idmap", "rprivate"] : ["rbind", "rprivate"]
        func bind(_ source: String, _ destination: String, _ options: [String] = ["bind", "rprivate"]) -> Mount {
            var mount = Mount(destination: destination, type: "bind", source: source, options: options)
            if idmap && options.contains("idmap") {
                mount.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
                mount.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
            }
            return mount
        }
        bundle.spec.mounts? += [
            bind(sources + "/a", "/mnt"), bind(sources + "/sym-b", "/mnt/x"), bind(sources + "/c", "/mnt/x/y"), bind(sources + "/sym-a", "/mnt/x/y/z"),
            bind(rootfs + "/mnt/x", rootfs + "/mnt/x/y/z/x", inTree), bind(rootfs + "/mnt/x/y", rootfs + "/mnt/x/y/z", inTree),
            bind(rootfs + "/mnt", rootfs + "/final", inTree),
        ]
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "a/x\n")
        bundle.expectNothingLeft()
        // Nothing was made at the rootfs's host path inside the rootfs.
        #expect(!FileManager.default.fileExists(atPath: rootfs + rootfs))
    }

    @Test("idmap without mappings uses the container's user namespace mappings")
    func containerMappings() throws {
        let dir = try hostDirectory(["byroot": 0, "by100000": 100000])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bundle = try TestBundle(args: ["sh", "-c", "stat -c %u:%g /idmapped/byroot /plain/byroot /plain/by100000; touch /idmapped/new && echo wrote"])
        bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        chownTree(bundle.rootfs, to: 100000)
        bundle.spec.mounts?.append(Mount(destination: "/idmapped", type: "bind", source: dir, options: ["bind", "idmap"]))
        bundle.spec.mounts?.append(Mount(destination: "/plain", type: "bind", source: dir, options: ["bind"]))
        // Through the idmapped mount the image's root-owned files are root's; a plain bind
        // shows them as the overflow id, and shows 100000's files as root's instead.
        #expect(try run(bundle) == ["0:0", "65534:65534", "0:0", "wrote"])
        #expect(try owner(dir + "/byroot") == "0:0")
        #expect(try owner(dir + "/by100000") == "100000:100000")
        #expect(try owner(dir + "/new") == "0:0")
    }

    @Test("idmap without mappings in a joined user namespace uses that namespace's mappings")
    func joinedUserNamespace() throws {
        let dir = try hostDirectory(["byroot": 0])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try TestBundle(args: ["sleep", "100"])
        first.spec.linux?.namespaces?.append(LinuxNamespace(type: "user"))
        first.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        first.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
        chownTree(first.rootfs, to: 100000)
        #expect(try first.run(["--detach"]).status == 0)
        let pid = try #require((try first.state())?["pid"] as? Int)
        let second = try TestBundle(args: ["stat", "-c", "%u:%g", "/idmapped/byroot"])
        second.spec.linux?.namespaces = ["pid", "mount", "ipc", "uts"].map { LinuxNamespace(type: $0) }
            + [LinuxNamespace(type: "user", path: "/proc/\(pid)/ns/user"), LinuxNamespace(type: "network", path: "/proc/\(pid)/ns/net")]
        chownTree(second.rootfs, to: 100000)
        second.spec.mounts?.append(Mount(destination: "/idmapped", type: "bind", source: dir, options: ["bind", "idmap"]))
        #expect(try run(second) == ["0:0"])
        #expect(try first.hako(["delete", "--force", first.id]).status == 0)
        first.expectNothingLeft()
    }

    @Test("ridmap idmaps a submount too; idmap only the mount itself")
    func recursive() throws {
        let dir = try hostDirectory(["top": 0])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sub = dir + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        // A tmpfs submount (tmpfs supports idmapped mounts since Linux 6.3).
        try #require(mount("tmpfs", sub, "tmpfs", 0, "mode=755") == 0, "mount tmpfs: \(errno)")
        defer { umount2(sub, Int32(MNT_DETACH)) }
        try "inner\n".write(toFile: sub + "/inner", atomically: false, encoding: .utf8)
        let bundle = try TestBundle(args: ["sh", "-c", "stat -c %u:%g /r/top /r/sub/inner /i/top /i/sub/inner"])
        let map = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        bundle.spec.mounts?.append(Mount(destination: "/r", type: "bind", source: dir, options: ["rbind", "ridmap"], uidMappings: map, gidMappings: map))
        bundle.spec.mounts?.append(Mount(destination: "/i", type: "bind", source: dir, options: ["rbind", "idmap"], uidMappings: map, gidMappings: map))
        #expect(try run(bundle) == ["1000:1000", "1000:1000", "1000:1000", "0:0"])
        #expect(try owner(sub + "/inner") == "0:0")
    }

    @Test("refused at create, naming the field, leaving nothing", arguments: [
        ("tmpfs", ["idmap"], true, "mounts[N].options: idmap needs a bind mount"),
        ("bind", ["bind", "idmap"], false, "mounts[N].uidMappings: idmap needs the mount's uidMappings and gidMappings"),
        ("bind", ["bind", "ridmap"], false, "mounts[N].uidMappings: ridmap needs"),
    ])
    func refused(type: String, options: [String], withMappings: Bool, message: String) throws {
        let dir = try hostDirectory([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bundle = try TestBundle(args: ["true"])
        let map = withMappings ? [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)] : nil
        let index = bundle.spec.mounts?.count ?? 0
        bundle.spec.mounts?.append(Mount(destination: "/x", type: type, source: type == "bind" ? dir : "tmpfs", options: options, uidMappings: map, gidMappings: map))
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains(message.replacingOccurrences(of: "[N]", with: "[\(index)]")), "stderr: \(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a mapping the kernel refuses fails create with the step and errno, leaving nothing")
    func kernelRefusal() throws {
        let dir = try hostDirectory([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bundle = try TestBundle(args: ["true"])
        // Overlapping ranges: writing uid_map fails with EINVAL.
        let overlapping = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 10), LinuxIDMapping(containerID: 5, hostID: 2000, size: 10)]
        let index = bundle.spec.mounts?.count ?? 0
        bundle.spec.mounts?.append(Mount(destination: "/x", type: "bind", source: dir, options: ["bind"], uidMappings: overlapping, gidMappings: overlapping))
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("mounts[\(index)] (/x): making a user namespace"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("uid_map: Invalid argument"), "stderr: \(result.stderr)")
        bundle.expectNothingLeft()
    }
}
