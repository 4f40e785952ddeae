#!/usr/bin/env bash
# Revocation closes open connections (issue 14; docs/security.md
# "Revocation"): 1 MDS, CS1 on host1, CS2 on host2, a FUSE mount on host3
# (no CS: revoked with --force). The mount writes a file, so it holds TLS
# connections to the MDS and to the CSs. `revoke-node` of host3:
#  - every TCP connection the mount had open before is closed within 5 s
#    (the MDS and the CSs judge open sessions again when the list changes,
#    at their next TLS read or write; BASP heartbeats make that at most about
#    a second), each closing logged with the host id;
#  - the others carry on: host1's CLI works, both CSs stay active.
# Needs root and /dev/fuse (the mount), jq, ss. Every wait is bounded.
source "$(dirname "$0")/lib.sh"

require_fuse revocation_open jq ss
C=rvopen
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }
ms_since() { echo $(( (${EPOCHREALTIME/./} - $1) / 1000 )); }
# The local ports of PID's established TCP connections, one per line.
conns() { ss -Htnp state established 2>/dev/null | grep "pid=$1," | awk '{print $3}' | sed 's/.*://' | sort -u; }

start_mds 1M
for h in 2 3; do join_host $h; done
for h in 1 2; do start_cs $h; done
wait_until 20 active 2 || fail "2 CS did not become active"
V_ID=$(cat "$T/host3/host_id")
mount_fuse m3 3
head -c $((2 << 20)) /dev/urandom > "$T/data"
timeout 60 cp "$T/data" "$T/m3/data" || fail "write through host3's mount"
cmp -s "$T/data" "$T/m3/data" || fail "host3's mount reads back another file"
BEFORE=$(conns "$PID_m3")
n=$(wc -l <<<"$BEFORE")
[ -n "$BEFORE" ] && [ "$n" -ge 2 ] || fail "host3's mount holds $n connections (want the MDS and a CS): $(ss -Htnp state established | grep "pid=$PID_m3,")"
pass "host3's mount ($V_ID) wrote 2 MiB; it holds $n TCP connections"

# --- revoke host3: its open connections go ---------------------------------------------------------
t0=${EPOCHREALTIME/./}
out=$(ps 1 revoke-node "$V_ID" --force --json) || fail "revoke-node: $out"
still_open() { comm -12 <(printf '%s\n' "$BEFORE") <(conns "$PID_m3") | grep -q .; }
all_closed() { ! still_open; }
wait_until 5 all_closed || fail "host3's mount still holds connections opened before the revocation after 5 s: $(comm -12 <(printf '%s\n' "$BEFORE") <(conns "$PID_m3") | tr '\n' ' ')"
closed_ms=$(ms_since "$t0")
# A request of the revoked mount now needs a new connection: refused, and the
# mount says why (its certificate is revoked), not "cannot reach any MDS".
timeout 20 touch "$T/m3/after-revocation" 2>/dev/null && fail "host3's mount created a file after its revocation"
wait_until 10 grep -q "certificate is revoked" "$T/m3.out" \
  || fail "host3's mount does not say its certificate is revoked: $(tail -3 "$T/m3.out")"
# Stop the revoked mount now: its reconnections fail their handshakes and
# count against 127.0.0.1, the address every process of this test shares
# ("Failed handshakes from one address").
kill "$PID_m3" 2>/dev/null || true
wait_until 15 gone "$PID_m3" || kill -9 "$PID_m3" 2>/dev/null || true
wait_until 5 grep -q "revocation: closing the open TLS connection from 127.0.0.1.*host $V_ID.* is revoked" "$T/mds.out" \
  || fail "the MDS logged no closing: $(grep -i revoc "$T/mds.out" | tail -3)"
grep -q "revocation: closing the open TLS connection from 127.0.0.1.*host $V_ID" "$T/cs1.out" "$T/cs2.out" \
  || fail "no CS logged a closing: $(grep -ih revoc "$T/cs1.out" "$T/cs2.out" | tail -3)"
pass "every connection host3's mount had open was closed $closed_ms ms after the revocation answer; the MDS and a CS logged it: $(grep -m1 -o 'revocation: closing.*' "$T/mds.out" | cut -c1-150)"

# --- the others carry on ----------------------------------------------------------------------------
ps 1 stat >/dev/null || fail "host1's CLI after the revocation"
active 2 || fail "a CS is not active: $(stat_json | jq -c '.cs[] | {id,status}')"
grep -q "closing the open TLS connection.*host $(cat "$T/host1/host_id")\|closing the open TLS connection.*host $(cat "$T/host2/host_id")" "$T"/*.out \
  && fail "an honest host's connection was closed"
pass "host1's CLI works, both CSs active, no honest connection closed"
echo "REVOCATION_OPEN: connections closed after $closed_ms ms"
