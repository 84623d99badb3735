#!/usr/bin/env bash
# Builds the release hako, .build/lean/release/hako, as demo.sh, bench/run.sh and vm/run.sh use
# it. Extra arguments go to `swift build`. Waits on /tmp/hako-build.lock for any other build.
# Its own build directory: SwiftPM does not always recompile when only -Xswiftc flags change,
# so sharing .build with a plain `swift build -c release` could link objects built without them.
#
# The binary is fully static (`-static-executable`: glibc, libseccomp.a from libseccomp-dev,
# the Swift runtime and libstdc++ linked in): it runs on any Linux, installs by copying one
# file, and loads and relocates no shared library at start. hako calls nothing that needs
# glibc's dlopen or NSS (users come from /etc/passwd read by hand, systemd is reached by
# hako's own D-Bus client); the linker warns if something starts to.
#
# The flags beyond `-c release --static-swift-stdlib` make the binary lean in memory (peak
# RSS of `hako create` 13.1 -> 7.7 MiB, `run` 10.6 -> 9.3 ms; bench/README.md has the
# measurements). A process's RSS is mostly the pages of this 34 MB binary it maps, and the
# kernel maps text 64 KiB at a time around every page it faults in:
#   -function-sections, -ffunction-sections  one section per function, so the linker can
#                               move each one;
#   --symbol-ordering-file      puts the functions the hot commands run (scripts/hot-symbols.txt,
#                               made by scripts/profile-hot-symbols.sh) side by side at the
#                               start of .text, so a command touches ~40 windows, not ~100,
#                               and the protocol conformance descriptors, which every process's
#                               first dynamic casts read, side by side in .rodata;
#                               names that no longer exist are skipped, so an old list only
#                               costs memory;
#   --script=text-layout.ld     puts the functions the compiler leaves without a symbol (the
#                               ".L__unnamed" value witnesses of enums, 19 KB in all), which
#                               no ordering list can name, just before the hot functions:
#                               scattered, they cost create ~10 windows;
#   -use-ld=lld                 the toolchain's linker, which takes that list;
#   the standard library split  the toolchain's libswiftCore.a keeps 1.6 MB of the standard
#                               library's code in one section of its Swift.o (and
#                               libswift_Concurrency.a 250 KB in _Concurrency.o), which no
#                               list can order; scripts/split-text-sections.py makes copies
#                               with a section per function, in .build/lean/stdlib/libswiftSplit.a,
#                               and every Swift object asks the linker for it (-autolink-library:
#                               the request lands among hako's own objects, ahead of the
#                               toolchain's archives, so their Swift.o and _Concurrency.o are
#                               never pulled in);
#   static libstdc++, libgcc    the Swift runtime needs a little C++ support.
# It also tells the binary its commit (`hako --version`): see Sources/CBuildInfo.
set -euo pipefail
cd "$(dirname "$0")/.."

for lib in libseccomp.a libc.a; do
    if [ ! -f "/usr/lib/$(gcc -print-multiarch)/$lib" ]; then
        echo "build-release: no $lib for a static link (Debian: libseccomp-dev, libc6-dev)" >&2
        exit 1
    fi
done

# The standard library and the concurrency runtime, a section per function (see above),
# remade when the toolchain's archive or the script is newer than them.
if ! /usr/bin/python3 -c 'import capstone' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-capstone >/dev/null
    else
        echo "build-release: needs /usr/bin/python3 with capstone (Debian: python3-capstone)" >&2
        exit 1
    fi
fi
toolchain_static="$(dirname "$(readlink -f "$(command -v swiftc)")")/../lib/swift_static/linux"
split_members="libswiftCore.a:Swift.o libswift_Concurrency.a:_Concurrency.o"
stdlib=.build/lean/stdlib
remake=no   # -nt is also true when the archive is missing
for member in $split_members; do
    if [ "$toolchain_static/${member%%:*}" -nt "$stdlib/libswiftSplit.a" ]; then remake=yes; fi
