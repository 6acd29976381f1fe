#!/usr/bin/env bash
# Builds the bench traffic generator against the system DPDK (pkg-config libdpdk) into
# bench/trafficgen/build/ (git-ignored). Rebuilds only when a source file is newer than the binary.
set -euo pipefail
cd "$(dirname "$0")"
out=build/trafficgen
if ! pkg-config --exists libdpdk; then
  echo "trafficgen: DPDK development files not found (apt-get install libdpdk-dev pkg-config)" >&2
  exit 1
fi
if [ -x "$out" ] && [ "$out" -nt trafficgen.c ] && [ "$out" -nt latency_hist.h ]; then
  exit 0
fi
mkdir -p build
# shellcheck disable=SC2046 # pkg-config prints several flags on purpose
cc -O3 -g -Wall -Wextra -Werror -std=gnu11 $(pkg-config --cflags libdpdk) -o "$out.tmp" trafficgen.c \
  $(pkg-config --libs libdpdk)
mv "$out.tmp" "$out"
echo "trafficgen: built $(pwd)/$out"
