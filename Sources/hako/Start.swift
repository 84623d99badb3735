import ArgumentParser
import Logging
import Runtime

struct Start: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Run the process of a created container.",
        discussion: "Example: hako start web")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, store: global.store, logger: logger)
    }

    static func perform(id: String, store: StateStore, logger: Logger) throws {
        try Container.load(id: id, store: store).start(warn: { logger.warning("\($0)") })
    }
}
