#!/usr/bin/env bash
# Bind PCI devices to vfio-pci (driver_override) for DPDK, restore their original drivers, and report.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage:
  vfio.sh bind   [--force] [--noiommu] [--state-dir DIR] PCI_ADDR...
  vfio.sh unbind [--state-dir DIR] PCI_ADDR...
  vfio.sh status [--json] [--state-dir DIR] [PCI_ADDR...]

bind     Bind each device to vfio-pci through driver_override, recording its current driver.
         Refuses when the device's network interface is up or has routes (--force overrides),
         when its IOMMU group holds a device on another driver, or when there is no IOMMU
         (--noiommu turns on vfio's enable_unsafe_noiommu_mode instead: no DMA isolation).
         Loads vfio-pci if it is not loaded.
unbind   Unbind from vfio-pci, clear driver_override, and rebind the driver recorded by bind.
status   Driver, IOMMU group, network interfaces and recorded driver of each device
         (default: devices on vfio-pci or recorded by bind); --json for scripts.

PCI_ADDR is DDDD:BB:DD.F or BB:DD.F (hex), e.g. 0000:03:00.1.
Exit status: 0 done (or nothing to do), 1 failed with nothing changed, 2 bad arguments.
Environment: SYSFS_ROOT, PROC_ROOT, HOSTPREP_STATE_DIR, HOSTPREP_DRY_RUN=1 (print modprobe).
EOF
}

# Drivers the kernel's vfio accepts beside vfio-pci on other members of an IOMMU group.
readonly GROUP_SAFE_DRIVERS=" vfio-pci pci-stub pcieport "

normalize_pci() {
  local addr="${1,,}"
  if [[ "$addr" =~ ^[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$ ]]; then
    addr="0000:$addr"
  fi
  [[ "$addr" =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$ ]] || return 1
  printf '%s' "$addr"
}

device_dir() { printf '%s/bus/pci/devices/%s' "$SYSFS_ROOT" "$1"; }
driver_dir() { printf '%s/bus/pci/drivers/%s' "$SYSFS_ROOT" "$1"; }
record_file() { printf '%s/vfio/%s.driver' "$HOSTPREP_STATE_DIR" "$1"; }

current_driver() {
  local link
  link="$(readlink "$(device_dir "$1")/driver" 2>/dev/null)" || return 0
  printf '%s' "${link##*/}"
}

iommu_group() {
  local link
  link="$(readlink "$(device_dir "$1")/iommu_group" 2>/dev/null)" || return 1
  printf '%s' "${link##*/}"
}

netdevs_of() {
  local dir
  for dir in "$(device_dir "$1")"/net/*; do
    [[ -e "$dir" ]] && printf '%s\n' "${dir##*/}"
  done
}

# route_count IFACE — IPv4 and IPv6 routes through IFACE in the kernel's tables.
route_count() {
  local iface="$1" count=0 first _rest last line
  if [[ -r "$PROC_ROOT/net/route" ]]; then
    while read -r first _rest; do
      [[ "$first" == "$iface" ]] && count=$((count + 1))
    done <"$PROC_ROOT/net/route"
  fi
  if [[ -r "$PROC_ROOT/net/ipv6_route" ]]; then
    while IFS= read -r line; do
      last="${line##* }"
      [[ "$last" == "$iface" ]] && count=$((count + 1))
    done <"$PROC_ROOT/net/ipv6_route"
  fi
  printf '%s' "$count"
}

# check_not_in_use ADDR — refuse devices whose kernel interface carries traffic.
check_not_in_use() {
  local addr="$1" iface state routes
  while IFS= read -r iface; do
    [[ -n "$iface" ]] || continue
    state="$(read_value "$SYSFS_ROOT/class/net/$iface/operstate" 2>/dev/null)" ||
      state="$(read_value "$(device_dir "$addr")/net/$iface/operstate" 2>/dev/null)" || state=unknown
    routes="$(route_count "$iface")"
    if [[ "$state" == up || "$routes" != 0 ]]; then
      die "$addr is interface $iface (link $state, $routes routes): taking it from the kernel would cut that traffic; bring it down (ip link set $iface down) or pass --force"
    fi
  done < <(netdevs_of "$addr")
}

# check_group_viable ADDR BINDING... — every other device of the group must be on a vfio-safe driver.
check_group_viable() {
  local addr="$1" group member_path member driver
  shift
  local binding=" $* "
  group="$(iommu_group "$addr")" || return 0
  for member_path in "$SYSFS_ROOT/kernel/iommu_groups/$group/devices"/*; do
    [[ -e "$member_path" || -L "$member_path" ]] || continue
    member="${member_path##*/}"
    [[ "$member" == "$addr" || "$binding" == *" $member "* ]] && continue
    driver="$(current_driver "$member")"
    if [[ -n "$driver" && "$GROUP_SAFE_DRIVERS" != *" $driver "* ]]; then
      die "IOMMU group $group of $addr is not viable: $member is on driver $driver; bind it too (vfio.sh bind $addr $member) or unbind it"
    fi
  done
}

