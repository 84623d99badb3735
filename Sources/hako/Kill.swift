import Logging
import Runtime

enum Kill: HakoCommand {
    static let definition = CommandDefinition(
        name: "kill", abstract: "Send a signal to a container's init (default SIGTERM).", example: "hako kill --all web KILL",
        options: [.flag("--all", "-a", help: "Send the signal to every process of the container.")],
        arguments: [
            .containerID,
            ArgumentDefinition(name: "signal", help: "The signal, by name (KILL, SIGKILL) or number (9); SIGTERM when none is given.",
                               optional: true, completion: .words(Signals.names)),
        ])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let number = try Signals.parse(line.argument(1) ?? "SIGTERM")
        try Container.load(id: line.arguments[0], store: line.globals.store).kill(signal: number, all: line.flag("all"))
    }
}
