import Foundation
import Testing
import WAT

/// WASI modules, written here in WAT and compiled with WasmKit's WAT library, run as the
/// process of real containers through hako's CLI.
@Suite("wasm containers", .enabled(if: Runner.isRoot, "needs root"))
struct WasmContainerTests {
    static let wasi = "wasi_snapshot_preview1"

    /// A module with `(call $print PTR LEN)`, `$proc_exit` and a memory, what every module
    /// below shares; `imports` go before the rest, as the text format wants.
    static func module(imports: String = "", _ body: String) -> String {
        """
        (module
          (import "\(wasi)" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (import "\(wasi)" "proc_exit" (func $proc_exit (param i32)))
          \(imports)
          (memory (export "memory") 1)
          (func $print (param $ptr i32) (param $len i32)
            (i32.store (i32.const 16) (local.get $ptr))
            (i32.store (i32.const 20) (local.get $len))
            (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
          \(body))
        """
    }

    static let hello = module("""
      (data (i32.const 256) "hello from wasm\\n")
      (func (export "_start") (call $print (i32.const 256) (i32.const 16)))
    """)

    /// A bundle whose rootfs holds `module` at /app.wasm, run with the given annotations.
    func bundle(_ wat: String, args: [String] = ["/app.wasm"], annotations: [String: String] = ["run.oci.handler": "wasm"]) throws -> TestBundle {
        let bundle = try TestBundle(args: args, tag: "wasm")
        try Data(try wat2wasm(wat)).write(to: URL(fileURLWithPath: bundle.rootfs + "/app.wasm"))
        bundle.spec.annotations = annotations
        return bundle
    }

    @Test("hello on stdout, with the exit status 0, and nothing left")
    func hello() throws {
        let bundle = try bundle(Self.hello)
        #expect(try bundle.runExpectingSuccess() == "hello from wasm\n")
    }

    @Test("crun's compat variant runs it too")
    func compatVariant() throws {
        let bundle = try bundle(Self.hello, annotations: ["module.wasm.image/variant": "compat"])
        #expect(try bundle.runExpectingSuccess() == "hello from wasm\n")
    }

