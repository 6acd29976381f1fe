#!/usr/bin/env bash
# Check that a host can run pktbridge's DPDK data path: CPU, hugepages, IOMMU, vfio, NUMA, isolation, versions.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: host-check.sh [--json]

Runs every check and prints one line each: ok, warn or fail, what was found, and a hint.
Exit status: 0 when no check failed (warnings allowed), 1 when one did, 2 bad arguments.
Environment: SYSFS_ROOT, PROC_ROOT, MOUNTS_FILE (fake trees for tests); PATH decides which
pkg-config / dpkg-query / ovs-vswitchd are found.
EOF
}

RESULTS=()
FAILED=0

# result NAME STATUS DETAIL HINT
result() {
  local name="$1" status="$2" detail="$3" hint="${4:-}"
  [[ "$status" == fail ]] && FAILED=1
  RESULTS+=("$name"$'\t'"$status"$'\t'"$detail"$'\t'"$hint")
}

cpu_flags() {
  local line
  [[ -r "$PROC_ROOT/cpuinfo" ]] || return 1
  while IFS= read -r line; do
    if [[ "$line" == flags* ]]; then
      printf ' %s ' "${line#*:}"
      return 0
    fi
  done <"$PROC_ROOT/cpuinfo"
  return 1
}

check_cpu() {
  local flags flag missing=() optional_missing=()
  if ! flags="$(cpu_flags)"; then
    result cpu fail "no CPU flags in $PROC_ROOT/cpuinfo" "is /proc mounted?"
    return
  fi
  # Debian's DPDK 22.11 is built for the x86-64 baseline plus SSE4.2 (its minimum machine).
  for flag in sse4_2 ssse3 sse4_1 popcnt; do
    [[ "$flags" == *" $flag "* ]] || missing+=("$flag")
  done
  for flag in avx2 pdpe1gb; do
    [[ "$flags" == *" $flag "* ]] || optional_missing+=("$flag")
  done
  if ((${#missing[@]})); then
    result cpu fail "missing ${missing[*]}" "DPDK needs SSE4.2; on a VM pass the host CPU model through (-cpu host)"
  elif ((${#optional_missing[@]})); then
    result cpu warn "has sse4_2; missing ${optional_missing[*]}" "without pdpe1gb no 1G hugepages; without avx2 slower vector paths"
  else
    result cpu ok "sse4_2 avx2 pdpe1gb present"
  fi
}

check_hugepages() {
  local dir kb total free any=0 summary=() mounted=0 _dev _dir fstype _rest
  for dir in "$SYSFS_ROOT"/kernel/mm/hugepages/hugepages-*kB; do
    [[ -d "$dir" ]] || continue
    kb="${dir##*/hugepages-}"
    kb="${kb%kB}"
    total="$(read_value "$dir/nr_hugepages" 2>/dev/null || echo 0)"
    free="$(read_value "$dir/free_hugepages" 2>/dev/null || echo 0)"
    ((total > 0)) && any=1
    if ((kb >= 1048576)); then summary+=("$((kb / 1048576))G: $free/$total free"); else summary+=("$((kb / 1024))M: $free/$total free"); fi
  done
  if [[ -r "$MOUNTS_FILE" ]]; then
    while read -r _dev _dir fstype _rest; do
      [[ "$fstype" == hugetlbfs ]] && mounted=1
    done <"$MOUNTS_FILE"
  fi
  if ((!${#summary[@]})); then
    result hugepages fail "kernel has no hugepage support" "rebuild with CONFIG_HUGETLBFS or run DPDK with --no-huge"
  elif ((!any)); then
    result hugepages fail "no pages reserved ($(join_by ', ' "${summary[@]}"))" "hugepage-scripts/hugepages.sh reserve 1024"
  elif ((!mounted)); then
    result hugepages fail "$(join_by ', ' "${summary[@]}"), but no hugetlbfs mounted" "hugepage-scripts/hugepages.sh reserve 1024 (mounts it)"
  else
    result hugepages ok "$(join_by ', ' "${summary[@]}"), hugetlbfs mounted"
  fi
}

check_iommu() {
  local groups=0 group
  for group in "$SYSFS_ROOT"/kernel/iommu_groups/*; do
    [[ -d "$group" ]] && groups=$((groups + 1))
  done
  if ((groups > 0)); then
    result iommu ok "$groups IOMMU groups"
  else
    result iommu warn "no IOMMU groups" "add intel_iommu=on (or amd_iommu=on) iommu=pt to the kernel command line; without it vfio needs --noiommu"
  fi
}

check_vfio() {
  local noiommu
  if [[ -d "$SYSFS_ROOT/bus/pci/drivers/vfio-pci" ]]; then
    noiommu="$(read_value "$SYSFS_ROOT/module/vfio/parameters/enable_unsafe_noiommu_mode" 2>/dev/null || echo N)"
    if [[ "$noiommu" == Y ]]; then
      result vfio warn "vfio-pci loaded, unsafe no-IOMMU mode on" "devices have no DMA isolation; enable the IOMMU"
    else
      result vfio ok "vfio-pci loaded"
    fi
  elif [[ -d "$SYSFS_ROOT/module/vfio_pci" ]]; then
    result vfio ok "vfio_pci module present"
  else
    result vfio warn "vfio-pci not loaded" "modprobe vfio-pci (only needed for physical NICs and SR-IOV VFs)"
  fi
}

check_numa() {
  local node_dir nodes=() cpus
  for node_dir in "$SYSFS_ROOT"/devices/system/node/node[0-9]*; do
    [[ -d "$node_dir" ]] || continue
    cpus="$(read_value "$node_dir/cpulist" 2>/dev/null || echo '?')"
    nodes+=("${node_dir##*/}:cpus $cpus")
  done
  if ((${#nodes[@]})); then
    result numa ok "${nodes[*]}"
  else
    result numa warn "no NUMA information" "kernel without CONFIG_NUMA; pass --socket-mem without per-node values"
  fi
}

check_isolated() {
  local isolated
  isolated="$(read_value "$SYSFS_ROOT/devices/system/cpu/isolated" 2>/dev/null || true)"
  if [[ -n "$isolated" ]]; then
    result isolated-cpus ok "isolated: $isolated"
  else
    result isolated-cpus warn "no isolated CPUs" "poll-mode workers share cores with the OS; isolcpus=/nohz_full= on the kernel command line for stable latency"
  fi
}

check_dpdk() {
  local version=""
  if command -v pkg-config >/dev/null 2>&1; then
    version="$(pkg-config --modversion libdpdk 2>/dev/null || true)"
  fi
  # Not dpdk-testpmd --version: that initialises EAL (hugepages, devices) before printing.
  if [[ -z "$version" ]] && command -v dpkg-query >/dev/null 2>&1; then
    version="$(dpkg-query -W -f '${Version}' dpdk 2>/dev/null || true)"
    version="${version#*:}"
  fi
  if [[ -z "$version" ]]; then
    result dpdk fail "DPDK not found (no libdpdk in pkg-config, no dpdk package)" "apt-get install dpdk dpdk-dev libdpdk-dev pkg-config"
  elif [[ "$version" == 22.11* ]]; then
    result dpdk ok "DPDK $version"
  else
    result dpdk warn "DPDK $version" "pktbridge is built and tested against DPDK 22.11"
  fi
}

check_ovs() {
  local version
  if ! command -v ovs-vswitchd >/dev/null 2>&1; then
    result ovs warn "ovs-vswitchd not found" "only needed for the OVS-DPDK backend: apt-get install openvswitch-switch-dpdk"
    return
  fi
  version="$(ovs-vswitchd --version 2>/dev/null | sed -n 's/.*Open vSwitch) \([0-9][0-9.]*\).*/\1/p' | head -n 1)"
  if [[ -n "$version" ]]; then
    result ovs ok "Open vSwitch $version"
  else
    result ovs warn "ovs-vswitchd present, version unknown" "check ovs-vswitchd --version"
  fi
}

main() {
  local json=0
  while (($#)); do
    case "$1" in
      --json) json=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage_error "unexpected argument: $1" ;;
    esac
  done
  check_cpu
  check_hugepages
  check_iommu
  check_vfio
  check_numa
  check_isolated
  check_dpdk
  check_ovs

  local entry name status detail hint items=()
  for entry in "${RESULTS[@]}"; do
    IFS=$'\t' read -r name status detail hint <<<"$entry"
    if ((json)); then
      items+=("{\"check\":$(json_string "$name"),\"status\":\"$status\",\"detail\":$(json_string "$detail"),\"hint\":$(json_string "$hint")}")
    else
      printf '%-5s %-14s %s\n' "$status" "$name" "$detail"
      [[ -z "$hint" ]] || printf '      %-14s hint: %s\n' "" "$hint"
    fi
  done
  if ((json)); then
    printf '{"ok":%s,"checks":[%s]}\n' "$( ((FAILED)) && echo false || echo true)" "$(join_by , "${items[@]}")"
  fi
  exit "$FAILED"
}

main "$@"
