#!/usr/bin/env bash
# Builds the native DPDK addon with cmake-js: native-dpdk/build/ (Release) or, with --asan,
# native-dpdk/build-asan/ (AddressSanitizer). Idempotent: re-running only rebuilds what changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

out="$here/build"
extra=()
if [[ "${1:-}" == "--asan" ]]; then
  out="$here/build-asan"
  extra=(--CDPB_ASAN=ON --config RelWithDebInfo)
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--asan]" >&2
  exit 2
fi

if ! pkg-config --exists libdpdk; then
  echo "error: DPDK development files not found (pkg-config libdpdk)." >&2
  echo "       install Debian's DPDK 22.11: apt-get install dpdk dpdk-dev libdpdk-dev pkg-config" >&2
  exit 1
fi
for tool in cmake c++; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: '$tool' not found: apt-get install cmake g++ build-essential" >&2
    exit 1
  fi
done

cd "$root"
npx --no-install cmake-js build --directory "$here" --out "$out" --log-level warn "${extra[@]}" \
  --parallel "$(nproc)"
echo "built $(find "$out" -name '*.node' -print -quit)"
