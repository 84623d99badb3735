import ArgumentParser
import Logging
import Runtime

struct Pause: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Freeze every process of a container.",
        discussion: "Example: hako pause web")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, store: global.store)
    }

    static func perform(id: String, store: StateStore) throws {
        try Container.load(id: id, store: store).pause()
    }
}

struct Resume: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Thaw a paused container.",
        discussion: "Example: hako resume web")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, store: global.store)
    }

    static func perform(id: String, store: StateStore) throws {
        try Container.load(id: id, store: store).resume()
    }
}
