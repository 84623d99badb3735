#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LinuxSys
import Logging
import Runtime

struct Run: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create and start a container; wait for it and exit with its status.",
        discussion: "Example: hako run --bundle /containers/web web")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var arguments: CreateArguments
    @Flag(name: [.short, .long], help: "Return once the container has started.") var detach = false
    @Flag(name: .long, help: "Keep the container's state after it exits (no delete).") var keep = false

    func execute(logger: Logger) throws {
        try Self.perform(arguments.options, detach: detach, keep: keep, globals: global.values, logger: logger)
    }

    static func perform(_ options: CreateOptions, detach: Bool, keep: Bool, globals: Globals, logger: Logger) throws {
        if detach && keep { throw RuntimeError("--keep: cannot be used with --detach") }
        if !detach { try Supervision.becomeSubreaper() }
        var options = options
        options.systemdCgroup = globals.systemdCgroup
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
        let container = try Container.create(options, store: globals.store, logger: logger)
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
        throw ExitCode(status.shellCode)
    }
}
