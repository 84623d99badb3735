import Foundation
import OCISpec
import Testing

/// Each bad input gets a clear error naming what is wrong, a non-zero exit, and leaves
/// no state directory, process or mount behind.
@Suite("failures leave nothing behind", .enabled(if: Runner.isRoot, "needs root"))
struct FailureTests {
    func expectCreateFails(_ bundle: TestBundle, saying text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try bundle.create()
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("hako: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        bundle.expectNothingLeft(sourceLocation: sourceLocation)
    }

    @Test("config.json that is not JSON")
    func invalidJSON() throws {
        let bundle = try TestBundle(args: ["true"])
        try bundle.writeConfig()
        try "{\"ociVersion\": \"1.2.0\",".write(toFile: bundle.path + "/config.json", atomically: true, encoding: .utf8)
        let result = try bundle.hako(["create", "--bundle", bundle.path, bundle.id])
        #expect(result.status != 0)
        #expect(result.stderr.contains("config.json"))
        bundle.expectNothingLeft()
    }

    @Test("a bundle without config.json")
    func missingConfig() throws {
        let bundle = try TestBundle(args: ["true"])
        try FileManager.default.removeItem(atPath: bundle.path + "/config.json")
        let result = try bundle.hako(["create", "--bundle", bundle.path, bundle.id])
        #expect(result.status != 0)
        #expect(result.stderr.contains("config.json: No such file or directory"))
        bundle.expectNothingLeft()
    }

    @Test("an unknown namespace type names its JSON path")
    func unknownNamespace() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.namespaces?.append(LinuxNamespace(type: "foo"))
        let index = (bundle.spec.linux?.namespaces?.count ?? 1) - 1
        try expectCreateFails(bundle, saying: "linux.namespaces[\(index)].type: unknown namespace \"foo\"")
    }

