import ArgumentParser
import Runtime

/// The command lines engines send for every container (`create`, `start`, `state`, `kill`,
/// `delete`, `run`, `pause`, `resume`, `list`, and `exec` with `--process` as containerd's
/// shim and conmon send it or with a command as healthchecks and probes run it, with runc's
/// global flags), parsed by hand.
///
/// Why not swift-argument-parser alone: it builds its parser by reflecting over the command
/// types at every start, which is about 1.5 ms of a 4 ms `hako state`, paid on each of the
/// several calls an engine makes per container. Only well-formed lines are taken here;
/// anything else (help, an unknown or repeated option, a value that does not parse) goes to
/// swift-argument-parser, which defines the commands, prints help and words the errors, so
/// both always accept the same lines.
enum FastCommandLine {
    /// What one command accepts besides the global flags.
    struct Grammar {
        /// Spelling -> name, for flags ("-f" and "--force" -> "force").
        var flags: [String: String] = [:]
        /// Spelling -> name, for options that take a value.
        var options: [String: String] = [:]
        var positionals: ClosedRange<Int>
        /// What follows the last positional is passed through (exec's command, options
        /// included), as swift-argument-parser's `.captureForPassthrough` takes it.
        var passesThrough = false
    }

    /// A command line this parser took.
    struct Parsed: Equatable {
        var command: String
        var globals: Globals
        var flags: Set<String> = []
        var options: [String: String] = [:]
        var positionals: [String] = []
        var passthrough: [String] = []
    }

    static let create = Grammar(
        flags: ["--no-pivot": "no-pivot", "--no-new-keyring": "no-new-keyring"],
        options: ["--bundle": "bundle", "-b": "bundle", "--console-socket": "console-socket", "--pid-file": "pid-file",
                  "--preserve-fds": "preserve-fds"],
        positionals: 1...1)

    static let grammars: [String: Grammar] = {
        var run = create
        run.flags.merge(["--detach": "detach", "-d": "detach", "--keep": "keep"]) { a, _ in a }
        return [
            "create": create, "run": run,
            "start": Grammar(positionals: 1...1), "state": Grammar(positionals: 1...1),
            "pause": Grammar(positionals: 1...1), "resume": Grammar(positionals: 1...1),
            "kill": Grammar(flags: ["--all": "all", "-a": "all"], positionals: 1...2),
            // The id, then the command, passed through as it is (options included); one that
            // starts with "-" and the repeatable options (-e, -g, -c, --cgroup) are left to
            // the full parser.
            "exec": Grammar(
                flags: ["--tty": "tty", "-t": "tty", "--detach": "detach", "-d": "detach", "--no-new-privs": "no-new-privs",
                        "--ignore-paused": "ignore-paused"],
                options: ["--process": "process", "-p": "process", "--console-socket": "console-socket", "--pid-file": "pid-file",
                          "--preserve-fds": "preserve-fds", "--cwd": "cwd", "--user": "user", "-u": "user",
                          "--apparmor": "apparmor", "--process-label": "process-label"],
                positionals: 1...1, passesThrough: true),
            "delete": Grammar(flags: ["--force": "force", "-f": "force"], positionals: 1...1),
            "list": Grammar(flags: ["--quiet": "quiet", "-q": "quiet"], options: ["--format": "format", "-f": "format"],
                            positionals: 0...0),
        ]
    }()

    /// runc's global flags: spelling -> name (Hako.direct scans them too).
    static let globalOptions: [String: String] = ["--root": "root", "--log": "log", "--log-format": "log-format"]
    static let globalFlags: [String: String] = ["--debug": "debug", "--systemd-cgroup": "systemd-cgroup"]

