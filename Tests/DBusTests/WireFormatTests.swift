import Testing
@testable import DBus

@Suite("D-Bus wire format")
struct WireFormatTests {
    func bytes(_ values: [DBusValue]) throws -> [UInt8] {
        var writer = DBusWriter()
        for value in values { try writer.write(value) }
        return writer.bytes
    }

    func readBack(_ values: [DBusValue]) throws -> [DBusValue] {
        var reader = DBusReader(try bytes(values))
        var read: [DBusValue] = []
        for value in values { read.append(try reader.read(value.signature[...])) }
        #expect(reader.atEnd)
        return read
    }

    @Test("strings, signatures and integers are laid out and padded as the specification says")
    func layout() throws {
        #expect(try bytes([.string("ab")]) == [2, 0, 0, 0, 97, 98, 0])
        #expect(try bytes([.signature("as")]) == [2, 97, 115, 0])
        // A byte, then a uint32 aligned to 4, then a uint64 aligned to 8.
        #expect(try bytes([.byte(1), .uint32(0x0102_0304), .uint64(5)])
                == [1, 0, 0, 0, 4, 3, 2, 1, 5, 0, 0, 0, 0, 0, 0, 0])
        #expect(try bytes([.bool(true), .int16(-2)]) == [1, 0, 0, 0, 0xfe, 0xff])
        // An array's length counts its elements only, not the padding to the first one,
        // which is there even when the array is empty.
        #expect(try bytes([.array(element: "t", [.uint64(7)])]) == [8, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0])
        #expect(try bytes([.array(element: "(sv)", [])]) == [0, 0, 0, 0, 0, 0, 0, 0])
        // A variant: its signature, then its value aligned on its own.
        #expect(try bytes([.variant(.uint32(9))]) == [1, 117, 0, 0, 9, 0, 0, 0])
    }

    @Test("every type comes back as it was written")
    func roundTrip() throws {
        let values: [DBusValue] = [
            .byte(255), .bool(false), .int16(-300), .uint16(65535), .int32(-7), .uint32(7), .int64(.min), .uint64(.max),
            .double(2.5), .string("naïve ✓"), .objectPath("/org/freedesktop/systemd1/job/42"), .signature("a{sv}"),
            .array(element: "(sv)", [.structure([.string("PIDs"), .variant(.array(element: "u", [.uint32(42)]))]),
                                     .structure([.string("Delegate"), .variant(.bool(true))])]),
            .array(element: "{sv}", [.dictEntry(.string("k"), .variant(.variant(.int64(-1))))]),
            .array(element: "ay", [.array(element: "y", [.byte(1), .byte(2)]), .array(element: "y", [])]),
            .structure([.byte(1), .structure([.double(-0.0), .string("")])]),
        ]
        #expect(try readBack(values) == values)
        #expect(values[12].signature == "a(sv)" && values[13].signature == "a{sv}" && values[15].signature == "(y(ds))")
    }

    @Test("a method call comes back as it was sent, header fields and body")
    func message() throws {
        var call = DBusMessage.call(destination: "org.freedesktop.systemd1", path: "/org/freedesktop/systemd1",
                                    interface: "org.freedesktop.systemd1.Manager", member: "StartTransientUnit",
                                    [.string("hako-x.scope"), .string("replace"), .array(element: "(sv)", []), .array(element: "(sa(sv))", [])])
        call.serial = 3
        let encoded = try call.encoded()
        #expect(try DBusMessage.length(of: encoded[...]) == encoded.count)
        #expect(try DBusMessage.length(of: encoded[..<15]) == nil)
        let decoded = try DBusMessage.decode(encoded)
        #expect(decoded == call)
        #expect(decoded.signature == "ssa(sv)a(sa(sv))")
    }

    @Test("a big-endian message from a peer is read")
    func bigEndian() throws {
        // A signal "/a" "b.c" "d" with body (u 258), written big-endian by hand.
        var header: [UInt8] = [UInt8(ascii: "B"), 4, 0, 1, 0, 0, 0, 4, 0, 0, 0, 9]
        var fields: [UInt8] = []
        func field(_ code: UInt8, _ type: UInt8, _ text: String) {
            while fields.count % 8 != 0 { fields.append(0) }
            fields += [code, 1, type, 0]
            if type == UInt8(ascii: "g") {
                fields += [UInt8(text.utf8.count)] + Array(text.utf8) + [0]
            } else {
                let n = UInt32(text.utf8.count)
                fields += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + Array(text.utf8) + [0]
            }
        }
        field(1, UInt8(ascii: "o"), "/a")
        field(2, UInt8(ascii: "s"), "b.c")
        field(3, UInt8(ascii: "s"), "d")
        field(8, UInt8(ascii: "g"), "u")
        let n = UInt32(fields.count)
        header += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + fields
        while header.count % 8 != 0 { header.append(0) }
        let message = try DBusMessage.decode(header + [0, 0, 1, 2])
        #expect(message.kind == .signal && message.serial == 9)
        #expect(message.path == "/a" && message.interface == "b.c" && message.member == "d")
        #expect(message.body == [.uint32(258)])
    }

    @Test("signatures are split into complete types and bad ones refused", arguments: [
        ("sa{sv}(ii)v", ["s", "a{sv}", "(ii)", "v"]), ("aa(sa(sv))", ["aa(sa(sv))"]), ("", []),
    ])
    func split(signature: String, types: [String]) throws {
        #expect(try DBusSignature.split(signature).map(String.init) == types)
    }

    @Test("invalid signatures", arguments: ["a", "(", "()", "(s", "{sv}", "a{vs}", "a{sss}", "z", String(repeating: "a", count: 33) + "s",
                                            String(repeating: "(", count: 33) + "s" + String(repeating: ")", count: 33)])
    func badSignature(signature: String) {
        #expect(throws: DBusError.self) { try DBusSignature.split(signature) }
    }

    @Test("broken values are refused, not trusted")
    func malformed() throws {
        func read(_ bytes: [UInt8], _ type: String) throws -> DBusValue {
            var reader = DBusReader(bytes)
            return try reader.read(type[...])
        }
        #expect(throws: DBusError.self) { try read([2, 0, 0, 0, 97, 98], "s") }            // ends before the NUL
        #expect(throws: DBusError.self) { try read([2, 0, 0, 0, 97, 98, 1], "s") }         // no NUL
        #expect(throws: DBusError.self) { try read([2, 0, 0, 0, 0xff, 0xfe, 0], "s") }     // not UTF-8
        #expect(throws: DBusError.self) { try read([2, 0, 0, 0], "b") }                    // boolean 2
        #expect(throws: DBusError.self) { try read([0xff, 0xff, 0xff, 0x7f], "ay") }       // longer than the bytes
        #expect(throws: DBusError.self) { try read([1, 0, 0, 0, 1, 0, 0], "t") }   // too short
        #expect(throws: DBusError.self) { try read([1, 1, 0, 0, 5, 0, 0, 0], "(yu)") }     // non-zero padding
        #expect(throws: DBusError.self) { try read([2, 115, 115, 0], "v") }                // variant of two types
        // Variants within variants: bounded.
        var deep: [UInt8] = []
        for _ in 0..<100 { deep += [1, UInt8(ascii: "v"), 0] }
        #expect(throws: DBusError.self) { try read(deep, "v") }
    }

    @Test("random corruptions of a valid message throw or decode, never crash")
    func corruption() throws {
        var call = DBusMessage.call(destination: "d.e", path: "/p", interface: "i.f", member: "M",
                                    [.array(element: "{sv}", [.dictEntry(.string("k"), .variant(.array(element: "(ss)", [.structure([.string("a"), .string("b")])])))]),
                                     .variant(.uint64(1))])
        call.serial = 1
        let valid = try call.encoded()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator)) }
            _ = try? DBusMessage.decode(bytes)
            _ = try? DBusMessage.length(of: bytes[...])
        }
    }

    @Test("the writer refuses values that cannot be sent")
    func writerRefuses() {
        #expect(throws: DBusError.self) { try bytes([.array(element: "s", [.uint32(1)])]) }
        #expect(throws: DBusError.self) { try bytes([.string("a\0b")]) }
        #expect(throws: DBusError.self) { try bytes([.structure([])]) }
    }
}
