#!/usr/bin/env bash
# Reserve, release and report hugepages (2 MB / 1 GB, total or per NUMA node) and their hugetlbfs mounts.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage:
  hugepages.sh reserve --pages COUNT [--size 2M|1G] [--node N] [--exact] [--mount DIR | --no-mount] [--state-dir DIR]
  hugepages.sh release [--size 2M|1G] [--node N] [--state-dir DIR]
  hugepages.sh status  [--json] [--state-dir DIR]

reserve   Make sure at least COUNT pages of SIZE exist (in total, or on NUMA node N), verify the
          kernel granted them, and mount hugetlbfs for SIZE at DIR. COUNT may also be given alone as
          the last argument. --exact sets the pool to exactly COUNT (may lower it). The value found
          before the first change is recorded so that release restores it. If the kernel grants fewer
          pages, the previous value is restored and the exit status is 1.
release   Restore the value recorded by reserve (and unmount hugetlbfs if reserve mounted it).
status    Pools per size and node, hugetlbfs mounts, and recorded reservations; --json for scripts.

Defaults: SIZE is the kernel's default hugepage size; DIR is /dev/hugepages for 2M, /dev/hugepages-1G for 1G.
Exit status: 0 done (or nothing to do), 1 failed with nothing changed, 2 bad arguments.
Environment: SYSFS_ROOT, PROC_ROOT, MOUNTS_FILE, HOSTPREP_STATE_DIR, HOSTPREP_DRY_RUN=1 (print mount/umount).
EOF
}

# size_to_kb SPEC — 2M, 2MB, 1G, 1GB, 2048kB, 1048576 (kB) → kilobytes.
size_to_kb() {
  local spec="${1^^}"
  if [[ "$spec" =~ ^([0-9]+)(K|KB)?$ ]]; then
    printf '%s' "${BASH_REMATCH[1]}"
  elif [[ "$spec" =~ ^([0-9]+)(M|MB)$ ]]; then
    printf '%s' "$((BASH_REMATCH[1] * 1024))"
  elif [[ "$spec" =~ ^([0-9]+)(G|GB)$ ]]; then
    printf '%s' "$((BASH_REMATCH[1] * 1024 * 1024))"
  else
    return 1
  fi
}

kb_to_label() {
  local kb="$1"
  if ((kb % 1048576 == 0)); then
    printf '%sG' "$((kb / 1048576))"
  elif ((kb % 1024 == 0)); then
    printf '%sM' "$((kb / 1024))"
  else
    printf '%skB' "$kb"
  fi
}

default_size_kb() {
  local line
  if [[ -r "$PROC_ROOT/meminfo" ]]; then
    while IFS= read -r line; do
      if [[ "$line" =~ ^Hugepagesize:[[:space:]]+([0-9]+)[[:space:]]*kB ]]; then
        printf '%s' "${BASH_REMATCH[1]}"
        return 0
      fi
    done <"$PROC_ROOT/meminfo"
  fi
  printf '2048'
}

# pool_dir KB NODE — the sysfs directory of one pool; NODE empty means the whole system.
pool_dir() {
  local kb="$1" node="$2"
  if [[ -n "$node" ]]; then
    printf '%s/devices/system/node/node%s/hugepages/hugepages-%skB' "$SYSFS_ROOT" "$node" "$kb"
  else
    printf '%s/kernel/mm/hugepages/hugepages-%skB' "$SYSFS_ROOT" "$kb"
  fi
}

# pool_knob KB NODE — the nr_hugepages file to read and write, or fail with a message naming what is missing.
pool_knob() {
  local kb="$1" node="$2" dir
  if [[ -n "$node" && ! -d "$SYSFS_ROOT/devices/system/node/node$node" ]]; then
    die "NUMA node $node not found (no $SYSFS_ROOT/devices/system/node/node$node)"
  fi
  dir="$(pool_dir "$kb" "$node")"
  if [[ -e "$dir/nr_hugepages" ]]; then
    printf '%s' "$dir/nr_hugepages"
  elif [[ -z "$node" && "$kb" == "$(default_size_kb)" && -e "$PROC_ROOT/sys/vm/nr_hugepages" ]]; then
    # Kernels without the sysfs pool directory still expose the default size here.
    printf '%s' "$PROC_ROOT/sys/vm/nr_hugepages"
  else
    die "$(kb_to_label "$kb") hugepages are not supported here (no $dir/nr_hugepages)"
  fi
}

scope_name() { if [[ -n "$1" ]]; then printf 'node%s' "$1"; else printf 'all'; fi; }

