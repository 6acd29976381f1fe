# shellcheck shell=bash
# Shared helpers for the host-preparation scripts: fakeable roots, errors, JSON, dry-run, state, locking.
#
# Environment (all optional; tests point them at fake trees):
#   SYSFS_ROOT        default /sys
#   PROC_ROOT         default /proc
#   MOUNTS_FILE       default $PROC_ROOT/mounts
#   HOSTPREP_STATE_DIR  where reserve/bind record what they must restore (default /var/lib/pktbridge/host-prep)
#   HOSTPREP_DRY_RUN=1  print mount/umount/modprobe instead of running them (sysfs writes still happen)

SYSFS_ROOT="${SYSFS_ROOT:-/sys}"
PROC_ROOT="${PROC_ROOT:-/proc}"
MOUNTS_FILE="${MOUNTS_FILE:-$PROC_ROOT/mounts}"
HOSTPREP_STATE_DIR="${HOSTPREP_STATE_DIR:-/var/lib/pktbridge/host-prep}"
HOSTPREP_DRY_RUN="${HOSTPREP_DRY_RUN:-0}"

# Exit codes shared by every script: 0 done, 1 failed (nothing changed), 2 bad arguments.
readonly EXIT_FAILED=1
readonly EXIT_USAGE=2

SCRIPT_NAME="$(basename "$0")"

say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit "$EXIT_FAILED"
}

# usage_error MESSAGE — the caller defines usage(); bad arguments always print it and exit 2.
usage_error() {
  printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
  usage >&2
  exit "$EXIT_USAGE"
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]] && ((${#1} <= 9)); }

# read_value FILE — first line of a sysfs/proc file, whitespace trimmed; fails if unreadable.
read_value() {
  local value
  [[ -r "$1" ]] || return 1
  IFS= read -r value <"$1" || [[ -n "$value" ]] || return 1
  value="${value#"${value%%[![:space:]]*}"}"
  printf '%s' "${value%"${value##*[![:space:]]}"}"
}

# write_value FILE VALUE — a sysfs write; the kernel reports refusal as a failed write.
write_value() {
  local target="$1" value="$2"
  [[ -e "$target" ]] || return 1
  { printf '%s\n' "$value" >"$target"; } 2>/dev/null
}

json_string() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"
  s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# join_by SEP ITEMS... — used to build JSON arrays from pre-rendered items.
join_by() {
  local sep="$1" first=1 item
  shift
  for item in "$@"; do
    if ((first)); then first=0; else printf '%s' "$sep"; fi
    printf '%s' "$item"
  done
}

# run_system CMD... — commands that change the host outside sysfs (mount, umount, modprobe).
run_system() {
  if [[ "$HOSTPREP_DRY_RUN" == 1 ]]; then
    say "dry-run: $*"
    return 0
  fi
  "$@"
}

# with_state_lock — serialise scripts that read-modify-write the same records and sysfs knobs.
with_state_lock() {
  mkdir -p "$HOSTPREP_STATE_DIR" || die "cannot create state directory $HOSTPREP_STATE_DIR"
  exec 9>"$HOSTPREP_STATE_DIR/.lock" || die "cannot open lock $HOSTPREP_STATE_DIR/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 60 9 || die "another host-prep script holds $HOSTPREP_STATE_DIR/.lock"
  fi
}
