/// What a command accepts, written once as data: the parser, the help, the usage errors, the
/// shell completion and the manual pages are all read from it, so they cannot disagree.
///
/// hako defines its command line here rather than with swift-argument-parser: that library
/// builds its parser by reflecting over the command types at every start (1.5 ms of a 4 ms
/// `hako state`, paid on each of the calls an engine makes per container), and it links
/// FoundationEssentials into the binary, which costs every process 0.6-1.2 MiB of peak RSS
/// for code no command runs (bench/README.md, ninth round).
struct CommandDefinition: Sendable {
    var name: String
    /// One line, for the command list and the NAME section.
    var abstract: String
    /// Paragraphs after it, in help and the manual page.
    var discussion: String = ""
    /// A line that shows a typical call: "hako delete --force web".
    var example: String
    var options: [OptionDefinition] = []
    var arguments: [ArgumentDefinition] = []

    /// Where the argument that passes through sits, when the command has one.
    var passthroughIndex: Int? { arguments.firstIndex(where: \.passesThrough) }

    /// The option spelled `spelling` ("--bundle", "-b"), among this command's.
    func option(spelled spelling: String) -> OptionDefinition? {
        options.first { $0.spellings.contains(spelling) }
    }
}

/// One option: a flag (`--detach`) or an option that takes a value (`--bundle DIR`).
struct OptionDefinition: Sendable {
    /// The key the command reads it by ("bundle"): its long name without the dashes.
    var key: String
    /// Every spelling, the long one first: ["--bundle", "-b"].
    var spellings: [String]
    var kind: Kind
    var help: String
    /// Shown as "(default: ...)" in help.
    var defaultText: String?
    /// What completes the option's value.
    var completion: CompletionSource = .none

    enum Kind: Sendable {
        case flag
        /// Takes a value; given twice, the last one counts.
        case value(placeholder: String, ValueKind)
        /// Takes a value each time it is given; every value counts (exec's --env).
        case repeated(placeholder: String, ValueKind)
    }

    var takesValue: Bool {
        if case .flag = kind { return false }
        return true
    }

    var valueKind: ValueKind? {
        switch kind {
        case .flag: return nil
        case .value(_, let valueKind), .repeated(_, let valueKind): return valueKind
        }
    }

    var placeholder: String? {
        switch kind {
        case .flag: return nil
        case .value(let placeholder, _), .repeated(let placeholder, _): return placeholder
        }
    }

    static func flag(_ spellings: String..., help: String) -> OptionDefinition {
        OptionDefinition(key: key(of: spellings), spellings: spellings, kind: .flag, help: help)
    }

    static func value(_ spellings: String..., placeholder: String, _ valueKind: ValueKind = .text, help: String,
                      defaultText: String? = nil, completion: CompletionSource = .none) -> OptionDefinition {
        OptionDefinition(key: key(of: spellings), spellings: spellings, kind: .value(placeholder: placeholder, valueKind),
                         help: help, defaultText: defaultText, completion: completion)
    }

    static func repeated(_ spellings: String..., placeholder: String, _ valueKind: ValueKind = .text, help: String,
                         completion: CompletionSource = .none) -> OptionDefinition {
        OptionDefinition(key: key(of: spellings), spellings: spellings, kind: .repeated(placeholder: placeholder, valueKind),
                         help: help, completion: completion)
    }

    /// "--bundle" of ["--bundle", "-b"] -> "bundle".
    private static func key(of spellings: [String]) -> String {
        let long = spellings.first { $0.hasPrefix("--") } ?? spellings[0]
        return String(long.drop { $0 == "-" })
    }
}

/// What a value must be; checked while parsing, so a command reads it without failing.
enum ValueKind: Equatable, Sendable {
    case text
    /// One of these words.
    case choice([String])
    case integer(IntegerKind)

    /// Nil when `text` is acceptable, else why not.
    func problem(with text: String) -> String? {
        switch self {
        case .text:
            return nil
        case .choice(let words):
            return words.contains(text) ? nil : "expected one of \(words.joined(separator: ", "))"
        case .integer(let kind):
            return kind.accepts(text) ? nil : "expected \(kind.description)"
        }
    }
}

/// The integer types options are read as.
enum IntegerKind: Equatable, Sendable, CustomStringConvertible {
    case int, int32, int64, uint16, uint32, uint64

    func accepts(_ text: String) -> Bool {
        switch self {
        case .int: return Int(text) != nil
        case .int32: return Int32(text) != nil
        case .int64: return Int64(text) != nil
        case .uint16: return UInt16(text) != nil
        case .uint32: return UInt32(text) != nil
        case .uint64: return UInt64(text) != nil
        }
    }

    var description: String {
        switch self {
        case .int, .int32, .int64: return "a whole number"
        case .uint16: return "a whole number from 0 to 65535"
        case .uint32: return "a whole number from 0 to 4294967295"
        case .uint64: return "a whole number, 0 or more"
        }
    }
}

/// A positional argument.
struct ArgumentDefinition: Sendable {
    /// As usage shows it: "container-id".
    var name: String
    var help: String
    var optional = false
    /// This one and everything after it, options included, are passed through as they are
    /// (exec's command, ps's arguments): the first word of them ends hako's own options.
    var passesThrough = false
    var completion: CompletionSource = .none

    /// The id of an existing container, completed from the state root.
    static let containerID = ArgumentDefinition(name: "container-id", help: "The container's id.", completion: .containerIDs)
}

/// Where the candidates for a value come from, when a shell completes it.
enum CompletionSource: Equatable, Sendable {
    case none
    case files
    case directories
    /// The ids under the state root (--root as given on the line being completed).
    case containerIDs
    case words([String])
}
