import Testing
@testable import Runtime

@Suite("messages between main and the children")
struct SyncMessageTests {
    @Test("every message survives the wire", arguments: [
        SyncMessage.mappingRequest, .mappingDone, .initPid(123_456), .initPid(-1), .proceed, .runHooks(.prestart),
        .runHooks(.createRuntime), .hooksDone, .seccompListener, .seccompListenerSent, .mountTree(7),
        .mountTreeReady, .ready, .commit, .committed, .failure(ChildFailure(message: "mounting /proc: épée: permission denied")),
        .failure(ChildFailure(message: "")),
    ])
    func roundTrip(message: SyncMessage) {
        #expect(SyncMessage(decoding: message.encoded) == message)
    }

    @Test("bytes that are no message are refused", arguments: [[], [2, 1, 2], [4, 2], [12, 0], [14], [0, 0], [200]] as [[UInt8]])
    func garbage(bytes: [UInt8]) {
        #expect(SyncMessage(decoding: bytes) == nil)
    }
}
