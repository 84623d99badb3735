import LinuxSys

/// The manual pages, hako(8) and hako-COMMAND(8) (`man hako-exec`, as runc-exec(8)), written
/// in man(7) from the same definitions as `--help`, so the two cannot drift apart.
/// scripts/install.sh writes them with `hako --generate-man-pages DIR`.
enum ManPages {
    static func write(into directory: String) throws(SysError) {
        try Files.makeDirectories(directory)
        try Files.write(directory + "/hako.8", overview())
        for (name, type) in Hako.commands {
            try Files.write(directory + "/hako-\(name).8", page(type.definition))
        }
    }

    /// hako(8): what hako is, its global options and the list of commands.
    static func overview() -> String {
        var text = header("HAKO")
        text += ".SH NAME\nhako \\- \(escape(Hako.abstract))\n"
        text += ".SH SYNOPSIS\n.B hako\n[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR...]\n"
        text += ".SH DESCRIPTION\n\(escape(Hako.discussion))\n"
        text += ".SH COMMANDS\n"
        for (name, type) in Hako.commands {
            text += ".TP\n.BR hako\\-\(name) (8)\n\(escape(type.definition.abstract))\n"
        }
        text += ".SH GLOBAL OPTIONS\n" + options(GlobalOptions.definitions)
        text += ".TP\n.BR \\-\\-version \", \" \\-v\nPrint the version.\n"
        return text
    }

    /// hako-COMMAND(8).
    static func page(_ command: CommandDefinition) -> String {
        var text = header("HAKO-" + command.name.uppercased())
        text += ".SH NAME\nhako\\-\(command.name) \\- \(escape(command.abstract))\n"
        text += ".SH SYNOPSIS\n.B hako\n[\\fIglobal options\\fR]\n.B \(command.name)\n[\\fIoptions\\fR]"
        for argument in command.arguments {
            text += " " + escape(HelpText.argumentSynopsis(argument))
        }
        text += "\n.SH DESCRIPTION\n"
        for paragraph in HelpText.paragraphs(command.discussion) {
            text += escape(paragraph) + "\n.PP\n"
        }
        text += "Example: \(escape(command.example))\n"
        if !command.arguments.isEmpty {
            text += ".SH ARGUMENTS\n"
            for argument in command.arguments {
                text += ".TP\n.I \(escape(argument.name))\n\(escape(argument.help))\n"
            }
        }
        if !command.options.isEmpty {
            text += ".SH OPTIONS\n" + options(command.options)
        }
        text += ".SH SEE ALSO\n.BR hako (8)\n"
        return text
    }

    private static func header(_ title: String) -> String {
        ".TH \(title) 8 \"\" \"hako \(Hako.version)\" \"System Administration\"\n"
    }

    private static func options(_ options: [OptionDefinition]) -> String {
        var text = ""
        for option in options {
            let spellings = option.spellings.map { "\\fB\(escape($0))\\fR" + (option.placeholder.map { " \\fI\($0)\\fR" } ?? "") }
            text += ".TP\n" + spellings.joined(separator: ", ") + "\n"
            var help = option.help
            if case .repeated = option.kind { help += " Repeatable." }
            if let defaultText = option.defaultText { help += " Default: \(defaultText)." }
            text += escape(help) + "\n"
        }
        return text
    }

    /// Text safe in a man page: backslashes and dashes escaped, a line that would start with
    /// a control character guarded.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            default: out.append(character)
            }
        }
        return out.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") || $0.hasPrefix("'") ? "\\&" + $0 : String($0) }
            .joined(separator: "\n")
    }
}
