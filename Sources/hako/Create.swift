import Logging
import Runtime

/// Options `create` and `run` share.
enum CreateArguments {
    static let options: [OptionDefinition] = [
        .value("--bundle", "-b", placeholder: "DIR", help: "Path to the bundle (the directory holding config.json).",
               defaultText: ".", completion: .directories),
        .value("--console-socket", placeholder: "SOCKET", help: "Unix socket to receive the pty master when process.terminal is true.",
               completion: .files),
        .value("--pid-file", placeholder: "FILE", help: "File to write the container's init pid to.", completion: .files),
        .value("--pidfd-socket", placeholder: "SOCKET", help: "Unix socket to receive a pidfd of the container's init.",
               completion: .files),
        .flag("--no-pivot", help: "Use MS_MOVE and chroot instead of pivot_root (for a rootfs on ramfs)."),
        .flag("--no-new-keyring", help: "Keep the caller's session keyring."),
        .value("--preserve-fds", placeholder: "N", .integer(.int), help: "Number of extra descriptors (from 3) passed to the container.",
               defaultText: "0"),
    ]

    static let id = ArgumentDefinition(name: "container-id", help: "The new container's id.")

    static func createOptions(_ line: ParsedCommand) -> CreateOptions {
        var options = CreateOptions(id: line.arguments[0], bundle: line.value("bundle") ?? ".", consoleSocket: line.value("console-socket"),
                                    pidFile: line.value("pid-file"), noPivot: line.flag("no-pivot"), noNewKeyring: line.flag("no-new-keyring"),
                                    preserveFds: line.number("preserve-fds") ?? 0)
        options.pidfdSocket = line.value("pidfd-socket")
        return options
    }
}

enum Create: HakoCommand {
    static let definition = CommandDefinition(
        name: "create", abstract: "Create a container from a bundle; it waits for `start` to run its process.",
        example: "hako create --bundle /containers/web --pid-file /run/web.pid web",
        options: CreateArguments.options, arguments: [CreateArguments.id])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        var options = CreateArguments.createOptions(line)
        options.systemdCgroup = line.globals.systemdCgroup
        _ = try Container.create(options, store: line.globals.store, logger: logger)
    }
}
