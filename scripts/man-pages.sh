#!/usr/bin/env bash
# Writes hako's manual pages, hako(8) and hako-COMMAND(8), into DIR: scripts/man-pages.sh DIR.
# They are generated from the command definitions by swift-argument-parser's generate-manual
# plugin, so they say what `--help` says and cannot drift from it. The plugin names the pages
# hako.COMMAND.8; they are renamed to hako-COMMAND.8 (man hako-exec, as runc-exec(8)), and
# the help page, which only repeats hako(8), is left out.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
out=$1
cd "$(dirname "$0")/.."
# The pages' date is the commit's, so the same commit makes the same pages.
date=$(git log -1 --format=%cs 2>/dev/null || date +%F)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! flock /tmp/hako-build.lock swift package generate-manual --configuration debug \
    --multi-page --section 8 --date "$date" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
generated=.build/plugins/GenerateManual/outputs/hako
[ -f "$generated/hako.8" ] || { echo "man-pages: the plugin wrote no $generated/hako.8" >&2; exit 1; }
mkdir -p "$out"
for page in "$generated"/hako*.8; do
    name=$(basename "$page" .8)
    [ "$name" = hako.help ] && continue
    sed -e 's/^\.Dt HAKO\.\([A-Z]*\) 8/.Dt HAKO-\1 8/' \
        -e '/^\.Xr hako\.help 8/d' \
        -e 's/^\.Xr hako\.\([a-z]*\) 8/.Xr hako-\1 8/' \
        "$page" > "$out/${name/./-}.8"
done
