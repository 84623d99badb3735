#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

@main
struct Hako: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "hako",
        abstract: "An OCI container runtime.",
        discussion: "Runs containers from OCI bundles with runc's command line.",
        version: "hako version \(version)\nspec: 1.2.0",
        subcommands: [
            Create.self, Start.self, StateCommand.self, Kill.self, Delete.self, Run.self, Exec.self,
            Pause.self, Resume.self, Ps.self, Events.self, Update.self, Info.self,
            List.self, SpecCommand.self, FeaturesCommand.self,
        ]
    )

    @OptionGroup var global: GlobalOptions

    static func main() {
        // A hook or console peer that goes away must not kill hako with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["-v"] { arguments = ["--version"] }
        main(arguments)
    }
}
