#!/usr/bin/env bash
# Tests scripts/split-text-sections.py on an object small enough to reason about
# (split-text-sections-sample.c, compiled as one .text section): split, then linked with its
# sections in reverse order, it must print what the unsplit program prints and reach the same
# places function by function (check-stdlib-split.py); and the tool must refuse what it does
# not handle. Uses the toolchain's clang and lld. Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bin="$(dirname "$(readlink -f "$(command -v swiftc)")")"
work=$(mktemp -d /tmp/hako-split-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # NAME COMMAND...
    local name=$1; shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1)); echo "PASS  $name"
    else
        failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$work/out"
    fi
}

"$bin/clang" -O2 -fno-function-sections -fno-addrsig -c scripts/split-text-sections-sample.c -o "$work/sample.o"
"$bin/clang" -O2 -fno-function-sections -c scripts/split-text-sections-sample.c -o "$work/addrsig.o"
split() { /usr/bin/python3 scripts/split-text-sections.py "$@"; }
link() { "$bin/clang" -fuse-ld=lld -Wl,--shuffle-sections='.text*=-1' "$1" -o "$2"; }

check "the sample splits into a section per function" \
    sh -c "$(declare -f split); split '$work/sample.o' '$work/split.o' && [ \$(readelf -S -W '$work/split.o' | grep -c ' \.text') -ge 6 ]"
check "both link with their .text sections reversed" sh -c "$(declare -f link); bin='$bin'; link '$work/sample.o' '$work/whole' && link '$work/split.o' '$work/split'"
check "the split program's functions are in another order" \
    sh -c "[ \"\$(nm -n '$work/whole' | grep ' t ' | head -5)\" != \"\$(nm -n '$work/split' | grep ' t ' | head -5)\" ]"
for n in 1000 7 12345; do
    check "same output for $n" sh -c "[ \"\$('$work/whole' $n)\" = \"\$('$work/split' $n)\" ]"
done
check "every function reaches the same places" /usr/bin/python3 scripts/check-stdlib-split.py "$work/whole" "$work/split"
check "an object with an address-significance table is refused, by name" \
    sh -c "$(declare -f split); out=\$(split '$work/addrsig.o' '$work/x.o' 2>&1); [ \$? = 1 ] && echo \"\$out\" | grep -q llvm_addrsig && [ ! -e '$work/x.o' ]"
check "a file that is not an object is refused, in one line" \
    sh -c "$(declare -f split); printf 'not an object' > '$work/junk'; out=\$(split '$work/junk' '$work/y.o' 2>&1); [ \$? = 1 ] && [ \"\$out\" = 'split-text-sections: $work/junk: not an x86-64 relocatable ELF object' ] && [ ! -e '$work/y.o' ]"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
