import Runtime

/// Shell completion. The scripts for bash, zsh and fish are small and the same in shape:
/// they call `hako __complete WORD...` with the words typed so far (the last one is the word
/// being completed, maybe empty) and offer what it prints. So what completes where is
/// decided here, from the command definitions, once for every shell.
///
/// What `__complete` prints: a first line `:words` followed by the candidates, one a line,
/// or `:files` / `:directories`, for the shell to complete a path itself.
enum CompletionReply: Equatable {
    case words([String])
    case files
    case directories

    var lines: [String] {
        switch self {
        case .words(let words): return [":words"] + words
        case .files: return [":files"]
        case .directories: return [":directories"]
        }
    }
}

struct Completer {
    /// The container ids under a state root (--root as typed, or nil for the default).
    var containerIDs: @Sendable (String?) -> [String]

    static let standard = Completer { root in ((try? StateStore(root: Globals(root: root).stateRoot).ids()) ?? []).sorted() }

    func complete(_ typed: [String]) -> CompletionReply {
        // bash splits "--root=/x" into "--root", "=" and "/x"; put it back together, and
        // remember that bash replaces only what follows the "=".
        var words: [String] = []
        var splitAtEquals = false
        var index = typed.startIndex
        while index < typed.endIndex {
            let word = typed[index]
            index += 1
            if word == "=", let last = words.last, last.hasPrefix("--"), !last.contains("=") {
                words[words.count - 1] += "=" + (index < typed.endIndex ? typed[index] : "")
                index += 1
                splitAtEquals = index >= typed.endIndex
            } else {
                words.append(word)
                splitAtEquals = false
            }
        }
        let current = words.popLast() ?? ""
        var command: CommandDefinition?
        var helpTopic = false
        var arguments = 0
        var root: String?
        var pending: OptionDefinition?
        var optionsEnded = false
        for word in words {
            if let option = pending {
                if option.key == "root" { root = word }
                pending = nil
                continue
            }
            if let position = command?.passthroughIndex, arguments >= position { return .files }
            if !optionsEnded && CommandLineParser.isOption(word) {
                if word == "--" {
                    optionsEnded = true
                } else if let equals = word.firstIndex(of: "=") {
                    if word[..<equals] == "--root" { root = String(word[word.index(after: equals)...]) }
                } else if let (option, _) = CommandLineParser.find(word, command: command), option.takesValue {
                    pending = option
                }
                continue
            }
            if command == nil && !helpTopic {
                if word == "help" {
                    helpTopic = true
                } else if let found = Hako.definition(named: word) {
                    command = found
                } else {
                    return .words([])
                }
            } else {
                arguments += 1
            }
        }
        /// What `source` offers for `partial`, each with `prefix` in front.
        func candidates(_ source: CompletionSource, partial: Substring, prefix: String = "") -> CompletionReply {
            switch source {
            case .none: return .words([])
            case .files: return .files
            case .directories: return .directories
            case .containerIDs: return .words(containerIDs(root).filter { $0.hasPrefix(partial) }.map { prefix + $0 })
            case .words(let list): return .words(list.filter { $0.hasPrefix(partial) }.map { prefix + $0 })
            }
        }
        if let pending { return candidates(pending.completion, partial: current[...]) }
        if let position = command?.passthroughIndex, arguments >= position { return .files }
        if !optionsEnded && current.hasPrefix("-") {
            if let equals = current.firstIndex(of: "="), current.hasPrefix("--") {
                let spelling = String(current[..<equals])
                guard let (option, _) = CommandLineParser.find(spelling, command: command), option.takesValue else { return .words([]) }
                // bash replaces only what follows the "=", zsh and fish the whole word.
                return candidates(option.completion, partial: current[current.index(after: equals)...],
                                  prefix: splitAtEquals ? "" : spelling + "=")
            }
            let options = (command?.options ?? []) + GlobalOptions.definitions
            let spellings = options.flatMap(\.spellings) + ["--help"] + (command == nil ? ["--version"] : [])
            return .words(spellings.filter { $0.hasPrefix(current) }.sorted())
        }
        if command == nil {
            if helpTopic && arguments > 0 { return .words([]) }
            let names = Hako.commands.map(\.name) + (helpTopic ? [] : ["help"])
            return .words(names.filter { $0.hasPrefix(current) })
        }
        guard let command, arguments < command.arguments.count else { return .words([]) }
        return candidates(command.arguments[arguments].completion, partial: current[...])
    }
}

/// The completion scripts `--generate-completion-script SHELL` prints (scripts/install.sh
/// installs them). Each calls the hako it completes for, by the name typed.
enum CompletionScript {
    static func text(for shell: String) -> String {
        switch shell {
        case "zsh": return zsh
        case "fish": return fish
        default: return bash
        }
    }

    static let bash = #"""
        # bash completion for hako
        _hako() {
            local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n'
            # "--root=" is split into "--root" and "="; complete what follows the "=".
            [ "$cur" = "=" ] && cur=
            local reply
            reply=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null))
            case ${reply[0]} in
            :files) COMPREPLY=($(compgen -f -- "$cur")) ;;
            :directories) COMPREPLY=($(compgen -d -- "$cur")) ;;
            *) COMPREPLY=("${reply[@]:1}") ;;
            esac
        }
        complete -o filenames -F _hako hako

        """#

    static let zsh = #"""
        #compdef hako
        # zsh completion for hako
        _hako() {
            local -a reply
            reply=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
            case $reply[1] in
            :files) _files ;;
            :directories) _files -/ ;;
            *) compadd -- "${(@)reply[2,-1]}" ;;
            esac
        }
        if [ "$funcstack[1]" = "_hako" ]; then
            _hako "$@"
        else
            compdef _hako hako
        fi

        """#

    static let fish = #"""
        # fish completion for hako
        function __hako_complete
            set -l typed (commandline -opc)
            set -l current (commandline -ct)
            set -l reply ($typed[1] __complete $typed[2..-1] "$current" 2>/dev/null)
            switch "$reply[1]"
                case :files
                    __fish_complete_path "$current"
                case :directories
                    __fish_complete_directories "$current"
                case '*'
                    printf '%s\n' $reply[2..-1]
            end
        end
        complete -c hako -f -a '(__hako_complete)'

        """#
}
