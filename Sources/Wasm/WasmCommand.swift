import LinuxSys
import WASI
import WasmKit
import WasmKitWASI

/// How a container's annotations ask for its process to run as WebAssembly, with the
/// conventions engines and images already use.
public enum WasmHandler: Sendable, Equatable {
    /// Always as a WASI module: `run.oci.handler: wasm` (crun, youki) or
    /// `module.wasm.image/variant: compat` (crun).
    case wasm
    /// As a module when the file starts with the wasm magic, else executed as usual:
    /// `module.wasm.image/variant: compat-smart`.
    case smart

    /// The handler the annotations ask for; nil for an ordinary container.
    public static func requested(by annotations: [String: String]?) -> WasmHandler? {
        guard let annotations else { return nil }
        if annotations["run.oci.handler"] == "wasm" { return .wasm }
        switch annotations["module.wasm.image/variant"] {
        case "compat": return .wasm
        case "compat-smart": return .smart
        default: return nil
        }
    }

    /// "\0asm", the first four bytes of every module.
    public static let magic: [UInt8] = [0x00, 0x61, 0x73, 0x6d]

    /// Whether the file at `path` starts with the wasm magic; a file that cannot be read
    /// is not a module, and its execve reports why.
    public static func isModule(_ path: String) -> Bool {
        (try? Files.readPrefix(path, count: magic.count)) == magic
    }
}

/// A failure to load a module: the file and what is wrong with it.
public struct WasmError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}

/// A WASI (preview 1) command module, parsed, checked and instantiated in this process,
/// ready to run. hako's init makes one where it would otherwise execve(2): every step of
/// isolation is done by then, so the module runs as the container's process.
public final class WasmCommand {
    /// The module's imports must all come from here.
    static let wasiModule = "wasi_snapshot_preview1"

    let path: String
    private let instance: Instance
    private let wasi: WASIBridgeToHost

    private init(path: String, instance: Instance, wasi: WASIBridgeToHost) {
        self.path = path
        self.instance = instance
        self.wasi = wasi
    }

    /// Loads the module at `path` (inside the container's root, which is "/" by now).
    /// - Parameters:
    ///   - arguments: the module's argv, as `process.args`.
    ///   - environment: "KEY=value" strings, as `process.env`.
    ///   - directory: `process.cwd`, preopened as "." beside the root as "/".
    public static func load(path: String, arguments: [String], environment: [String], directory: String) throws(WasmError) -> WasmCommand {
        do {
            let module = try parseWasm(filePath: path)
            // Checked before instantiating, to name the import: WASI's own names are all
            // linked (those WasmKit lacks as ENOSYS stubs, as the WASI tests expect).
            if let foreign = module.imports.first(where: { $0.module != wasiModule }) {
                throw WasmError(path: path, reason: "imports \(foreign.module).\(foreign.name), which WASI preview 1 does not provide (only \(wasiModule) is linked)")
            }
            guard module.exports.contains(where: { $0.name == "_start" }) else {
                throw WasmError(path: path, reason: "exports no _start function: not a WASI command")
            }
            var env: [String: String] = [:]
            for entry in environment {
                guard let equals = entry.firstIndex(of: "=") else { continue }
                env[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            }
            var preopens = [WASIBridgeToHost.Preopen(guestPath: "/", hostPath: "/")]
            if directory != "/" && !directory.isEmpty {
                preopens.append(WASIBridgeToHost.Preopen(guestPath: ".", hostPath: directory))
            }
            let wasi = try WASIBridgeToHost(args: arguments, environment: env, preopens: preopens)
            let engine = Engine()
            let store = Store(engine: engine)
            var imports = Imports()
            wasi.link(to: &imports, store: store)
            let instance = try module.instantiate(store: store, imports: imports)
            return WasmCommand(path: path, instance: instance, wasi: wasi)
        } catch let error as WasmError {
            throw error
        } catch {
            throw WasmError(path: path, reason: "not a WASI module hako can run: \(error)")
        }
    }

    /// The exit status of a module that traps: 128 + SIGABRT, as wasmtime reports it.
    public static let trapStatus: Int32 = 134

    /// Runs `_start` and returns the exit status: proc_exit's code, or 0 when `_start`
    /// returns. A trap is thrown, naming the module and the trap.
    public func run() throws(WasmError) -> Int32 {
        do {
            return Int32(truncatingIfNeeded: try wasi.start(instance))
        } catch {
            throw WasmError(path: path, reason: "wasm trap: \(error)")
        }
    }
}