ensure_vfio_pci() {
  local noiommu="$1" param
  if [[ ! -d "$(driver_dir vfio-pci)" ]]; then
    run_system modprobe vfio-pci >&2 || die "could not load the vfio-pci module (modprobe vfio-pci)"
    [[ "$HOSTPREP_DRY_RUN" == 1 || -d "$(driver_dir vfio-pci)" ]] || die "vfio-pci is not available after modprobe"
  fi
  ((noiommu)) || return 0
  param="$SYSFS_ROOT/module/vfio/parameters/enable_unsafe_noiommu_mode"
  [[ -e "$param" ]] || die "this kernel's vfio has no enable_unsafe_noiommu_mode ($param missing)"
  if [[ "$(read_value "$param")" != Y ]]; then
    write_value "$param" Y || die "could not enable $param"
    NOIOMMU_PARAM_SET="$param"
    warn "enabled vfio no-IOMMU mode: devices bound now have no DMA isolation"
  fi
}

# Set by ensure_vfio_pci when this run turned no-IOMMU mode on, so a failed bind can turn it off again.
NOIOMMU_PARAM_SET=""

# bind_one ADDR ORIGINAL — on failure the device is back on ORIGINAL and the reason is on stderr.
bind_one() {
  local addr="$1" original="$2" override_file
  override_file="$(device_dir "$addr")/driver_override"
  if ! write_value "$override_file" vfio-pci; then
    warn "could not write $override_file"
    return 1
  fi
  if [[ -n "$original" ]] && ! write_value "$(driver_dir "$original")/unbind" "$addr"; then
    write_value "$override_file" "" || true
    warn "could not unbind $addr from $original"
    return 1
  fi
  # The kernel runs the probe inside this write and fails it if vfio-pci cannot take the device.
  if ! write_value "$(driver_dir vfio-pci)/bind" "$addr"; then
    write_value "$override_file" "" || true
    if [[ -n "$original" ]]; then write_value "$(driver_dir "$original")/bind" "$addr" || true; fi
    warn "vfio-pci refused $addr; returned it to ${original:-no driver}"
    return 1
  fi
}

# unbind_one ADDR ORIGINAL — the reverse of bind_one.
unbind_one() {
  local addr="$1" original="$2" override_file
  override_file="$(device_dir "$addr")/driver_override"
  if ! write_value "$(driver_dir vfio-pci)/unbind" "$addr"; then
    warn "could not unbind $addr from vfio-pci"
    return 1
  fi
  write_value "$override_file" "" || warn "could not clear $override_file"
  if [[ -n "$original" ]] && ! write_value "$(driver_dir "$original")/bind" "$addr"; then
    warn "unbound $addr from vfio-pci but $original refused it; try: echo $addr > $(driver_dir "$original")/bind"
    return 1
  fi
}

