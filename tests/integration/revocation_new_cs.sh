#!/usr/bin/env bash
# Revocation, a CS's first second (issue 14; docs/security.md "Revocation"):
# a CS started after a host was revoked refuses that host's TLS handshake from
# its very first connection. 1 MDS, CS1 on host1, CS2 on host2, host3 joined;
# host2 revoked (CS2 offline and gone). Then, deterministically:
#  1. the MDS is stopped (SIGSTOP) and CS3 starts on host3: it cannot
#     register, so it has no list from the master. Its port is open, and a
#     CAF peer with host2's credentials is refused in the TLS handshake; so
#     is one with host1's (an honest host: the CS accepts no one until it
#     knows the list). Before the fix host2's peer was answered here.
#  2. the MDS continues (SIGCONT): CS3 registers, its registration answer
#     carries the list; host2's peer is refused with "is revoked", host1's
#     is answered. CS3's log names both reasons.
# Every wait is bounded; the MDS is continued on any exit.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
C=rvnew
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }
# peer H ADDR: a CAF peer with host H's credentials asks ADDR for a read;
# exit 0 when answered, 2 when not (tests/tools/hostile_peer.cpp).
peer() {
  PSTORAGE_CLUSTER=$C PSTORAGE_CONFIG_DIR="$T/host$1" timeout 20 "$BIN/pstorage-hostile-peer" "$2" read 1 1 0 16
}

start_mds 1M
for h in 2 3; do join_host $h; done
for h in 1 2; do start_cs $h; done
wait_until 20 active 2 || fail "2 CS did not become active"
ps 3 make-cs -r "$T/cs3" >/dev/null || fail "make-cs host3"
V_ID=$(cat "$T/host2/host_id")
[ -n "$V_ID" ] || fail "host2 has no host id"
out=$(ps 1 revoke-node "$V_ID" --json) || fail "revoke-node: $out"
wait_until 15 gone "$PID_cs2" || fail "CS2's daemon still runs after the revocation: $(tail -5 "$T/cs2.out")"
pass "host2 ($V_ID) revoked, CS2 gone"

# --- 1. CS3 starts while the master cannot answer ----------------------------------------------
CS3PORT=$(( $(reserve_ports 1) + 1 ))
CS3="127.0.0.1:$CS3PORT"
kill -STOP "$PID_mds"
trap 'rc=$?; kill -CONT "$PID_mds" 2>/dev/null; (exit $rc); cleanup' EXIT
start cs3 "$BIN/pstorage-csd" --config-dir "$T/host3" -r "$T/cs3" -a "$CS3"
listening() { ss -Hltn "sport = :$CS3PORT" | grep -q LISTEN; }
wait_until 20 listening || fail "CS3 does not listen on $CS3: $(tail -5 "$T/cs3.out")"
grep -q "registered with the MDS" "$T/cs3.out" && fail "CS3 registered with a stopped MDS?"
rc=0; peer 2 "$CS3" >"$T/peer2_held.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "CS3, not yet registered, answered host2's (revoked) peer (exit $rc): $(cat "$T/peer2_held.out")"
rc=0; peer 1 "$CS3" >"$T/peer1_held.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "CS3, not yet registered, answered host1's peer (exit $rc): it must accept no one yet"
grep -q "registered with the MDS" "$T/cs3.out" && fail "CS3 registered while the MDS was stopped"
pass "CS3 listening but not registered: host2's and host1's handshakes refused"

# --- 2. the master answers: the list comes with the registration ---------------------------------
kill -CONT "$PID_mds"
wait_until 30 grep -q "registered with the MDS" "$T/cs3.out" || fail "CS3 did not register: $(tail -5 "$T/cs3.out")"
grep -q "revocation: TLS handshakes presenting a certificate of host $V_ID are refused" "$T/cs3.out" \
  || fail "CS3 did not learn the list with its registration: $(grep -i revoc "$T/cs3.out")"
rc=0; peer 2 "$CS3" >"$T/peer2_after.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "registered CS3 answered host2's peer (exit $rc): $(cat "$T/peer2_after.out")"
peer 1 "$CS3" >"$T/peer1_after.out" 2>&1 || fail "registered CS3 did not answer host1's peer: $(cat "$T/peer1_after.out")"
# The refusals are logged with the next list answer (a heartbeat, about 1 s).
wait_until 10 grep -q "revocation: refused .*not registered with the master yet" "$T/cs3.out" \
  || fail "CS3 logged no held refusal: $(grep -i revoc "$T/cs3.out")"
wait_until 10 grep -q "revocation: refused .*host $V_ID.* is revoked" "$T/cs3.out" \
  || fail "CS3 logged no refusal of host2: $(grep -i revoc "$T/cs3.out")"
pass "CS3 registered with the list: host2 refused (revoked), host1 answered; $(grep -m1 -o 'revocation: refused.*not registered.*' "$T/cs3.out" | cut -c1-140)"
