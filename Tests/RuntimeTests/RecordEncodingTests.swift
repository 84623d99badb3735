import Foundation
import OCISpec
@testable import Runtime
import Testing

/// state.json is written by hand (RecordEncoding.swift) and read by hand (RecordDecoding.swift),
/// or by JSONDecoder when it is not in the shape hako writes: what is written must read back
/// as the same record both ways, whatever its strings hold.
@Suite("state.json written by hand")
struct RecordEncodingTests {
    static let awkward = ["", "plain", "quote \" and backslash \\", "new\nline\ttab\rreturn", "\u{0}\u{1}\u{1f}\u{7f}",
                          "é 漢字 🙂", "/a/b:c,d", "\u{2028}\u{2029}", "{\"json\": [1]}"]

    func record(_ text: String) -> ContainerRecord {
        var spec = Spec.defaultSpec(rootless: false)
        spec.hooks = Hooks(prestart: [Hook(path: "/h/\(text)", args: ["a", text], env: ["K=\(text)"], timeout: 7)],
                           createRuntime: [], poststop: [Hook(path: "/p")])
        var record = ContainerRecord(
            ociVersion: "1.2.0", id: "c1", pid: 4_194_304, initStartTime: UInt64.max, bundle: "/b/\(text)", rootfs: text,
            created: "2026-12-03T18:00:00.123456789Z", owner: text, annotations: [text: text, "z": "1", "a": text],
            config: spec, cgroupPaths: ["": "/sys/fs/cgroup/\(text)", "memory": "/m", "systemd-unit": "hako-c1.scope"])
        record.intelRdt = IntelRdt.Applied(group: "/sys/fs/resctrl/\(text)", createdGroup: true, monitor: nil)
        record.creation = CreationIntent(creator: ProcessIdentity(pid: -1, startTime: 0), pidFile: text)
        return record
    }

    func decoded(_ bytes: [UInt8]) throws -> ContainerRecord {
        try JSONDecoder().decode(ContainerRecord.self, from: Data(bytes))
    }

    @Test("every field reads back as written, by hand and by JSONDecoder", arguments: awkward)
    func roundTrip(text: String) throws {
        let original = record(text)
        let byHand = try #require(ContainerRecord.decodeWrittenShape(original.encodedJSON()))
        #expect(byHand.encodedJSON() == original.encodedJSON())
        let back = try decoded(original.encodedJSON())
        #expect(back.ociVersion == original.ociVersion && back.id == original.id && back.pid == original.pid)
        #expect(back.initStartTime == original.initStartTime && back.bundle == original.bundle && back.rootfs == original.rootfs)
        #expect(back.created == original.created && back.owner == original.owner && back.annotations == original.annotations)
        #expect(back.cgroupPaths == original.cgroupPaths && back.hooks == original.hooks && back.creation == original.creation)
        #expect(back.intelRdt?.group == original.intelRdt?.group && back.intelRdt?.createdGroup == true && back.intelRdt?.monitor == nil)
        // Writing what was read gives the same bytes.
        #expect(back.encodedJSON() == original.encodedJSON())
    }

    @Test("fields that are nil are left out, as JSONEncoder leaves them")
    func nilFields() throws {
        var minimal = ContainerRecord(ociVersion: "1.0.0", id: "m", pid: 0, initStartTime: 0, bundle: "/b", rootfs: "/r",
                                      created: "t", owner: "o", annotations: nil, config: Spec.defaultSpec(rootless: false))
        minimal.hooks = nil
        let text = String(decoding: minimal.encodedJSON(), as: UTF8.self)
        #expect(text == #"{"ociVersion":"1.0.0","id":"m","pid":0,"initStartTime":0,"bundle":"/b","rootfs":"/r","created":"t","owner":"o"}"#)
        let back = try decoded(minimal.encodedJSON())
        #expect(back.annotations == nil && back.cgroupPaths == nil && back.hooks == nil && back.creation == nil && back.intelRdt == nil)
    }

    @Test("JSONEncoder's state.json and hako's read back alike")
    func sameAsFoundation() throws {
        let original = record("x \"y\" \u{1}")
        let foundation = try decoded(Array(try JSONEncoder().encode(original)))
        let ours = try decoded(original.encodedJSON())
        #expect(foundation.encodedJSON() == ours.encodedJSON())
    }

    @Test("the hand reader takes JSONEncoder's output too, and reads it as JSONDecoder does")
    func handReadsFoundation() throws {
        let original = record("x \"y\" \u{1} / 🙂")
        let foundation = Array(try JSONEncoder().encode(original))
        let byHand = try #require(ContainerRecord.decodeWrittenShape(foundation))
        #expect(byHand.encodedJSON() == (try decoded(foundation)).encodedJSON())
        // Pretty-printed, with \/ escapes and \u escapes of the Basic Multilingual Plane.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        let pretty = Array(try encoder.encode(original))
        #expect(ContainerRecord.decodeWrittenShape(pretty)?.encodedJSON() == (try decoded(pretty)).encodedJSON())
        let escaped = Array(#"{"ociVersion":"1.0.0","id":"m","pid":1,"initStartTime":2,"bundle":"\/b\u00e9\u6f22","rootfs":"\b\f","created":"t","owner":"o"}"#.utf8)
        let record = try #require(ContainerRecord.decodeWrittenShape(escaped))
        #expect(record.bundle == "/bé漢" && record.rootfs == "\u{8}\u{c}")
    }

    /// Inputs outside the written shape: the hand reader declines, and JSONDecoder decides
    /// (it reads some, rejects others, with its own words).
    @Test("what hako does not write is left to JSONDecoder", arguments: [
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","extra":1}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","annotations":null}"#,
        #"{"ociVersion":"1","id":"m","pid":1.0,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"m","pid":-0,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"pid":2,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"m","pid":2147483648,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":-2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"m","pid":01,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"\ud83d\ude42","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"\ud83d","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t"}"#,
        #"{"ociVersion":"1","id":"m","pid":"1","initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","hooks":{"poststop":[{"path":"/a","x":1}]}}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"} x"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o",}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","annotations":{"a":"1","a":"2"}}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","hooks":{"poststop":[],"poststop":[]}}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","hooks":{"later":[]}}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","hooks":{"poststop":[{"path":"/a","path":"/b"}]}}"#,
        #"{"ociVersion":"1","id":"m","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o","creation":{"creator":{"pid":1,"startTime":2},"creator":{"pid":1,"startTime":2}}}"#,
        "[]", "", "{",
    ])
    func declined(text: String) throws {
        #expect(ContainerRecord.decodeWrittenShape(Array(text.utf8)) == nil)
    }

    @Test("invalid UTF-8 and raw control characters in a string are declined")
    func declinedBytes() throws {
        let prefix = Array(#"{"ociVersion":"1","id":""#.utf8), suffix = Array(#"","pid":1,"initStartTime":2,"bundle":"b","rootfs":"r","created":"t","owner":"o"}"#.utf8)
        #expect(ContainerRecord.decodeWrittenShape(prefix + Array("ok".utf8) + suffix) != nil)
        for bad: [UInt8] in [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0x0A], [0x00]] {
            #expect(ContainerRecord.decodeWrittenShape(prefix + bad + suffix) == nil, "\(bad)")
        }
    }
}
