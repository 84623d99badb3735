/// What a command line asks hako to do.
enum Invocation {
    case command(ParsedCommand)
    /// `hako --help`, `hako help [COMMAND]`, `hako COMMAND --help`; nil: the command list.
    case help(command: String?)
    case version
    /// `--generate-completion-script SHELL`: the script for bash, zsh or fish.
    case completionScript(shell: String)
    /// `__complete WORD...`: what the completion scripts call with the words typed so far.
    case complete(words: [String])
    /// `--generate-man-pages DIR`: hako.8 and hako-COMMAND.8 written into DIR.
    case manPages(directory: String)
}

/// A command line a command runs with: its options' values (checked against their kinds),
/// its arguments and what it passes through.
struct ParsedCommand {
    var definition: CommandDefinition
    var globals: Globals
    /// By option key; a flag's values are "true" or "false".
    var values: [String: [String]] = [:]
    var arguments: [String] = []
    var passthrough: [String] = []

    var name: String { definition.name }

    func flag(_ key: String) -> Bool { values[key]?.last == "true" }
    func value(_ key: String) -> String? { values[key]?.last }
    func values(_ key: String) -> [String] { values[key] ?? [] }
    func argument(_ index: Int) -> String? { index < arguments.count ? arguments[index] : nil }

    /// An integer option's value; the parser checked that it reads as this type.
    func number<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) -> T? {
        value(key).flatMap { T($0) }
    }

    func numbers<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) -> [T] {
        values(key).compactMap { T($0) }
    }
}

/// A command line hako cannot take: the message names the option or argument and why.
struct UsageError: Error, Equatable {
    var message: String
    /// The command it was given to, when one was named: its help is the one to point to.
    var command: String?
    /// The global options read before the mistake (a --log to report it to).
    var globals: Globals?
}

/// Reads a command line against the command definitions, the way runc's users write it:
/// global options before or after the command name, options before, between and after the
/// arguments (until the first word a command passes through), `--name value`,
/// `--name=value`, `-n value`, `-nvalue`, combined short flags (`-dt`), Go's `--flag=false`,
/// and `--` to end the options. A value is taken as it is, even when it starts with a dash
/// (`update --memory -1`), as Go's flag package takes it.
/// Only the definition of the command named is built.
enum CommandLineParser {
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        if arguments.first == "__complete" { return .complete(words: Array(arguments.dropFirst())) }
        var globalValues: [String: [String]] = [:]
        var command: CommandDefinition?
        var values: [String: [String]] = [:]
        var positionals: [String] = []
        var passthrough: [String] = []
        var helpAsked = false
        var helpTopic: String??
        var versionAsked = false
        var optionsEnded = false
        var index = 0

