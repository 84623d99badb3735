import ArgumentParser
import Logging
import OCISpec
import Runtime

struct StateCommand: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Print a container's state as JSON.",
        discussion: "Example: hako state web")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, store: global.store)
    }

    static func perform(id: String, store: StateStore) throws {
        print(RuncJSON.state(try Container.load(id: id, store: store).report, indented: true))
    }
}

enum Output {
    /// Prints a value as indented JSON, keys sorted so that the same value prints the same
    /// way every time (`features`, `info`; `state` and `list` keep runc's order: RuncJSON).
    static func json<T: Encodable>(_ value: T) throws {
        print(String(decoding: try JSONCoding.encode(value, pretty: true), as: UTF8.self))
    }
}
