#!/usr/bin/env bash
# The CLI and the mount against MDSs that do not answer (bounded_connect.hpp,
# mds_client.cpp): (a) nothing listens at any bs.list address: `pstorage
# stat` fails at once (well under 3 s per address) naming every address, the
# cause and the fix; (b) the only MDS is stopped (SIGSTOP: the kernel still
# accepts TCP connections, the handshake never comes): stat fails within 3 s
# (+ margin) instead of hanging in CAF's unbounded connect; (c) a mount
# started against that stopped MDS fails at start-up within 3 s (+ margin)
# with the cause instead of hanging (a running mount retries within its
# patience, each connect bounded the same way); (d) once the MDS runs again,
# stat works. Loopback only; every
# process started here is stopped by PID.
source "$(dirname "$0")/lib.sh"

C=deadmds
ps() { timeout -k 5 60 "$BIN/pstorage" --config-dir "$T/host$1" -c "$C" "${@:2}"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
echo "dead-pw" > "$T/pw"

# --- (a) nothing listens -----------------------------------------------------------
P1=$(free_port); P2=$(free_port)
mkdir -p "$T/host2/clusters/$C"
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$P1" "$P2" > "$T/host2/clusters/$C/bs.list"
# a well-formed key: the CLI gets as far as connecting
echo "pstorage-auth-v1 $C 00 1 $(printf '%064d' 0)" > "$T/host2/clusters/$C/auth_digest.key"
echo off > "$T/host2/clusters/$C/encryption"  # no certificate either (docs/security.md)
t0=$(now_ms)
if ps 2 stat >"$T/a.out" 2>&1; then fail "stat succeeded with no MDS: $(cat "$T/a.out")"; fi
ms=$(( $(now_ms) - t0 ))
cat "$T/a.out"
[ "$ms" -lt 8000 ] || fail "stat took $ms ms to fail with nothing listening (bound: 3 s per address + margin)"
grep -q "cannot reach any MDS of cluster '$C'" "$T/a.out" || fail "no 'cannot reach any MDS' in: $(cat "$T/a.out")"
grep -q "127.0.0.1:$P1.*connection refused" "$T/a.out" || fail "first address or cause missing"
grep -q "127.0.0.1:$P2.*connection refused" "$T/a.out" || fail "second address or cause missing"
grep -q "is pstorage-mdsd running" -i "$T/a.out" || fail "no fix named"
grep -q "list-services -M" "$T/a.out" || fail "list-services -M not named"
pass "(a) nothing listening: stat failed in $ms ms naming both addresses"

# --- (b) a stopped MDS -------------------------------------------------------------------
PORT=$(free_port); MDS="127.0.0.1:$PORT"
ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" >/dev/null || fail "make-mds"
start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
mds_http_up "$PID_mds"
wait_until 20 ps 1 stat || fail "stat against the running MDS: $(ps 1 stat 2>&1)"
resume() { kill -CONT "$PID_mds" 2>/dev/null || true; }
trap 'resume; cleanup' EXIT
kill -STOP "$PID_mds"
t0=$(now_ms)
if ps 1 stat >"$T/b.out" 2>&1; then fail "stat succeeded against a stopped MDS"; fi
ms=$(( $(now_ms) - t0 ))
cat "$T/b.out"
[ "$ms" -lt 10000 ] || fail "stat took $ms ms to fail against a stopped MDS (bound: 3 s + margin)"
grep -q "$MDS.*no pstorage handshake within 3 s" "$T/b.out" || fail "cause missing: $(cat "$T/b.out")"
pass "(b) stopped MDS: stat failed in $ms ms"

# --- (c) a mount started against the stopped MDS fails with the cause -----------------------
if [ "$(id -u)" = 0 ] && [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
  mkdir -p "$T/m"
  t0=$(now_ms)
  if timeout -k 5 90 "$BIN/pstorage-mount" --config-dir "$T/host1" -c "$C" "$T/m" -f >"$T/c.out" 2>&1; then
    fusermount3 -u -z "$T/m" 2>/dev/null || true
    fail "mounted against a stopped MDS"
  fi
  ms=$(( $(now_ms) - t0 ))
  tail -3 "$T/c.out"
  [ "$ms" -lt 10000 ] || fail "the mount took $ms ms to give up (bound: 3 s per connect + margin)"
  grep -q "no pstorage handshake" "$T/c.out" || fail "mount error lacks the cause: $(cat "$T/c.out")"
  pass "(c) mount against a stopped MDS gave up after $ms ms"
else
  skip_part "(c) mount against a stopped MDS: needs root, /dev/fuse and fusermount3"
fi

# --- (d) running again --------------------------------------------------------------------
resume
wait_until 20 ps 1 stat || fail "stat after SIGCONT: $(ps 1 stat 2>&1)"
pass "(d) the MDS answers again"
