import ArgumentParser
import Logging
import Runtime

struct Restore: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a container from a checkpoint made by `hako checkpoint`; wait for it unless --detach.",
        discussion: "Example: hako restore --detach --image-path /var/lib/checkpoints/web --bundle /containers/web web")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var criu: CriuArguments

    @Option(name: [.short, .long], help: "Path to the bundle (the directory holding config.json).")
    var bundle: String = "."

    @Option(name: .customLong("console-socket"), help: "Unix socket to receive the restored terminal's pty master.")
    var consoleSocket: String?

    @Flag(name: [.short, .long], help: "Return once the container is restored.")
    var detach = false

    @Option(name: .customLong("pid-file"), help: "File to write the restored init's pid to.")
    var pidFile: String?

    @Flag(name: .customLong("no-subreaper"), help: "Do not adopt the container's orphaned processes while waiting.")
    var noSubreaper = false

    @Flag(name: .customLong("no-pivot"), help: "Accepted as runc accepts it: criu restores the root with pivot_root itself, so this changes nothing.")
    var noPivot = false

    @Option(name: .customLong("lsm-profile"), help: "TYPE:NAME of the LSM profile for the restored processes.")
    var lsmProfile: String?

    @Option(name: .customLong("lsm-mount-context"), help: "The LSM mount context for the restored mounts.")
    var lsmMountContext: String?

    @Argument(help: "The new container's id.")
    var id: String

    func execute(logger: Logger) throws {
        var create = CreateOptions(id: id, bundle: bundle, consoleSocket: consoleSocket, pidFile: pidFile, noPivot: noPivot)
        create.systemdCgroup = global.values.systemdCgroup
        var options = RestoreOptions(create: create, common: criu.options)
        options.lsmProfile = lsmProfile
        options.lsmMountContext = lsmMountContext
        if !detach && !noSubreaper { try Supervision.becomeSubreaper() }
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
        let container = try Container.restore(options, store: global.store, logger: logger)
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
        throw ExitCode(code)
    }
}
