import ArgumentParser
import Logging
import Runtime

/// Options shared by `create` and `run`.
struct CreateArguments: ParsableArguments {
    @Option(name: [.short, .long], help: "Path to the bundle (the directory holding config.json).")
    var bundle: String = "."

    @Option(name: .customLong("console-socket"), help: "Unix socket to receive the pty master when process.terminal is true.")
    var consoleSocket: String?

    @Option(name: .customLong("pid-file"), help: "File to write the container's init pid to.")
    var pidFile: String?

    @Flag(name: .customLong("no-pivot"), help: "Use MS_MOVE and chroot instead of pivot_root (for a rootfs on ramfs).")
    var noPivot = false

    @Flag(name: .customLong("no-new-keyring"), help: "Keep the caller's session keyring.")
    var noNewKeyring = false

    @Option(name: .customLong("preserve-fds"), help: "Number of extra descriptors (from 3) passed to the container.")
    var preserveFds: Int = 0

    @Argument(help: "The container id.")
    var id: String

    var options: CreateOptions {
        CreateOptions(id: id, bundle: bundle, consoleSocket: consoleSocket, pidFile: pidFile,
                      noPivot: noPivot, noNewKeyring: noNewKeyring, preserveFds: preserveFds)
    }
}

struct Create: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a container from a bundle; it waits for `start` to run its process.",
        discussion: "Example: hako create --bundle /containers/web --pid-file /run/web.pid web")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var arguments: CreateArguments

    func execute(logger: Logger) throws {
        try Self.perform(arguments.options, globals: global.values, logger: logger)
    }

    static func perform(_ options: CreateOptions, globals: Globals, logger: Logger) throws {
        var options = options
        options.systemdCgroup = globals.systemdCgroup
        _ = try Container.create(options, store: globals.store, logger: logger)
    }
}
