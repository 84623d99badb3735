import Foundation
@_spi(Decoding) import OCISpec
import Testing

/// hako's own JSON coder (JSONCoding) against Foundation's, which hako used before: the
/// same values from every document the engines write, the same bytes out, and where they
/// differ on purpose, runc's reading.
@Suite("JSON coding")
struct JSONCodingTests {
    static let fixtures = ["runc-spec", "runc-spec-rootless", "podman", "config-1.3", "config-2.0", "runtime-tools-generate", "full"]

    static func foundationEncoded<T: Encodable>(_ value: T, pretty: Bool) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    @Test("every fixture decodes to what JSONDecoder reads", arguments: fixtures)
    func decodesAsFoundation(name: String) throws {
        let data = try Fixture.data(name)
        #expect(try Spec.decodeWithCodable(data) == JSONDecoder().decode(Spec.self, from: data))
    }

    @Test("every fixture encodes to JSONEncoder's bytes, compact and pretty", arguments: fixtures)
    func encodesAsFoundation(name: String) throws {
        let spec = try Fixture.spec(name)
        for pretty in [false, true] {
            let ours = try JSONCoding.encode(spec, pretty: pretty)
            let theirs = try Self.foundationEncoded(spec, pretty: pretty)
            #expect(String(decoding: ours, as: UTF8.self) == String(decoding: theirs, as: UTF8.self), "\(name) pretty=\(pretty)")
        }
    }

    @Test("state, features, the default spec and awkward strings encode to JSONEncoder's bytes")
    func otherDocumentsAsFoundation() throws {
        let state = try State.decode(Fixture.data("state"))
        let features = try Features.decode(Fixture.data("features"))
        let defaults = Spec.defaultSpec(rootless: true, hostUID: 1000, hostGID: 1000)
        let strings = ["", "a/b", "quote\" back\\slash", "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}", "é 漢字 😀 \u{2028}", "</script>"]
        let empties = Spec(ociVersion: "1.2.0", mounts: [], annotations: [:])
        for pretty in [false, true] {
            #expect(try JSONCoding.encode(state, pretty: pretty) == Self.foundationEncoded(state, pretty: pretty))
            #expect(try JSONCoding.encode(features, pretty: pretty) == Self.foundationEncoded(features, pretty: pretty))
            #expect(try JSONCoding.encode(defaults, pretty: pretty) == Self.foundationEncoded(defaults, pretty: pretty))
            #expect(try JSONCoding.encode(strings, pretty: pretty) == Self.foundationEncoded(strings, pretty: pretty))
            #expect(try JSONCoding.encode(empties, pretty: pretty) == Self.foundationEncoded(empties, pretty: pretty))
        }
    }

    @Test("numbers: integers at their limits, and the doubles of PSI figures, as JSONEncoder writes them")
    func numbersAsFoundation() throws {
        struct Numbers: Codable, Equatable {
            var small: Int8 = .min, big: UInt64 = .max, negative: Int64 = .min, uid: UInt32 = .max
            var doubles: [Double] = [0, -0.0, 1, 0.5, 0.1 + 0.2, 12.34, 99.99, 1e-7, 1e15, 1e16, 123456789, 5e-324, 1.7976931348623157e308]
            var float: Float = 0.1
        }
        for pretty in [false, true] {
            #expect(try JSONCoding.encode(Numbers(), pretty: pretty) == Self.foundationEncoded(Numbers(), pretty: pretty))
        }
        #expect(try JSONCoding.decode(Numbers.self, from: JSONCoding.encode(Numbers()), document: "n") == Numbers())
        #expect(throws: EncodingError.self) { try JSONCoding.encode([Double.nan]) }
    }

