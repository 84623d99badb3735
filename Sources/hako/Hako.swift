#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CBuildInfo
import OCISpec
import Runtime

@main
struct Hako: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "hako",
        abstract: "An OCI container runtime.",
        discussion: "Runs containers from OCI bundles with runc's command line.",
        version: versionText,
        subcommands: commands.map(\.type)
    )

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

    /// Every command by the name it is called with, in the order of the help.
    static let commands: [(name: String, type: any ParsableCommand.Type)] = [
        ("create", Create.self), ("start", Start.self), ("state", StateCommand.self), ("kill", Kill.self),
        ("delete", Delete.self), ("run", Run.self), ("exec", Exec.self), ("pause", Pause.self), ("resume", Resume.self),
        ("ps", Ps.self), ("events", Events.self), ("update", Update.self), ("info", Info.self), ("list", List.self),
        ("spec", SpecCommand.self), ("features", FeaturesCommand.self), ("checkpoint", Checkpoint.self), ("restore", Restore.self),
    ]


    @OptionGroup var global: GlobalOptions

    static func main() {
        // A hook or console peer that goes away must not kill hako with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let arguments = Array(CommandLine.arguments.dropFirst())
        // Also after global options: engines and test harnesses put --root first.
        if let last = arguments.last, last == "-v" || last == "--version", areGlobalOptions(arguments.dropLast()) {
            // Engines ask for it often (containerd and podman at start-up); no parser needed.
            print(versionText)
            return
        }
        // Completion scripts and what they call back: the full parser's own business.
        if arguments.first?.hasPrefix("---completion") == true || arguments.contains("--generate-completion-script") {
            main(arguments)
            return
        }
        // What engines send for every container, by hand (see FastCommandLine).
        if let line = FastCommandLine.parse(arguments) {
            do {
                try FastCommandLine.run(line)
            } catch let code as ExitCode {
                Glibc.exit(code.rawValue)
            } catch {
                exit(withError: error)
            }
            return
        }
        // Other well-formed commands: swift-argument-parser parses only
        // the command named: building the parser of all of them costs more than the rest of
        // `hako state`. Anything the command alone does not accept goes to the full parser,
        // which also prints help and usage errors as `hako COMMAND`.
        if let (command, commandArguments) = direct(arguments), var parsed = try? command.parse(commandArguments) {
            do {
                try parsed.run()
            } catch let code as ExitCode {
                // Not exit(withError:), which lays out help text even for a plain status.
                Glibc.exit(code.rawValue)
            } catch {
                exit(withError: error)
            }
            return
        }
        if let name = commandName(arguments), name != "help", !commands.contains(where: { $0.name == name }) {
            // The parser would print the top-level help for "hako foo -h" and exit 0.
            _ = "hako: unknown command \"\(TerminalText.escaped(name))\" (No help topic for '\(TerminalText.escaped(name))')\n".withCString { Glibc.write(2, $0, strlen($0)) }
            Glibc.exit(1)
        }
        main(arguments)
    }

    /// Where the global options (and their values) at the start of `arguments` end: the
    /// index of the first argument that is none of them.
    static func endOfGlobals(_ arguments: ArraySlice<String>) -> Int {
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if FastCommandLine.globalFlags[argument] != nil {
                index += 1
            } else if FastCommandLine.globalOptions[argument] != nil, index + 1 < arguments.endIndex {
                index += 2
            } else if let equals = argument.firstIndex(of: "="), FastCommandLine.globalOptions[String(argument[..<equals])] != nil {
                index += 1
            } else {
                break
            }
        }
        return index
    }

    /// The first argument that is neither an option nor a global option's value: the
    /// command's name.
    static func commandName(_ arguments: [String]) -> String? {
        var index = 0
        while case let end = endOfGlobals(arguments[index...]), end < arguments.count {
            if !arguments[end].hasPrefix("-") { return arguments[end] }
            index = end + 1
        }
        return nil
    }

    /// Whether `arguments` are global options and their values, nothing else.
    static func areGlobalOptions(_ arguments: ArraySlice<String>) -> Bool {
        endOfGlobals(arguments) == arguments.endIndex
    }

    /// The command named in `arguments` and its arguments, global options included (every
    /// command has them), or nil when the full parser should look: help, version, an
    /// unknown option before the command name, no command.
    static func direct(_ arguments: [String]) -> (any ParsableCommand.Type, [String])? {
        let index = endOfGlobals(arguments[...])
        guard index < arguments.count, !arguments[index].hasPrefix("-"),
              let command = commands.first(where: { $0.name == arguments[index] })?.type else { return nil }
        let rest = arguments[(index + 1)...]
        if rest.contains(where: { $0 == "--help" || $0 == "-h" || $0 == "--version" }) { return nil }
        // Globals first: exec and ps pass what follows the id through untouched.
        return (command, Array(arguments[..<index]) + Array(rest))
    }
}