record_file() { printf '%s/hugepages/%skB-%s.%s' "$HOSTPREP_STATE_DIR" "$1" "$(scope_name "$2")" "$3"; }

default_mountpoint() {
  if [[ "$1" == "$(default_size_kb)" && "$1" == 2048 ]]; then
    printf '/dev/hugepages'
  else
    printf '/dev/hugepages-%s' "$(kb_to_label "$1")"
  fi
}

# hugetlbfs_mount_kb DIR — page size (kB) of the hugetlbfs mounted at DIR; fails if none is.
hugetlbfs_mount_kb() {
  local want="$1" _dev dir fstype opts _rest opt
  [[ -r "$MOUNTS_FILE" ]] || return 1
  while read -r _dev dir fstype opts _rest; do
    [[ "$fstype" == hugetlbfs && "$dir" == "$want" ]] || continue
    for opt in ${opts//,/ }; do
      if [[ "$opt" == pagesize=* ]]; then
        size_to_kb "${opt#pagesize=}"
        return 0
      fi
    done
    default_size_kb
    return 0
  done <"$MOUNTS_FILE"
  return 1
}

# ensure_mount KB DIR — prints "mounted" when it mounted, "present" when an equal mount existed.
ensure_mount() {
  local kb="$1" dir="$2" mounted_kb
  if mounted_kb="$(hugetlbfs_mount_kb "$dir")"; then
    if [[ "$mounted_kb" != "$kb" ]]; then
      warn "$dir already holds hugetlbfs with pagesize=$(kb_to_label "$mounted_kb"), not $(kb_to_label "$kb")"
      return 1
    fi
    printf 'present'
    return 0
  fi
  if [[ "$HOSTPREP_DRY_RUN" != 1 ]]; then
    mkdir -p "$dir" || return 1
  fi
  run_system mount -t hugetlbfs -o "pagesize=$(kb_to_label "$kb")" nodev "$dir" >&2 || return 1
  printf 'mounted'
}

cmd_reserve() {
  local size="" node="" exact=0 mountpoint="" mount=1 count="" kb knob previous target granted how=""
  while (($#)); do
    case "$1" in
      --size) (($# >= 2)) || usage_error "--size needs a value"; size="$2"; shift 2 ;;
      --node) (($# >= 2)) || usage_error "--node needs a value"; node="$2"; shift 2 ;;
      --exact) exact=1; shift ;;
      --pages) (($# >= 2)) || usage_error "--pages needs a value"; [[ -z "$count" ]] || usage_error "COUNT given twice"; count="$2"; shift 2 ;;
      --mount | --mountpoint) (($# >= 2)) || usage_error "$1 needs a value"; mountpoint="$2"; shift 2 ;;
      --no-mount) mount=0; shift ;;
      --state-dir) (($# >= 2)) || usage_error "--state-dir needs a value"; HOSTPREP_STATE_DIR="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      -*) usage_error "unknown option: $1" ;;
      *) [[ -z "$count" ]] || usage_error "unexpected argument: $1"; count="$1"; shift ;;
    esac
  done
  [[ -n "$count" ]] || usage_error "reserve needs COUNT"
  is_uint "$count" || usage_error "COUNT must be a non-negative integer, got '$count'"
  [[ -z "$node" ]] || is_uint "$node" || usage_error "--node must be a NUMA node number, got '$node'"
  if [[ -n "$size" ]]; then
    kb="$(size_to_kb "$size")" || usage_error "--size must be like 2M or 1G, got '$size'"
  else
    kb="$(default_size_kb)"
  fi
  [[ -n "$mountpoint" ]] || mountpoint="$(default_mountpoint "$kb")"
  [[ "$mountpoint" == /* ]] || usage_error "--mount must be an absolute path, got '$mountpoint'"

  knob="$(pool_knob "$kb" "$node")" || exit "$EXIT_FAILED"
  with_state_lock
  previous="$(read_value "$knob")" || die "cannot read $knob"
  is_uint "$previous" || die "unexpected content in $knob: '$previous'"
  target="$count"
  if ((!exact && previous >= count)); then
    target="$previous"
  fi

  local label scope_text prev_record mount_record created_record=0
  label="$(kb_to_label "$kb")"
  scope_text="$(if [[ -n "$node" ]]; then printf 'on node %s' "$node"; else printf 'in total'; fi)"
  prev_record="$(record_file "$kb" "$node" previous)"
  mount_record="$(record_file "$kb" "$node" mountpoint)"
  mkdir -p "$HOSTPREP_STATE_DIR/hugepages" || die "cannot create $HOSTPREP_STATE_DIR/hugepages"
  # Record before changing, so that even an interrupted run can be released. Only the first change is
  # recorded: release returns to the state before pktbridge touched the host.
  if ((target != previous)) && [[ ! -e "$prev_record" ]]; then
    printf '%s\n' "$previous" >"$prev_record" || die "cannot write $prev_record; nothing changed"
    created_record=1
  fi
  # undo_reserve MESSAGE — put the pool back, drop a record this run made, and fail.
  undo_reserve() {
    if ((target != previous)); then write_value "$knob" "$previous" || warn "could not restore $knob to $previous"; fi
    if ((created_record)); then rm -f "$prev_record"; fi
    die "$1"
  }

  if ((target != previous)); then
    write_value "$knob" "$target" ||
      { ((created_record)) && rm -f "$prev_record"; die "the kernel refused $target x $label pages $scope_text (write to $knob failed); nothing changed"; }
    granted="$(read_value "$knob")" || granted=0
    if [[ "$granted" != "$target" ]]; then
      undo_reserve "the kernel granted only $granted of $target x $label pages $scope_text (not enough free contiguous memory); restored $previous. Reserve at boot instead: hugepagesz=$label hugepages=$target"
    fi
    say "reserved $target x $label pages $scope_text (was $previous)"
  else
    say "already $previous x $label pages $scope_text (asked for $count): nothing to do"
  fi

  if ((mount)); then
    how="$(ensure_mount "$kb" "$mountpoint")" ||
      undo_reserve "could not mount hugetlbfs pagesize=$label at $mountpoint; restored $previous pages"
    if [[ "$how" == mounted ]]; then
      [[ -e "$mount_record" ]] || printf '%s\n' "$mountpoint" >"$mount_record" || warn "cannot write $mount_record: release will not unmount $mountpoint"
      say "mounted hugetlbfs pagesize=$label at $mountpoint"
    else
      say "hugetlbfs pagesize=$label already mounted at $mountpoint"
    fi
  fi
}

cmd_release() {
  local size="" node="" kb knob prev_record mount_record previous mountpoint current
  while (($#)); do
    case "$1" in
      --size) (($# >= 2)) || usage_error "--size needs a value"; size="$2"; shift 2 ;;
      --node) (($# >= 2)) || usage_error "--node needs a value"; node="$2"; shift 2 ;;
      --state-dir) (($# >= 2)) || usage_error "--state-dir needs a value"; HOSTPREP_STATE_DIR="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) usage_error "unexpected argument: $1" ;;
    esac
  done
  [[ -z "$node" ]] || is_uint "$node" || usage_error "--node must be a NUMA node number, got '$node'"
  if [[ -n "$size" ]]; then
    kb="$(size_to_kb "$size")" || usage_error "--size must be like 2M or 1G, got '$size'"
  else
    kb="$(default_size_kb)"
  fi
  knob="$(pool_knob "$kb" "$node")" || exit "$EXIT_FAILED"
  with_state_lock
  prev_record="$(record_file "$kb" "$node" previous)"
  mount_record="$(record_file "$kb" "$node" mountpoint)"
  if [[ ! -e "$prev_record" && ! -e "$mount_record" ]]; then
    say "no reservation recorded for $(kb_to_label "$kb") pages $(scope_name "$node"): nothing to do"
    return 0
  fi
  # Unmount first: it is the step that can fail (busy), and then nothing has changed yet.
  if [[ -e "$mount_record" ]]; then
    mountpoint="$(read_value "$mount_record")" || die "cannot read $mount_record"
    if hugetlbfs_mount_kb "$mountpoint" >/dev/null; then
      run_system umount "$mountpoint" >&2 || die "could not unmount $mountpoint (files in use?); nothing changed"
      say "unmounted $mountpoint"
    fi
  fi
  if [[ -e "$prev_record" ]]; then
    previous="$(read_value "$prev_record")" || die "cannot read $prev_record"
    is_uint "$previous" || die "corrupt record $prev_record: '$previous'"
    current="$(read_value "$knob")" || die "cannot read $knob"
    write_value "$knob" "$previous" || die "could not write $previous to $knob"
    say "restored $(kb_to_label "$kb") pages $(scope_name "$node") to $previous (was $current)"
  fi
  rm -f "$prev_record" "$mount_record"
}

# pool_field DIR NAME — one counter of a pool, 0 when the kernel does not expose it.
pool_field() { read_value "$1/$2" 2>/dev/null || printf '0'; }

cmd_status() {
  local json=0 dir kb label node_dir node sizes=() size_lines=()
  while (($#)); do
    case "$1" in
      --json) json=1; shift ;;
      --state-dir) (($# >= 2)) || usage_error "--state-dir needs a value"; HOSTPREP_STATE_DIR="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) usage_error "unexpected argument: $1" ;;
    esac
  done
  [[ -d "$SYSFS_ROOT/kernel/mm/hugepages" ]] || die "no hugepage support found (no $SYSFS_ROOT/kernel/mm/hugepages)"
  for dir in "$SYSFS_ROOT"/kernel/mm/hugepages/hugepages-*kB; do
    [[ -d "$dir" ]] || continue
    kb="${dir##*/hugepages-}"
    kb="${kb%kB}"
    label="$(kb_to_label "$kb")"
    local total free resv surp nodes_json=() node_lines=""
    total="$(pool_field "$dir" nr_hugepages)"
    free="$(pool_field "$dir" free_hugepages)"
    resv="$(pool_field "$dir" resv_hugepages)"
    surp="$(pool_field "$dir" surplus_hugepages)"
    for node_dir in "$SYSFS_ROOT"/devices/system/node/node[0-9]*; do
      [[ -d "$node_dir/hugepages/hugepages-${kb}kB" ]] || continue
      node="${node_dir##*/node}"
      local ntotal nfree
      ntotal="$(pool_field "$node_dir/hugepages/hugepages-${kb}kB" nr_hugepages)"
      nfree="$(pool_field "$node_dir/hugepages/hugepages-${kb}kB" free_hugepages)"
      nodes_json+=("{\"node\":$node,\"total\":$ntotal,\"free\":$nfree}")
      node_lines+="$(printf '\n    node%-3s total %-6s free %s' "$node" "$ntotal" "$nfree")"
    done
    sizes+=("{\"size\":\"$label\",\"kB\":$kb,\"total\":$total,\"free\":$free,\"reserved\":$resv,\"surplus\":$surp,\"nodes\":[$(join_by , "${nodes_json[@]}")]}")
    size_lines+=("$(printf '%-5s total %-6s free %-6s reserved %-6s surplus %s%s' "$label" "$total" "$free" "$resv" "$surp" "$node_lines")")
  done

  local mounts=() mount_lines=() _dev mdir fstype opts _rest mkb
  if [[ -r "$MOUNTS_FILE" ]]; then
    while read -r _dev mdir fstype opts _rest; do
      [[ "$fstype" == hugetlbfs ]] || continue
      mkb="$(hugetlbfs_mount_kb "$mdir")" || continue
      mounts+=("{\"path\":$(json_string "$mdir"),\"pagesize\":\"$(kb_to_label "$mkb")\"}")
      mount_lines+=("$mdir (pagesize=$(kb_to_label "$mkb"))")
    done <"$MOUNTS_FILE"
  fi

  local records=() record_lines=() file base rkb rscope
  for file in "$HOSTPREP_STATE_DIR"/hugepages/*.previous; do
    [[ -e "$file" ]] || continue
    base="${file##*/}"
    base="${base%.previous}"
    rkb="${base%%kB-*}"
    rscope="${base#*kB-}"
    records+=("{\"size\":\"$(kb_to_label "$rkb")\",\"scope\":\"$rscope\",\"previous\":$(read_value "$file")}")
    record_lines+=("$(kb_to_label "$rkb") $rscope: release restores $(read_value "$file")")
  done

  if ((json)); then
    printf '{"sizes":[%s],"mounts":[%s],"recorded":[%s]}\n' "$(join_by , "${sizes[@]}")" \
      "$(join_by , "${mounts[@]}")" "$(join_by , "${records[@]}")"
    return 0
  fi
  printf 'hugepage pools:\n'
  printf '  %s\n' "${size_lines[@]}"
  printf 'hugetlbfs mounts:\n'
  if ((${#mount_lines[@]})); then printf '  %s\n' "${mount_lines[@]}"; else printf '  (none)\n'; fi
  printf 'recorded reservations:\n'
  if ((${#record_lines[@]})); then printf '  %s\n' "${record_lines[@]}"; else printf '  (none)\n'; fi
}

main() {
  (($#)) || usage_error "missing command"
  local command="$1"
  shift
  case "$command" in
    reserve) cmd_reserve "$@" ;;
    release) cmd_release "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage ;;
    *) usage_error "unknown command: $command" ;;
  esac
}

main "$@"
