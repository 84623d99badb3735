import Testing
@testable import Runtime

@Suite("messages between main and the children")
struct ChannelMessageTests {
    @Test("every message a child sends survives the wire", arguments: [
        ChildMessage.mappingRequest, .initPid(123_456), .initPid(-1), .runHooks(.prestart), .runHooks(.createRuntime),
        .seccompListener, .mountTree(7), .ready, .committed,
        .failure(ChildFailure(message: "mounting /proc: épée: permission denied")), .failure(ChildFailure(message: "")),
    ])
    func childRoundTrip(message: ChildMessage) {
        #expect(ChildMessage(decoding: message.encoded) == message)
        // Never read as a message of the other direction.
        #expect(MainMessage(decoding: message.encoded) == nil)
    }

    @Test("every answer of main survives the wire", arguments: [
        MainMessage.mappingDone, .proceed, .hooksDone, .seccompListenerSent, .mountTreeReady, .commit,
    ])
    func mainRoundTrip(message: MainMessage) {
        #expect(MainMessage(decoding: message.encoded) == message)
        #expect(ChildMessage(decoding: message.encoded) == nil)
    }

    @Test("bytes that are no message are refused", arguments: [[], [2, 1, 2], [4, 2], [12, 0], [14], [0, 0], [200]] as [[UInt8]])
    func garbage(bytes: [UInt8]) {
        #expect(ChildMessage(decoding: bytes) == nil)
        #expect(MainMessage(decoding: bytes) == nil)
    }
}
