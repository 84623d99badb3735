import ArgumentParser
import FoundationEssentials
import Logging
import Runtime

struct StateCommand: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Print a container's state as JSON.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, store: global.store)
    }

    static func perform(id: String, store: StateStore) throws {
        try Output.json(try Container.load(id: id, store: store).report)
    }
}

enum Output {
    /// Prints a value as indented JSON, as runc does.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        // Sorted keys: the same state prints the same way every time.
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes, .sortedKeys]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }
}
