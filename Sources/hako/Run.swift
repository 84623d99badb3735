#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Logging
import Runtime

enum Run: HakoCommand {
    static let definition = CommandDefinition(
        name: "run", abstract: "Create and start a container; wait for it and exit with its status.",
        example: "hako run --bundle /containers/web web",
        options: CreateArguments.options + [
            .flag("--detach", "-d", help: "Return once the container has started."),
            .flag("--keep", help: "Keep the container's state after it exits (no delete)."),
        ],
        arguments: [CreateArguments.id])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let detach = line.flag("detach"), keep = line.flag("keep")
        if detach && keep { throw RuntimeError("--keep: cannot be used with --detach") }
        if !detach { try Supervision.becomeSubreaper() }
        var options = CreateArguments.createOptions(line)
        options.systemdCgroup = line.globals.systemdCgroup
        // In the foreground with a terminal and no console socket, hako relays the pty itself.
        var relay: TerminalRelay?
        if !detach && options.consoleSocket == nil {
            // Read once, here, and handed to create (which reports a config it cannot read).
            options.config = try? Container.loadConfig(bundle: options.bundle)
            if options.config?.spec.process?.terminal == true {
                let terminal = try TerminalRelay()
                options.consoleSocketFD = terminal.containerEnd
                relay = terminal
            }
        }
        let container = try Container.create(options, store: line.globals.store, logger: logger)
        if !detach { Supervision.blockSignals() }
        do {
            try relay?.receiveMaster()
            // In the foreground, hako relays and waits; only a detached run waits for READY.
            try container.start(forwardNotify: detach, warn: { logger.warning("\($0)") })
        } catch {
            try? container.delete(force: true)
            throw error
        }
        if detach { return }
        let status = try relay?.relay(until: container.state.pid)
            ?? Supervision.waitForwardingSignals(to: container.state.pid)
        if !keep {
            do { try container.delete(force: true, warn: { logger.warning("\($0)") }) } catch { logger.warning("\(error)") }
        }
        throw ExitStatus(status.shellCode)
    }
}
