@testable import hako
import OCISpec
import Testing

/// hako's command-line parser, on the lines engines send and on what people type.
@Suite("command line: the parser")
struct CommandLineParserTests {
    func parse(_ arguments: [String]) throws -> ParsedCommand {
        let invocation = try CommandLineParser.parse(arguments)
        guard case .command(let line) = invocation else {
            Issue.record("\(arguments): not a command: \(invocation)")
            throw UsageError(message: "not a command")
        }
        return line
    }

    func usageError(_ arguments: [String]) -> UsageError? {
        do {
            _ = try CommandLineParser.parse(arguments)
            return nil
        } catch {
            return error
        }
    }

    @Test("lines containerd's shim, conmon, podman and probes send", arguments: [
        (["state", "c1"], "state", ["c1"], [], Globals()),
        (["--root", "/run/x", "state", "c1"], "state", ["c1"], [], Globals(root: "/run/x")),
        (["--root=/r", "--log", "/l", "--log-format=json", "--debug", "start", "c1"], "start", ["c1"], [],
         Globals(root: "/r", log: "/l", logFormat: .json, debug: true)),
        (["--log-format", "json", "--log", "/l", "--root", "/r", "kill", "c1", "9"], "kill", ["c1", "9"], [],
         Globals(root: "/r", log: "/l", logFormat: .json)),
        (["kill", "c1", "KILL", "-a", "--root", "/r"], "kill", ["c1", "KILL"], [], Globals(root: "/r")),
        (["--systemd-cgroup", "--root", "/r", "create", "--bundle", "/b", "--pid-file", "/p", "c1"], "create", ["c1"], [],
         Globals(root: "/r", systemdCgroup: true)),
        (["run", "--keep", "-b", "/b", "c1", "--root", "/r"], "run", ["c1"], [], Globals(root: "/r")),
        (["--root", "/r", "--log", "/l", "--log-format", "json", "exec", "--process", "/p.json", "--detach", "--pid-file", "/pid", "c1"],
         "exec", ["c1"], [], Globals(root: "/r", log: "/l", logFormat: .json)),
        (["exec", "c1", "sh", "-c", "echo"], "exec", ["c1"], ["sh", "-c", "echo"], Globals()),
        (["--root", "/r", "exec", "-d", "c1", "ls", "--root", "/x", "-t"], "exec", ["c1"], ["ls", "--root", "/x", "-t"], Globals(root: "/r")),
        (["exec", "c1", "--", "ls", "--"], "exec", ["c1"], ["ls", "--"], Globals()),
        (["exec", "c1", "--tty"], "exec", ["c1"], ["--tty"], Globals()),
        (["ps", "c1", "-o", "pid,comm"], "ps", ["c1"], ["-o", "pid,comm"], Globals()),
        (["state", "--", "-c1"], "state", ["-c1"], [], Globals()),
        (["--criu", "/opt/criu/bin/criu", "--root", "/r", "checkpoint", "--image-path", "/i", "c1"], "checkpoint", ["c1"], [],
         Globals(root: "/r", criu: "/opt/criu/bin/criu")),
        (["create", "--pidfd-socket", "/s", "--bundle", "/b", "c1"], "create", ["c1"], [], Globals()),
        (["--systemd-cgroup=false", "--debug=1", "list"], "list", [], [], Globals(debug: true)),
    ] as [([String], String, [String], [String], Globals)])
    func engineLines(arguments: [String], command: String, positionals: [String], passthrough: [String], globals: Globals) throws {
        let line = try parse(arguments)
        #expect(line.name == command)
        #expect(line.arguments == positionals)
        #expect(line.passthrough == passthrough)
        #expect(line.globals == globals)
    }