        func fail(_ message: String) -> UsageError {
            UsageError(message: message, command: command?.name, globals: Self.globals(from: globalValues))
        }

        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if let position = command?.passthroughIndex, positionals.count == position {
                // The first word after the arguments before it is passed through with all
                // that follows, options included (`exec ID sh -c ...`, as runc takes it);
                // one "--" there is the separator, not part of it.
                passthrough = Array(arguments[(argument == "--" && !optionsEnded ? index : index - 1)...])
                break
            }
            if optionsEnded || !Self.isOption(argument) {
                if command != nil {
                    positionals.append(argument)
                } else if let topic = helpTopic {
                    // `hako help TOPIC`: the first word after "help" names the command.
                    if topic == nil { helpTopic = .some(argument) }
                } else if argument == "help" {
                    helpTopic = .some(nil)
                } else if let found = Hako.definition(named: argument) {
                    command = found
                } else {
                    throw fail(Self.unknownCommand(argument))
                }
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            for (spelling, inline) in Self.split(argument, command: command) {
                if command == nil && (spelling == "--version" || spelling == "-v") {
                    versionAsked = true
                } else if spelling == "--help" || spelling == "-h" {
                    helpAsked = true
                } else if let (option, isGlobal) = Self.find(spelling, command: command) {
                    let value: String
                    do {
                        value = try Self.value(of: option, spelling: spelling, inline: inline, arguments: arguments, index: &index)
                    } catch {
                        throw fail(error.message)
                    }
                    if isGlobal {
                        Self.record(value, for: option, in: &globalValues)
                    } else {
                        Self.record(value, for: option, in: &values)
                    }
                } else if command == nil, let generator = Self.generators[spelling] {
                    // Looked up only for what no option spells, off the engines' path.
                    guard let value = inline ?? (index < arguments.count ? arguments[index] : nil) else {
                        throw fail("\(spelling) needs a value")
                    }
                    do { return try generator(value) } catch { throw fail(error.message) }
                } else {
                    let shown = spelling == argument || argument.hasPrefix("--") ? spelling : "\(spelling) (in \(argument))"
                    throw fail("unknown option \(shown)")
                }
            }
        }
        if versionAsked { return .version }
        if helpAsked || helpTopic != nil {
            let topic = helpTopic.flatMap { $0 } ?? command?.name
            if let topic, Hako.definition(named: topic) == nil { throw UsageError(message: Self.unknownCommand(topic)) }
            return .help(command: topic)
        }
        guard let command else { return .help(command: nil) }
        let fixed = command.arguments.filter { !$0.passesThrough }
        if positionals.count < fixed.filter({ !$0.optional }).count {
            throw fail("missing <\(fixed[positionals.count].name)>")
        }
        if positionals.count > fixed.count {
            throw fail("unexpected argument \"\(positionals[fixed.count])\"")
        }
        return .command(ParsedCommand(definition: command, globals: Self.globals(from: globalValues), values: values,
                                      arguments: positionals, passthrough: passthrough))
    }

    /// The options before the command that make something other than a command run.
    private static let generators: [String: @Sendable (String) throws(UsageError) -> Invocation] = [
        "--generate-man-pages": { directory in .manPages(directory: directory) },
        "--generate-completion-script": { shell throws(UsageError) in
            guard ["bash", "zsh", "fish"].contains(shell) else {
                throw UsageError(message: "--generate-completion-script \"\(shell)\": expected bash, zsh or fish")
            }
            return .completionScript(shell: shell)
        },
    ]

    /// The options one argument spells, each with the value written into it: "--name=value"
    /// is one, "-dt" two flags, "-bDIR" and "-b=DIR" one option with its value.
    static func split(_ argument: String, command: CommandDefinition?) -> [(spelling: String, inline: String?)] {
        if argument.hasPrefix("--") {
            guard let equals = argument.firstIndex(of: "=") else { return [(argument, nil)] }
            return [(String(argument[..<equals]), String(argument[argument.index(after: equals)...]))]
        }
        if argument.count == 2 || find(argument, command: command) != nil { return [(argument, nil)] }
        var spellings: [(spelling: String, inline: String?)] = []
        var rest = argument.dropFirst()
        while let letter = rest.first {
            rest = rest.dropFirst()
            let spelling = "-" + String(letter)
            if let option = find(spelling, command: command), option.definition.takesValue, !rest.isEmpty {
                spellings.append((spelling, String(rest.hasPrefix("=") ? rest.dropFirst() : rest)))
                break
            }
            spellings.append((spelling, nil))
        }
        return spellings
    }

    /// An option's value: written into the argument, else the next argument whatever it is;
    /// checked against the option's kind. A flag's is "true" unless `--flag=false`.
    private static func value(of option: OptionDefinition, spelling: String, inline: String?, arguments: [String],
                              index: inout Int) throws(UsageError) -> String {
        guard option.takesValue else {
            guard let inline else { return "true" }
            guard let parsed = parseBool(inline) else { throw UsageError(message: "\(spelling)=\(inline): a flag takes true or false") }
            return parsed ? "true" : "false"
        }
        let value: String
        if let inline {
            value = inline
        } else if index < arguments.count {
            value = arguments[index]
            index += 1
        } else {
            throw UsageError(message: "\(spelling) needs a value (\(option.placeholder ?? "VALUE"))")
        }
        if let problem = option.valueKind?.problem(with: value) {
            throw UsageError(message: "\(spelling) \"\(value)\": \(problem)")
        }
        return value
    }

    /// runc's words for it ("No help topic"), which scripts written for runc look for.
    static func unknownCommand(_ name: String) -> String {
        "unknown command \"\(name)\" (No help topic for '\(name)')"
    }

    /// An option, a flag or "--": anything but "-" and words.
    static func isOption(_ argument: String) -> Bool {
        argument.hasPrefix("-") && argument != "-"
    }

    /// The command's option or the global one spelled so.
    static func find(_ spelling: String, command: CommandDefinition?) -> (definition: OptionDefinition, global: Bool)? {
        if let option = command?.option(spelled: spelling) { return (option, false) }
        if let option = GlobalOptions.definitions.first(where: { $0.spellings.contains(spelling) }) { return (option, true) }
        return nil
    }

    private static func record(_ value: String, for option: OptionDefinition, in values: inout [String: [String]]) {
        if case .repeated = option.kind {
            values[option.key, default: []].append(value)
        } else {
            values[option.key] = [value]
        }
    }

    /// Go's strconv.ParseBool, which runc's flags accept: `--systemd-cgroup=false`.
    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }

    /// The global options' values as `Globals`.
    static func globals(from values: [String: [String]]) -> Globals {
        Globals(root: values["root"]?.last, log: values["log"]?.last,
                // Checked against its choices while parsing.
                logFormat: values["log-format"]?.last.flatMap(LogFormat.init) ?? .text,
                debug: values["debug"]?.last == "true", systemdCgroup: values["systemd-cgroup"]?.last == "true",
                criu: values["criu"]?.last ?? "criu")
    }
}
