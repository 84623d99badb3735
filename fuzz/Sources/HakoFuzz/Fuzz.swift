@_spi(Decoding) import OCISpec
import Runtime

/// One input, decoded every way hako decodes JSON it did not write. config.json goes
/// through `Spec.decode` (by hand and by hako's Codable decoder, which must agree; the
/// JSON-path errors included), validation and hako's own encoding back; state.json through
/// `ContainerRecord` (by hand and by the Codable decoder, which must agree) and back through
/// hako's own writer; a hook's state through `State`.
/// Each must fail with an error, never crash, hang or overflow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    // config.json read by hand must be the Codable decoder's reading, whenever the hand
    // reader takes the input at all.
    if let byHand = Spec.decodeCommonShape(bytes) {
        guard let codable = try? Spec.decodeWithCodable(bytes) else {
            fatalError("config.json read by hand but refused by the Codable decoder: \(String(decoding: bytes, as: UTF8.self))")
        }
        precondition(byHand == codable, "config.json read differently by hand and by the Codable decoder")
    }
    if let spec = try? Spec.decode(bytes) {
        _ = try? spec.validate()
        // What hako writes back (config.json of the state directory) must decode again.
        if let encoded = try? spec.encoded(pretty: false) {
            _ = try? Spec.decode(encoded)
        }
    }
    let codableRecord = try? JSONCoding.decode(ContainerRecord.self, from: bytes, document: "state.json")
    if let byHand = ContainerRecord.decodeWrittenShape(bytes) {
        // hako reads the shape it writes by hand: the Codable decoder must read it the same.
        guard let codableRecord else {
            fatalError("state.json read by hand but refused by the Codable decoder: \(String(decoding: bytes, as: UTF8.self))")
        }
        precondition(byHand.encodedJSON() == codableRecord.encodedJSON(), "state.json read differently by hand and by the Codable decoder")
    }
    if let record = codableRecord {
        // hako writes state.json by hand: what it writes must read back as the same record.
        let written = record.encodedJSON()
        guard let back = try? JSONCoding.decode(ContainerRecord.self, from: written, document: "state.json") else {
            fatalError("state.json written by hako does not decode: \(String(decoding: written, as: UTF8.self))")
        }
        guard let backByHand = ContainerRecord.decodeWrittenShape(written) else {
            fatalError("state.json written by hako is not read by hand: \(String(decoding: written, as: UTF8.self))")
        }
        precondition(backByHand.encodedJSON() == written, "state.json read by hand changes when written again")
        precondition(back.encodedJSON() == written, "state.json changes when read back and written again")
    }
    _ = try? State.decode(bytes)
    return 0
}

/// libFuzzer's driver, from its C API (libclang_rt.fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The program's entry: SwiftPM names an executable target's entry point after the target
/// (and points `main` at it), so libFuzzer's own `main` is not used; this one hands the
/// command line to libFuzzer's driver.
@_cdecl("HakoFuzz_main")
public func hakoFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { fuzzOne($0, $1) }
}
