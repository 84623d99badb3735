import Foundation
@_spi(Decoding) import OCISpec
import Testing

/// Loads Fixtures/<name>.json from the test bundle.
enum Fixture {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "fixture \(name).json is not in the test bundle" }
    }

    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw Missing(name: name)
        }
        return try Data(contentsOf: url)
    }

    static func spec(_ name: String) throws -> Spec {
        try Spec.decode(data(name))
    }
}

/// Parses JSON into Foundation objects, to compare documents independently of key order.
func jsonObject(_ bytes: [UInt8]) throws -> NSObject { try jsonObject(Data(bytes)) }

func jsonObject(_ data: Data) throws -> NSObject {
    let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    guard let value = object as? NSObject else {
        throw Fixture.Missing(name: "<not an object>")
    }
    return value
}

/// Optional fields, as "Type.field", that are nil wherever their type occurs in
/// `value`: a field set in one instance of its type counts as covered.
func uncoveredFields(_ value: Any) -> [String] {
    var set: Set<String> = []
    var unset: [String] = []
    walkOptionals(value, field: "", set: &set, unset: &unset)
    var seen: Set<String> = []
    return unset.filter { !set.contains($0) && seen.insert($0).inserted }
}

private func walkOptionals(_ value: Any, field: String, set: inout Set<String>, unset: inout [String]) {
    let mirror = Mirror(reflecting: value)
    switch mirror.displayStyle {
    case .optional:
        guard let wrapped = mirror.children.first?.value else {
            unset.append(field)
            return
        }
        set.insert(field)
        walkOptionals(wrapped, field: field, set: &set, unset: &unset)
    case .struct:
        for child in mirror.children {
            let name = "\(mirror.subjectType).\(child.label ?? "?")"
            walkOptionals(child.value, field: name, set: &set, unset: &unset)
        }
    case .collection:
        for child in mirror.children {
            walkOptionals(child.value, field: field, set: &set, unset: &unset)
        }
    case .dictionary:
        for child in mirror.children {
            let pair = Mirror(reflecting: child.value).children.map(\.value)
            if pair.count == 2 {
                walkOptionals(pair[1], field: field, set: &set, unset: &unset)
            }
        }
    default:
        return
    }
}

/// The error `body` throws, or nil.
func specError(_ body: () throws(SpecError) -> Void) -> SpecError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

// The documents' decoders take bytes; the tests hold Foundation's Data.
extension Spec {
    static func decode(_ data: Data) throws(SpecError) -> Spec { try decode(Array(data)) }
    static func decodeWithCodable(_ data: Data) throws(SpecError) -> Spec { try decodeWithCodable(Array(data)) }
}

extension State {
    static func decode(_ data: Data) throws(SpecError) -> State { try decode(Array(data)) }
}

extension Features {
    static func decode(_ data: Data) throws(SpecError) -> Features { try decode(Array(data)) }
}

/// Copies of a JSON document (Foundation objects), each with one change: for every object
/// in it, `changes(object)` gives the changed objects, each put back in place of the
/// original; arrays are visited element by element (only the first when `firstElementOnly`).
func documentVariants(_ document: Any, firstElementOnly: Bool = false,
                      changes: ([String: Any]) -> [[String: Any]]) -> [Any] {
    var variants: [Any] = []
    func visit(_ value: Any, rebuild: @escaping (Any) -> Any) {
        if let object = value as? [String: Any] {
            variants += changes(object).map(rebuild)
            for key in object.keys {
                visit(object[key]!) { inner in
                    var changed = object
                    changed[key] = inner
                    return rebuild(changed)
                }
            }
        } else if let array = value as? [Any] {
            for index in array.indices.prefix(firstElementOnly ? 1 : array.count) {
                visit(array[index]) { inner in
                    var changed = array
                    changed[index] = inner
                    return rebuild(changed)
                }
            }
        }
    }
    visit(document) { $0 }
    return variants
}
