import Foundation
@_spi(Decoding) import OCISpec
import Testing

/// config.json read by hand (SpecReader) must give what JSONDecoder gives, on every input
/// the hand reader takes; what it declines goes to JSONDecoder.
@Suite("config.json read by hand")
struct SpecReaderTests {
    static let engineFixtures = ["runc-spec", "runc-spec-rootless", "podman", "config-1.3", "runtime-tools-generate"]

    /// The document as a JSON object, without `vm` (which only JSONDecoder reads).
    static func withoutVM(_ name: String) throws -> [String: Any] {
        var object = try #require(try JSONSerialization.jsonObject(with: Fixture.data(name)) as? [String: Any])
        object["vm"] = nil
        return object
    }

    static func bytes(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    @Test("the engines' configs read by hand, equal to JSONDecoder's reading", arguments: engineFixtures)
    func engineConfigs(name: String) throws {
        let data = try Fixture.data(name)
        let byHand = try #require(Spec.decodeCommonShape(Array(data)), "\(name) is not read by hand")
        #expect(byHand == (try Spec.decodeWithCodable(data)))
    }

    @Test("full.json without vm: every field of every type read by hand, as JSONDecoder reads it")
    func everyField() throws {
        let bytes = try Self.bytes(Self.withoutVM("full"))
        let byHand = try #require(Spec.decodeCommonShape(bytes))
        #expect(byHand == (try Spec.decodeWithCodable(Data(bytes))))
        // full.json sets every optional field (RoundTripTests): none may be left nil here.
        #expect(uncoveredFields(byHand).filter { !$0.hasPrefix("VM") && !$0.hasPrefix("Spec.vm") } == [])
        // With vm, JSONDecoder reads it.
        #expect(Spec.decodeCommonShape(Array(try Fixture.data("full"))) == nil)
        #expect(try Spec.decode(Fixture.data("full")).vm != nil)
    }

    /// Every key of full.json removed in turn, then given an unknown sibling: the hand
    /// reader gives JSONDecoder's value each time (a key it skipped instead of reading, or
    /// a default it got wrong, would differ).
    @Test("each key removed, and unknown keys beside each: still JSONDecoder's reading")
    func everyKeyRemovedAndUnknownKeys() throws {
        let document = try Self.withoutVM("full")
        let variants = documentVariants(document) { object in
            var changed: [[String: Any]] = object.keys.map { key in
                var without = object
                without[key] = nil
                return without
            }
            var extended = object
            extended["x-unknown"] = ["nested": [1, 2.5, -3e2, true, NSNull(), "s"]]
            changed.append(extended)
            return changed
        }
        #expect(variants.count > 300)
        var readByHand = 0
        for variant in variants {
            let bytes = try Self.bytes(variant)
            let text = String(decoding: bytes, as: UTF8.self)
            let byHand = Spec.decodeCommonShape(bytes)
            // An unknown key in a dictionary (annotations, sysctl...) is a value of the
            // wrong type: JSONDecoder refuses the document, and the hand reader declines it.
            guard let foundation = try? Spec.decodeWithCodable(Data(bytes)) else {
                #expect(byHand == nil, "read by hand, refused by JSONDecoder: \(text)")
                continue
            }
            #expect(byHand == foundation, "declined or read differently: \(text)")
            readByHand += 1
        }
        #expect(readByHand > 300)
    }

    /// Outside the shape: JSONDecoder decides (reads some with its own rules, refuses others
    /// with an error naming the field), so the hand reader must decline.
    @Test("what the hand reader declines", arguments: [
        #"{"ociVersion":"1.0.0","process":null}"#,
        #"{"ociVersion":"1.0.0","process":{"user":{"uid":1.0}}}"#,
        #"{"ociVersion":"1.0.0","process":{"user":{"uid":-1}}}"#,
        #"{"ociVersion":"1.0.0","process":{"user":{"uid":4294967296}}}"#,
        #"{"ociVersion":"1.0.0","process":{"user":{"uid":"0"}}}"#,
        #"{"ociVersion":"1.0.0","hostname":"a","hostname":"b"}"#,
        #"{"ociVersion":"1.0.0","annotations":{"a":"1","a":"2"}}"#,
        #"{"ociVersion":"1.0.0","hooks":{"poststop":[],"poststop":[]}}"#,
        #"{"ociVersion":"1.0.0","linux":{"resources":{"blockIO":{"weight":65536}}}}"#,
        #"{"ociVersion":"1.0.0","root":{"readonly":1}}"#,
        #"{"ociVersion":"1.0.0","hostname":"\ud83d\ude42"}"#,
        #"{"ociVersion":"1.0.0","vm":{"kernel":{"path":"/k"}}}"#,
        #"{"ociVersion":"1.0.0",}"#,
        #"{"ociVersion":"1.0.0","x":[1,]}"#,
        #"{"ociVersion":"1.0.0","x":01}"#,
        #"{"ociVersion":"1.0.0","x":1.}"#,
        #"{"ociVersion":"1.0.0","x":nul}"#,
        #"{"ociVersion":"1.0.0"} {}"#,
        #"["ociVersion"]"#, "", "{",
    ])
    func declined(text: String) throws {
        #expect(Spec.decodeCommonShape(Array(text.utf8)) == nil)
    }

    @Test("deep nesting in a skipped value is declined, not a stack overflow")
    func deepNesting() throws {
        let deep = #"{"ociVersion":"1.0.0","x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(Spec.decodeCommonShape(Array(deep.utf8)) == nil)
        let shallow = #"{"ociVersion":"1.0.0","x":"# + String(repeating: "[", count: 50) + String(repeating: "]", count: 50) + "}"
        #expect(Spec.decodeCommonShape(Array(shallow.utf8))?.ociVersion == "1.0.0")
    }

    @Test("errors still name the field: a declined document goes to JSONDecoder")
    func errorsNameTheField() throws {
        #expect(throws: SpecError.self) { try Spec.decode(Data(#"{"ociVersion":"1.0.0","process":{"user":{"uid":-1}}}"#.utf8)) }
        do {
            _ = try Spec.decode(Data(#"{"ociVersion":"1.0.0","process":{"user":{"uid":"0"}}}"#.utf8))
            Issue.record("a string uid decoded")
        } catch {
            #expect("\(error)".contains("process.user.uid"), "\(error)")
        }
    }
}
