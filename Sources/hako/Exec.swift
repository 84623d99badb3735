import LinuxSys
import Logging
import OCISpec
import Runtime

enum Exec: HakoCommand {
    static let definition = CommandDefinition(
        name: "exec", abstract: "Run a new process in a running container.",
        discussion: "Without --process, the process is built from the container's config.json process, changed by the options. "
            + "Everything after the container id is the command, options included.",
        example: "hako exec --tty --env TERM=xterm web sh",
        options: [
            .value("--process", "-p", placeholder: "FILE", help: "A process.json (runtime-spec process) to run; the command and most options are then ignored.",
                   completion: .files),
            .flag("--tty", "-t", help: "Allocate a pseudo-TTY (needs --console-socket, or hako relays it)."),
            .value("--console-socket", placeholder: "SOCKET", help: "Unix socket to receive the pty master.", completion: .files),
            .value("--cwd", placeholder: "DIR", help: "Working directory in the container."),
            .repeated("--env", "-e", placeholder: "NAME=VALUE", help: "Set an environment variable."),
            .value("--user", "-u", placeholder: "UID[:GID]", help: "The user to run as."),
            .repeated("--additional-gids", "-g", placeholder: "GID", .integer(.uint32), help: "An additional group id."),
            .repeated("--cap", "-c", placeholder: "CAP", help: "A capability to add (CAP_NET_ADMIN)."),
            .flag("--no-new-privs", help: "Set no_new_privs for the process."),
            .value("--apparmor", placeholder: "PROFILE", help: "AppArmor profile for the process."),
            .value("--process-label", placeholder: "LABEL", help: "SELinux label for the process."),
            .flag("--detach", "-d", help: "Return once the process has started."),
            .value("--pid-file", placeholder: "FILE", help: "File to write the process's pid to.", completion: .files),
            .value("--pidfd-socket", placeholder: "SOCKET", help: "Unix socket to receive a pidfd of the process.", completion: .files),
            .value("--preserve-fds", placeholder: "N", .integer(.int), help: "Number of extra descriptors (from 3) passed to the process.",
                   defaultText: "0"),
            .flag("--ignore-paused", help: "Exec into a paused container."),
            .repeated("--cgroup", placeholder: "[CONTROLLERS:]PATH",
                      help: "Sub-cgroup of the container's cgroup to run the process in: PATH, or CONTROLLER[,CONTROLLER]:PATH on cgroup v1."),
        ],
        arguments: [
            .containerID,
            ArgumentDefinition(name: "command", help: "The command and its arguments (none with --process).", optional: true,
                               passesThrough: true),
        ])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        try request(line).run(globals: line.globals, logger: logger)
    }

    static func request(_ line: ParsedCommand) -> ExecRequest {
        ExecRequest(process: line.value("process"), tty: line.flag("tty"), consoleSocket: line.value("console-socket"),
                    cwd: line.value("cwd"), env: line.values("env"), user: line.value("user"),
                    additionalGids: line.numbers("additional-gids"), caps: line.values("cap"), noNewPrivs: line.flag("no-new-privs"),
                    apparmor: line.value("apparmor"), processLabel: line.value("process-label"), detach: line.flag("detach"),
                    pidFile: line.value("pid-file"), pidfdSocket: line.value("pidfd-socket"), preserveFds: line.number("preserve-fds") ?? 0,
                    ignorePaused: line.flag("ignore-paused"), cgroup: line.values("cgroup"), id: line.arguments[0],
                    command: line.passthrough)
    }
}

/// What `hako exec` was asked.
struct ExecRequest: Equatable {
    var process: String?
    var tty = false
    var consoleSocket: String?
    var cwd: String?
    var env: [String] = []
    var user: String?
    var additionalGids: [UInt32] = []
    var caps: [String] = []
    var noNewPrivs = false
    var apparmor: String?
    var processLabel: String?
    var detach = false
    var pidFile: String?
    var pidfdSocket: String?
    var preserveFds = 0
    var ignorePaused = false
    var cgroup: [String] = []
    var id: String
    var command: [String] = []

    /// Exits with the process's status, or 255 when hako itself fails (runc's convention).
    func run(globals: Globals, logger: Logger) throws {
        do {
            try runProcess(globals: globals, logger: logger)
        } catch let exit as ExitStatus {
            throw exit
        } catch {
            throw CommandFailure(cause: error, status: 255)
        }
    }

