import Foundation
import LinuxSys
import OCISpec
import Testing

@Suite("spec, features, version")
struct CommandTests {
    @Test("spec writes a valid default config.json and refuses to overwrite one")
    func spec() throws {
        let dir = try Scratch.directory("spec")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try Runner.run(["spec", "--bundle", dir])
        #expect(first.status == 0, "\(first.stderr)")
        let spec = try Spec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))))
        try spec.validate()
        #expect(spec.process?.args == ["sh"])
        #expect(spec.root?.path == "rootfs")
        let second = try Runner.run(["spec", "--bundle", dir])
        #expect(second.status != 0)
        #expect(second.stderr.contains("exists"))
    }

    @Test("spec --rootless maps the caller's ids in a user namespace")
    func rootlessSpec() throws {
        let dir = try Scratch.directory("spec")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Runner.run(["spec", "--rootless", "-b", dir]).status == 0)
        let spec = try Spec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))))
        #expect(spec.linux?.namespaces?.contains { $0.type == "user" } == true)
        #expect(spec.linux?.uidMappings?.first?.hostID == getuid())
        #expect(spec.linux?.resources == nil)
    }

    @Test("features reports the namespaces, hooks and mount options hako carries out")
    func features() throws {
        let result = try Runner.run(["features"])
        #expect(result.status == 0)
        let features = try Features.decode(Array(result.stdout.utf8))
        #expect(features.ociVersionMax == "1.2.0")
        // The wasm handler, listed as crun lists its handlers.
        #expect(features.annotations?["run.oci.handler"] == "wasm")
        #expect(features.annotations?["io.hako.checkpoint.enabled"] == "true")
        #expect(Set(features.linux?.namespaces ?? []) == ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"])
        #expect(features.hooks?.count == 6)
        #expect(features.mountOptions?.contains("rbind") == true)
        #expect(features.mountOptions?.contains("tmpcopyup") == true)
        #expect(features.mountOptions?.contains("idmap") == true)
        #expect(features.mountOptions?.contains("ridmap") == true)
        #expect(features.linux?.mountExtensions?.idmap?.enabled == true)
        #expect(features.linux?.netDevices?.enabled == true)
        #expect(features.linux?.seccomp?.enabled == true)
        #expect(features.linux?.seccomp?.actions?.contains("SCMP_ACT_NOTIFY") == true)
        #expect(features.linux?.capabilities?.contains("CAP_SYS_ADMIN") == true)
        #expect(features.linux?.cgroup?.v1 == true && features.linux?.cgroup?.v2 == true && features.linux?.cgroup?.systemd == true)
    }

    @Test("info reports the kernel, cgroup mode and namespaces")
    func info() throws {
        let json = try Runner.run(["info", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let kernel = try #require(object["kernel"] as? [String: String])
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: names.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        #expect(kernel["release"] == release)
        #expect((object["namespaces"] as? [String])?.contains("pid") == true)
        let hybrid = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory") && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified")
        if hybrid { #expect((object["cgroup"] as? [String: Any])?["mode"] as? String == "hybrid") }
        #expect((object["architecture"] as? String) == withUnsafeBytes(of: names.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) })
        let os = try #require(object["os"] as? [String: String])
        #expect(os["name"]?.isEmpty == false)
        let cpu = try #require(object["cpu"] as? [String: Any])
        #expect((cpu["count"] as? Int ?? 0) == sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #expect((cpu["model"] as? String)?.isEmpty == false)
        #expect((object["memoryBytes"] as? Int ?? 0) > 64 << 20)
        let controllers = try #require(object["containerControllers"] as? [String])
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes") || hybrid {
            #expect(controllers.contains("memory") && controllers.contains("pids"), "\(controllers)")
        }
        #expect(!controllers.contains { $0.hasPrefix("name=") })
        #expect((object["libseccomp"] as? String)?.wholeMatch(of: try Regex(#"\d+\.\d+\.\d+"#)) != nil)
        let criu = try #require(object["criu"] as? [String: Any])
        if let path = criu["path"] as? String { #expect(FileManager.default.isExecutableFile(atPath: path)) }
        // Debian's criu fails `criu check` on this host's kernel; where it passes, both say so.
        let works = (try? Processes.combinedOutput(of: "criu", ["check"]).status == .exited(0)) ?? false
        #expect(object["checkpointRestore"] as? Bool == works)
        #expect((criu["checkFailure"] as? String != nil) == (criu["path"] != nil && !works), "\(criu)")
        #expect(object["wasm"] as? Bool == true)
        let text = try Runner.run(["info"])
        for label in ["hako:", "os:", "architecture:", "cpu:", "memory:", "kernel:", "cgroups:", "libseccomp:", "criu:", "checkpoint:", "wasm:"] {
            #expect(text.stdout.contains("\n\(label) ") || text.stdout.hasPrefix("\(label) "), "\(label) missing: \(text.stdout)")
        }
    }

    @Test("state, list --format json and events print runc's keys in runc's order")
    func runcKeyOrder() throws {
        let bundle = try TestBundle(args: ["sleep", "600"])
        bundle.spec.annotations = ["org.example/b": "2", "org.example/a": "1"]
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        func keys(_ text: Substring) -> [String] {
            // Top-level keys in the order they appear (the values hold no quotes here).
            let pattern = try! Regex(#"\"([A-Za-z]+)\":"#)
            return text.matches(of: pattern).map { String(text[$0.range].dropFirst().dropLast(2)) }
        }
        let order = ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"]
        let state = try bundle.hako(["state", bundle.id]).stdout
        #expect(keys(state[...]) == order, "\(state)")
        #expect(state.hasPrefix("{\n  \"ociVersion\": \""), "Go's indentation: \(state)")
        let list = try bundle.hako(["list", "--format", "json"]).stdout
        #expect(keys(list[...]) == order, "\(list)")
        #expect(list.split(separator: "\n").count == 1)
        let event = try bundle.hako(["events", "--stats", bundle.id]).stdout
        #expect(event.hasPrefix("{\"type\":\"stats\",\"id\":\"\(bundle.id)\",\"data\":{"), "\(event.prefix(80))")
    }

    @Test("update takes -1 (unlimited) for the limits runc takes it for")
    func updateMinusOne() throws {
        let bundle = try TestBundle(args: ["sleep", "600"])
        bundle.spec.linux?.resources = LinuxResources(memory: LinuxMemory(limit: 64 << 20, swap: 128 << 20), pids: LinuxPids(limit: 20))
        #expect(try bundle.run(["--detach"]).status == 0)
        defer { bundle.deleteExpectingNothingLeft() }
        let update = try bundle.hako(["update", "--memory-swap", "-1", "--memory", "-1", "--pids-limit", "-1", "--cpu-quota", "-1", bundle.id])
        #expect(update.status == 0, "\(update.stderr)")
        let pidsMax = try String(contentsOfFile: "/sys/fs/cgroup/pids/\(bundle.id)/pids.max", encoding: .utf8)
        #expect(pidsMax == "max\n")
        let memory = try String(contentsOfFile: "/sys/fs/cgroup/memory/\(bundle.id)/memory.limit_in_bytes", encoding: .utf8)
        #expect(UInt64(memory.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 1 << 40, "\(memory)")
        // --memory -1 alone takes the swap limit along (the kernel refuses memory above
        // memory+swap); runc's --cpu-share is taken too.
        #expect(try bundle.hako(["update", "--memory", "64M", "--memory-swap", "96M", bundle.id]).status == 0)
        let unlimited = try bundle.hako(["update", "--memory", "-1", "--cpu-share", "200", bundle.id])
        #expect(unlimited.status == 0, "\(unlimited.stderr)")
        let shares = try String(contentsOfFile: "/sys/fs/cgroup/cpu/\(bundle.id)/cpu.shares", encoding: .utf8)
        #expect(shares == "200\n")
    }

    @Test("a usage error: one line naming the mistake, the usage, status 1, and the --log file in runc's format")
    func usageError() throws {
        let dir = try Scratch.directory("usage")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Runner.run(["--log", dir + "/log.json", "--log-format", "json", "update", "--blkio-weight", "70000", "c1"])
        #expect(result.status == 1)
        #expect(result.stderr == """
            hako: update: --blkio-weight "70000": expected a whole number from 0 to 65535
            Usage: hako update [options] <container-id>
            Run 'hako update --help' for its options.

            """, "\(result.stderr)")
        let log = try String(contentsOfFile: dir + "/log.json", encoding: .utf8)
        #expect(log.hasPrefix("{\"level\":\"error\",\"msg\":\"update: --blkio-weight \\\"70000\\\": expected"), "\(log)")
        // Nothing is written anywhere without --log; an unknown command has no usage line.
        let unknown = try Runner.run(["--root", dir + "/state", "bogus", "x"])
        #expect(unknown.status == 1 && unknown.stderr == "hako: unknown command \"bogus\" (No help topic for 'bogus')\n", "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/state"))
    }

    @Test("-v and --version after global options, as harnesses that put --root first call them")
    func versionAfterGlobals() throws {
        for arguments in [["--root", "/tmp/x", "-v"], ["--root=/tmp/x", "--debug", "--version"]] {
            let result = try Runner.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.hasPrefix("hako version "), "\(result.stdout)")
        }
        #expect(try Runner.run(["--no-such-flag", "-v"]).status != 0)
        // An unknown command with -h is an error, not the top-level help (runc's "No help topic").
        let unknown = try Runner.run(["foo", "-h"])
        #expect(unknown.status == 1 && unknown.stderr == "hako: unknown command \"foo\" (No help topic for 'foo')\n", "\(unknown.stderr)")
    }

    @Test("--version in runc's layout: version, commit, spec, libseccomp")
    func version() throws {
        let result = try Runner.run(["--version"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("hako version ") == true)
        #expect(lines.dropFirst().first?.wholeMatch(of: try Regex(#"commit: (unknown|[0-9a-f]{7,40}(-dirty)?)"#)) != nil, "\(lines)")
        #expect(lines.dropFirst(2).first == "spec: 1.2.0")
        #expect(lines.dropFirst(3).first?.wholeMatch(of: try Regex(#"libseccomp: \d+\.\d+\.\d+"#)) != nil, "\(lines)")
        // The same text whichever way it is asked for: the fast path and the parser's.
        #expect(try Runner.run(["-v"]).stdout == result.stdout)
        #expect(try Runner.run(["--root", "/tmp/x", "--version"]).stdout == result.stdout)
    }

    @Test("every command's help has an example line")
    func helpExamples() throws {
        for command in ["create", "start", "state", "kill", "delete", "run", "exec", "pause", "resume", "ps", "events",
                        "update", "info", "list", "spec", "features"] {
            let help = try Runner.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Example: hako \(command)"), "\(command): \(help.stdout)")
        }
    }
}

@Suite("keyring and propagation", .enabled(if: Runner.isRoot, "needs root"))
struct KeyringTests {
    @Test("the container joins a session keyring named after it, unless --no-new-keyring")
    func sessionKeyring() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep -c _ses.$ID /proc/keys || true"])
        bundle.spec.linux?.maskedPaths?.removeAll { $0 == "/proc/keys" }
        bundle.spec.process?.env?.append("ID=\(bundle.id)")
        #expect(try bundle.run().stdout == "1\n")
        let without = try TestBundle(args: ["sh", "-c", "grep -c _ses.$ID /proc/keys || true"])
        without.spec.linux?.maskedPaths?.removeAll { $0 == "/proc/keys" }
        without.spec.process?.env?.append("ID=\(without.id)")
        #expect(try without.run(["--no-new-keyring"]).stdout == "0\n")
    }

    @Test("rootfsPropagation unbindable and runbindable: the container starts and its / is unbindable", arguments: ["unbindable", "runbindable"])
    func rootfsUnbindable(propagation: String) throws {
        let bundle = try TestBundle(args: ["sh", "-c", "awk '$5 == \"/\"' /proc/self/mountinfo"])
        bundle.spec.linux?.rootfsPropagation = propagation
        let result = try bundle.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("unbindable"), "\(result.stdout)")
        bundle.expectNothingLeft()
    }

    @Test("rootfsPropagation private: mounts made in the container stay in it")
    func rootfsPropagation() throws {
        let bundle = try TestBundle(args: ["sh", "-c", "grep ' / ' /proc/self/mountinfo | grep -c shared: || true"])
        bundle.spec.linux?.rootfsPropagation = "private"
        #expect(try bundle.run().stdout == "0\n")
        let bad = try TestBundle(args: ["true"])
        bad.spec.linux?.rootfsPropagation = "sideways"
        let result = try bad.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("rootfsPropagation"))
        bad.expectNothingLeft()
    }
}
