#if canImport(Glibc)
import Glibc
#endif
import LinuxSys
import Logging
import Runtime

/// Log lines in runc's formats, which containerd and podman parse to show a runtime's
/// errors: text `time="..." level=error msg="..."` or JSON
/// `{"level":"error","msg":"...","time":"..."}`, one per line, to --log or stderr.
struct RuncLogHandler: LogHandler {
    let fd: Int32
    let json: Bool
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info, .notice: return "info"
        case .warning: return "warning"
        case .error: return "error"
        case .critical: return "fatal"
        }
    }

    func log(event: LogEvent) {
        var text = event.message.description
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty {
            text += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        let time = Clock.rfc3339Now()
        let level = Self.levelName(event.level)
        let line: String
        if json {
            line = "{\"level\":\"\(level)\",\"msg\":\(JSONText.quote(text)),\"time\":\"\(time)\"}\n"
        } else {
            line = "time=\"\(time)\" level=\(level) msg=\(JSONText.quote(text))\n"
        }
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

enum RuncLog {
    /// Sets up swift-log from the global flags; an unopenable --log falls back to stderr.
    static func bootstrap(_ options: Globals) -> Logger {
        var fd: Int32 = 2
        if let path = options.log, !path.isEmpty {
            do {
                fd = try Files.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o644)
            } catch {
                let message = "hako: opening the log file \(path): \(error.reason)\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
            }
        }
        let level: Logger.Level = options.debug ? .debug : .info
        let json = options.logFormat == .json
        let handler = RuncLogHandler(fd: fd, json: json, logLevel: level)
        return Logger(label: "hako", factory: { _ in handler })
    }

    /// Reports a fatal error as `hako: ...` on stderr, and through `logger` when it writes to
    /// a --log file (where engines look for it).
    static func fail(_ message: String, logger: Logger?) {
        logger?.error("\(message)")
        let line = "hako: \(TerminalText.escaped(message))\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}

/// Text for a terminal: an error is one line, and what it quotes (an id, a path, a child's
/// message) can neither break it nor send escape sequences to the caller's terminal.
enum TerminalText {
    /// Control characters (C0, DEL and C1) as escapes: "\n", "\t", "\r", else "\xNN" or
    /// "\u{NN}"; everything else as it is.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0a: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0d: out += "\\r"
            case 0..<0x20, 0x7f:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            case 0x80..<0xa0:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// JSON string quoting for log lines.
enum JSONText {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
