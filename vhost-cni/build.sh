#!/usr/bin/env bash
# Builds the vhost-cni shim (vhost-cni/build/vhost-cni) and its Node fallback launcher
# (vhost-cni/build/vhost-cni-node). Idempotent: rebuilds only when shim.c is newer than the binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/build"
mkdir -p "$out"
if [ ! -x "$out/vhost-cni" ] || [ "$here/shim.c" -nt "$out/vhost-cni" ]; then
  ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
    -o "$out/vhost-cni.tmp" "$here/shim.c"
  mv "$out/vhost-cni.tmp" "$out/vhost-cni"
fi
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