    @Test("a missing rootfs")
    func missingRootfs() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.root?.path = "nope"
        try expectCreateFails(bundle, saying: "does not exist")
    }

    @Test("a program that is not in the rootfs fails create, not start")
    func missingBinary() throws {
        let bundle = try TestBundle(args: ["no-such-program"])
        try expectCreateFails(bundle, saying: "exec: \"no-such-program\": executable file not found in $PATH")
        let absolute = try TestBundle(args: ["/bin/nope"])
        try expectCreateFails(absolute, saying: "/bin/nope: No such file or directory")
    }

    @Test("a failing mount reports the mount and errno, and unwinds")
    func badMount() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.mounts?.append(Mount(destination: "/data", type: "bind", source: "/no/such/dir", options: ["rbind"]))
        try expectCreateFails(bundle, saying: "/data")
        let fs = try TestBundle(args: ["true"])
        fs.spec.mounts?.append(Mount(destination: "/x", type: "nosuchfs", source: "none"))
        try expectCreateFails(fs, saying: "mount nosuchfs")
    }

    @Test("a duplicate id is refused and the first container is untouched")
    func duplicateID() throws {
        let bundle = try TestBundle(args: ["sleep", "100"])
        #expect(try bundle.create().status == 0)
        let second = try bundle.create()
        #expect(second.status != 0)
        #expect(second.stderr.contains("container \"\(bundle.id)\" already exists"))
        #expect((try bundle.state())?["status"] as? String == "created")
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    @Test("an unknown id fails every command that takes one")
    func unknownID() throws {
        let bundle = try TestBundle(args: ["true"])
        for command in [["state"], ["start"], ["kill"], ["delete"]] {
            let result = try bundle.hako(command + ["nosuch"])
            #expect(result.status != 0, "\(command)")
            #expect(result.stderr.contains("container \"nosuch\" does not exist"), "\(command): \(result.stderr)")
        }
        #expect(try bundle.hako(["delete", "--force", "nosuch"]).status == 0)
    }

    @Test("ids that could escape the state root are refused", arguments: ["../evil", "a/b", "..", ".", "", "x y", String(repeating: "a", count: 1025)])
    func invalidIDs(id: String) throws {
        let bundle = try TestBundle(args: ["true"])
        let result = try bundle.hako(["create", "--bundle", bundle.path, id])
        #expect(result.status != 0)
        #expect(result.stderr.contains("invalid container id"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a terminal without --console-socket is refused")
    func terminalWithoutSocket() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.process?.terminal = true
        try expectCreateFails(bundle, saying: "process.terminal: a terminal needs --console-socket")
    }

    @Test("linux.intelRdt without resctrl on the host is refused, saying so")
    func unsupportedField() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.intelRdt = LinuxIntelRdt(closID: "x")
        if FileManager.default.fileExists(atPath: "/sys/fs/resctrl/schemata") { return }
        try expectCreateFails(bundle, saying: "linux.intelRdt: Intel RDT is not available on this host: resctrl is not mounted at /sys/fs/resctrl")
    }

    @Test("security labels this host cannot apply are errors that say so",
          .enabled(if: !FileManager.default.fileExists(atPath: "/sys/fs/selinux/enforce")
                   && (try? String(contentsOfFile: "/sys/module/apparmor/parameters/enabled", encoding: .utf8))?.hasPrefix("Y") != true))
    func labelsWithoutLSM() throws {
        let apparmor = try TestBundle(args: ["true"])
        apparmor.spec.process?.apparmorProfile = "docker-default"
        try expectCreateFails(apparmor, saying: "process.apparmorProfile: AppArmor is not enabled on this host")
        let selinux = try TestBundle(args: ["true"])
        selinux.spec.process?.selinuxLabel = "system_u:system_r:container_t:s0"
        try expectCreateFails(selinux, saying: "process.selinuxLabel: SELinux is not enabled on this host")
        let mountLabel = try TestBundle(args: ["true"])
        mountLabel.spec.linux?.mountLabel = "system_u:object_r:container_file_t:s0"
        try expectCreateFails(mountLabel, saying: "linux.mountLabel: SELinux is not enabled on this host")
        let running = try TestBundle(args: ["sleep", "100"])
        #expect(try running.run(["--detach"]).status == 0)
        let exec = try running.hako(["exec", "--apparmor", "docker-default", running.id, "true"])
        #expect(exec.status != 0)
        #expect(exec.stderr.contains("AppArmor is not enabled on this host"))
        let label = try running.hako(["exec", "--process-label", "x", running.id, "true"])
        #expect(label.stderr.contains("SELinux is not enabled on this host"))
        #expect(try running.hako(["delete", "--force", running.id]).status == 0)
    }

    @Test("a hostname without a uts namespace is refused")
    func hostnameWithoutUTS() throws {
        let bundle = try TestBundle(args: ["true"])
        bundle.spec.linux?.namespaces?.removeAll { $0.type == "uts" }
        try expectCreateFails(bundle, saying: "hostname")
    }

    @Test("a newer 1.x ociVersion is accepted, 2.0 is not")
    func versions() throws {
        let newer = try TestBundle(args: ["true"])
        newer.spec.ociVersion = "1.3.0"
        let ok = try newer.run()
        #expect(ok.status == 0, "\(ok.stderr)")
        let older = try TestBundle(args: ["true"])
        older.spec.ociVersion = "2.0.0"
        try expectCreateFails(older, saying: "ociVersion")
    }

    @Test("--log with --log-format json records the error as runc does")
    func jsonLog() throws {
        let bundle = try TestBundle(args: ["no-such-program"])
        try bundle.writeConfig()
        let log = try Scratch.directory("log") + "/hako.log"
        let result = try Runner.run(["--root", bundle.root, "--log", log, "--log-format", "json", "create", "--bundle", bundle.path, bundle.id])
        #expect(result.status != 0)
        let line = try #require(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "error")
        #expect(object["msg"]?.contains("executable file not found") == true)
        #expect(object["time"]?.hasSuffix("Z") == true)
        #expect(result.stderr.contains("hako: "))
        bundle.expectNothingLeft()
    }
}