cmd_bind() {
  local force=0 noiommu=0 addrs=() addr normalized driver record
  while (($#)); do
    case "$1" in
      --force) force=1; shift ;;
      --noiommu) noiommu=1; shift ;;
      --state-dir) (($# >= 2)) || usage_error "--state-dir needs a value"; HOSTPREP_STATE_DIR="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      -*) usage_error "unknown option: $1" ;;
      *) normalized="$(normalize_pci "$1")" || usage_error "not a PCI address: '$1'"; addrs+=("$normalized"); shift ;;
    esac
  done
  ((${#addrs[@]})) || usage_error "bind needs at least one PCI_ADDR"

  # Check every device before changing any: a refusal leaves the host as it was.
  for addr in "${addrs[@]}"; do
    [[ -d "$(device_dir "$addr")" ]] || die "no PCI device $addr (no $(device_dir "$addr")); see lspci -D"
    [[ -e "$(device_dir "$addr")/driver_override" ]] || die "$(device_dir "$addr")/driver_override is missing (kernel too old?)"
    [[ "$(current_driver "$addr")" == vfio-pci ]] && continue
    ((force)) || check_not_in_use "$addr"
    if ! iommu_group "$addr" >/dev/null && ((!noiommu)); then
      die "$addr has no IOMMU group: enable the IOMMU (intel_iommu=on or amd_iommu=on, iommu=pt) or pass --noiommu"
    fi
    check_group_viable "$addr" "${addrs[@]}"
  done
  with_state_lock
  ensure_vfio_pci "$noiommu"
  mkdir -p "$HOSTPREP_STATE_DIR/vfio" || die "cannot create $HOSTPREP_STATE_DIR/vfio"

  local done_addrs=() done_drivers=() i
  for addr in "${addrs[@]}"; do
    driver="$(current_driver "$addr")"
    if [[ "$driver" == vfio-pci ]]; then
      say "$addr is already on vfio-pci: nothing to do"
      continue
    fi
    record="$(record_file "$addr")"
    printf '%s\n' "$driver" >"$record" || die "cannot write $record"
    if ! bind_one "$addr" "$driver"; then
      rm -f "$record"
      # Undo this call's earlier binds so a failure leaves every device where it was.
      for ((i = ${#done_addrs[@]} - 1; i >= 0; i--)); do
        unbind_one "${done_addrs[i]}" "${done_drivers[i]}" && rm -f "$(record_file "${done_addrs[i]}")"
      done
      if [[ -n "$NOIOMMU_PARAM_SET" ]]; then
        write_value "$NOIOMMU_PARAM_SET" N || warn "could not turn vfio no-IOMMU mode off again"
      fi
      die "binding $addr failed; every device of this call is back on its previous driver"
    fi
    done_addrs+=("$addr")
    done_drivers+=("$driver")
    say "bound $addr to vfio-pci (was ${driver:-no driver})"
  done
}

cmd_unbind() {
  local addrs=() addr normalized driver record original
  while (($#)); do
    case "$1" in
      --state-dir) (($# >= 2)) || usage_error "--state-dir needs a value"; HOSTPREP_STATE_DIR="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      -*) usage_error "unknown option: $1" ;;
      *) normalized="$(normalize_pci "$1")" || usage_error "not a PCI address: '$1'"; addrs+=("$normalized"); shift ;;
    esac
  done
  ((${#addrs[@]})) || usage_error "unbind needs at least one PCI_ADDR"
  for addr in "${addrs[@]}"; do
    [[ -d "$(device_dir "$addr")" ]] || die "no PCI device $addr (no $(device_dir "$addr")); see lspci -D"
  done
  with_state_lock
  for addr in "${addrs[@]}"; do
    driver="$(current_driver "$addr")"
    record="$(record_file "$addr")"
    original=""
    [[ -e "$record" ]] && original="$(read_value "$record" 2>/dev/null || true)"
    if [[ "$driver" != vfio-pci ]]; then
      say "$addr is not on vfio-pci (driver: ${driver:-none}): nothing to do"
      rm -f "$record"
      continue
    fi
    unbind_one "$addr" "$original" || die "could not return $addr to ${original:-no driver}"
    if [[ -n "$original" ]]; then say "returned $addr to $original"; else say "unbound $addr from vfio-pci (it had no driver before)"; fi
    rm -f "$record"
  done
}

cmd_status() {
  local json=0 addrs=() addr normalized file
  while (($#)); do
    case "$1" in
      --json) json=1; shift ;;
      --state-dir) (($# >= 2)) || usage_error "--state-dir needs a value"; HOSTPREP_STATE_DIR="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      -*) usage_error "unknown option: $1" ;;
      *) normalized="$(normalize_pci "$1")" || usage_error "not a PCI address: '$1'"; addrs+=("$normalized"); shift ;;
    esac
  done
  if ((!${#addrs[@]})); then
    for file in "$(driver_dir vfio-pci)"/[0-9a-f]*:*; do
      [[ -e "$file" || -L "$file" ]] && addrs+=("${file##*/}")
    done
    for file in "$HOSTPREP_STATE_DIR"/vfio/*.driver; do
      [[ -e "$file" ]] || continue
      addr="${file##*/}"
      addr="${addr%.driver}"
      [[ " ${addrs[*]} " == *" $addr "* ]] || addrs+=("$addr")
    done
  fi
  local items=() lines=() driver group recorded nets
  for addr in "${addrs[@]}"; do
    [[ -d "$(device_dir "$addr")" ]] || die "no PCI device $addr (no $(device_dir "$addr"))"
    driver="$(current_driver "$addr")"
    group="$(iommu_group "$addr")" || group=""
    recorded=""
    [[ -e "$(record_file "$addr")" ]] && recorded="$(read_value "$(record_file "$addr")" 2>/dev/null || true)"
    nets="$(netdevs_of "$addr" | tr '\n' ' ')"
    nets="${nets% }"
    local net_items=() n
    for n in $nets; do net_items+=("$(json_string "$n")"); done
    items+=("{\"address\":\"$addr\",\"driver\":$(json_string "$driver"),\"iommuGroup\":$(json_string "$group"),\"originalDriver\":$(json_string "$recorded"),\"netdevs\":[$(join_by , "${net_items[@]}")]}")
    lines+=("$(printf '%s  driver %-10s iommu group %-4s restores %-10s netdevs %s' "$addr" "${driver:-none}" "${group:-none}" "${recorded:--}" "${nets:--}")")
  done
  if ((json)); then
    printf '{"vfioPciLoaded":%s,"devices":[%s]}\n' "$([[ -d "$(driver_dir vfio-pci)" ]] && echo true || echo false)" "$(join_by , "${items[@]}")"
    return 0
  fi
  if [[ -d "$(driver_dir vfio-pci)" ]]; then say "vfio-pci is loaded"; else say "vfio-pci is not loaded"; fi
  if ((${#lines[@]})); then printf '%s\n' "${lines[@]}"; else say "no device is on vfio-pci or recorded"; fi
}

main() {
  (($#)) || usage_error "missing command"
  local command="$1"
  shift
  case "$command" in
    bind) cmd_bind "$@" ;;
    unbind) cmd_unbind "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage ;;
    *) usage_error "unknown command: $command" ;;
  esac
}

main "$@"
