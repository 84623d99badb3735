import ArgumentParser
import Logging
import Runtime

struct Pause: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Freeze every process of a container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, store: global.store)
    }

    static func perform(id: String, store: StateStore) throws {
        try Container.load(id: id, store: store).pause()
    }
}

struct Resume: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Thaw a paused container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, store: global.store)
    }

    static func perform(id: String, store: StateStore) throws {
        try Container.load(id: id, store: store).resume()
    }
}