    /// Every key of full.json removed in turn, a value of each key set to each JSON kind:
    /// JSONDecoder's reading or its refusal, each time.
    @Test("full.json's keys removed or given values of every kind: decoded or refused as JSONDecoder does")
    func variantsAsFoundation() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Fixture.data("full")) as? [String: Any])
        let kinds: [Any] = [NSNull(), true, 7, -1, 1.5, 4294967296, "text", [1], ["k": "v"]]
        let variants = documentVariants(document, firstElementOnly: true) { object in
            object.keys.flatMap { key in
                var without = object
                without[key] = nil
                return [without] + kinds.map { kind in
                    var changed = object
                    changed[key] = kind
                    return changed
                }
            }
        }
        #expect(variants.count > 1000)
        var agreed = 0, refused = 0
        for variant in variants {
            let data = try JSONSerialization.data(withJSONObject: variant)
            let foundation = try? JSONDecoder().decode(Spec.self, from: data)
            let ours = try? Spec.decodeWithCodable(data)
            #expect(ours == foundation, "\(String(decoding: data, as: UTF8.self))")
            if foundation == nil { refused += 1 } else { agreed += 1 }
        }
        #expect(agreed > 300 && refused > 300, "\(agreed) read, \(refused) refused")
    }

    @Test("what hako reads as runc does, unlike Foundation: a key given twice counts by its last value, a lone surrogate is U+FFFD")
    func runcReadings() throws {
        let twice = try Spec.decodeWithCodable(Array(#"{"ociVersion":"1.0.0","hostname":"first","hostname":"last"}"#.utf8))
        #expect(twice.hostname == "last")
        let lone = try Spec.decodeWithCodable(Array(#"{"ociVersion":"1.0.0","hostname":"a\ud800b\udc00c\ud83d\ude00"}"#.utf8))
        #expect(lone.hostname == "a\u{FFFD}b\u{FFFD}c😀")
        let whole = try Spec.decodeWithCodable(Array(#"{"ociVersion":"1.0.0","process":{"cwd":"/","user":{"uid":1.0,"gid":1e2}}}"#.utf8))
        #expect(whole.process?.user.uid == 1 && whole.process?.user.gid == 100)
    }

    @Test("errors name the field and say why", arguments: [
        (#"{"ociVersion":"1.0.0","process":{"cwd":"/","user":{"uid":1.5,"gid":0}}}"#, "process.user.uid: expected an integer, found 1.5"),
        (#"{"ociVersion":"1.0.0","process":{"cwd":"/","user":{"uid":-1,"gid":0}}}"#, "process.user.uid: number -1 is out of range"),
        (#"{"ociVersion":"1.0.0","process":{"cwd":"/","user":{"uid":4294967296,"gid":0}}}"#, "process.user.uid: number 4294967296 is out of range"),
        (#"{"ociVersion":"1.0.0","process":{"cwd":"/","user":{"uid":1e300,"gid":0}}}"#, "process.user.uid: number 1e300 is out of range"),
        (#"{"ociVersion":"1.0.0","mounts":[{"destination":"/a"},{"destination":2}]}"#, "mounts[1].destination: expected a string"),
        (#"{"ociVersion":"1.0.0","mounts":{}}"#, "mounts: expected an array"),
        (#"{"ociVersion":"1.0.0","linux":[]}"#, "linux: expected an object"),
        (#"{"ociVersion":"1.0.0","annotations":{"a/b":null}}"#, #"annotations["a/b"]: expected a string, found null"#),
        (#"{"ociVersion":"1.0.0",}"#, "config.json is not valid JSON: unexpected character '}' where an object key was expected at line 1, column 23"),
        (#"{"ociVersion":"1.0.0"} x"#, "config.json is not valid JSON: unexpected character 'x' after the document at line 1, column 24"),
        ("[1]", "expected an object"),
    ])
    func errors(input: String, expected: String) {
        let error = specError { () throws(SpecError) in _ = try Spec.decodeWithCodable(Array(input.utf8)) }
        #expect(error?.description == expected)
    }

    @Test("nesting deeper than 512 levels is refused, not a crash")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = specError { () throws(SpecError) in _ = try JSONCoding.decode([String].self, from: Array(deep.utf8), document: "d") }
        #expect(error?.description.contains("nesting deeper than 512 levels") == true)
    }
}
