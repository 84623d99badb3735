import Foundation
import OCISpec
import Testing

@Suite("Decoding errors")
struct DecodingErrorTests {
    func decodeError(_ json: String) -> SpecError? {
        specError { () throws(SpecError) in _ = try Spec.decode(Data(json.utf8)) }
    }

    @Test("a wrong type names the dotted path")
    func wrongTypeNamesPath() {
        let error = decodeError(#"{"ociVersion":"1.2.0","process":{"cwd":"/","user":{"uid":"root","gid":0}}}"#)
        #expect(error?.description == "process.user.uid: expected a number")
        #expect(error?.path == "process.user.uid")
        #expect(error?.reason == "expected a number")
    }

    @Test("array positions appear as [index]")
    func arrayIndexInPath() {
        let error = decodeError(#"{"ociVersion":"1.2.0","mounts":[{"destination":"/a"},{"destination":"/b","options":"ro"}]}"#)
        #expect(error?.description == "mounts[1].options: expected an array")
    }

    @Test("nested arrays and objects")
    func nestedPath() {
        let json = #"""
        {"ociVersion":"1.2.0","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW",
         "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},
                     {"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":true,"op":"SCMP_CMP_EQ"}]}]}}}
        """#
        #expect(decodeError(json)?.description == "linux.seccomp.syscalls[1].args[0].value: expected a number")
    }

    @Test("map keys that are not plain words are quoted, numeric ones included")
    func mapKeysQuoted() {
        #expect(decodeError(#"{"ociVersion":"1.2.0","annotations":{"io.example.a":1}}"#)?.description
            == #"annotations["io.example.a"]: expected a string"#)
        #expect(decodeError(#"{"ociVersion":"1.2.0","annotations":{"0":false}}"#)?.description
            == #"annotations["0"]: expected a string"#)
        #expect(decodeError(#"{"ociVersion":"1.2.0","linux":{"sysctl":{"vm_x":2}}}"#)?.description
            == "linux.sysctl.vm_x: expected a string")
    }

    @Test("objects, strings and booleans are named")
    func typeNames() {
        #expect(decodeError(#"{"ociVersion":"1.2.0","root":"rootfs"}"#)?.description == "root: expected an object")
        #expect(decodeError(#"{"ociVersion":3}"#)?.description == "ociVersion: expected a string")
        #expect(decodeError(#"{"ociVersion":"1.2.0","root":{"path":"r","readonly":"yes"}}"#)?.description
            == "root.readonly: expected a boolean")
        #expect(decodeError("[]")?.description == "expected an object")
    }

    @Test("a number that does not fit its field names the path")
    func numberOutOfRange() {
        #expect(decodeError(#"{"ociVersion":"1.2.0","process":{"cwd":"/","user":{"uid":-1,"gid":0}}}"#)?.description
            == "process.user.uid: number -1 is out of range")
        #expect(decodeError(#"{"ociVersion":"1.2.0","process":{"cwd":"/","user":{"uid":0,"gid":4294967296}}}"#)?.description
            == "process.user.gid: number 4294967296 is out of range")
        #expect(decodeError(#"{"ociVersion":"1.2.0","linux":{"resources":{"blockIO":{"weight":70000}}}}"#)?.description
            == "linux.resources.blockIO.weight: number 70000 is out of range")
        #expect(decodeError(#"{"ociVersion":"1.2.0","process":{"cwd":"/","oomScoreAdj":1.5}}"#)?.description
            == "process.oomScoreAdj: expected an integer, found 1.5")
    }

    @Test("with several bad numbers, one of them is named")
    func severalBadNumbers() {
        let json = #"""
        {"ociVersion":"1.2.0","process":{"cwd":"/","user":{"uid":-1,"gid":-2},"oomScoreAdj":-999},
         "linux":{"resources":{"memory":{"limit":-1}}}}
        """#
        let error = decodeError(json)
        #expect(["process.user.uid", "process.user.gid"].contains(error?.path ?? ""))
    }

    @Test("negative values are fine where the field is signed")
    func signedFields() throws {
        let spec = try Spec.decode(Data(#"""
        {"ociVersion":"1.2.0","process":{"cwd":"/","oomScoreAdj":-999},
         "linux":{"resources":{"memory":{"limit":-1,"swap":-1},"cpu":{"quota":-1}}}}
        """#.utf8))
        #expect(spec.process?.oomScoreAdj == -999)
        #expect(spec.linux?.resources?.memory?.limit == -1)
        #expect(spec.linux?.resources?.cpu?.quota == -1)
    }

    static let syntaxCases: [(String, String)] = [
        (#"{"ociVersion": "#, "unexpected end of input where a value was expected at line 1, column 16"),
        ("", "unexpected end of input where a value was expected at line 1, column 1"),
        ("{'a': 1}", "unexpected character ''' where an object key was expected at line 1, column 2"),
        (#"{"a":1}}"#, "unexpected character '}' after the document at line 1, column 8"),
        ("{\n  \"a\": [1,]\n}", "unexpected character ']' where a value was expected at line 2, column 11"),
        (#"{"a": tru}"#, "unexpected character '}' in the literal true at line 1, column 10"),
        (#"{"a": "x\q"}"#, "invalid escape sequence at line 1, column 10"),
        (#"{"a": 01}"#, "expected '}' after an object member but found character '1' at line 1, column 8"),
        (#"{"a" 1}"#, "expected ':' after an object key but found character '1' at line 1, column 6"),
        (#"{"a": 1.}"#, "expected a digit after a decimal point at line 1, column 9"),
        (#"{"a": "\u12"}"#, "invalid \\u escape at line 1, column 12"),
    ]

    @Test("syntax errors give the position", arguments: syntaxCases)
    func invalidJSON(json: String, message: String) {
        let error = decodeError(json)
        #expect(error?.path == "")
        #expect(error?.description == "config.json is not valid JSON: \(message)")
    }

    @Test("absurdly deep nesting is refused, not overflowing the stack")
    func deepNesting() {
        let json = #"{"ociVersion":"1.2.0","annotations":{"a":"#, depth = 100_000
        let error = decodeError(json + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}}")
        #expect(error?.description.hasPrefix("config.json is not valid JSON: nesting deeper than 512 levels") == true)
    }

    @Test("escaped keys are unescaped in paths")
    func escapedKeys() {
        let error = decodeError(#"{"ociVersion":"1.2.0","annotations":{"a\u00e9\"b":1}}"#)
        #expect(error?.description == #"annotations["aé\"b"]: expected a string"#)
    }

    @Test("missing required fields take Go's zero values, as runc reads them")
    func missingFieldsAreZero() throws {
        let spec = try Spec.decode(Data(#"""
        {"process":{"args":["sh"]},"root":{},
         "linux":{"devices":[{"path":"/dev/p","type":"p"}],"resources":{"devices":[{"access":"rwm"}]}}}
        """#.utf8))
        #expect(spec.ociVersion == "")
        #expect(spec.process?.user == User(uid: 0, gid: 0))
        #expect(spec.process?.cwd == "")
        #expect(spec.root?.path == "")
        #expect(spec.linux?.devices?[0].major == 0)
        #expect(spec.linux?.resources?.devices?[0].allow == false)
    }

    @Test("null is read as absent")
    func nullIsAbsent() throws {
        let spec = try Spec.decode(Data(#"{"ociVersion":"1.2.0","hostname":null,"process":{"cwd":"/","user":null,"env":null}}"#.utf8))
        #expect(spec.hostname == nil)
        #expect(spec.process?.user == User())
        #expect(spec.process?.env == nil)
    }

    @Test("unknown keys are ignored")
    func unknownKeysIgnored() throws {
        let spec = try Spec.decode(Data(#"{"ociVersion":"1.2.0","windows":{"layerFolders":[]},"hostname":"h"}"#.utf8))
        #expect(spec == Spec(ociVersion: "1.2.0", hostname: "h"))
    }

    @Test("SpecError's description omits an empty path")
    func errorDescription() {
        #expect(SpecError(path: "", reason: "bad").description == "bad")
        #expect(SpecError(path: "a.b", reason: "bad").description == "a.b: bad")
    }
}
