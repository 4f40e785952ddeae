# tests/integration/lib.sh — shared helpers for integration tests that run
# real pstorage processes on loopback. Every process started is recorded and
# stopped by PID on exit; every wait is bounded.
set -euo pipefail
BIN="${PSTORAGE_BIN:?PSTORAGE_BIN must point at build/bin}"
IT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"  # this directory: source "$IT_DIR/..." (the cwd changes below)
T=$(mktemp -d /tmp/pstorage-it.XXXXXX)
PIDS=()
MOUNTS=()  # FUSE mount points of this test: cleanup unmounts what is still mounted there
SKIPPED_PARTS=()  # skip_part: parts that could not run here
cd "$T"  # anything a tool drops in its working directory (fio's verify state) stays in the test's directory

cleanup() {
  local rc=$? m
  # a test that passed but could not run every part is reported skipped
  if [ $rc -eq 0 ] && [ ${#SKIPPED_PARTS[@]} -gt 0 ]; then
    echo "skipped: parts that could not run here: $(printf '%s; ' "${SKIPPED_PARTS[@]}" | sed 's/; $//')"
    rc=77
  fi
  # lazily (-z): a mount whose process hangs must not hold the exit
  for m in "${MOUNTS[@]}"; do
    if mount_line "$m" | grep -q '^fuse.pstorage '; then timeout 10 fusermount3 -u -z "$m" 2>/dev/null || true; fi
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    echo "---- logs (test failed, rc=$rc) ----"
    for f in "$T"/*.out; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done
  fi
  release_ports
  [ -n "${KEEP_TEST_DIR:-}" ] || rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# skip WHY: the test cannot run here (no root, no /dev/fuse, a missing
# tool); exit code 77 makes ctest report it as skipped, not passed.
skip() { echo "skipped: $*"; exit 77; }
# skip_part WHY: one part of the test cannot run here; the rest runs, and if
# it passes the test still exits 77 (skipped: it did not fully run), naming
# the part.
skip_part() { echo "skipped part: $*"; SKIPPED_PARTS+=("$*"); }

# stacks PID: every thread of a process that seems stuck — kernel wait channel
# and stack from /proc, user stacks from gdb when installed — on stderr, so a
# rare hang in CI leaves its cause in the log.
stacks() {
  local pid=$1 t
  { echo "---- threads of PID $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)) ----" >&2; } || true
  for t in /proc/"$pid"/task/*; do
    { echo "task $(basename "$t") $(cat "$t/comm" 2>/dev/null) wchan=$(cat "$t/wchan" 2>/dev/null)" >&2; } || true
    { head -5 "$t/stack" 2>/dev/null | sed 's/^/    /' >&2; } || true
  done
  if command -v gdb >/dev/null; then
    { timeout 60 gdb -p "$pid" -batch -ex 'thread apply all bt' 2>/dev/null | grep -E '^(Thread|#)' | head -150 >&2; } || true
  fi
  return 0
}

# mds_http_up PID [PORT]: waits (bounded) for the MDS's HTTP status on
# PORT+2 (docs/ports.md; PORT defaults to $PORT); on failure prints the MDS's
# thread stacks and fails.
mds_http_up() {
  wait_until 10 curl -sf "http://127.0.0.1:$(( ${2:-$PORT} + 2 ))/status" && return 0
  stacks "$1"
  fail "MDS HTTP status not up"
}
pass() { echo "ok: $*"; }

# Loopback ports, reserved across the tests ctest runs in parallel: in
# blocks of 10 (BLOCK..BLOCK+9, BLOCK a multiple of 10 in 20000..31990, below
# the ephemeral range 32768+ so no client socket takes one), one directory
# per block under $PORT_DIR owned by this test's PID. A block whose owner
# died is taken over; cleanup releases this test's blocks. Checking with ss
# alone let two tests pick the same port between the check and the bind.
PORT_DIR=/tmp/pstorage-test-ports
reserve_block() {
  local d="$PORT_DIR/$1" owner
  mkdir -p "$PORT_DIR"
  if mkdir "$d" 2>/dev/null; then echo $$ > "$d/owner"; return 0; fi
  owner=$(cat "$d/owner" 2>/dev/null || true)
  [ -n "$owner" ] && [ "$owner" != $$ ] && ! kill -0 "$owner" 2>/dev/null || return 1
  rm -rf "$d"
  mkdir "$d" 2>/dev/null && { echo $$ > "$d/owner"; return 0; }
  return 1
}
release_ports() {
  local d
  for d in "$PORT_DIR"/*; do
    [ "$(cat "$d/owner" 2>/dev/null)" = "$$" ] && rm -rf "$d"
  done
  return 0
}
# reserve_ports N: prints BASE; ports BASE..BASE+10*N-1 are this test's, and
# the ones a daemon uses (BASE+10k+0..2) were free when reserved.
reserve_ports() {
  local n=$1 p k o ok
  for _ in $(seq 300); do
    p=$((20000 + (RANDOM % (1200 - n)) * 10)); ok=1
    for ((k = 0; k < n; k++)); do for o in 0 1 2; do
      ss -ltnH "( sport = :$((p + 10 * k + o)) )" | grep -q . && ok=0
    done; done
    [ $ok = 1 ] || continue
    for ((k = 0; k < n; k++)); do
      reserve_block $((p + 10 * k)) && continue
      ok=0
      for ((k--; k >= 0; k--)); do rm -rf "${PORT_DIR:?}/$((p + 10 * k))"; done
      break
    done
    [ $ok = 1 ] && { echo "$p"; return 0; }
  done
  fail "no free loopback ports"
}
# A free port triple on loopback (an MDS's PORT, PORT+1, PORT+2: MDS<->MDS,
# clients/CSs, HTTP status), away from the defaults, reserved for this test.
free_port() { reserve_ports 1; }

# wait_until TIMEOUT_SECONDS CMD...: polls CMD every 0.1 s until it
# succeeds, for at most TIMEOUT_SECONDS of wall time (a slow CMD counts).
wait_until() {
  local end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 )); shift
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
    sleep 0.1
  done
}

# start NAME CMD...: runs CMD in the background, output to $T/NAME.out.
start() {
  local name=$1; shift
  "$@" >"$T/$name.out" 2>&1 &
  PIDS+=($!)
  eval "PID_$name=$!"
}

json_get() { jq -r "$1"; }
# gone PID: the process has exited (for wait_until).
gone() { ! kill -0 "$1" 2>/dev/null; }
# sigterm_within NAME PID LIMIT_MS: SIGTERM to PID, polled every 20 ms for
# up to 5 s; fails (with its stacks, then kill -9) unless it is gone within
# LIMIT_MS; reaps it and reports the time from the signal.
sigterm_within() {
  local name=$1 p=$2 limit=$3 t0 ms
  t0=${EPOCHREALTIME/./}
  kill "$p"
  for _ in $(seq 250); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
  ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  if kill -0 "$p" 2>/dev/null; then
    stacks "$p"; kill -9 "$p"; wait "$p" 2>/dev/null || true
    fail "$name still running $ms ms after SIGTERM"
  fi
  wait "$p" 2>/dev/null || true
  [ "$ms" -le "$limit" ] || fail "$name exited $ms ms after SIGTERM (limit $limit ms)"
  pass "$name exited $ms ms after SIGTERM"
}

# The cluster helpers below use the calling script's ps() (the pstorage CLI
# for host N), $C (cluster name), $MDS (ADDR:PORT) and $PORT, and the
# password in $T/pw.
# start_mds CHUNK_SIZE: make-mds on host1, start pstorage-mdsd, wait for its
# HTTP status.
start_mds() {
  ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" --chunk-size "$1" >/dev/null \
    || fail "make-mds --chunk-size $1"
  start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
  mds_http_up "$PID_mds"
}
# join_host N: host N learns the MDS address and authenticates.
join_host() {
  mkdir -p "$T/host$1/clusters/$C"; echo "$MDS" > "$T/host$1/clusters/$C/bs.list"
  ps "$1" auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host$1"
}
# mdq SQL: a read-only query on the MDS's metadata store.
mdq() { sqlite3 -readonly -cmd '.timeout 5000' "$T/mds/md.db" "$@"; }
# start_cs H: make-cs for host H (repository $T/csH), start it as process csH.
start_cs() {
  ps "$1" make-cs -r "$T/cs$1" >/dev/null || fail "make-cs host$1"
  start "cs$1" "$BIN/pstorage-csd" --config-dir "$T/host$1" -r "$T/cs$1"
}
# active N: exactly N CSs are active (for wait_until).
active() { [ "$(ps 1 stat --json | jq '[.cs[] | select(.status=="active")] | length')" = "$1" ]; }

# --- FUSE mounts -------------------------------------------------------------
# require_fuse NAME [TOOL...]: a test that mounts exits 77 (skipped, with the
# reason) unless it runs as root with /dev/fuse, fusermount3 and every TOOL.
require_fuse() {
  local name=$1 t missing=(); shift
  [ "$(id -u)" = 0 ] || missing+=(root)
  [ -e /dev/fuse ] || missing+=(/dev/fuse)
  for t in fusermount3 "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ ${#missing[@]} = 0 ] || skip "$name: needs root, /dev/fuse, fusermount3${1:+ and $*}; missing: ${missing[*]}"
}
# mount_line DIR: "FSTYPE SOURCE SUPEROPTS" of the mount at DIR
# (mountinfo: ID PARENT DEV ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS).
mount_line() { awk -v m="$1" '$5 == m { sub(/.* - /, ""); print }' /proc/self/mountinfo; }
is_mounted() { mount_line "$1" | grep -q '^fuse.pstorage '; }
# mount_fuse NAME HOST [OPTION...]: a new foreground pstorage-mount of
# cluster $C for host HOST at $T/NAME (process NAME: log $T/NAME.out, PID in
# PID_NAME), recorded in MOUNTS; waits (bounded) until the kernel lists it.
mount_fuse() {
  local n=$1 h=$2; shift 2
  mkdir -p "$T/$n"; MOUNTS+=("$T/$n")
  start "$n" "$BIN/pstorage-mount" --config-dir "$T/host$h" -c "$C" "$T/$n" -f "$@"
  wait_until 20 is_mounted "$T/$n" || fail "$n not mounted: $(tail -5 "$T/$n.out")"
}
# unmount_fuse NAME: fusermount3 -u $T/NAME; fails unless the mount is gone
# at once and its process (PID_NAME, when known) exits within 15 s.
unmount_fuse() {
  local n=$1 pid
  timeout 20 fusermount3 -u "$T/$n" || fail "fusermount3 -u $n"
  ! is_mounted "$T/$n" || fail "$n still mounted after fusermount3 -u"
  pid=$(eval echo "\${PID_$n:-}")
  [ -z "$pid" ] || wait_until 15 gone "$pid" || fail "mount process $n (PID $pid) did not exit after unmount"
}
