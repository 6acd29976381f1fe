#!/usr/bin/env bash
# Builds the vhost-cni shim (vhost-cni/build/vhost-cni), the daemon's IPAM exec helper
# (vhost-cni/build/vhost-cni-exec) and the shim's Node fallback launcher (vhost-cni/build/vhost-cni-node).
# Idempotent: a binary is rebuilt only when its source is newer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/build"
mkdir -p "$out"
compile() { # SOURCE BINARY
  if [ ! -x "$out/$2" ] || [ "$here/$1" -nt "$out/$2" ]; then
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
      -o "$out/$2.tmp" "$here/$1"
    mv "$out/$2.tmp" "$out/$2"
  fi
}
compile shim.c vhost-cni
compile exec-helper.c vhost-cni-exec
# The fallback runs the compiled entry point when `npm run build:ts` made one, else the TS source.
cat > "$out/vhost-cni-node.tmp" <<LAUNCHER
#!/bin/sh
# Node fallback of the vhost-cni shim (same protocol and behaviour, slower start).
repo="$(cd "$here/.." && pwd)"
if [ -f "\$repo/dist/vhost-cni/index.js" ]; then exec node "\$repo/dist/vhost-cni/index.js"; fi
exec node --import "\$repo/node_modules/tsx/dist/loader.mjs" "\$repo/vhost-cni/index.ts"
LAUNCHER
chmod +x "$out/vhost-cni-node.tmp"
mv "$out/vhost-cni-node.tmp" "$out/vhost-cni-node"
echo "$out/vhost-cni"
