import ArgumentParser
import Logging
import Runtime

struct Start: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Run the process of a created container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute(logger: Logger) throws {
        try Container.load(id: id, store: global.store).start(warn: { logger.warning("\($0)") })
    }
}
