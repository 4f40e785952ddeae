#!/usr/bin/env bash
# Revocation (issue 14; docs/security.md "Revocation"): 3 MDS (the master
# and two followers, all on host1) + 4 CS on four "hosts" with TLS on (the
# default), 1 MiB chunks, replicas=3, 8 MiB written through a mount of
# host1. `pstorage revoke-node` of host4 (which runs CS4):
#  1. an unknown host id is refused (exit 2, says how to find host ids);
#  2. revoke-node answers once journaled: CS4 is offline at once, its daemon
#     is refused re-registration and exits, the master logs an event;
#  3. new TLS connections presenting host4's certificate are refused in the
#     handshake by the master (host4's CLI), by each follower MDS (host4's
#     CLI pointed at it; they load the list from their md.db) and by an
#     honest CS (a CAF peer with host4's credentials), each with a logged
#     reason naming the host id;
#  4. the other hosts carry on: every chunk is back to 3 live replicas on
#     CS1-3, the data verifies on host1's mount (open before the revocation)
#     and a new file written after it reads back; host2's CLI works;
#  5. a second revoke of the same host is refused (already revoked); the
#     three MDS processes are alive at the end (the master once crashed here).
# Needs root and /dev/fuse (the mount), jq. Every wait is bounded.
source "$(dirname "$0")/lib.sh"

require_fuse revocation jq
C=revk
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }
ms_since() { echo $(( (${EPOCHREALTIME/./} - $1) / 1000 )); }

start_mds 1M
FBASE=$(reserve_ports 2)
F=(x x "127.0.0.1:$FBASE" "127.0.0.1:$((FBASE + 10))")  # followers MDS#2, MDS#3
mds_avail() { [ "$(ps 1 stat --json | jq '[.mds[] | select(.status=="avail")] | length')" = "$1" ]; }
for k in 2 3; do
  joined() { ps 1 make-mds -a "${F[$k]}" -r "$T/mds$k" -b "$MDS" >"$T/join$k.txt" 2>&1; }
  wait_until 20 joined || fail "join of MDS#$k: $(cat "$T/join$k.txt")"
  start mds$k "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds$k"
  wait_until 30 mds_avail $k || fail "MDS#$k not avail: $(ps 1 stat 2>&1 | head -20)"
done
for h in 2 3 4; do join_host $h; done
for h in 1 2 3 4; do start_cs $h; done
wait_until 20 active 4 || fail "4 CS did not become active"
V_ID=$(cat "$T/host4/host_id")
[ -n "$V_ID" ] || fail "host4 has no host id"
openssl x509 -in "$T/host4/clusters/$C/node.crt" -noout -subject | grep -q "serialNumber *= *$V_ID" \
  || fail "host4's certificate does not name its host id: $(openssl x509 -in "$T/host4/clusters/$C/node.crt" -noout -subject)"
VCS=$(stat_json | jq ".cs[] | select(.host_id==\"$V_ID\") | .id")
[ -n "$VCS" ] || fail "no CS of host4 in stat"
CS1ADDR=$(stat_json | jq -r ".cs[] | select(.host_id==\"$(cat "$T/host1/host_id")\") | .address")
pass "cluster up: 3 MDS, 4 CS on 4 hosts; host4 ($V_ID) runs CS#$VCS, its certificate names its host id"

mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=3 >/dev/null || fail "set-attr replicas=3"
head -c $((8 << 20)) /dev/urandom > "$T/data"
timeout 120 cp "$T/data" "$T/m1/data" || fail "write through the mount"
timeout 60 sync "$T/m1/data" || true
SUM=$(md5sum < "$T/data")
total=$(stat_json | jq '.chunks.total')
wait_until 15 bash -c "[ \"\$($BIN/pstorage --config-dir $T/host1 -c $C stat --json | jq '.chunks.healthy')\" = $total ]" \
  || fail "chunks not healthy after the write: $(stat_json | jq -c .chunks)"
