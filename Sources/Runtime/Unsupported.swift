import OCISpec

/// Fields of config.json that this build of hako cannot carry out yet. A config that
/// sets one is refused at create with the field's path, rather than run without it.
enum Unsupported {
    static func check(_ spec: Spec) throws {
        func refuse(_ path: String) throws -> Never {
            throw RuntimeError("\(path): not supported by this version of hako")
        }
        let linux = spec.linux
        if let label = linux?.mountLabel, !label.isEmpty { try refuse("linux.mountLabel") }
        if let process = spec.process {
        }
    }
}
