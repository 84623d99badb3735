import Logging
import Runtime

enum Start: HakoCommand {
    static let definition = CommandDefinition(
        name: "start", abstract: "Run the process of a created container.", example: "hako start web", arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        try Container.load(id: line.arguments[0], store: line.globals.store).start(warn: { logger.warning("\($0)") })
    }
}