    /// The command line, or nil when swift-argument-parser should have it.
    static func parse(_ arguments: [String]) -> Parsed? {
        var command: String?
        var grammar: Grammar?
        var globalValues: [String: String] = [:]
        var globalSet: Set<String> = []
        var flags: Set<String> = []
        var options: [String: String] = [:]
        var positionals: [String] = []
        var passthrough: [String] = []
        var index = 0
        while index < arguments.count {
            if let grammar, grammar.passesThrough, positionals.count == grammar.positionals.upperBound {
                passthrough = Array(arguments[index...])
                guard let first = passthrough.first, !first.hasPrefix("-") else { return nil }
                break
            }
            var argument = arguments[index]
            index += 1
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                inlineValue = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            func value() -> String? {
                if let inlineValue { return inlineValue }
                guard index < arguments.count else { return nil }
                index += 1
                return arguments[index - 1]
            }
            if let name = globalFlags[argument] {
                guard inlineValue == nil, globalSet.insert(name).inserted else { return nil }
            } else if let name = globalOptions[argument] {
                guard globalValues[name] == nil, let value = value() else { return nil }
                globalValues[name] = value
            } else if let grammar, let name = grammar.flags[argument] {
                guard inlineValue == nil, flags.insert(name).inserted else { return nil }
            } else if let grammar, let name = grammar.options[argument] {
                guard options[name] == nil, let value = value() else { return nil }
                options[name] = value
            } else if argument.hasPrefix("-") {
                // Help, version, "--", combined short flags, anything unknown.
                return nil
            } else if command == nil {
                guard let found = grammars[argument] else { return nil }
                command = argument
                grammar = found
            } else {
                positionals.append(argument)
            }
        }
        guard let command, let grammar, grammar.positionals.contains(positionals.count) else { return nil }
        var globals = Globals(root: globalValues["root"], log: globalValues["log"],
                                   debug: globalSet.contains("debug"), systemdCgroup: globalSet.contains("systemd-cgroup"))
        if let format = globalValues["log-format"] {
            guard let parsed = LogFormat(rawValue: format) else { return nil }
            globals.logFormat = parsed
        }
        if let fds = options["preserve-fds"], Int(fds) == nil { return nil }
        if command == "list", let format = options["format"], List.ListFormat(rawValue: format) == nil { return nil }
        return Parsed(command: command, globals: globals, flags: flags, options: options, positionals: positionals,
                      passthrough: passthrough)
    }

    /// Runs a parsed command line; errors end as `Globals.run` ends them.
    static func run(_ line: Parsed) throws {
        let globals = line.globals
        let id = line.positionals.first ?? ""
        try globals.run { logger in
            switch line.command {
            case "list":
                try List.perform(store: globals.store, format: line.options["format"].flatMap(List.ListFormat.init) ?? .table,
                                 quiet: line.flags.contains("quiet"))
            case "state": try StateCommand.perform(id: id, store: globals.store)
            case "start": try Start.perform(id: id, store: globals.store, logger: logger)
            case "pause": try Pause.perform(id: id, store: globals.store)
            case "resume": try Resume.perform(id: id, store: globals.store)
            case "kill":
                try Kill.perform(id: id, signal: line.positionals.count > 1 ? line.positionals[1] : "SIGTERM",
                                 all: line.flags.contains("all"), store: globals.store)
            case "delete": try Delete.perform(id: id, force: line.flags.contains("force"), store: globals.store, logger: logger)
            case "create": try Create.perform(createOptions(line), globals: globals, logger: logger)
            case "run":
                try Run.perform(createOptions(line), detach: line.flags.contains("detach"), keep: line.flags.contains("keep"),
                                globals: globals, logger: logger)
            case "exec": try execRequest(line).run(globals: globals, logger: logger)
            default:
                preconditionFailure("no grammar for \(line.command)")
            }
        }
    }

    static func execRequest(_ line: Parsed) -> ExecRequest {
        ExecRequest(process: line.options["process"], tty: line.flags.contains("tty"), consoleSocket: line.options["console-socket"],
                    cwd: line.options["cwd"], user: line.options["user"], noNewPrivs: line.flags.contains("no-new-privs"),
                    apparmor: line.options["apparmor"], processLabel: line.options["process-label"], detach: line.flags.contains("detach"),
                    pidFile: line.options["pid-file"], preserveFds: line.options["preserve-fds"].flatMap { Int($0) } ?? 0,
                    ignorePaused: line.flags.contains("ignore-paused"), id: line.positionals[0], command: line.passthrough)
    }

    static func createOptions(_ line: Parsed) -> CreateOptions {
        CreateOptions(id: line.positionals[0], bundle: line.options["bundle"] ?? ".", consoleSocket: line.options["console-socket"],
                      pidFile: line.options["pid-file"], noPivot: line.flags.contains("no-pivot"),
                      noNewKeyring: line.flags.contains("no-new-keyring"), preserveFds: line.options["preserve-fds"].flatMap { Int($0) } ?? 0)
    }
}
