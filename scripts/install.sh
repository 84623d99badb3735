#!/usr/bin/env bash
# Installs hako: scripts/install.sh [PREFIX] (default /usr/local), as root.
#   PREFIX/sbin/hako                                     the release binary, stripped
#   PREFIX/share/man/man8/hako.8, hako-COMMAND.8         manual pages (hako --generate-man-pages)
#   PREFIX/share/bash-completion/completions/hako        completions for bash,
#   PREFIX/share/zsh/site-functions/_hako                zsh (vendor-completions with ZSH_DIR)
#   PREFIX/share/fish/vendor_completions.d/hako.fish     and fish
# DESTDIR stages the files under another root (scripts/package-deb.sh does); ZSH_DIR
# overrides the zsh directory, relative to PREFIX. Prints each file it installs.
set -euo pipefail
prefix=${1:-/usr/local}
case $prefix in /*) ;; *) echo "install: PREFIX must be absolute, not \"$prefix\"" >&2; exit 2 ;; esac
root=${DESTDIR:-}${prefix}
zsh_dir=${ZSH_DIR:-share/zsh/site-functions}
cd "$(dirname "$0")/.."

./scripts/build-release.sh >/dev/null
binary=.build/lean/release/hako
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# The manual pages and completion scripts come from the binary just built, which knows its
# own commands.
"$binary" --generate-man-pages "$staging/man"
"$binary" --generate-completion-script bash > "$staging/hako.bash"
"$binary" --generate-completion-script zsh > "$staging/_hako"
"$binary" --generate-completion-script fish > "$staging/hako.fish"

place() { # MODE SOURCE DESTINATION
    install -D -m "$1" "$2" "$3"
    echo "$3"
}
place 0755 "$binary" "$root/sbin/hako"
strip --strip-unneeded "$root/sbin/hako"
for page in "$staging"/man/*.8; do
    place 0644 "$page" "$root/share/man/man8/$(basename "$page")"
done
place 0644 "$staging/hako.bash" "$root/share/bash-completion/completions/hako"
place 0644 "$staging/_hako" "$root/$zsh_dir/_hako"
place 0644 "$staging/hako.fish" "$root/share/fish/vendor_completions.d/hako.fish"
