# Sourced by the guest check scripts: a busybox bundle under $work (set by the caller),
# the state root, `check NAME COMMAND...` (one PASS/FAIL line, output of a failure) and
# `config NAME` (configs/NAME.json, made on the host by vm/run.sh: the guest has no
# python3) as the bundle's config.json.
hako="$PWD/hako"
rm -rf "$work"; mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/etc"
cp busybox "$work/bundle/rootfs/bin/busybox"; chmod +x "$work/bundle/rootfs/bin/busybox"
for a in $("$work/bundle/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$work/bundle/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/bundle/rootfs/etc/passwd"
root="$work/state"
passed=0 failed=0
check() {
    local name=$1; shift
    local out; out=$("$@" 2>&1); local rc=$?
    if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "PASS  $name"; else failed=$((failed + 1)); echo "FAIL  $name"; echo "$out" | sed 's/^/      /' | tail -8; fi
}
config() { cp "configs/$1.json" "$work/bundle/config.json"; }
