import ArgumentParser
import Foundation
@testable import hako
import Testing

@Suite("command line parsing")
struct CLITests {
    @Test("global flags parse before the command and after it")
    func globalsBothPlaces() throws {
        let before = try Hako.parseAsRoot(["--root", "/r", "--log", "/l", "--log-format=json", "--debug", "state", "c1"])
        let state = try #require(before as? StateCommand)
        #expect(state.global.root == "/r")
        #expect(state.global.log == "/l")
        #expect(state.global.logFormat == .json)
        #expect(state.global.debug)
        #expect(state.id == "c1")
        let after = try #require(try Hako.parseAsRoot(["kill", "--root", "/r2", "--all", "c2", "KILL"]) as? Kill)
        #expect(after.global.root == "/r2")
        #expect(after.all && after.id == "c2" && after.signal == "KILL")
    }

    @Test("default state root: $XDG_RUNTIME_DIR/hako for a user, and for root of a user namespace (rootless podman) unless USER is root")
    func stateRootRule() {
        #expect(Globals.honorsRuntimeDirectory(euid: 1000, inInitialUserNamespace: true, user: "u1"))
        #expect(!Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: true, user: "u1"))
        #expect(Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: false, user: "u1"))
        #expect(Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: false, user: nil))
        #expect(!Globals.honorsRuntimeDirectory(euid: 0, inInitialUserNamespace: false, user: "root"))
    }

    @Test("create takes runc's flags")
    func createFlags() throws {
        let command = try #require(try Hako.parseAsRoot(["create", "-b", "/b", "--console-socket", "/s", "--pid-file", "/p", "--no-pivot", "--no-new-keyring", "--preserve-fds", "2", "c"]) as? Create)
        let options = command.arguments.options
        #expect(options.bundle == "/b" && options.consoleSocket == "/s" && options.pidFile == "/p")
        #expect(options.noPivot && options.noNewKeyring && options.preserveFds == 2 && options.id == "c")
    }

    @Test("defaults: root /run/hako, text logs, bundle ., SIGTERM")
    func defaults() throws {
        let kill = try #require(try Hako.parseAsRoot(["kill", "c"]) as? Kill)
        #expect(kill.global.stateRoot == "/run/hako" && kill.global.logFormat == .text && kill.signal == "SIGTERM")
        let create = try #require(try Hako.parseAsRoot(["create", "c"]) as? Create)
        #expect(create.arguments.bundle == ".")
    }

    @Test("run, delete, list and spec flags")
    func otherFlags() throws {
        let run = try #require(try Hako.parseAsRoot(["run", "-d", "--keep", "c"]) as? Run)
        #expect(run.detach && run.keep)
        let delete = try #require(try Hako.parseAsRoot(["delete", "-f", "c"]) as? Delete)
        #expect(delete.force)
        let list = try #require(try Hako.parseAsRoot(["list", "-f", "json", "-q"]) as? List)
        #expect(list.format == .json && list.quiet)
        let spec = try #require(try Hako.parseAsRoot(["spec", "--rootless", "-b", "/x"]) as? SpecCommand)
        #expect(spec.rootless && spec.bundle == "/x")
    }

    @Test("bad flags are usage errors", arguments: [["--log-format", "xml", "list"], ["list", "--format", "yaml"], ["bogus"], ["create"]])
    func badFlags(arguments: [String]) {
        #expect(throws: (any Error).self) { try Hako.parseAsRoot(arguments) }
    }

    @Test("--help lists every command")
    func helpListsCommands() {
        let help = Hako.helpMessage()
        for command in ["create", "start", "state", "kill", "delete", "run", "list", "spec", "features"] {
            #expect(help.contains("  \(command)"), "\(command) missing from help")
        }
    }
}
