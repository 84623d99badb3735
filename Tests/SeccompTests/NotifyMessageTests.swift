import Foundation
import LinuxSys
import OCISpec
import Seccomp
import Testing

/// A listening Unix socket in a temporary directory.
final class Listener {
    let directory: String
    let path: String
    let fd: Int32

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("seccomp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/agent.sock"
        fd = try Sockets.listen(path: path)
    }

    deinit {
        close(fd)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite("the notify listener message")
struct NotifyMessageTests {
    static let state = State(ociVersion: "1.2.0", id: "web", status: .creating, pid: 4422, bundle: "/var/lib/b")

    @Test("the payload is the container process state of config-linux.md")
    func payload() throws {
        let message = SeccompNotifyMessage(state: Self.state, pid: 4422, metadata: "MKNOD=/dev/null")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(message.encoded())) as? [String: Any])
        #expect(json["ociVersion"] as? String == "1.2.0")
        #expect(json["fds"] as? [String] == ["seccompFd"])
        #expect(json["pid"] as? Int == 4422)
        #expect(json["metadata"] as? String == "MKNOD=/dev/null")
        let state = try #require(json["state"] as? [String: Any])
        #expect(state["id"] as? String == "web")
        #expect(state["status"] as? String == "creating")
        #expect(state["bundle"] as? String == "/var/lib/b")

        // Empty metadata is left out, as runc does.
        let bare = SeccompNotifyMessage(state: Self.state, pid: 1, metadata: "", ociVersion: "1.0.2")
        let text = String(decoding: try bare.encoded(), as: UTF8.self)
        #expect(!text.contains("metadata"))
        #expect(text.contains("\"ociVersion\":\"1.0.2\""))
    }

    @Test("sent to listenerPath with the fd attached")
    func send() throws {
        let listener = try Listener()
        var pipeFDs: [Int32] = [-1, -1]
        #expect(pipe(&pipeFDs) == 0)
        defer { close(pipeFDs[0]); close(pipeFDs[1]) }

        let message = SeccompNotifyMessage(state: Self.state, pid: 4422, metadata: "m")
        // The backlog takes the connection; accept after sending.
        try message.send(toListenerAt: listener.path, listenerFD: pipeFDs[1])
        let connection = accept(listener.fd, nil, nil)
        #expect(connection >= 0)
        defer { close(connection) }
        let (bytes, fd) = try Sockets.receive(connection)
        let received = try JSONDecoder().decode(ContainerProcessState.self, from: Data(bytes))
        #expect(received == message.processState)
        let passed = try #require(fd)
        defer { close(passed) }
        // The passed fd is the pipe's write end: what goes in comes out of our read end.
        #expect(Glibc.write(passed, "x", 1) == 1)
        var byte: UInt8 = 0
        #expect(read(pipeFDs[0], &byte, 1) == 1)
        #expect(byte == UInt8(ascii: "x"))
    }

    @Test("a missing listener is an error naming the path")
    func missingListener() {
        let message = SeccompNotifyMessage(state: Self.state, pid: 1, metadata: nil)
        #expect(throws: SeccompError.self) {
            try message.send(toListenerAt: "/nonexistent/agent.sock", listenerFD: 0)
        }
        do {
            try message.send(toListenerAt: "/nonexistent/agent.sock", listenerFD: 0)
        } catch {
            #expect(error.description == "failed to connect with seccomp agent: connect /nonexistent/agent.sock: no such file or directory")
        }
    }
}
