import ArgumentParser
import Foundation
@testable import hako
import Testing

/// The hand parser of the hot commands must take exactly what swift-argument-parser takes,
/// with the same values, and leave everything else to it.
@Suite("command line: the hand parser of engine commands")
struct FastCommandLineTests {
    /// What swift-argument-parser makes of a line, in the hand parser's terms.
    func reference(_ arguments: [String]) throws -> FastCommandLine.Parsed {
        let command = try Hako.parseAsRoot(arguments)
        func globals(_ g: GlobalOptions) -> Globals { g.values }
        func create(_ a: CreateArguments) -> (Set<String>, [String: String]) {
            var flags: Set<String> = []
            if a.noPivot { flags.insert("no-pivot") }
            if a.noNewKeyring { flags.insert("no-new-keyring") }
            var options = ["bundle": a.bundle, "preserve-fds": String(a.preserveFds)]
            options["console-socket"] = a.consoleSocket
            options["pid-file"] = a.pidFile
            return (flags, options)
        }
        switch command {
        case let c as StateCommand: return .init(command: "state", globals: globals(c.global), positionals: [c.id])
        case let c as Start: return .init(command: "start", globals: globals(c.global), positionals: [c.id])
        case let c as Pause: return .init(command: "pause", globals: globals(c.global), positionals: [c.id])
        case let c as Resume: return .init(command: "resume", globals: globals(c.global), positionals: [c.id])
        case let c as Kill: return .init(command: "kill", globals: globals(c.global), flags: c.all ? ["all"] : [], positionals: [c.id, c.signal])
        case let c as Delete: return .init(command: "delete", globals: globals(c.global), flags: c.force ? ["force"] : [], positionals: [c.id])
        case let c as Create:
            let (flags, options) = create(c.arguments)
            return .init(command: "create", globals: globals(c.global), flags: flags, options: options, positionals: [c.arguments.id])
        case let c as Exec:
            let r = c.request
            guard r.env.isEmpty, r.additionalGids.isEmpty, r.caps.isEmpty, r.cgroup.isEmpty else {
                throw CancellationError()
            }
            var flags: Set<String> = []
            if r.tty { flags.insert("tty") }
            if r.detach { flags.insert("detach") }
            if r.noNewPrivs { flags.insert("no-new-privs") }
            if r.ignorePaused { flags.insert("ignore-paused") }
            var options = ["preserve-fds": String(r.preserveFds)]
            options["process"] = r.process
            options["console-socket"] = r.consoleSocket
            options["pid-file"] = r.pidFile
            options["cwd"] = r.cwd
            options["user"] = r.user
            options["apparmor"] = r.apparmor
            options["process-label"] = r.processLabel
            return .init(command: "exec", globals: globals(c.global), flags: flags, options: options, positionals: [r.id],
                         passthrough: r.command)
        case let c as List:
            return .init(command: "list", globals: globals(c.global), flags: c.quiet ? ["quiet"] : [],
                         options: ["format": c.format.rawValue])
        case let c as Run:
            var (flags, options) = create(c.arguments)
            if c.detach { flags.insert("detach") }
            if c.keep { flags.insert("keep") }
            return .init(command: "run", globals: globals(c.global), flags: flags, options: options, positionals: [c.arguments.id])
        default:
            throw CancellationError()
        }
    }

    /// The hand parser's result with the defaults filled in as the commands fill them.
    func normalised(_ line: FastCommandLine.Parsed) -> FastCommandLine.Parsed {
        var line = line
        if line.command == "kill" && line.positionals.count == 1 { line.positionals.append("SIGTERM") }
        if line.command == "list" { line.options["format"] = line.options["format"] ?? "table" }
        if line.command == "exec" {
            line.options["preserve-fds"] = String(line.options["preserve-fds"].flatMap { Int($0) } ?? 0)
        }
        if line.command == "create" || line.command == "run" {
            line.options["bundle"] = line.options["bundle"] ?? "."
            line.options["preserve-fds"] = String(line.options["preserve-fds"].flatMap { Int($0) } ?? 0)
        }
        return line
    }

