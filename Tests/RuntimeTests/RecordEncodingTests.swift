import Foundation
import OCISpec
@testable import Runtime
import Testing

/// state.json is written by hand (RecordEncoding.swift) and read by JSONDecoder: what is
/// written must read back as the same record, whatever its strings hold.
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

    @Test("every field reads back as written", arguments: awkward)
    func roundTrip(text: String) throws {
        let original = record(text)
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
}
