import Logging
import OCISpec
import Runtime

enum StateCommand: HakoCommand {
    static let definition = CommandDefinition(
        name: "state", abstract: "Print a container's state as JSON.", example: "hako state web", arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        print(RuncJSON.state(try Container.load(id: line.arguments[0], store: line.globals.store).report, indented: true))
    }
}

enum Output {
    /// Prints a value as indented JSON, keys sorted so that the same value prints the same
    /// way every time (`features`, `info`; `state` and `list` keep runc's order: RuncJSON).
    static func json<T: Encodable>(_ value: T) throws {
        print(String(decoding: try JSONCoding.encode(value, pretty: true), as: UTF8.self))
    }
}
