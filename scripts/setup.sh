#!/usr/bin/env bash
# One-time, idempotent setup of a Debian 12 machine for pktbridge: Debian packages, npm packages,
# the native addon and CNI shim, TypeScript build, cnitool, hugepages. Each step says whether it
# had anything to do. Usage: scripts/setup.sh [--no-hugepages]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

want_hugepages=1
for arg in "$@"; do
  case "$arg" in
    --no-hugepages) want_hugepages=0 ;;
    -h | --help) echo "usage: scripts/setup.sh [--no-hugepages]"; exit 0 ;;
    *) echo "setup: unknown argument '$arg'" >&2; echo "usage: scripts/setup.sh [--no-hugepages]" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*"; }
done_already() { printf '   already done: %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "setup: run as root (it installs Debian packages and reserves hugepages)" >&2
  exit 1
fi

# --- Debian packages -------------------------------------------------------------------------
# dpdk/dpdk-dev/libdpdk-dev: DPDK 22.11 runtime, testpmd and headers for the addon.
# openvswitch-switch-dpdk: OVS with DPDK, for the ovs-dpdk backend and its tests.
# containernetworking-plugins: reference IPAM plugins (host-local, static) for CNI delegation.
# golang-go, golang-github-appc-cni-dev, dpkg-dev: to build cnitool from Debian's source package.
# cmake, g++, pkg-config: the addon and shim builds. iproute2: netns and veth for tests and demo.
# chromium: headless check of the benchmark's HTML report. shellcheck: lint of host scripts.
packages=(dpdk dpdk-dev libdpdk-dev pkg-config cmake g++ make openvswitch-switch-dpdk
  containernetworking-plugins iproute2 golang-go golang-github-appc-cni-dev dpkg-dev
  util-linux procps shellcheck chromium)
step "Debian packages"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  done_already "${#packages[@]} packages installed"
else
  echo "   installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- npm packages ------------------------------------------------------------------------------
step "npm packages"
stamp=node_modules/.pktbridge-lock.sha
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  done_already "node_modules matches package-lock.json"
else
  npm ci --no-fund --no-audit --loglevel=error
  echo "$lock_sum" > "$stamp"
fi

# --- native builds -----------------------------------------------------------------------------
step "native addon (native-dpdk)"
bash native-dpdk/build.sh
if [ -f vhost-cni/build.sh ]; then
  step "CNI shim (vhost-cni)"
  bash vhost-cni/build.sh
fi

step "TypeScript build"
newest_src=$(find src native-dpdk/*.ts vpp-api vhost-cni bench -name '*.ts' -newer dist/.built 2>/dev/null | head -1 || true)
if [ -f dist/.built ] && [ -z "$newest_src" ] && [ tsconfig.json -ot dist/.built ]; then
  done_already "dist/ is newer than every source file"
else
  npx tsc -p tsconfig.build.json
  touch dist/.built
fi

# --- cnitool -----------------------------------------------------------------------------------
step "cnitool (the CNI library's own client)"
shared_tools=${PKTBRIDGE_SHARED_DIR:-$repo/../shared}/tools
if [ -x .tools/cnitool ]; then
  done_already ".tools/cnitool"
elif [ -f "$shared_tools/build-cnitool.sh" ]; then
  bash "$shared_tools/build-cnitool.sh" .tools
else
  echo "   skipped: $shared_tools/build-cnitool.sh not found (cnitool tests will say so)"
fi

# --- hugepages ---------------------------------------------------------------------------------
if [ "$want_hugepages" = 1 ]; then
  step "hugepages"
  bash hugepage-scripts/hugepages.sh reserve --pages 1024 --size 2M --mount /dev/hugepages
fi

printf '\nsetup complete.\n'