    @Test("create and run: every option runc has, and the defaults")
    func createOptions() throws {
        let options = CreateArguments.createOptions(try parse(["create", "-b", "/b", "--console-socket", "/s", "--pid-file", "/p", "--no-pivot",
                                                         "--no-new-keyring", "--preserve-fds", "2", "c"]))
        #expect(options.bundle == "/b" && options.consoleSocket == "/s" && options.pidFile == "/p")
        #expect(options.noPivot && options.noNewKeyring && options.preserveFds == 2 && options.id == "c")
        let defaults = CreateArguments.createOptions(try parse(["create", "c"]))
        #expect(defaults.bundle == "." && defaults.consoleSocket == nil && defaults.preserveFds == 0 && !defaults.noPivot)
        let run = try parse(["run", "-d", "--keep", "--bundle=/x", "--preserve-fds=3", "c"])
        #expect(run.flag("detach") && run.flag("keep") && CreateArguments.createOptions(run).bundle == "/x")
        #expect(CreateArguments.createOptions(run).preserveFds == 3)
        #expect(try Globals().stateRoot == parse(["kill", "c"]).globals.stateRoot)
    }

    @Test("exec: repeatable options collect, single ones take the last value, the command passes through")
    func execRequest() throws {
        let request = Exec.request(try parse([
            "exec", "-e", "A=1", "--env", "B=2", "--env=C=3", "-g", "10", "--additional-gids", "20", "-c", "CAP_NET_ADMIN",
            "--cap", "CAP_SYS_TIME", "--cgroup", "memory:sub", "--cgroup", "pids:other", "--user", "1:2", "-u", "3:4",
            "--cwd", "/tmp", "--no-new-privs", "--ignore-paused", "--preserve-fds", "1", "c1", "sh", "-c", "echo -e",
        ]))
        #expect(request.env == ["A=1", "B=2", "C=3"])
        #expect(request.additionalGids == [10, 20])
        #expect(request.caps == ["CAP_NET_ADMIN", "CAP_SYS_TIME"])
        #expect(request.cgroup == ["memory:sub", "pids:other"])
        #expect(request.user == "3:4" && request.cwd == "/tmp" && request.noNewPrivs && request.ignorePaused && request.preserveFds == 1)
        #expect(request.id == "c1" && request.command == ["sh", "-c", "echo -e"])
        let process = Exec.request(try parse(["exec", "-p", "/p.json", "-dt", "c1"]))
        #expect(process.process == "/p.json" && process.detach && process.tty && process.command.isEmpty)
    }

    @Test("short options combine (-dt), take their value joined (-b/x, -b=/x), and a value may start with a dash")
    func shortOptions() throws {
        #expect(try parse(["run", "-dbDIR", "c"]).value("bundle") == "DIR")
        #expect(try parse(["run", "-d", "-b=/x", "c"]).value("bundle") == "/x")
        #expect(try parse(["delete", "-f", "c"]).flag("force"))
        let update = try parse(["update", "--memory", "-1", "--cpu-quota", "-1", "--pids-limit=-1", "--memory-swap", "-1", "c"])
        #expect(update.value("memory") == "-1" && update.number("cpu-quota", as: Int64.self) == -1)
        #expect(update.number("pids-limit", as: Int64.self) == -1 && update.value("memory-swap") == "-1")
        #expect(try parse(["update", "--cpu-shares", "200", "c"]).number("cpu-share", as: UInt64.self) == 200)
    }