    func runProcess(globals: Globals, logger: Logger) throws {
        if preserveFds < 0 { throw RuntimeError("--preserve-fds: must not be negative") }
        let container = try Container.load(id: id, store: globals.store)
        let spec = try processSpec(base: try container.state.config.process)
        var options = ExecOptions(process: spec, consoleSocket: consoleSocket, pidFile: pidFile, preserveFds: preserveFds, ignorePaused: ignorePaused)
        options.pidfdSocket = pidfdSocket
        for entry in cgroup {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard let path = parts.last, !path.isEmpty else { throw RuntimeError("--cgroup \(entry): expected PATH or CONTROLLERS:PATH") }
            let controllers = parts.count == 2 ? parts[0].split(separator: ",").map(String.init) : [""]
            for controller in controllers { options.subCgroups[controller] = path }
        }
        if !detach { try Supervision.becomeSubreaper() }
        // In the foreground with a terminal and no console socket, hako relays the pty
        // itself, as `run` does (and runc's exec).
        var relay: TerminalRelay?
        if spec.terminal == true && consoleSocket == nil && !detach {
            let terminal = try TerminalRelay()
            options.consoleSocketFD = terminal.containerEnd
            relay = terminal
        }
        let pid = try container.exec(options, logger: logger)
        logger.debug("exec'd process started", metadata: ["id": "\(id)", "pid": "\(pid)"])
        if detach { return }
        Supervision.blockSignals()
        try relay?.receiveMaster()
        let status = try relay?.relay(until: pid) ?? Supervision.waitForwardingSignals(to: pid)
        throw ExitStatus(status.shellCode)
    }

    /// The process to run: --process's file, or the config's process changed by the flags.
    func processSpec(base: ProcessSpec?) throws -> ProcessSpec {
        var spec: ProcessSpec
        if let path = process {
            do {
                spec = try JSONCoding.decode(ProcessSpec.self, from: try Files.read(path), document: "the process file")
            } catch {
                throw RuntimeError("reading --process \(path): \(error)")
            }
        } else {
            guard !command.isEmpty else { throw RuntimeError("exec: no command given (or use --process)") }
            spec = base ?? ProcessSpec(user: User(), cwd: "/")
            spec.args = command
            spec.terminal = tty
            if let cwd { spec.cwd = cwd }
            var environment = spec.env ?? []
            for entry in env {
                guard entry.contains("=") else { throw RuntimeError("--env \(entry): expected NAME=VALUE") }
                let name = entry.prefix(while: { $0 != "=" })
                environment.removeAll { $0.hasPrefix(name + "=") }
                environment.append(entry)
            }
            spec.env = environment
            if let user {
                let parts = user.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count <= 2, let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                    throw RuntimeError("--user \(user): expected a numeric uid[:gid]")
                }
                spec.user.uid = uid
                spec.user.gid = parts.count == 2 ? UInt32(parts[1]) ?? 0 : 0
            }
            if !additionalGids.isEmpty { spec.user.additionalGids = additionalGids }
            if !caps.isEmpty {
                var capabilities = spec.capabilities ?? LinuxCapabilities()
                for cap in caps {
                    guard Capability.number(named: cap) != nil else { throw RuntimeError("--cap: unknown capability \"\(cap)\"") }
                    // Ambient only where the config has an inheritable set for it to work
                    // with (--cap adds none), as runc's exec does.
                    let ambient: [WritableKeyPath<LinuxCapabilities, [String]?>] = capabilities.inheritable == nil ? [] : [\.ambient]
                    for keyPath in [\LinuxCapabilities.bounding, \.effective, \.permitted] + ambient {
                        var set = capabilities[keyPath: keyPath] ?? []
                        if !set.contains(cap) { set.append(cap) }
                        capabilities[keyPath: keyPath] = set
                    }
                }
                spec.capabilities = capabilities
            }
            if noNewPrivs { spec.noNewPrivileges = true }
            if let apparmor { spec.apparmorProfile = apparmor }
            if let processLabel { spec.selinuxLabel = processLabel }
        }
        if tty { spec.terminal = true }
        return spec
    }
}
