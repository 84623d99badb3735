import LinuxSys
import Logging
import Runtime

enum Delete: HakoCommand {
    static let definition = CommandDefinition(
        name: "delete", abstract: "Delete a container and what it holds.", example: "hako delete --force web",
        options: [.flag("--force", "-f", help: "Kill the container first if it is running.")],
        arguments: [.containerID])

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        let id = line.arguments[0], force = line.flag("force"), store = line.globals.store
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
