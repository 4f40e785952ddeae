#!/usr/bin/env bash
# rm-cs --wait of a CS whose chunks can only move to another CS of its own
# host (guide "Removing Chunk Servers"; failure domain = host): host1 runs
# CS a, host2 runs CS b and CS c, replicas=2, so every chunk has one replica
# on host1 and one on host2. Removing c, each of its chunks must be copied
# to b. Before 9935a94 the copy counted c's own replica (being released)
# as filling host2's domain: "copy of chunk N not started: a returning
# holder fills the failure domain of every target" every 0.5 s, and the
# removal never ended (seen in CI of 07da306). Needs root and /dev/fuse.
#
# The rule now (actors/mds/placement_domains.hpp, issue 15): c's replica
# gives way to its own replacement (rule 1) and is dropped in the copy's
# hold once the copy to b is confirmed (rule 3), so no chunk keeps b and c
# together. 9935a94 had only the first half and was reverted (65c9755): the
# pair outlived the copy when c went inactive first (pstorage-sim --seed 2
# --scenario data-ops).
source "$(dirname "$0")/lib.sh"

require_fuse rm_cs_same_host_target
C=rmsh
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }

start_mds 1M
join_host 2
start_cs 1                                   # CS a on host1
ps 2 make-cs -r "$T/cs2" >/dev/null || fail "make-cs b"
start cs2 "$BIN/pstorage-csd" --config-dir "$T/host2" -r "$T/cs2"   # CS b on host2
ps 2 make-cs -r "$T/cs3" >/dev/null || fail "make-cs c"
start cs3 "$BIN/pstorage-csd" --config-dir "$T/host2" -r "$T/cs3"   # CS c on host2
wait_until 20 active 3 || fail "3 CS did not become active"
mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2 >/dev/null || fail "set-attr replicas=2"
head -c $((8 << 20)) /dev/urandom > "$T/data"
timeout 120 cp "$T/data" "$T/m1/data" || fail "write through the mount"
timeout 60 sync "$T/m1/data" || true
total=$(stat_json | jq '.chunks.total')
wait_until 20 bash -c "[ \"\$($BIN/pstorage --config-dir $T/host1 -c $C stat --json | jq '.chunks.healthy')\" = $total ]" \
  || fail "not healthy after the write: $(stat_json | jq -c .chunks)"
h2=$(cat "$T/host2/host_id")
# c: the host2 CS holding more replicas (at least one chunk must move).
V=$(stat_json | jq "[.cs[] | select(.host_id==\"$h2\")] | max_by(.replicas) | .id")
held=$(stat_json | jq ".cs[] | select(.id==$V) | .replicas")
[ "$held" -gt 0 ] || fail "no replica on host2's CSs"
pass "1 MDS, CS a on host1, CSs b and c on host2; $total chunks healthy at replicas=2; CS#$V holds $held"
out=$(ps 1 rm-cs --wait --timeout 60 "$V" 2>&1) || fail "rm-cs --wait CS#$V did not end: $(tail -3 <<<"$out"); $(grep -m2 'not started' "$T/mds.out")"
grep -q "^CS#$V removed from the cluster$" <<<"$out" || fail "rm-cs --wait: no last line: $out"
j=$(stat_json)
[ "$(jq '.chunks.healthy' <<<"$j")" = "$total" ] || fail "not all healthy after the removal: $(jq -c .chunks <<<"$j")"
[ "$(timeout 60 md5sum < "$T/m1/data")" = "$(md5sum < "$T/data")" ] || fail "data differs after the removal"
n=$(grep -c 'fills the failure domain of every target' "$T/mds.out" || true)
[ "$n" = 0 ] || fail "$n copies not started for a failure domain the released replica filled"
pass "rm-cs --wait CS#$V: its $held replicas moved to the other CS of its host; all healthy, data verifies"
