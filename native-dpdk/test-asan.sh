#!/usr/bin/env bash
# Runs the native engine's integration tests against the AddressSanitizer build of the addon
# (bash native-dpdk/build.sh --asan). Node itself is not instrumented, so libasan is preloaded.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
addon="$here/build-asan/RelWithDebInfo/pktbridge_dpdk.node"
[[ -f "$addon" ]] || bash "$here/build.sh" --asan
libasan="$(gcc -print-file-name=libasan.so)"
cd "$(dirname "$here")"
# Leak checking is off: V8 and DPDK keep process-lifetime allocations that are not leaks.
exec env PKTBRIDGE_ADDON="$addon" LD_PRELOAD="$libasan" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1" \
  flock -w 600 /tmp/pktbridge-dataplane.lock npx vitest run "${@:-test/integration/native-dpdk}"