    @Test("lines engines send are taken, with the values swift-argument-parser finds", arguments: [
        ["state", "c1"],
        ["--root", "/run/x", "state", "c1"],
        ["--root=/r", "--log", "/l", "--log-format=json", "--debug", "start", "c1"],
        ["--log-format", "json", "--log", "/l", "--root", "/r", "kill", "c1", "9"],
        ["--root", "/r", "kill", "--all", "c1", "SIGKILL"],
        ["kill", "c1", "KILL", "-a", "--root", "/r"],
        ["--root", "/r", "delete", "--force", "c1"],
        ["delete", "-f", "c1"],
        ["--systemd-cgroup", "--root", "/r", "create", "--bundle", "/b", "--pid-file", "/p", "c1"],
        ["create", "-b", "/b", "--console-socket", "/s", "--no-pivot", "--no-new-keyring", "--preserve-fds", "2", "c1"],
        ["create", "--bundle=/b", "--preserve-fds=3", "c1"],
        ["run", "-d", "--bundle", "/b", "c1"],
        ["run", "--keep", "-b", "/b", "c1", "--root", "/r"],
        ["pause", "c1"], ["resume", "--root", "/r", "c1"],
        // containerd's shim and conmon
        ["--root", "/r", "--log", "/l", "--log-format", "json", "exec", "--process", "/p.json", "--detach", "--pid-file", "/pid", "c1"],
        ["--log-format=json", "--log", "/l", "exec", "--pid-file", "/pid", "--process", "/p.json", "--detach", "--tty",
         "--console-socket", "/s", "--preserve-fds", "1", "c1"],
        ["exec", "-p", "/p.json", "-d", "-t", "--cwd", "/tmp", "-u", "1:2", "--no-new-privs", "--ignore-paused", "c1"],
        ["exec", "--apparmor", "x", "--process-label", "y", "c1"],
        // healthchecks and probes
        ["exec", "c1", "ls"], ["exec", "c1", "sh", "-c", "echo"], ["--root", "/r", "exec", "-d", "c1", "ls", "--root", "/x", "-t"],
        ["list"], ["--root", "/r", "list", "--format", "json"], ["list", "-q"], ["list", "-f", "table", "--quiet"],
    ])
    func agrees(arguments: [String]) throws {
        let fast = try #require(FastCommandLine.parse(arguments))
        #expect(normalised(fast) == (try reference(arguments)))
    }

    @Test("anything else is left to swift-argument-parser", arguments: [
        [], ["state"], ["state", "a", "b"], ["state", "--help"], ["-h"], ["--version"], ["help", "state"],
        ["kill", "c1", "9", "extra"], ["kill", "-9", "c1"], ["delete", "-fx", "c1"], ["delete", "--force", "--force", "c1"],
        ["create", "--bundle", "c1"], ["create", "--preserve-fds", "x", "c1"], ["create", "--bogus", "c1"],
        ["--log-format", "xml", "state", "c1"], ["--root", "/a", "--root", "/b", "state", "c1"], ["--root"],
        ["--bundle", "/b", "create", "c1"], ["state", "--", "c1"], ["run", "-b=/b", "c1"],
        ["--debug=yes", "state", "c1"], ["list", "c1"], ["list", "--format", "yaml"], ["list", "-q", "-q"],
        ["exec", "c1", "--", "ls"], ["exec", "-e", "A=B", "c1", "ls"], ["exec", "--env", "A=B", "c1"],
        ["exec", "--cap", "CAP_X", "c1"], ["exec", "-g", "5", "c1"], ["exec", "--cgroup", "x", "c1"], ["exec", "--help"],
        ["exec", "c1", "--tty"], ["exec", "c1", "--root", "/r"],
    ])
    func declines(arguments: [String]) {
        #expect(FastCommandLine.parse(arguments) == nil)
    }
}
