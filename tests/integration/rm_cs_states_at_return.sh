#!/usr/bin/env bash
# rm-cs --wait leaves nothing behind in stat (guide "Removing Chunk
# Servers"; issue 16 "Progress where work is long"): when --wait prints
# "CS#N removed from the cluster", `pstorage stat` run at once shows every
# chunk healthy — not "deleting" for the chunks whose replica on the CS went
# last. Reproducer of the CI failure of 3b76b5f (self_healing: 15 healthy +
# 1 deleting): the rm-cs poll dropped the CS itself once nothing was left,
# before a repair pass recorded those chunks' new state (stat reads the
# states the last pass recorded); 3 of 8 rounds showed it. ROUNDS cycles on
# 1 MDS + 4 CS, replicas=2, 16 x 1 MiB chunks: the fullest CS is removed
# with --wait at 1 MiB/s, then a new CS joins on a new host. Needs root and /dev/fuse.
source "$(dirname "$0")/lib.sh"

require_fuse rm_cs_states_at_return
ROUNDS=${ROUNDS:-4}
C=rmst
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }
healthy() { [ "$(stat_json | jq '.chunks.healthy')" = "$total" ]; }

start_mds 1M
for h in 2 3 4; do join_host $h; done
for h in 1 2 3 4; do start_cs $h; done
wait_until 20 active 4 || fail "4 CS did not become active"
mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2 >/dev/null || fail "set-attr replicas=2"
head -c $((16 << 20)) /dev/urandom > "$T/data"
timeout 120 cp "$T/data" "$T/m1/data" || fail "write through the mount"
timeout 60 sync "$T/m1/data" || true
total=$(stat_json | jq '.chunks.total')
[ "$total" -ge 16 ] || fail "expected >= 16 chunks, stat says $total"
n=4
for r in $(seq "$ROUNDS"); do
  wait_until 30 healthy || fail "round $r: not healthy before the removal: $(stat_json | jq -c .chunks)"
  V=$(stat_json | jq '[.cs[] | select(.status=="active" and .replicas > 0)] | max_by(.replicas) | .id')
  ps 1 set-config mds.repl.bandwidth=1048576 >/dev/null || fail "set-config mds.repl.bandwidth"
  out=$(ps 1 rm-cs --wait --timeout 60 "$V" 2>&1) || fail "round $r: rm-cs --wait CS#$V: $out"
  j=$(stat_json)
  ps 1 set-config mds.repl.bandwidth=0 >/dev/null || fail "set-config mds.repl.bandwidth=0"
  grep -q "^CS#$V removed from the cluster$" <<<"$out" || fail "round $r: no last line: $out"
  [ "$(jq -r ".cs[] | select(.id==$V) | .status" <<<"$j")" = dropped ] || fail "round $r: CS#$V not dropped"
  [ "$(jq '.chunks.healthy' <<<"$j")" = "$total" ] \
    || fail "round $r: stat right after 'CS#$V removed' is not all healthy: $(jq -c '.chunks | with_entries(select(.value > 0))' <<<"$j")"
  pass "round $r: CS#$V removed; stat at once: $total of $total chunks healthy"
  # The new CS on a host of its own: with two CSs on one host, a removal
  # whose only target is the other CS of its host stalls (strict failure
  # domains; tests/integration/pending/rm_cs_same_host_target.sh).
  n=$((n + 1))
  join_host $n
  ps $n make-cs -r "$T/cs$n" >/dev/null || fail "make-cs on host$n"
  start "cs$n" "$BIN/pstorage-csd" --config-dir "$T/host$n" -r "$T/cs$n"
  wait_until 20 active 4 || fail "round $r: the new CS did not become active"
done
[ "$(timeout 60 md5sum < "$T/m1/data")" = "$(md5sum < "$T/data")" ] || fail "data differs after $ROUNDS removals"
pass "data verifies after $ROUNDS removals"
