# shellcheck shell=bash
# tests/bench/lib/common.sh — helpers shared by the benchmark scripts.
# Benchmarks are scripts, never ctest tests. Every process a script starts is
# recorded (BENCH_PIDS) and stopped by PID on exit; every mount is recorded
# (BENCH_MOUNTS) and unmounted on exit; every wait is bounded.
set -euo pipefail

BENCH_PIDS=()
BENCH_MOUNTS=()
BENCH_TMPDIRS=()
BENCH_EXIT_HOOKS=()

log()  { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die()  { echo "bench: error: $*" >&2; exit 1; }

# bench_tmpdir VAR PREFIX: sets VAR to a new temp dir, removed on exit
# (unless BENCH_KEEP=1). Not a $(...) helper: the list must be kept here.
bench_tmpdir() {
  local d; d=$(mktemp -d "${BENCH_TMP:-/tmp}/$2.XXXXXX")
  BENCH_TMPDIRS+=("$d"); printf -v "$1" '%s' "$d"
}

# wait_until TIMEOUT_SECONDS CMD...: polls CMD every 0.1 s, bounded.
wait_until() {
  local limit=$(( $1 * 10 )); shift
  local i
  for ((i = 0; i < limit; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# free_ports N: prints the first port of a block of N free loopback ports.
free_ports() {
  local n=$1 p i busy
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000)); busy=0  # below the ephemeral range (32768+): no client socket takes it
    for ((i = 0; i < n; i++)); do
      ss -ltnH "( sport = :$((p + i)) )" | grep -q . && { busy=1; break; }
    done
    [ $busy = 0 ] && { echo "$p"; return 0; }
  done
  die "no free block of $n ports"
}

# bench_start LOGFILE CMD...: runs CMD in the background; sets BENCH_LAST_PID.
bench_start() {
  local out=$1; shift
  "$@" >"$out" 2>&1 &
  BENCH_LAST_PID=$!
  disown "$BENCH_LAST_PID"   # no "Killed" job notices; bash still reaps it
  BENCH_PIDS+=("$BENCH_LAST_PID")
}

# stop_pid PID [SIGNAL]: signals PID (TERM default), waits up to 10 s, then KILL.
stop_pid() {
  local p=$1 sig=${2:-TERM}
  kill -"$sig" "$p" 2>/dev/null || return 0
  wait_until 10 bash -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# unmount_bounded DIR: unmounts a FUSE mount point, lazily if it stays busy.
unmount_bounded() {
  local m=$1
  mountpoint -q "$m" 2>/dev/null || return 0
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    { fusermount3 -u "$m" || fusermount -u "$m" || umount "$m"; } 2>/dev/null || true
    mountpoint -q "$m" || return 0
    sleep 0.5
  done
  umount -l "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null || true
}

bench_cleanup() {
  local rc=$? h m p d
  trap - EXIT INT TERM
  for h in "${BENCH_EXIT_HOOKS[@]}"; do "$h" || true; done
  for m in "${BENCH_MOUNTS[@]}"; do unmount_bounded "$m"; done
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${BENCH_PIDS[@]}"; do stop_pid "$p" TERM; done
  if [ "${BENCH_KEEP:-0}" != 1 ]; then
    for d in "${BENCH_TMPDIRS[@]}"; do rm -rf "$d"; done
  else
    log "kept: ${BENCH_TMPDIRS[*]}"
  fi
  exit $rc
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# drop_caches: drops the page cache if permitted; returns 1 if not.
drop_caches() {
  sync
  { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null
}

have() { command -v "$1" >/dev/null 2>&1; }
