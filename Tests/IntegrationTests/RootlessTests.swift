import Foundation
import OCISpec
import Testing

/// hako run by an unprivileged user (setpriv drops root for it): the container gets a user
/// namespace in which that user is root, as `hako spec --rootless` writes it.
@Suite("rootless", .serialized,
       .enabled(if: Runner.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs root (to become another user) and setpriv"))
struct RootlessTests {
    /// An id no account of the machine uses.
    static let user: UInt32 = 47_301

    /// A bundle for `user`, with its state root owned by that user.
    func makeBundle(_ args: [String]) throws -> TestBundle {
        let bundle = try TestBundle(args: args, tag: "rl")
        let marker = bundle.spec.process?.env?.last
        bundle.spec = Spec.defaultSpec(rootless: true, hostUID: Self.user, hostGID: Self.user)
        bundle.spec.process?.terminal = false
        bundle.spec.process?.args = args
        if let marker { bundle.spec.process?.env?.append(marker) }
        try bundle.writeConfig()
        try chown(bundle.root)
        return bundle
    }

    func chown(_ path: String) throws {
        try FileManager.default.setAttributes([.ownerAccountID: Int(Self.user), .groupOwnerAccountID: Int(Self.user)], ofItemAtPath: path)
    }

    /// hako as `user`, with no capabilities and no supplementary groups; `prefix` runs
    /// before it, as root (e.g. mounts in a private mount namespace).
    func hako(_ bundle: TestBundle, _ arguments: [String], prefix: String? = nil) throws -> Runner.Result {
        var command = ["setpriv", "--reuid=\(Self.user)", "--regid=\(Self.user)", "--clear-groups", "--",
                       Runner.binary, "--root", bundle.root] + arguments
        if let prefix {
            let quoted = command.map { "'" + $0 + "'" }.joined(separator: " ")
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", prefix + " && exec " + quoted]
        }
        return try Runner.run(Array(command.dropFirst()), executable: "/usr/bin/" + command[0])
    }

    @Test("run: root inside is the user outside, with its own namespaces, and nothing is left")
    func run() throws {
        let bundle = try makeBundle(["sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map; hostname; echo ok > /dev/shm/f && cat /dev/shm/f"])
        bundle.spec.hostname = "rootless"
        try bundle.writeConfig()
        let result = try hako(bundle, ["run", "--bundle", bundle.path, bundle.id])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines == ["0", "0 \(Self.user) 1", "0 \(Self.user) 1", "rootless", "ok"], "\(result.stdout)")
        bundle.expectNothingLeft()
    }

    @Test("create, exec, kill, delete as the user; the container's processes run as that user on the host")
    func lifecycle() throws {
        let bundle = try makeBundle(["sleep", "100"])
        #expect(try hako(bundle, ["create", "--bundle", bundle.path, bundle.id]).status == 0)
        #expect(try hako(bundle, ["start", bundle.id]).status == 0)
        let state = try hako(bundle, ["state", bundle.id])
        let json = try JSONSerialization.jsonObject(with: Data(state.stdout.utf8)) as? [String: Any]
        let pid = try #require(json?["pid"] as? Int)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        #expect(status.contains("Uid:\t\(Self.user)\t\(Self.user)\t\(Self.user)\t\(Self.user)"), "\(status)")
        let exec = try hako(bundle, ["exec", bundle.id, "sh", "-c", "id -u; cat /proc/self/uid_map"])
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout.split(separator: "\n").first == "0")
        #expect(try hako(bundle, ["kill", bundle.id, "KILL"]).status == 0)
        try eventually { try hako(bundle, ["state", bundle.id]).stdout.contains("\"stopped\"") }
        #expect(try hako(bundle, ["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("several id ranges go through newuidmap/newgidmap, from the user's /etc/subuid and /etc/subgid",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/newuidmap"), "needs newuidmap (Debian's uidmap)"))
    func subordinateRanges() throws {
        // uid 1000 inside exists only through the subordinate range.
        let bundle = try makeBundle(["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; touch /dev/shm/x && stat -c %u:%g /dev/shm/x"])
        bundle.spec.process?.user = User(uid: 1000, gid: 1000)
        bundle.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: Self.user, size: 1),
                                          LinuxIDMapping(containerID: 1, hostID: 300_000, size: 65536)]
        bundle.spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: Self.user, size: 1),
                                          LinuxIDMapping(containerID: 1, hostID: 300_000, size: 65536)]
        try bundle.writeConfig()
        // The user and its ranges exist only in this test's own mount namespace.
        let etc = try Scratch.directory("etc")
        defer { try? FileManager.default.removeItem(atPath: etc) }
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8) + "hakotest:x:\(Self.user):\(Self.user)::/nonexistent:/bin/false\n"
        try passwd.write(toFile: etc + "/passwd", atomically: true, encoding: .utf8)
        try "hakotest:300000:65536\n".write(toFile: etc + "/subuid", atomically: true, encoding: .utf8)
        try "hakotest:300000:65536\n".write(toFile: etc + "/subgid", atomically: true, encoding: .utf8)
        let binds = ["passwd", "subuid", "subgid"].map { "mount --bind \(etc)/\($0) /etc/\($0)" }.joined(separator: " && ")

        let result = try hako(bundle, ["run", "--bundle", bundle.path, bundle.id], prefix: binds)
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.prefix(4) == ["0 \(Self.user) 1", "1 300000 65536", "0 \(Self.user) 1", "1 300000 65536"], "\(result.stdout)")
        #expect(lines.last == "1000:1000", "the process runs as a mapped id: \(result.stdout) \(result.stderr)")
        bundle.expectNothingLeft()

        // A range the files do not grant: newuidmap's refusal, and nothing left.
        let denied = try makeBundle(["true"])
        denied.spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: Self.user, size: 1),
                                          LinuxIDMapping(containerID: 1, hostID: 400_000, size: 10)]
        try denied.writeConfig()
        let refused = try hako(denied, ["run", "--bundle", denied.path, denied.id], prefix: binds)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("linux.uidMappings: /usr/bin/newuidmap"), "\(refused.stderr)")
        denied.expectNothingLeft()
    }

    @Test("a limit needs a cgroup the user may not make: a clear error, and nothing left")
    func limitRefused() throws {
        let bundle = try makeBundle(["true"])
        bundle.spec.linux?.resources = LinuxResources(pids: LinuxPids(limit: 10))
        try bundle.writeConfig()
        let result = try hako(bundle, ["run", "--bundle", bundle.path, bundle.id])
        #expect(result.status != 0)
        #expect(result.stderr.contains("setting up the cgroup"), "\(result.stderr)")
        #expect(result.stderr.contains("ermission denied"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("as root of a user namespace its caller made, with none in the config (rootless podman's way): devices are bound, not made")
    func rootOfCallersUserNamespace() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "ls -l /dev/null /dev/zero; cat /proc/self/uid_map; echo ok"], tag: "rlns")
        bundle.spec = Spec.defaultSpec(rootless: true)
        bundle.spec.process?.terminal = false
        bundle.spec.process?.args = ["sh", "-c", "ls -l /dev/null /dev/zero; cat /proc/self/uid_map; echo x > /dev/null && echo ok"]
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "user" }
        bundle.spec.linux?.uidMappings = nil
        bundle.spec.linux?.gidMappings = nil
        try bundle.writeConfig()
        let result = try Runner.run(["--user", "--map-root-user", "--mount", Runner.binary, "--root", bundle.root, "run", "--bundle", bundle.path, bundle.id],
                                    executable: "/usr/bin/unshare")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        // The host's nodes bound in: character devices 1,3 and 1,5, in the caller's namespace.
        #expect(lines.first?.hasPrefix("crw") == true && lines.first?.contains("1,") == true, "\(result.stdout)")
        #expect(lines.contains { $0.split(separator: " ").joined(separator: " ") == "0 0 1" }, "\(result.stdout)")
        #expect(lines.last == "ok", "\(result.stdout)")
        bundle.expectNothingLeft()
    }

    @Test("without --root, a user's containers live in $XDG_RUNTIME_DIR/hako")
    func defaultRoot() throws {
        let bundle = try makeBundle(["sleep", "100"])
        let runtimeDir = try Scratch.directory("xdg")
        defer { try? FileManager.default.removeItem(atPath: runtimeDir) }
        try chown(runtimeDir)
        func hako(_ arguments: [String]) throws -> Runner.Result {
            try Runner.run(["--reuid=\(Self.user)", "--regid=\(Self.user)", "--clear-groups", "--",
                            "env", "XDG_RUNTIME_DIR=\(runtimeDir)", Runner.binary] + arguments, executable: "/usr/bin/setpriv")
        }
        let created = try hako(["create", "--bundle", bundle.path, bundle.id])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(FileManager.default.fileExists(atPath: runtimeDir + "/hako/" + bundle.id + "/state.json"))
        #expect(try hako(["list", "-q"]).stdout == bundle.id + "\n")
        #expect(try hako(["delete", "--force", bundle.id]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: runtimeDir + "/hako/" + bundle.id))
        bundle.expectNothingLeft()
    }
}
