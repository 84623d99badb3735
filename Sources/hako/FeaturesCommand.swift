import ArgumentParser
import Logging
import Runtime

struct FeaturesCommand: HakoCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "Print what this build of hako supports, as JSON.",
        discussion: "Example: hako features | jq .linux.namespaces")

    @OptionGroup var global: GlobalOptions

    func execute(logger: Logger) throws {
        try Output.json(RuntimeFeatures.current(version: Hako.version))
    }
}