    @Test("proc_exit's code is the container's exit status")
    func exitCode() throws {
        let bundle = try bundle(Self.module("(func (export \"_start\") (call $proc_exit (i32.const 7)))"))
        let result = try bundle.run()
        #expect(result.status == 7, "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("a module that traps exits 134, and stderr names the module and the trap")
    func trap() throws {
        let bundle = try bundle(Self.module("(func (export \"_start\") unreachable)"))
        let result = try bundle.run()
        #expect(result.status == 134, "\(result.stderr)")
        #expect(result.stderr.contains("/app.wasm: wasm trap:"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("args from process.args, environment from process.env")
    func argsAndEnvironment() throws {
        let wat = Self.module(imports: """
          (import "\(Self.wasi)" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
          (import "\(Self.wasi)" "args_get" (func $args (param i32 i32) (result i32)))
          (import "\(Self.wasi)" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
          (import "\(Self.wasi)" "environ_get" (func $env (param i32 i32) (result i32)))
        """, """
          (func (export "_start")
            (drop (call $args_sizes (i32.const 0) (i32.const 4)))
            (drop (call $args (i32.const 1024) (i32.const 4096)))
            (call $print (i32.const 4096) (i32.load (i32.const 4)))
            (drop (call $env_sizes (i32.const 8) (i32.const 12)))
            (drop (call $env (i32.const 8192) (i32.const 12288)))
            (call $print (i32.const 12288) (i32.load (i32.const 12))))
        """)
        let bundle = try bundle(wat, args: ["/app.wasm", "first", "second arg"])
        bundle.spec.process?.env = ["GREETING=hi there", "PATH=/bin"]
        let out = try bundle.runExpectingSuccess()
        #expect(out.contains("/app.wasm\0first\0second arg\0"), "\(out.debugDescription)")
        #expect(out.contains("GREETING=hi there\0"), "\(out.debugDescription)")
    }

    /// path_open of `path` under a preopened directory (fd 3 is the root, fd 4 the cwd when
    /// it is not the root), written to and closed; exits with path_open's errno.
    static func writer(_ path: String, _ text: String, directory: Int = 3) -> String {
        module(imports: """
          (import "\(wasi)" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "\(wasi)" "fd_close" (func $fd_close (param i32) (result i32)))
        """, """
          (data (i32.const 256) "\(path)")
          (data (i32.const 512) "\(text)")
          (func (export "_start") (local $errno i32)
            (local.set $errno (call $path_open (i32.const \(directory)) (i32.const 0) (i32.const 256) (i32.const \(path.utf8.count))
                                               (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 32)))
            (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
            (i32.store (i32.const 16) (i32.const 512))
            (i32.store (i32.const 20) (i32.const \(text.utf8.count)))
            (drop (call $fd_write (i32.load (i32.const 32)) (i32.const 16) (i32.const 1) (i32.const 24)))
            (drop (call $fd_close (i32.load (i32.const 32)))))
        """)
    }

    @Test("a file written inside the rootfs through the preopened root")
    func writesFile() throws {
        let bundle = try bundle(Self.writer("tmp/from-wasm", "written by wasm"))
        bundle.spec.root?.readonly = false
        _ = try bundle.runExpectingSuccess()
        #expect(try String(contentsOfFile: bundle.rootfs + "/tmp/from-wasm", encoding: .utf8) == "written by wasm")
    }

    @Test("a file written, closed, opened again and read back by the module")
    func readsBack() throws {
        let path = "tmp/round-trip", text = "written then read back"
        let bundle = try bundle(Self.module(imports: """
          (import "\(Self.wasi)" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "\(Self.wasi)" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
          (import "\(Self.wasi)" "fd_close" (func $fd_close (param i32) (result i32)))
        """, """
          (data (i32.const 256) "\(path)")
          (data (i32.const 512) "\(text)")
          (func (export "_start") (local $errno i32)
            ;; Created and truncated (oflags 9), written, closed.
            (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 256) (i32.const \(path.utf8.count))
                                               (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 32)))
            (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
            (i32.store (i32.const 16) (i32.const 512))
            (i32.store (i32.const 20) (i32.const \(text.utf8.count)))
            (drop (call $fd_write (i32.load (i32.const 32)) (i32.const 16) (i32.const 1) (i32.const 24)))
            (drop (call $fd_close (i32.load (i32.const 32))))
            ;; Opened again for reading, read into 2048, printed.
            (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 256) (i32.const \(path.utf8.count))
                                               (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 36)))
            (if (local.get $errno) (then (call $proc_exit (i32.add (i32.const 100) (local.get $errno)))))
            (i32.store (i32.const 40) (i32.const 2048))
            (i32.store (i32.const 44) (i32.const 100))
            (drop (call $fd_read (i32.load (i32.const 36)) (i32.const 40) (i32.const 1) (i32.const 48)))
            (call $print (i32.const 2048) (i32.load (i32.const 48))))
        """))
        bundle.spec.root?.readonly = false
        #expect(try bundle.runExpectingSuccess() == text)
        #expect(try String(contentsOfFile: bundle.rootfs + "/" + path, encoding: .utf8) == text)
    }

    @Test("clocks and random numbers come from the host")
    func clocksAndRandom() throws {
        // Prints "ok" when the realtime clock is past 2020 and 16 random bytes are not all zero.
        let bundle = try bundle(Self.module(imports: """
          (import "\(Self.wasi)" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
          (import "\(Self.wasi)" "random_get" (func $random (param i32 i32) (result i32)))
        """, """
          (data (i32.const 256) "ok")
          (func (export "_start")
            (if (call $clock (i32.const 0) (i64.const 1) (i32.const 1024)) (then (call $proc_exit (i32.const 10))))
            (if (i64.lt_u (i64.load (i32.const 1024)) (i64.const 1577836800000000000)) (then (call $proc_exit (i32.const 11))))
            (if (call $random (i32.const 2048) (i32.const 16)) (then (call $proc_exit (i32.const 12))))
            (if (i64.eqz (i64.or (i64.load (i32.const 2048)) (i64.load (i32.const 2056)))) (then (call $proc_exit (i32.const 13))))
            (call $print (i32.const 256) (i32.const 2)))
        """))
        #expect(try bundle.runExpectingSuccess() == "ok")
    }

    @Test("process.cwd is preopened too: a relative file lands in it")
    func cwdPreopened() throws {
        let bundle = try bundle(Self.writer("in-cwd", "relative to the cwd", directory: 4))
        bundle.spec.root?.readonly = false
        bundle.spec.process?.cwd = "/tmp"
        _ = try bundle.runExpectingSuccess()
        #expect(try String(contentsOfFile: bundle.rootfs + "/tmp/in-cwd", encoding: .utf8) == "relative to the cwd")
    }

    @Test("a path that leaves the preopened root is refused")
    func escapeRefused() throws {
        let bundle = try bundle(Self.writer("../../../../tmp/hako-wasm-escape", "escaped"))
        bundle.spec.root?.readonly = false
        let result = try bundle.run()
        #expect(result.status != 0, "\(result.stdout) \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/hako-wasm-escape"))
        bundle.expectNothingLeft()
    }

    @Test("a file that is not wasm fails create, naming the file; nothing is left")
    func notWasm() throws {
        let bundle = try TestBundle(args: ["/bin/busybox"], tag: "wasm")
        bundle.spec.annotations = ["run.oci.handler": "wasm"]
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("loading the WebAssembly module /bin/busybox: not a WASI module hako can run"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("an import WASI does not provide fails create, naming the import")
    func foreignImport() throws {
        let bundle = try bundle("""
        (module (import "env" "launch_missiles" (func)) (memory (export "memory") 1) (func (export "_start")))
        """)
        let result = try bundle.create()
        #expect(result.status != 0)
        #expect(result.stderr.contains("/app.wasm: imports env.launch_missiles, which WASI preview 1 does not provide"), "\(result.stderr)")
        bundle.expectNothingLeft()
    }

    @Test("compat-smart: a module runs as wasm, a native program is executed")
    func compatSmart() throws {
        let smart = ["module.wasm.image/variant": "compat-smart"]
        let module = try bundle(Self.hello, annotations: smart)
        #expect(try module.runExpectingSuccess() == "hello from wasm\n")
        let native = try bundle(Self.hello, args: ["echo", "native"], annotations: smart)
        #expect(try native.runExpectingSuccess() == "native\n")
    }

    @Test("on a terminal: run relays it, the module reads its input and writes to it")
    func terminal() throws {
        let bundle = try bundle(Self.module(imports: """
          (import "\(Self.wasi)" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
        """, """
          (data (i32.const 256) "got:")
          (func (export "_start") (local $n i32)
            (i32.store (i32.const 32) (i32.const 1024))
            (i32.store (i32.const 36) (i32.const 100))
            (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
            (local.set $n (i32.load (i32.const 40)))
            (call $print (i32.const 256) (i32.const 4))
            (call $print (i32.const 1024) (local.get $n))
            (call $proc_exit (i32.const 3)))
        """))
        bundle.spec.process?.terminal = true
        let result = try bundle.run([], stdin: "hello\n")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout.contains("got:hello"), "\(result.stdout.debugDescription)")
        bundle.expectNothingLeft()
    }

    @Test("a running wasm container: exec of a native program, pause, resume, kill, delete")
    func lifecycle() throws {
        // Spins until killed; a cpu quota keeps it to a tenth of a core.
        let bundle = try bundle(Self.module("(func (export \"_start\") (loop $forever (br $forever)))"))
        bundle.spec.linux?.resources = .init(cpu: .init(quota: 10_000, period: 100_000))
        #expect(try bundle.create().status == 0)
        #expect(try bundle.hako(["start", bundle.id]).status == 0)
        #expect(try bundle.state()?["status"] as? String == "running")
        let exec = try bundle.hako(["exec", bundle.id, "echo", "native beside wasm"])
        #expect(exec.status == 0 && exec.stdout == "native beside wasm\n", "\(exec.stderr)")
        let pause = try bundle.hako(["pause", bundle.id])
        #expect(pause.status == 0, "\(pause.stderr)")
        #expect(try bundle.state()?["status"] as? String == "paused")
        let resume = try bundle.hako(["resume", bundle.id])
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(try bundle.hako(["kill", bundle.id, "KILL"]).status == 0)
        #expect(try eventually { try bundle.state()?["status"] as? String == "stopped" })
        #expect(try bundle.hako(["delete", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }

    /// Grows the linear memory one 64 KiB page at a time up to `pages`, writing to each.
    static func grower(pages: Int) -> String {
        module("""
          (func (export "_start") (local $page i32)
            (block $done (loop $grow
              (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
              (local.set $page (i32.add (local.get $page) (i32.const 1)))
              (i32.store (i32.mul (local.get $page) (i32.const 65536)) (i32.const 1))
              (br_if $grow (i32.lt_u (local.get $page) (i32.const \(pages)))))))
        """)
    }

    @Test("the cgroup's memory limit bounds the module: 8 MiB fits under 32 MiB, 1 GiB is killed")
    func memoryLimit() throws {
        let fits = try bundle(Self.grower(pages: 128))
        fits.spec.linux?.resources = .init(memory: .init(limit: 32 << 20, swap: 32 << 20))
        _ = try fits.runExpectingSuccess()
        let tooMuch = try bundle(Self.grower(pages: 16384))
        tooMuch.spec.linux?.resources = .init(memory: .init(limit: 32 << 20, swap: 32 << 20))
        let result = try tooMuch.run()
        #expect(result.status == 137, "status \(result.status): \(result.stderr)")
        tooMuch.expectNothingLeft()
    }

    @Test("update and events --stats on a running wasm container: the module is the one process of its cgroup")
    func updateAndStats() throws {
        let bundle = try bundle(Self.module("(func (export \"_start\") (loop $forever (br $forever)))"))
        bundle.spec.linux?.resources = .init(memory: .init(limit: 64 << 20), cpu: .init(quota: 10_000, period: 100_000), pids: .init(limit: 10))
        #expect(try bundle.run(["--detach"]).status == 0)
        let update = try bundle.hako(["update", "--memory", "48m", "--pids-limit", "5", bundle.id])
        #expect(update.status == 0, "\(update.stderr)")
        let stats = try bundle.hako(["events", "--stats", bundle.id])
        #expect(stats.status == 0, "\(stats.stderr)")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        let data = try #require(event["data"] as? [String: Any])
        let pids = try #require(data["pids"] as? [String: Any])
        #expect(pids["current"] as? Int == 1)
        #expect(pids["limit"] as? Int == 5)
        let memory = try #require((data["memory"] as? [String: Any])?["usage"] as? [String: Any])
        #expect(memory["limit"] as? Int == 48 << 20)
        // The module's process spends the cpu the quota gives it.
        let cpu = try #require((data["cpu"] as? [String: Any])?["usage"] as? [String: Any])
        #expect((cpu["total"] as? Int ?? 0) > 0)
        #expect(try bundle.hako(["delete", "--force", bundle.id]).status == 0)
        bundle.expectNothingLeft()
    }
}