done
if [ scripts/split-text-sections.py -nt "$stdlib/libswiftSplit.a" ]; then remake=yes; fi
if [ "$remake" = yes ]; then
    rm -rf "$stdlib" && mkdir -p "$stdlib/work"
    for member in $split_members; do
        (cd "$stdlib/work" && ar x "$toolchain_static/${member%%:*}" "${member#*:}")
        /usr/bin/python3 scripts/split-text-sections.py "$stdlib/work/${member#*:}" "$stdlib/work/split-${member#*:}"
    done
    ar rcs "$stdlib/libswiftSplit.a" "$stdlib"/work/split-*.o
    rm -rf "$stdlib/work" .build/lean/release/hako
fi
# HAKO_STDLIB=toolchain links the toolchain's Swift.o and _Concurrency.o as they are, for
# scripts/check-stdlib-split.py and to measure what the split saves: the archive the objects
# ask for is then an empty one.
case "${HAKO_STDLIB:-split}" in
    split) ;;
    toolchain)
        stdlib=.build/lean/stdlib-toolchain
        mkdir -p "$stdlib" && rm -f "$stdlib/libswiftSplit.a" && ar rcs "$stdlib/libswiftSplit.a" ;;
    *) echo "build-release: HAKO_STDLIB is \"split\" (the default) or \"toolchain\", not \"$HAKO_STDLIB\"" >&2; exit 1 ;;
esac
if [ "$(cat .build/lean/stdlib-mode 2>/dev/null)" != "$stdlib" ]; then
    echo "$stdlib" > .build/lean/stdlib-mode
    rm -f .build/lean/release/hako
fi

# The commit, as `git describe` names it, in a header rewritten only when it changes (so
# that only CBuildInfo recompiles).
commit=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
mkdir -p .build/lean/build-info
header="#define HAKO_COMMIT \"$commit\""
if [ "$(cat .build/lean/build-info/hako_commit.h 2>/dev/null)" != "$header" ]; then
    echo "$header" > .build/lean/build-info/hako_commit.h
fi

# SwiftPM relinks only when an object changed, not when the ordering list or the layout
# script did: either newer than the binary removes it, so that the link takes it.
for input in scripts/hot-symbols.txt scripts/text-layout.ld; do
    if [ "$input" -nt .build/lean/release/hako ]; then rm -f .build/lean/release/hako; fi
done

flock /tmp/hako-build.lock swift build -c release --static-swift-stdlib -Xswiftc -static-executable --scratch-path .build/lean \
    -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections \
    -Xswiftc -use-ld=lld \
    -Xswiftc -Xfrontend -Xswiftc -autolink-library -Xswiftc -Xfrontend -Xswiftc swiftSplit \
    -Xlinker "-L$PWD/$stdlib" -Xlinker "--why-extract=$PWD/.build/lean/why-extract.txt" \
    -Xlinker "--symbol-ordering-file=$PWD/scripts/hot-symbols.txt" -Xlinker --no-warn-symbol-ordering \
    -Xlinker "--script=$PWD/scripts/text-layout.ld" \
    -Xcc "-I$PWD/.build/lean/build-info" \
    "$@"

# The split objects must stand in for the toolchain's, not beside them (lld writes why it
# took each archive member).
for member in $split_members; do
    if [ "${HAKO_STDLIB:-split}" = split ] && grep -q "${member%%:*}(${member#*:})" .build/lean/why-extract.txt; then
        echo "build-release: the link took ${member#*:} from the toolchain's ${member%%:*}, not $stdlib/libswiftSplit.a" >&2
        rm -f .build/lean/release/hako
        exit 1
    fi
done

# Say so if the link ever stops being static.
if readelf -l .build/lean/release/hako | grep -q INTERP; then
    echo "build-release: .build/lean/release/hako is not static (it has a program interpreter)" >&2
    exit 1
fi
