import ArgumentParser
import LinuxSys
import Logging
import Runtime

struct Delete: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a container and what it holds.",
        discussion: "Example: hako delete --force web")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.short, .long], help: "Kill the container first if it is running.") var force = false
    @Argument(help: "The container id.", completion: Completion.containerIDs) var id: String

    func execute(logger: Logger) throws {
        try Self.perform(id: id, force: force, store: global.store, logger: logger)
    }

    static func perform(id: String, force: Bool, store: StateStore, logger: Logger) throws {
        let container: Container
        do {
            container = try Container.load(id: id, store: store)
        } catch {
            // A create killed half-way leaves a directory without state; clear it. With
            // --force a missing container is not an error (engines clean up blindly).
            if (try? store.removeAbandoned(id)) == true { return }
            if force, (try? ContainerID.validate(id)) != nil, !Files.isDirectory(store.directory(of: id)) { return }
            throw error
        }
        try container.delete(force: force, warn: { logger.warning("\($0)") })
    }
}
