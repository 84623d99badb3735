import ArgumentParser
import Logging
import Runtime

struct Kill: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to a container's init (default SIGTERM).",
        discussion: "Example: hako kill --all web KILL")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .long], help: "Send the signal to every process of the container.") var all = false
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String
    @Argument(help: "The signal, by name (KILL, SIGKILL) or number (9).") var signal: String = "SIGTERM"

    func execute(logger: Logger) throws {
        try Self.perform(id: id, signal: signal, all: all, store: global.store)
    }

    static func perform(id: String, signal: String, all: Bool, store: StateStore) throws {
        let number = try Signals.parse(signal)
        try Container.load(id: id, store: store).kill(signal: number, all: all)
    }
}