held=$(stat_json | jq ".cs[] | select(.id==$VCS) | .replicas")
[ "$held" -gt 0 ] || fail "CS#$VCS holds no replica: the test would not show re-replication"
# Before: host4's credentials are accepted by a CS (answered, whatever the status).
PSTORAGE_CLUSTER=$C PSTORAGE_CONFIG_DIR="$T/host4" timeout 20 "$BIN/pstorage-hostile-peer" "$CS1ADDR" read 1 1 0 16 \
  >"$T/peer_before.out" 2>&1 || fail "host4's CAF peer not answered by CS1 before the revocation: $(cat "$T/peer_before.out")"
pass "8 MiB written, $total chunks healthy at replicas=3, CS#$VCS holds $held replicas"

# --- 1. unknown host id ------------------------------------------------------------------------------
rc=0; out=$(ps 2 revoke-node no-such-host-id 2>&1) || rc=$?
[ $rc = 2 ] || fail "unknown host id: exit $rc (want 2): $out"
grep -q "no chunk server of this cluster runs on a host with id no-such-host-id" <<<"$out" || fail "unknown id message: $out"
grep -q -- "--force" <<<"$out" || fail "unknown id message does not mention --force: $out"
pass "unknown host id refused (exit 2): ${out#pstorage: }"

# --- 2. revoke host4 -----------------------------------------------------------------------------------
t0=${EPOCHREALTIME/./}
out=$(ps 2 revoke-node "$V_ID" --json) || fail "revoke-node: $out"
revoke_ms=$(ms_since "$t0")
jq -e ".host_id == \"$V_ID\" and (.dropped_cs | index($VCS)) != null and (.revoked_hosts | index(\"$V_ID\")) != null" \
  <<<"$out" >/dev/null || fail "revoke-node --json: $out"
[ "$(stat_json | jq -r ".cs[] | select(.id==$VCS) | .status")" = offline ] \
  || fail "CS#$VCS not offline right after revoke-node: $(stat_json | jq -c '.cs[] | {id,status}')"
[ "$(mdq "SELECT count(*) FROM md_revoked WHERE host_id = '$V_ID'")" = 1 ] || fail "no md_revoked row"
# The master closes CS4's open connection; CS4 stops when its MDS locator's
# reconnection ends in the TLS alert certificate_revoked (about 2 s).
wait_until 15 gone "$PID_cs4" || fail "CS4's daemon still runs after the revocation: $(tail -5 "$T/cs4.out")"
grep -q "is revoked" "$T/cs4.out" || fail "CS4's log does not say why it stopped: $(tail -5 "$T/cs4.out")"
cs_gone_ms=$(ms_since "$t0")
# Events are journaled after the answer (cmd_event; with 3 MDSs a commit round later).
events_have() { "$BIN/pstorage" --config-dir "$T/host1" -c $C get-event | grep -q "$1"; }
wait_until 10 events_have "host $V_ID.* is revoked" || fail "no revocation event: $(ps 1 get-event | tail -5)"
wait_until 10 events_have "CS#$VCS is offline: its host .* is revoked" || fail "no CS offline event: $(ps 1 get-event | tail -5)"
pass "revoke-node answered in $revoke_ms ms: CS#$VCS offline at once, its daemon refused and gone after $cs_gone_ms ms, events logged"

# --- 3. new TLS connections of host4 are refused ----------------------------------------------------------
t0=${EPOCHREALTIME/./}
rc=0; out=$(ps 4 stat 2>&1) || rc=$?
[ $rc != 0 ] || fail "host4's CLI still talks to the MDS: $out"
wait_until 10 grep -q "revocation: refused .*host $V_ID" "$T/mds.out" \
  || fail "the MDS logged no refusal of host4: $(grep -i revoc "$T/mds.out" | tail -3)"
grep -q "host $V_ID.* is revoked (pstorage revoke-node)" "$T/mds.out" || fail "the MDS's refusal gives no reason"
wait_until 10 bash -c "'$BIN/pstorage' --config-dir '$T/host1' -c $C get-event | grep -q 'TLS connection of revoked host $V_ID refused'" \
  || fail "no event for the refused connection: $(ps 1 get-event | tail -3)"