    @Test("update's options change the resources they name, and only those")
    func updateOptions() throws {
        var resources = LinuxResources()
        try Update.applyOptions(try parse(["update", "--memory", "512m", "--cpu-share", "100", "--pids-limit", "7",
                                           "--blkio-weight", "300", "--cpuset-cpus", "0-1", "c"]), to: &resources)
        #expect(resources.memory?.limit == 512 << 20 && resources.memory?.swap == nil)
        #expect(resources.cpu?.shares == 100 && resources.cpu?.cpus == "0-1" && resources.pids?.limit == 7)
        #expect(resources.blockIO?.weight == 300 && resources.hugepageLimits == nil)
        var unlimited = LinuxResources()
        try Update.applyOptions(try parse(["update", "--memory", "-1", "c"]), to: &unlimited)
        #expect(unlimited.memory?.limit == -1 && unlimited.memory?.swap == -1)
        #expect(throws: (any Error).self) {
            var r = LinuxResources()
            try Update.applyOptions(try parse(["update", "--memory", "lots", "c"]), to: &r)
        }
    }

    @Test("usage errors name the option or argument and why", arguments: [
        (["--log-format", "xml", "list"], "--log-format \"xml\": expected one of text, json", nil),
        (["list", "--format", "yaml"], "--format \"yaml\": expected one of table, json", "list"),
        (["bogus"], "unknown command \"bogus\" (No help topic for 'bogus')", nil),
        (["create"], "missing <container-id>", "create"),
        (["state", "a", "b"], "unexpected argument \"b\"", "state"),
        (["create", "--preserve-fds", "x", "c1"], "--preserve-fds \"x\": expected a whole number", "create"),
        (["update", "--blkio-weight", "70000", "c1"], "--blkio-weight \"70000\": expected a whole number from 0 to 65535", "update"),
        (["exec", "-g", "-5", "c1"], "-g \"-5\": expected a whole number from 0 to 4294967295", "exec"),
        (["create", "--bogus", "c1"], "unknown option --bogus", "create"),
        (["delete", "-fx", "c1"], "unknown option -x (in -fx)", "delete"),
        (["create", "c1", "--bundle"], "--bundle needs a value (DIR)", "create"),
        (["--debug=yes", "state", "c1"], "--debug=yes: a flag takes true or false", nil),
        (["state", "--debug=yes", "c1"], "--debug=yes: a flag takes true or false", "state"),
        (["--bundle", "/b", "create", "c1"], "unknown option --bundle", nil),
        (["--no-such-flag", "-v"], "unknown option --no-such-flag", nil),
        (["--generate-completion-script", "tcsh"], "--generate-completion-script \"tcsh\": expected bash, zsh or fish", nil),
        (["help", "foo"], "unknown command \"foo\" (No help topic for 'foo')", nil),
    ] as [([String], String, String?)])
    func usageErrors(arguments: [String], message: String, command: String?) throws {
        let error = try #require(usageError(arguments), "\(arguments) parsed")
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.command == command)
    }

    @Test("a usage error keeps the global options read before it, for the --log file")
    func usageErrorGlobals() throws {
        let error = try #require(usageError(["--log", "/l", "--log-format", "json", "state"]))
        #expect(error.globals?.log == "/l" && error.globals?.logFormat == .json)
    }

    @Test("help, version and the generators", arguments: [
        ([], "help:"), (["-h"], "help:"), (["--help"], "help:"), (["--root", "/r"], "help:"), (["help"], "help:"),
        (["help", "exec"], "help:exec"), (["exec", "--help"], "help:exec"), (["kill", "c1", "-h"], "help:kill"),
        (["-v"], "version"), (["--version"], "version"), (["--root", "/r", "--debug", "-v"], "version"),
        (["--generate-completion-script", "fish"], "script:fish"), (["--generate-completion-script=zsh"], "script:zsh"),
        (["--generate-man-pages", "/tmp/m"], "man:/tmp/m"), (["__complete", "st"], "complete:st"),
    ] as [([String], String)])
    func otherInvocations(arguments: [String], expected: String) throws {
        let text: String
        switch try CommandLineParser.parse(arguments) {
        case .help(let name): text = "help:" + (name ?? "")
        case .version: text = "version"
        case .completionScript(let shell): text = "script:" + shell
        case .manPages(let directory): text = "man:" + directory
        case .complete(let words): text = "complete:" + words.joined(separator: " ")
        case .command(let line): text = "command:" + line.name
        }
        #expect(text == expected)
    }

    @Test("every definition is well formed: spellings unique with the global ones, examples that call the command")
    func definitions() {
        for (name, type) in Hako.commands {
            let definition = type.definition
            #expect(definition.name == name)
            #expect(definition.example.hasPrefix("hako \(name)"), "\(name): \(definition.example)")
            let spellings = (definition.options + GlobalOptions.definitions).flatMap(\.spellings) + ["--help", "-h"]
            #expect(Set(spellings).count == spellings.count, "\(name): a spelling is given twice")
            for option in definition.options {
                #expect(option.spellings.allSatisfy { $0.hasPrefix("--") ? $0.count > 3 : $0.count == 2 && $0.hasPrefix("-") }, "\(option.spellings)")
            }
            let keys = definition.options.map(\.key)
            #expect(Set(keys).count == keys.count, "\(name): a key is given twice")
            let passing = definition.passthroughIndex
            #expect(passing == nil || passing == definition.arguments.count - 1, "\(name): a passed-through argument must be last")
        }
    }
}
