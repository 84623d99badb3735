"""The reference for bench/wasm.sh: a WASI module run outside any container by a standalone
engine, wasmtime (its Python package from PyPI, which carries libwasmtime), with stdio and
argv passed through. Usage: wasm-reference.py MODULE [ARG...]; exits with the module's
status."""
import sys

import wasmtime

engine = wasmtime.Engine()
store = wasmtime.Store(engine)
wasi = wasmtime.WasiConfig()
wasi.argv = sys.argv[1:]
wasi.inherit_stdout()
wasi.inherit_stderr()
store.set_wasi(wasi)
linker = wasmtime.Linker(engine)
linker.define_wasi()
module = wasmtime.Module.from_file(engine, sys.argv[1])
instance = linker.instantiate(store, module)
try:
    instance.exports(store)["_start"](store)
except wasmtime.ExitTrap as exit_trap:
    sys.exit(exit_trap.code)
