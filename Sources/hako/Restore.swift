import Logging
import Runtime

enum Restore: HakoCommand {
    static let definition = CommandDefinition(
        name: "restore", abstract: "Restore a container from a checkpoint made by `hako checkpoint`; wait for it unless --detach.",
        example: "hako restore --detach --image-path /var/lib/checkpoints/web --bundle /containers/web web",
        options: CriuArguments.options + [
            .value("--bundle", "-b", placeholder: "DIR", help: "Path to the bundle (the directory holding config.json).",
                   defaultText: ".", completion: .directories),
            .value("--console-socket", placeholder: "SOCKET", help: "Unix socket to receive the restored terminal's pty master.",
                   completion: .files),
            .flag("--detach", "-d", help: "Return once the container is restored."),
            .value("--pid-file", placeholder: "FILE", help: "File to write the restored init's pid to.", completion: .files),
            .flag("--no-subreaper", help: "Do not adopt the container's orphaned processes while waiting."),
            .flag("--no-pivot", help: "Accepted as runc accepts it: criu restores the root with pivot_root itself, so this changes nothing."),
            .value("--lsm-profile", placeholder: "TYPE:NAME", help: "The LSM profile for the restored processes."),
            .value("--lsm-mount-context", placeholder: "CONTEXT", help: "The LSM mount context for the restored mounts."),
        ],
        arguments: [ArgumentDefinition(name: "container-id", help: "The new container's id.")])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let bundle = line.value("bundle") ?? ".", consoleSocket = line.value("console-socket"), detach = line.flag("detach")
        var create = CreateOptions(id: line.arguments[0], bundle: bundle, consoleSocket: consoleSocket, pidFile: line.value("pid-file"),
                                   noPivot: line.flag("no-pivot"))
        create.systemdCgroup = line.globals.systemdCgroup
        var options = RestoreOptions(create: create, common: CriuArguments.commonOptions(line))
        options.lsmProfile = line.value("lsm-profile")
        options.lsmMountContext = line.value("lsm-mount-context")
        if !detach && !line.flag("no-subreaper") { try Supervision.becomeSubreaper() }
        // In the foreground with a terminal and no console socket, hako relays the pty itself.
        var relay: TerminalRelay?
        if !detach && consoleSocket == nil {
            options.create.config = try? Container.loadConfig(bundle: bundle)
            if options.create.config?.spec.process?.terminal == true {
                let terminal = try TerminalRelay()
                options.create.consoleSocketFD = terminal.containerEnd
                relay = terminal
            }
        }
        let container = try Container.restore(options, store: line.globals.store, logger: logger)
        if detach { return }
        Supervision.blockSignals()
        let code: Int32
        do {
            try relay?.receiveMaster()
            code = try (relay?.relay(until: container.state.pid) ?? Supervision.waitForwardingSignals(to: container.state.pid)).shellCode
        } catch {
            try? container.delete(force: true)
            throw error
        }
        do { try container.delete(force: true, warn: { logger.warning("\($0)") }) } catch { logger.warning("\(error)") }
        throw ExitStatus(code)
    }
}
