;; A WASI command for the e2e suite's wasm image: prints "hello from a wasm image" and its
;; first argument after the program name, if any, then exits with status 3.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "hello from a wasm image\n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func (export "_start")
    (call $print (i32.const 256) (i32.const 24))
    ;; argv pointers at 1024, their strings at 4096; argc at 0, buffer size at 4.
    (drop (call $args_sizes (i32.const 0) (i32.const 4)))
    (drop (call $args (i32.const 1024) (i32.const 4096)))
    (if (i32.ge_u (i32.load (i32.const 0)) (i32.const 2))
      (then
        ;; argv[1] runs to the end of the buffer, less its NUL.
        (call $print (i32.load (i32.const 1028))
                     (i32.sub (i32.sub (i32.add (i32.const 4096) (i32.load (i32.const 4))) (i32.load (i32.const 1028))) (i32.const 1)))))
    (call $proc_exit (i32.const 3))))
