import ArgumentParser
import Logging
import Runtime

/// Flags `checkpoint` and `restore` share, as runc names them.
struct CriuArguments: ParsableArguments {
    @Option(name: .customLong("image-path"), help: "Directory of the checkpoint's images (default: ./checkpoint).")
    var imagePath: String?

    @Option(name: .customLong("work-path"), help: "Directory for criu's log and work files (default: the image directory).")
    var workPath: String?

    @Flag(name: .customLong("tcp-established"), help: "Checkpoint or restore established TCP connections.")
    var tcpEstablished = false

    @Flag(name: .customLong("ext-unix-sk"), help: "Allow external Unix sockets.")
    var externalUnixSockets = false

    @Flag(name: .customLong("shell-job"), help: "Allow a process that shares its session with the caller (a shell job).")
    var shellJob = false

    @Flag(name: .customLong("file-locks"), help: "Checkpoint or restore file locks.")
    var fileLocks = false

    @Flag(name: .customLong("lazy-pages"), help: "Leave memory pages behind for a lazy-pages server (userfaultfd).")
    var lazyPages = false

    @Option(name: .customLong("manage-cgroups-mode"), help: "How criu treats cgroups: soft, full, strict or ignore (default: soft).")
    var manageCgroupsMode = ""

    @Option(name: .customLong("empty-ns"), help: "A namespace to create empty instead of restoring it (network; repeatable).")
    var emptyNamespaces: [String] = []

    @Flag(name: .customLong("auto-dedup"), help: "Deduplicate memory images as they are written.")
    var autoDedup = false

    /// What these flags ask of either command; the images by default in "checkpoint" of
    /// the current directory, as runc keeps them.
    var options: CriuCommonOptions {
        var options = CriuCommonOptions(imagePath: imagePath ?? "checkpoint")
        options.workPath = workPath
        options.tcpEstablished = tcpEstablished
        options.externalUnixSockets = externalUnixSockets
        options.shellJob = shellJob
        options.fileLocks = fileLocks
        options.lazyPages = lazyPages
        options.manageCgroupsMode = manageCgroupsMode
        options.emptyNamespaces = emptyNamespaces
        options.autoDedup = autoDedup
        return options
    }
}

struct Checkpoint: HakoCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Checkpoint a running container with criu; unless --leave-running or --pre-dump, it is gone afterwards.",
        discussion: "Example: hako checkpoint --image-path /var/lib/checkpoints/web web")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var criu: CriuArguments

    @Option(name: .customLong("parent-path"), help: "A previous pre-dump, relative to the image directory.")
    var parentPath: String?

    @Flag(name: .customLong("leave-running"), help: "Leave the container running after the checkpoint.")
    var leaveRunning = false

    @Flag(name: .customLong("tcp-skip-in-flight"), help: "Skip TCP connections not yet accepted.")
    var tcpSkipInFlight = false

    @Flag(name: .customLong("link-remap"), help: "Link open but unlinked files back where possible.")
    var linkRemap = false

    @Option(name: .customLong("status-fd"), help: "A descriptor to write \\0 to once the lazy-pages server is ready.")
    var statusFD: Int32 = -1

    @Option(name: .customLong("page-server"), help: "ADDRESS:PORT of a page server to send the memory to.")
    var pageServer: String?

    @Flag(name: .customLong("pre-dump"), help: "Dump memory only and leave the container running (for a later --parent-path).")
    var preDump = false

    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        var options = CheckpointOptions(common: criu.options)
        options.parentPath = parentPath
        options.leaveRunning = leaveRunning
        options.tcpSkipInFlight = tcpSkipInFlight
        options.linkRemap = linkRemap
        options.statusFD = statusFD >= 0 ? statusFD : nil
        options.pageServer = pageServer
        options.preDump = preDump
        try Container.load(id: id, store: global.store).checkpoint(options, warn: { logger.warning("\($0)") })
    }
}