for k in 2 3; do  # host4's CLI asking follower MDS#k only
  mkdir -p "$T/host4f$k/clusters/$C"
  cp "$T/host4/host_id" "$T/host4f$k/"; cp "$T/host4/clusters/$C/"* "$T/host4f$k/clusters/$C/"
  echo "${F[$k]}" > "$T/host4f$k/clusters/$C/bs.list"
  rc=0; out=$(ps 4f$k stat 2>&1) || rc=$?
  [ $rc != 0 ] || fail "follower MDS#$k still talks to host4: $out"
  wait_until 10 grep -q "revocation: refused .*host $V_ID" "$T/mds$k.out" \
    || fail "follower MDS#$k logged no refusal of host4: $(grep -i revoc "$T/mds$k.out" | tail -3)"
done
wait_until 10 grep -q "revocation: TLS handshakes presenting a certificate of host $V_ID are refused" "$T/cs1.out" \
  || fail "CS1 did not learn the list: $(tail -3 "$T/cs1.out")"
# The mount too (from its Watch answers): its gate judges the CSs it connects to.
wait_until 10 grep -q "revocation: TLS handshakes presenting a certificate of host $V_ID are refused" "$T/m1.out" \
  || fail "host1's mount did not learn the list: $(tail -3 "$T/m1.out")"
rc=0
PSTORAGE_CLUSTER=$C PSTORAGE_CONFIG_DIR="$T/host4" timeout 20 "$BIN/pstorage-hostile-peer" "$CS1ADDR" read 1 1 0 16 \
  >"$T/peer_after.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "CS1 answered host4's CAF peer after the revocation (exit $rc): $(cat "$T/peer_after.out")"
wait_until 10 grep -q "revocation: refused .*host $V_ID" "$T/cs1.out" \
  || fail "CS1 logged no refusal of host4: $(grep -i revoc "$T/cs1.out" | tail -3)"
pass "host4 refused in the TLS handshake by the master, both followers and CS1 ($(ms_since "$t0") ms), reasons logged: $(grep -m1 -o 'revocation: refused.*' "$T/mds.out" | cut -c1-160)"

# --- 4. the others carry on --------------------------------------------------------------------------------
healed() {
  local j; j=$(stat_json)
  [ "$(jq '.chunks.healthy' <<<"$j")" = "$total" ] &&
  [ "$(jq "[.cs[] | select(.status==\"active\") | .replicas] | add" <<<"$j")" = $((3 * total)) ]
}
t0=${EPOCHREALTIME/./}
wait_until 60 healed || fail "not re-replicated: $(stat_json | jq -c '{status, chunks, replication, cs: [.cs[] | {id, status, replicas}]}')"
pass "every chunk back to 3 live replicas on CS1-3 in $(ms_since "$t0") ms"
[ "$(timeout 60 md5sum < "$T/m1/data")" = "$SUM" ] || fail "data differs on host1's mount"
head -c $((2 << 20)) /dev/urandom > "$T/data2"
timeout 60 cp "$T/data2" "$T/m1/data2" || fail "write after the revocation"
cmp -s "$T/data2" "$T/m1/data2" || fail "new file differs"
ps 2 stat >/dev/null || fail "host2's CLI after the revocation"
active 3 || fail "CS1-3 not all active: $(stat_json | jq -c '.cs[] | {id,status}')"
pass "data verifies on host1's mount, a new file reads back, host2's CLI works, CS1-3 active"

# --- 5. twice, and the master alive ---------------------------------------------------------------------------
rc=0; out=$(ps 1 revoke-node "$V_ID" 2>&1) || rc=$?
[ $rc = 1 ] && grep -q "already revoked" <<<"$out" || fail "second revoke: exit $rc: $out"
for m in mds mds2 mds3; do
  p=$(eval echo "\$PID_$m"); kill -0 "$p" || fail "$m died: $(tail -20 "$T/$m.out")"
done
grep -qi "segmentation\|core dumped\|terminate called" "$T"/*.out && fail "a process crashed: $(grep -il 'segmentation\|core dumped\|terminate called' "$T"/*.out)"
unmount_fuse m1
for m in mds mds2 mds3; do p=$(eval echo "\$PID_$m"); kill -0 "$p" || fail "$m died at the end"; done
pass "second revoke refused (already revoked); the 3 MDSs are alive"
echo "REVOCATION: answer $revoke_ms ms, revoked CS daemon gone after $cs_gone_ms ms"
