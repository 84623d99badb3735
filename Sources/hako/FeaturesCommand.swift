import Logging
import Runtime

enum FeaturesCommand: HakoCommand {
    static let definition = CommandDefinition(
        name: "features", abstract: "Print what this build of hako supports, as JSON.", example: "hako features | jq .linux.namespaces")

    static func run(_ line: ParsedCommand, logger: Logger) throws {
        try Output.json(RuntimeFeatures.current(version: Hako.version, criu: line.globals.criu))
    }
}
