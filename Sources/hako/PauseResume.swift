import Logging
import Runtime

enum Pause: HakoCommand {
    static let definition = CommandDefinition(
        name: "pause", abstract: "Freeze every process of a container.", example: "hako pause web", arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        try Container.load(id: line.arguments[0], store: line.globals.store).pause()
    }
}

enum Resume: HakoCommand {
    static let definition = CommandDefinition(
        name: "resume", abstract: "Thaw a paused container.", example: "hako resume web", arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        try Container.load(id: line.arguments[0], store: line.globals.store).resume()
    }
}
