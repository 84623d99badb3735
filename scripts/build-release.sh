#!/usr/bin/env bash
# Builds the release hako, .build/lean/release/hako, as demo.sh, bench/run.sh and vm/run.sh use
# it. Extra arguments go to `swift build`. Waits on /tmp/hako-build.lock for any other build.
# Its own build directory: SwiftPM does not always recompile when only -Xswiftc flags change,
# so sharing .build with a plain `swift build -c release` could link objects built without them.
#
# The flags beyond `-c release --static-swift-stdlib` make the binary lean in memory (peak
# RSS of `hako create` 13.1 -> 7.7 MiB, `run` 10.6 -> 9.3 ms; bench/README.md has the
# measurements). A process's RSS is mostly the pages of this 34 MB binary it maps, and the
# kernel maps text 64 KiB at a time around every page it faults in:
#   -function-sections, -ffunction-sections  one section per function, so the linker can
#                               move each one;
#   --symbol-ordering-file      puts the functions the hot commands run (scripts/hot-symbols.txt,
#                               made by scripts/profile-hot-symbols.sh) side by side at the
#                               start of .text, so a command touches ~40 windows, not ~100;
#                               names that no longer exist are skipped, so an old list only
#                               costs memory;
#   -use-ld=lld                 the toolchain's linker, which takes that list;
#   -z pack-relative-relocs     DT_RELR: the 42,000 relative relocations take 8 KB instead
#                               of 1 MB that the loader reads at every start (glibc >= 2.36);
#   --no-export-dynamic         Swift exports every symbol of the executable for no user
#                               here; the dynamic symbol table shrinks from 390 KB to 15 KB;
#   static libstdc++, libgcc    the Swift runtime needs a little C++ support; linking it in
#                               saves loading and relocating libstdc++.so (1 MiB of RSS).
# It also tells the binary its commit (`hako --version`): see Sources/CBuildInfo.
set -euo pipefail
cd "$(dirname "$0")/.."

toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
libstdcxx=$("$toolchain/clang" -print-file-name=libstdc++.a)
if [ ! -f "$libstdcxx" ]; then
    echo "build-release: no libstdc++.a for the toolchain's clang (Debian: libstdc++-12-dev)" >&2
    exit 1
fi
# A directory holding only the static libstdc++, searched before the one with libstdc++.so.
mkdir -p .build/static-libstdc++
ln -sf "$libstdcxx" .build/static-libstdc++/libstdc++.a

# The commit, as `git describe` names it, in a header rewritten only when it changes (so
# that only CBuildInfo recompiles).
commit=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
mkdir -p .build/lean/build-info
header="#define HAKO_COMMIT \"$commit\""
if [ "$(cat .build/lean/build-info/hako_commit.h 2>/dev/null)" != "$header" ]; then
    echo "$header" > .build/lean/build-info/hako_commit.h
fi

flock /tmp/hako-build.lock swift build -c release --static-swift-stdlib --scratch-path .build/lean \
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections \
    -Xswiftc -use-ld=lld \
    -Xlinker "--symbol-ordering-file=$PWD/scripts/hot-symbols.txt" -Xlinker --no-warn-symbol-ordering \
    -Xlinker -z -Xlinker pack-relative-relocs \
    -Xlinker --no-export-dynamic \
    -Xcc "-I$PWD/.build/lean/build-info" \
    -Xlinker "-L$PWD/.build/static-libstdc++" -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
    "$@"

# The search order above is what makes libstdc++ static; say so if it ever stops working.
if readelf -d .build/lean/release/hako | grep -q 'NEEDED.*libstdc++'; then
    echo "build-release: .build/release/hako links libstdc++.so dynamically; expected $libstdcxx" >&2
    exit 1
fi
