#if canImport(Glibc)
import Glibc
#endif
import CBuildInfo
import Logging
import OCISpec
import Runtime

/// A hako command: its definition (what it accepts, its help) and what it does with a
/// command line the parser took.
protocol HakoCommand: Sendable {
    static var definition: CommandDefinition { get }
    /// Runs with logging set up from the global options; `Globals.run` reports what it throws.
    static func run(_ line: ParsedCommand, logger: Logger) throws
}

@main
enum Hako {
    static let version = "0.1.0"
    static let abstract = "An OCI container runtime."
    static let discussion = "Runs containers from OCI bundles with runc's command line."

    /// What `--version` prints, in runc's layout: the version, the commit, the runtime-spec
    /// version and the linked libseccomp's.
    static var versionText: String {
        """
        hako version \(version)
        commit: \(String(cString: hako_build_commit()))
        spec: \(OCISpec.Spec.supportedVersion)
        libseccomp: \(RuntimeFeatures.libseccompVersion)
        """
    }

    /// Every command by the name it is called with, in the order of the help. Only the
    /// definition of the command named is built.
    static let commands: [(name: String, type: any HakoCommand.Type)] = [
        ("create", Create.self), ("start", Start.self), ("state", StateCommand.self), ("kill", Kill.self),
        ("delete", Delete.self), ("run", Run.self), ("exec", Exec.self), ("pause", Pause.self), ("resume", Resume.self),
        ("ps", Ps.self), ("events", Events.self), ("update", Update.self), ("info", Info.self), ("list", List.self),
        ("spec", SpecCommand.self), ("features", FeaturesCommand.self), ("checkpoint", Checkpoint.self), ("restore", Restore.self),
    ]

    static func command(named name: String) -> (any HakoCommand.Type)? {
        commands.first { $0.name == name }?.type
    }

    static func definition(named name: String) -> CommandDefinition? {
        command(named: name)?.definition
    }

    static func main() {
        // A hook or console peer that goes away must not kill hako with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let invocation: Invocation
        do {
            invocation = try CommandLineParser.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            reportUsage(error)
            exit(1)
        }
        switch invocation {
        case .command(let line):
            do {
                try line.globals.run { logger in try command(named: line.name)!.run(line, logger: logger) }
            } catch {
                // Globals.run has reported the error, if any, and says how to exit.
                exit(error.code)
            }
        case .version:
            print(versionText)
        case .help(let name):
            print(name.flatMap(definition(named:)).map(HelpText.command) ?? HelpText.overview(), terminator: "")
        case .completionScript(let shell):
            print(CompletionScript.text(for: shell), terminator: "")
        case .complete(let words):
            print(Completer.standard.complete(words).lines.joined(separator: "\n"))
        case .manPages(let directory):
            do {
                try ManPages.write(into: directory)
            } catch {
                RuncLog.fail("writing the manual pages into \(directory): \(error)", logger: nil)
                exit(1)
            }
        }
    }

    /// A usage error on stderr, and in the --log file when one was given before it (where
    /// engines look, as runc logs its own), with the command's usage line.
    static func reportUsage(_ error: UsageError) {
        let logger = error.globals.flatMap { $0.log?.isEmpty == false ? RuncLog.bootstrap($0) : nil }
        let message = error.command.map { "\($0): \(error.message)" } ?? error.message
        RuncLog.fail(message, logger: logger)
        if let name = error.command, let definition = definition(named: name) {
            let text = "Usage: \(HelpText.usage(definition))\nRun 'hako \(name) --help' for its options.\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
        }
    }
}

/// The exit status a command ends with when it is not 0 or 1: `run` and `exec` exit with
/// their process's status.
struct ExitStatus: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}
