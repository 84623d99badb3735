import Testing
@testable import Cgroups

@Suite("systemd driver: org.systemd.property annotations")
struct SystemdAnnotationTests {
    @Test("GVariant text values", arguments: [
        ("uint64 123", UnitValue.uint64(123)), ("@t 5", .uint64(5)), ("int64 -3", .int64(-3)), ("@x 7", .int64(7)),
        ("uint32 9", .uint32(9)), ("@u 9", .uint32(9)), ("int32 -1", .int32(-1)), ("42", .int32(42)), ("1.5", .double(1.5)),
        ("double 2", .double(2)), ("true", .bool(true)), ("@b false", .bool(false)), ("'inactive-or-failed'", .string("inactive-or-failed")),
        ("\"it\\'s\"", .string("it's")), ("['a', 'b,c']", .stringArray(["a", "b,c"])), ("@as []", .stringArray([])),
        ("byte 255", .byte(255)), ("uint16 65535", .uint16(65535)), ("int16 -5", .int16(-5)),
    ])
    func values(text: String, value: UnitValue) throws {
        #expect(try SystemdAnnotations.properties(["org.systemd.property.Prop": text]) == [UnitProperty("Prop", value)])
    }

    @Test("...Sec properties are sent as ...USec, in microseconds; other annotations are ignored")
    func seconds() throws {
        let properties = try SystemdAnnotations.properties([
            "org.systemd.property.TimeoutStopSec": "uint64 3",
            "org.systemd.property.RuntimeMaxSec": "2.5",
            "org.systemd.property.CollectMode": "'inactive-or-failed'",
            "org.opencontainers.image.title": "x",
        ])
        #expect(properties == [
            UnitProperty("CollectMode", .string("inactive-or-failed")),
            UnitProperty("RuntimeMaxUSec", .uint64(2_500_000)),
            UnitProperty("TimeoutStopUSec", .uint64(3_000_000)),
        ])
    }

    @Test("bad names and values name the annotation", arguments: [
        ("org.systemd.property.", "1"), ("org.systemd.property.lowercase", "1"), ("org.systemd.property.Has-Dash", "1"),
        ("org.systemd.property.Prop", "uint64 -1"), ("org.systemd.property.Prop", "'unterminated"), ("org.systemd.property.Prop", "@z 1"),
        ("org.systemd.property.Prop", "maybe"), ("org.systemd.property.TimeoutStopSec", "'soon'"), ("org.systemd.property.Prop", ""),
    ])
    func refused(key: String, value: String) {
        #expect(throws: CgroupError.self) { try SystemdAnnotations.properties([key: value]) }
        do { _ = try SystemdAnnotations.properties([key: value]) } catch {
            #expect(error.description.hasPrefix("annotations[\"\(key)\"]: "), "\(error)")
        }
    }
}
