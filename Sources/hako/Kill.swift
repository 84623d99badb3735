import ArgumentParser
import Logging
import Runtime

struct Kill: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to a container's init (default SIGTERM).")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .long], help: "Send the signal to every process of the container.") var all = false
    @Argument(help: "The container id.") var id: String
    @Argument(help: "The signal, by name (KILL, SIGKILL) or number (9).") var signal: String = "SIGTERM"

    func execute(logger: Logger) throws {
        let number = try Signals.parse(signal)
        try Container.load(id: id, store: global.store).kill(signal: number, all: all)
    }
}
