/// `--help` as runc lays it out (NAME, USAGE, DESCRIPTION, OPTIONS), from the definitions.
enum HelpText {
    static let width = 80

    /// `hako --help`: the commands and the global options.
    static func overview() -> String {
        var text = section("NAME", "hako - \(Hako.abstract)")
        text += section("USAGE", "hako [global options] <command> [options] [arguments...]")
        text += section("VERSION", Hako.version)
        text += section("DESCRIPTION", wrap(Hako.discussion, indent: 3))
        let names = Hako.commands.map(\.name) + ["help"]
        let abstracts = Hako.commands.map { $0.type.definition.abstract } + ["Show the commands, or one command's help."]
        text += section("COMMANDS", table(zip(names, abstracts).map { ($0, $1) }))
        text += section("GLOBAL OPTIONS", table(optionRows(GlobalOptions.definitions) + [
            ("--help, -h", "Show this help."), ("--version, -v", "Print the version."),
        ]))
        return text + "Run 'hako help <command>' for a command's options.\n"
    }

    /// `hako COMMAND --help`.
    static func command(_ command: CommandDefinition) -> String {
        var text = section("NAME", wrap("hako \(command.name) - \(command.abstract)", indent: 3))
        text += section("USAGE", usage(command))
        var description = command.discussion.isEmpty ? [] : paragraphs(command.discussion)
        description.append("Example: \(command.example)")
        text += section("DESCRIPTION", description.map { wrap($0, indent: 3) }.joined(separator: "\n\n"))
        if !command.arguments.isEmpty {
            text += section("ARGUMENTS", table(command.arguments.map { (argumentSynopsis($0), $0.help) }))
        }
        text += section("OPTIONS", table(optionRows(command.options) + [("--help, -h", "Show this help.")]))
        let globals = GlobalOptions.definitions.map { $0.spellings[0] }.joined(separator: ", ")
        return text + wrap("Global options (\(globals)) go before or after the command name: see 'hako --help'.", indent: 0) + "\n"
    }

    /// "hako exec [options] <container-id> [<command>...]"
    static func usage(_ command: CommandDefinition) -> String {
        (["hako", command.name, "[options]"] + command.arguments.map(argumentSynopsis)).joined(separator: " ")
    }

    static func argumentSynopsis(_ argument: ArgumentDefinition) -> String {
        if argument.passesThrough { return "[<\(argument.name)>...]" }
        return argument.optional ? "[<\(argument.name)>]" : "<\(argument.name)>"
    }

    /// "--bundle, -b DIR" and the help with its default, for each visible option.
    static func optionRows(_ options: [OptionDefinition]) -> [(String, String)] {
        options.map { option in
            var spelling = option.spellings.joined(separator: ", ")
            if let placeholder = option.placeholder { spelling += " " + placeholder }
            if case .repeated = option.kind { spelling += " ..." }
            let help = option.defaultText.map { "\(option.help) (default: \($0))" } ?? option.help
            return (spelling, help)
        }
    }

    private static func section(_ title: String, _ body: String) -> String {
        "\(title):\n" + (body.hasPrefix("   ") ? body : "   " + body) + "\n\n"
    }

    /// Two columns: the left one as wide as its widest entry (up to 30), the right one
    /// wrapped; a left entry wider than that gets its own line.
    static func table(_ rows: [(String, String)]) -> String {
        let column = min(30, (rows.map(\.0.count).max() ?? 0) + 3 + 3)
        return rows.map { left, right in
            let lead = "   " + left
            let body = wrap(right, indent: column)
            let bodyText = body.dropFirst(column)
            if lead.count + 2 <= column {
                return lead + String(repeating: " ", count: column - lead.count) + bodyText
            }
            return lead + "\n" + body
        }.joined(separator: "\n")
    }

    /// Text split into paragraphs at blank lines.
    static func paragraphs(_ text: String) -> [String] {
        // Lines, grouped at the empty ones (not split(separator: "\n\n"), which would link
        // the regex module: see `includes`).
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
        return paragraphs
    }

    /// `text` filled to `width` columns, every line indented by `indent` spaces.
    static func wrap(_ text: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(pad + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(pad + line)
        return lines.joined(separator: "\n")
    }
}
