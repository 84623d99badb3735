import Logging
import Runtime

/// Options `checkpoint` and `restore` share, as runc names them.
enum CriuArguments {
    static let options: [OptionDefinition] = [
        .value("--image-path", placeholder: "DIR", help: "Directory of the checkpoint's images.", defaultText: "./checkpoint",
               completion: .directories),
        .value("--work-path", placeholder: "DIR", help: "Directory for criu's log and work files (default: the image directory).",
               completion: .directories),
        .flag("--tcp-established", help: "Checkpoint or restore established TCP connections."),
        .flag("--ext-unix-sk", help: "Allow external Unix sockets."),
        .flag("--shell-job", help: "Allow a process that shares its session with the caller (a shell job)."),
        .flag("--file-locks", help: "Checkpoint or restore file locks."),
        .flag("--lazy-pages", help: "Leave memory pages behind for a lazy-pages server (userfaultfd)."),
        .value("--manage-cgroups-mode", placeholder: "MODE", help: "How criu treats cgroups: soft, full, strict or ignore.",
               defaultText: "soft", completion: .words(["soft", "full", "strict", "ignore"])),
        .repeated("--empty-ns", placeholder: "NAMESPACE", help: "A namespace to create empty instead of restoring it (network).",
                  completion: .words(["network"])),
        .flag("--auto-dedup", help: "Deduplicate memory images as they are written."),
    ]

    /// What these options, and the global `--criu`, ask of either command; the images by
    /// default in "checkpoint" of the current directory, as runc keeps them.
    static func commonOptions(_ line: ParsedCommand) -> CriuCommonOptions {
        var options = CriuCommonOptions(imagePath: line.value("image-path") ?? "checkpoint")
        options.criu = line.globals.criu
        options.workPath = line.value("work-path")
        options.tcpEstablished = line.flag("tcp-established")
        options.externalUnixSockets = line.flag("ext-unix-sk")
        options.shellJob = line.flag("shell-job")
        options.fileLocks = line.flag("file-locks")
        options.lazyPages = line.flag("lazy-pages")
        options.manageCgroupsMode = line.value("manage-cgroups-mode") ?? ""
        options.emptyNamespaces = line.values("empty-ns")
        options.autoDedup = line.flag("auto-dedup")
        return options
    }
}

enum Checkpoint: HakoCommand {
    static let definition = CommandDefinition(
        name: "checkpoint",
        abstract: "Checkpoint a running container with criu; unless --leave-running or --pre-dump, it is gone afterwards.",
        example: "hako checkpoint --image-path /var/lib/checkpoints/web web",
        options: CriuArguments.options + [
            .value("--parent-path", placeholder: "DIR", help: "A previous pre-dump, relative to the image directory."),
            .flag("--leave-running", help: "Leave the container running after the checkpoint."),
            .flag("--tcp-skip-in-flight", help: "Skip TCP connections not yet accepted."),
            .flag("--link-remap", help: "Link open but unlinked files back where possible."),
            .value("--status-fd", placeholder: "FD", .integer(.int32), help: "A descriptor to write \\0 to once the lazy-pages server is ready."),
            .value("--page-server", placeholder: "ADDRESS:PORT", help: "A page server to send the memory to."),
            .flag("--pre-dump", help: "Dump memory only and leave the container running (for a later --parent-path)."),
        ],
        arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        var options = CheckpointOptions(common: CriuArguments.commonOptions(line))
        options.parentPath = line.value("parent-path")
        options.leaveRunning = line.flag("leave-running")
        options.tcpSkipInFlight = line.flag("tcp-skip-in-flight")
        options.linkRemap = line.flag("link-remap")
        options.statusFD = line.number("status-fd", as: Int32.self).flatMap { $0 >= 0 ? $0 : nil }
        options.pageServer = line.value("page-server")
        options.preDump = line.flag("pre-dump")
        try Container.load(id: line.arguments[0], store: line.globals.store).checkpoint(options, warn: { logger.warning("\($0)") })
    }
}
