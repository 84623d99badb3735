import Runtime

/// JSON as runc prints it, keys in runc's order: engines and scripts written against runc
/// read `state`, `list --format json` and `events` that way, and a Codable encoder keeps
/// no order of its own. Indented output is Go's json.MarshalIndent with two spaces; compact is
/// json.Marshal's.
enum RuncJSON {
    /// A container's state (runc's containerState: annotations before owner, when any).
    static func state(_ report: StateReport, indented: Bool) -> String {
        var fields: [(String, String)] = [
            ("ociVersion", JSONText.quote(report.ociVersion)),
            ("id", JSONText.quote(report.id)),
            ("pid", "\(report.pid)"),
            ("status", JSONText.quote(report.status.rawValue)),
            ("bundle", JSONText.quote(report.bundle)),
            ("rootfs", JSONText.quote(report.rootfs)),
            ("created", JSONText.quote(report.created)),
        ]
        if let annotations = report.annotations, !annotations.isEmpty {
            let entries = annotations.sorted { $0.key < $1.key }.map { (JSONText.quote($0.key), JSONText.quote($0.value)) }
            fields.append(("annotations", object(entries, indented: indented, depth: 1)))
        }
        fields.append(("owner", JSONText.quote(report.owner)))
        return object(fields.map { (JSONText.quote($0.0), $0.1) }, indented: indented, depth: 0)
    }

    /// `list --format json`: the states on one line, as runc prints them.
    static func states(_ reports: [StateReport]) -> String {
        "[" + reports.map { state($0, indented: false) }.joined(separator: ",") + "]"
    }

    /// An `events` line: {"type":...,"id":...,"data":...}, data omitted when nil.
    static func event(type: String, id: String, data: String?) -> String {
        var fields = [("\"type\"", JSONText.quote(type)), ("\"id\"", JSONText.quote(id))]
        if let data { fields.append(("\"data\"", data)) }
        return object(fields, indented: false, depth: 0)
    }

    /// An object from quoted keys and encoded values.
    static func object(_ fields: [(key: String, value: String)], indented: Bool, depth: Int) -> String {
        guard indented else { return "{" + fields.map { "\($0.key):\($0.value)" }.joined(separator: ",") + "}" }
        let inner = String(repeating: "  ", count: depth + 1), outer = String(repeating: "  ", count: depth)
        return "{\n" + fields.map { "\(inner)\($0.key): \($0.value)" }.joined(separator: ",\n") + "\n\(outer)}"
    }
}
