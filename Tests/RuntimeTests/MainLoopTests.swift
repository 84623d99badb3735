#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import OCISpec
import Testing
@testable import Runtime

/// main's loop over a child's messages (`MainEnd.serve`), driven over a real socketpair by a
/// "child" end in the same process: what every child may say is handled the same way for
/// create's intermediate and init and for exec's process.
@Suite("main's loop over a child's messages")
struct MainLoopTests {
    static func channels() throws -> (MainEnd, ChildEnd) {
        let (main, child) = try Sockets.pair()
        return (MainEnd(fd: main, peer: "init"), ChildEnd(fd: child, peer: "main"))
    }

    @Test("messages go to the handler in order until it is done; nothing after is read")
    func handlerOrder() throws {
        let (main, child) = try Self.channels()
        defer { main.close(); child.close() }
        try child.send(.initPid(42))
        try child.send(.ready)
        try child.send(.committed)
        var seen: [ChildMessage] = []
        try main.serve(atEnd: { Issue.record("end of file before ready") }) { message, _ in
            seen.append(message)
            return message == .ready ? .done : .goOn
        }
        #expect(seen == [.initPid(42), .ready])
        #expect(try main.receive() == .committed)
    }

    @Test("a child's failure is thrown as it was sent, the handler never sees it")
    func failureThrown() throws {
        let (main, child) = try Self.channels()
        defer { main.close() }
        try child.send(.failure(ChildFailure(message: "mounting /proc: Operation not permitted")))
        // Closed, so that a loop that missed the failure ends instead of waiting.
        child.close()
        do {
            try main.serve(atEnd: {}) { message, _ in
                Issue.record("handler got \(message)")
                return .goOn
            }
            Issue.record("no error")
        } catch let failure as ChildFailure {
            #expect(failure.message == "mounting /proc: Operation not permitted")
        }
    }

    @Test("end of file goes to atEnd, whose error is the loop's")
    func endOfFile() throws {
        let (main, child) = try Self.channels()
        defer { main.close() }
        try child.send(.initPid(7))
        child.close()
        var ended = false
        try main.serve(atEnd: { ended = true }) { _, _ in .goOn }
        #expect(ended)

        let (main2, child2) = try Self.channels()
        defer { main2.close() }
        child2.close()
        #expect(throws: RuntimeError.self) {
            try main2.serve(atEnd: { throw RuntimeError("init exited before it was ready") }) { _, _ in .goOn }
        }
    }

    @Test("a seccomp listener without a destination is the handler's to refuse; with one, a listener sent without a descriptor is an error naming the child")
    func listener() throws {
        let (main, child) = try Self.channels()
        defer { main.close(); child.close() }
        try child.send(.seccompListener)
        #expect(throws: RuntimeError.self) {
            try main.serve(atEnd: {}) { message, _ in throw main.unexpected(message) }
        }
        try child.send(.seccompListener)
        do {
            try main.serve(listener: {
                ListenerDestination(seccomp: nil, state: State(ociVersion: "1.2.0", id: "c", status: .creating, bundle: "/b"), pid: 1)
            }, atEnd: {}) { _, _ in .goOn }
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "init sent no seccomp listener descriptor")
        }
    }

    @Test("a quiet channel asks whenIdle, which may end the wait")
    func idle() throws {
        let (main, child) = try Self.channels()
        defer { main.close(); child.close() }
        var asked = 0
        try main.serve(idleMilliseconds: 10, whenIdle: {
            asked += 1
            return asked == 3 ? .done : .goOn
        }, atEnd: { Issue.record("end of file") }) { message, _ in
            Issue.record("handler got \(message)")
            return .goOn
        }
        #expect(asked == 3)
    }
}
