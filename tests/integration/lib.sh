# tests/integration/lib.sh — shared helpers for integration tests that run
# real pstorage processes on loopback. Every process started is recorded and
# stopped by PID on exit; every wait is bounded.
set -euo pipefail
BIN="${PSTORAGE_BIN:?PSTORAGE_BIN must point at build/bin}"
T=$(mktemp -d /tmp/pstorage-it.XXXXXX)
PIDS=()

cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    echo "---- logs (test failed, rc=$rc) ----"
    for f in "$T"/*.out; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done
  fi
  [ -n "${KEEP_TEST_DIR:-}" ] || rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# skip WHY: the test cannot run here (no root, no /dev/fuse, a missing
# tool); exit code 77 makes ctest report it as skipped, not passed.
skip() { echo "skipped: $*"; exit 77; }

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

# A free port triple on loopback (an MDS's PORT, PORT+1, PORT+2: MDS<->MDS,
# clients/CSs, HTTP status), away from the defaults.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))  # below the ephemeral range (32768+): no client socket takes it
    ss -ltnH "( sport = :$p or sport = :$((p+1)) or sport = :$((p+2)) )" | grep -q . || { echo "$p"; return; }
  done
  fail "no free port"
}

# wait_until TIMEOUT_SECONDS CMD...: polls CMD every 0.1 s.
wait_until() {
  local limit=$(( $1 * 10 )); shift
  for _ in $(seq "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# start NAME CMD...: runs CMD in the background, output to $T/NAME.out.
start() {
  local name=$1; shift
  "$@" >"$T/$name.out" 2>&1 &
  PIDS+=($!)
  eval "PID_$name=$!"
}

json_get() { jq -r "$1"; }

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
