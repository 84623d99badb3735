@testable import hako
import Testing

@Suite("command line: help, completion and manual pages from the definitions")
struct CLITests {
    @Test("default state root: $XDG_RUNTIME_DIR/hako for a user, and for root of a user namespace (rootless podman) unless USER is root")
    func stateRootRule() {
        #expect(Globals.honorsRuntimeDirectory(euid: 1000, inInitialUserNamespace: true, user: "u1"))
        #expect(!Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: true, user: "u1"))
        #expect(Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: false, user: "u1"))
        #expect(Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: false, user: nil))
        #expect(!Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: false, user: "root"))
    }

    @Test("hako --help: runc's sections, every command with its abstract, the global options")
    func overview() {
        let help = HelpText.overview()
        #expect(help.hasPrefix("NAME:\n   hako - "))
        for section in ["USAGE:", "DESCRIPTION:", "COMMANDS:", "GLOBAL OPTIONS:"] {
            #expect(help.contains("\n\(section)\n"), "\(section)")
        }
        for (name, _) in Hako.commands {
            #expect(help.contains("\n   \(name) "), "\(name) missing")
        }
        for spelling in ["--root DIR", "--log FILE", "--log-format FORMAT", "--debug", "--systemd-cgroup", "--version, -v"] {
            #expect(help.contains("   \(spelling)"), "\(spelling) missing")
        }
        #expect(help.split(separator: "\n").allSatisfy { $0.count <= HelpText.width }, "\(help)")
    }

    @Test("each command's help: usage, example, every option with its spellings and placeholder, within 80 columns")
    func commandHelp() {
        for (name, type) in Hako.commands {
            let definition = type.definition
            let help = HelpText.command(definition)
            #expect(help.hasPrefix("NAME:\n   hako \(name) - \(definition.abstract.prefix(20))"), "\(name)")
            #expect(help.contains("USAGE:\n   hako \(name) [options]"), "\(name)")
            #expect(help.contains("Example: \(definition.example.prefix(30))"), "\(name)")
            for option in definition.options {
                let shown = option.spellings.joined(separator: ", ") + (option.placeholder.map { " " + $0 } ?? "")
                #expect(help.contains("   " + shown), "\(name): \(shown)")
            }
            // Only a word longer than a line may overrun it.
            for line in help.split(separator: "\n") where line.count > HelpText.width {
                #expect(!line.dropFirst(3).contains(" "), "\(name): \(line)")
            }
        }
        #expect(HelpText.usage(Exec.definition) == "hako exec [options] <container-id> [<command>...]")
        #expect(HelpText.usage(Kill.definition) == "hako kill [options] <container-id> [<signal>]")
    }

    @Test("wrapping fills lines to the width and keeps every word")
    func wrapping() {
        let text = (1...40).map { "word\($0)" }.joined(separator: " ")
        let wrapped = HelpText.wrap(text, indent: 7)
        let lines = wrapped.split(separator: "\n")
        #expect(lines.count > 1 && lines.allSatisfy { $0.count <= 80 && $0.hasPrefix("       w") })
        #expect(lines.dropLast().allSatisfy { $0.count > 70 })
        #expect(wrapped.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") == text)
    }

    /// A completer over the real definitions, with ids from a table instead of a state root.
    let completer = Completer { root in root == "/other" ? ["other1"] : ["web", "web2", "db"] }

    @Test("completion: what each position of a line offers", arguments: [
        ([""], .words(Hako.commands.map(\.name) + ["help"])),
        (["st"], .words(["start", "state"])),
        (["help", "ex"], .words(["exec"])),
        (["state", ""], .words(["web", "web2", "db"])),
        (["--root", "/other", "kill", ""], .words(["other1"])),
        (["--root=/other", "pause", "o"], .words(["other1"])),
        (["delete", "-f", "we"], .words(["web", "web2"])),
        (["kill", "web", "KI"], .words(["KILL"])),
        (["kill", "web", "KILL", ""], .words([])),
        (["state", "web", ""], .words([])),
        (["--log-format", ""], .words(["text", "json"])),
        (["list", "--format", "j"], .words(["json"])),
        (["create", "--bundle", ""], .directories),
        (["create", "-b", "/tm"], .directories),
        (["--log", "/tmp/"], .files),
        (["exec", "web", ""], .files),
        (["exec", "-t", "web", "sh", "-c", ""], .files),
        (["list", "--q"], .words(["--quiet"])),
        (["--sys"], .words(["--systemd-cgroup"])),
        (["--ve"], .words(["--version"])),
        (["bogus", ""], .words([])),
        // zsh and fish pass "--log-format=js" whole; bash splits it at "=" and replaces only "js".
        (["--log-format=js"], .words(["--log-format=json"])),
        (["--log-format", "=", "js"], .words(["json"])),
        (["--root", "=", "/other", "state", ""], .words(["other1"])),
    ] as [([String], CompletionReply)])
    func completion(words: [String], expected: CompletionReply) {
        #expect(completer.complete(words) == expected)
    }

    @Test("what __complete prints: a directive line, then the words")
    func completionLines() {
        #expect(CompletionReply.words(["a", "b"]).lines == [":words", "a", "b"])
        #expect(CompletionReply.files.lines == [":files"])
        #expect(CompletionReply.directories.lines == [":directories"])
    }

    @Test("manual pages: man(7) with every option, escaped, and the commands cross-referenced")
    func manPages() {
        let overview = ManPages.overview()
        #expect(overview.hasPrefix(".TH HAKO 8 "))
        for (name, _) in Hako.commands {
            #expect(overview.contains(".BR hako\\-\(name) (8)"), "\(name)")
        }
        let exec = ManPages.page(Exec.definition)
        #expect(exec.hasPrefix(".TH HAKO-EXEC 8 "))
        #expect(exec.contains(".SH NAME\nhako\\-exec \\- Run a new process"))
        #expect(exec.contains("\\fB\\-\\-env\\fR \\fINAME=VALUE\\fR, \\fB\\-e\\fR \\fINAME=VALUE\\fR"))
        #expect(exec.contains("\nExample: hako exec \\-\\-tty"))
        #expect(exec.contains(".SH SEE ALSO\n.BR hako (8)"))
        // No text line may start with a control character.
        #expect(ManPages.escape(".hidden\n'quoted\\") == "\\&.hidden\n\\&'quoted\\e")
        for (_, type) in Hako.commands {
            let page = ManPages.page(type.definition)
            let lines = page.split(separator: "\n")
            let macros: Set<Substring> = [".TH", ".SH", ".TP", ".B", ".BR", ".I", ".RS", ".RE", ".PP", ".nf", ".fi"]
            for line in lines where line.hasPrefix(".") || line.hasPrefix("'") {
                #expect(macros.contains(line.split(separator: " ")[0]), "\(type.definition.name): \(line)")
            }
        }
    }
}
