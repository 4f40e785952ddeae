#!/usr/bin/env bash
# Rebalancing with real processes (issue 4; guide "Automatic Data Balancing",
# "Recommendations on Failure Domains"): 1 MDS + 3 CS, each CS on its own
# 48 MiB tmpfs (so fill fractions differ; they would all read the same disk
# otherwise), 1 MiB chunks, replicas=2, ~20 MiB written through
# pstorage-mount. Then a 4th, empty CS of the same tier joins — on host1,
# sharing that host with CS#1, so a chunk may go to it from CS#1 but never
# from its other replica when CS#1 holds one. Within a bounded time the new
# CS receives a share of the chunks ("Rebalancing started" ... "Rebalancing
# completed, N chunks moved"), every chunk stays healthy with 2 replicas, no
# chunk at its normal count ever has two replicas on host1 (polled from the
# MDS's store during the moves), no chunk is ever shown offline while it
# moves, the moves keep to mds.repl.bandwidth, and the data verifies from a
# fresh mount.
# Needs root (tmpfs, /dev/fuse).
source "$(dirname "$0")/lib.sh"

require_fuse rebalancing sqlite3
DATA_MB=${DATA_MB:-20}
DISK_MB=48

DISKS=()
teardown() {
  local rc=$? m
  set +e
  for m in "${MOUNTS[@]}"; do  # lib.sh's cleanup would too, but the CSs are stopped here first
    is_mounted "$m" && timeout 10 fusermount3 -u -z "$m" 2>/dev/null
  done
  # The CSs must be gone before their tmpfs is unmounted: stop them by PID.
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  if [ $rc -ne 0 ]; then  # cleanup() prints the logs; keep the MDS's rebalance lines too
    grep -h "rebalance" "$T"/mds.out 2>/dev/null | tail -20
  fi
  for d in "${DISKS[@]}"; do grep -q " $d tmpfs " /proc/self/mounts && umount "$d"; done
  (exit $rc)
  cleanup
}
trap teardown EXIT

C=rebal
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }

start_mds 1M
for h in 2 3; do join_host $h; done
# 48 MiB disks: no 256 MiB absolute reserve (the 5% fill margin stays).
ps 1 set-config mds.alloc.free_space_margin=0 >/dev/null || fail "set-config free_space_margin"
[ "$(ps 1 get-config mds.repl.rebalance_jobs --json | jq '.[0].value')" = 2 ] || fail "default rebalance_jobs"
[ "$(ps 1 get-config mds.repl.rebalance_threshold --json | jq '.[0].value')" = 10 ] || fail "default rebalance_threshold"
out=$(ps 1 set-config mds.repl.rebalance_threshold=0 2>&1) && fail "rebalance_threshold=0 accepted"
grep -q "1\.\.100" <<<"$out" || fail "refusal does not give the range: $out"

disk() {  # disk N: a DISK_MB tmpfs at $T/diskN
  mkdir -p "$T/disk$1"
  mount -t tmpfs -o size=${DISK_MB}m tmpfs "$T/disk$1" || fail "mount tmpfs disk$1"
  DISKS+=("$T/disk$1")
}
for h in 1 2 3; do
  disk $h
  ps $h make-cs -r "$T/disk$h/cs" >/dev/null || fail "make-cs host$h"
  start cs$h "$BIN/pstorage-csd" --config-dir "$T/host$h" -r "$T/disk$h/cs"
done
wait_until 20 active 3 || fail "3 CS did not become active"
pass "cluster up: 1 MDS, 3 CS on 3 hosts, ${DISK_MB} MiB each"

# --- data: replicas=2 on 3 CS ------------------------------------------------------------
mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2 >/dev/null || fail "set-attr replicas=2"
# No rebalancing among the first three while they fill (placement spreads
# at random): the episode below starts with the 4th CS.
ps 1 set-config mds.repl.rebalance_jobs=0 >/dev/null || fail "set-config rebalance_jobs=0"
head -c $((DATA_MB << 20)) /dev/urandom > "$T/data"
timeout 120 cp "$T/data" "$T/m1/data" || fail "write through the mount"
timeout 60 sync "$T/m1/data" || true
SUM=$(md5sum < "$T/data")
unmount_fuse m1
total=$(stat_json | jq '.chunks.total')
[ "$total" -ge "$DATA_MB" ] || fail "expected >= $DATA_MB chunks, stat says $total"
settled() {  # healthy with 2 replicas per chunk, nothing moving
  local j; j=$(stat_json)
  [ "$(jq '.chunks.healthy' <<<"$j")" = "$total" ] &&
  [ "$(jq '[.cs[] | select(.status=="active") | .replicas] | add' <<<"$j")" = $((2 * total)) ] &&
  [ "$(jq '.rebalance.running // 0' <<<"$j")" = 0 ]
}
wait_until 20 settled || fail "not healthy at replicas=2 after the write: $(stat_json | jq -c '{chunks, rebalance}')"
sleep 1.5  # a heartbeat from every CS: the MDS sees their fill after the write
fills() { stat_json | jq -r '[.cs[] | select(.status=="active") | "CS#\(.id) \(.replicas) replicas \((100 - 100 * .free_bytes / .space_bytes) | floor)%"] | join(", ")'; }
pass "$DATA_MB MiB written, $total chunks healthy at replicas=2: $(fills)"

# --- a 4th, empty CS on host1 -----------------------------------------------------------------
CS1=$(stat_json | jq ".cs[] | select(.host_id==\"$(cat "$T/host1/host_id")\") | .id")
[ -n "$CS1" ] || fail "cannot find the CS of host1"
# Each copy at 1 MiB/s (mds.repl.bandwidth): a 1 MiB move takes >= 1 s.
BW=$((1 << 20))
ps 1 set-config mds.repl.bandwidth=$BW >/dev/null || fail "set-config bandwidth"
E0=$(ps 1 get-event --json | jq '[.[].id] | max // 0')
ps 1 set-config mds.repl.rebalance_jobs=2 >/dev/null || fail "set-config rebalance_jobs=2"
disk 4
ps 1 make-cs -r "$T/disk4/cs" >/dev/null || fail "make-cs disk4"
t0=$(date +%s.%N)
start cs4 "$BIN/pstorage-csd" --config-dir "$T/host1" -r "$T/disk4/cs"
wait_until 20 active 4 || fail "CS 4 did not become active"
CS4=$(stat_json | jq "[.cs[] | select(.host_id==\"$(cat "$T/host1/host_id")\" and .id != $CS1) | .id][0]")
[ "$CS4" != null ] || fail "cannot find the new CS"

# Chunks at their normal count (2 rows) with both replicas on host1.
shared_host() {
  sqlite3 -readonly "$T/mds/md.db" \
    "SELECT chunk FROM md_replicas GROUP BY chunk HAVING COUNT(*) = 2 AND SUM(cs IN ($CS1, $CS4)) = 2" 2>/dev/null
}
# Events since the 4th CS was added (E0 = the last id before).
ev_has() {
  ps 1 get-event --json |
    jq -e --arg p "$1" --argjson e0 "$E0" '[.[] | select(.id > $e0) | .text | select(startswith($p))] | length > 0' >/dev/null
}
polls=0 bad="" offline_seen=""
for _ in $(seq 600); do  # <= 60 s
  polls=$((polls + 1))
  bad=$(shared_host)
  [ -z "$bad" ] || break
  # A chunk being moved keeps its replicas live (stat said "offline" for the
  # whole copy before wip.fenced: its holders are fenced to a new version).
  off=$(stat_json | jq -c 'select(.chunks.offline > 0) | {chunks, rebalance}')
  [ -n "$offline_seen" ] || offline_seen=$off
  ev_has "Rebalancing completed" && settled && break
  sleep 0.1
done
[ -z "$bad" ] || fail "chunk(s) $bad have both replicas on host1 (CS#$CS1 and CS#$CS4)"
[ -z "$offline_seen" ] || fail "stat showed offline chunks during the moves: $offline_seen"
ev_has "Rebalancing completed" || fail "rebalancing did not complete in 60 s: $(stat_json | jq -c '{chunks, rebalance}'); $(fills)"
t1=$(date +%s.%N)
settled || fail "not settled after rebalancing: $(stat_json | jq -c '{chunks, rebalance}')"
j=$(stat_json)
got=$(jq ".cs[] | select(.id==$CS4) | .replicas" <<<"$j")
moved=$(jq '.rebalance.moved' <<<"$j")
[ "$got" -ge 3 ] || fail "CS#$CS4 got only $got replicas: $(fills)"
[ -z "$(shared_host)" ] || fail "a chunk has both replicas on host1 after rebalancing"
ev_has "Rebalancing started" || fail "no 'Rebalancing started' event"
took=$(awk -v a="$t0" -v z="$t1" 'BEGIN{printf "%.1f", z-a}')
pass "CS#$CS4 (empty, host1) received $got replicas; $moved moves in $took s; never both replicas on host1 ($polls polls)"
# 2 moves at a time (mds.repl.rebalance_jobs), each >= 1 MiB / BW: the whole
# took at least ceil(moved / 2) s, less 10% for timer granularity.
awk -v t="$took" -v m="$moved" 'BEGIN { exit !(t >= 0.9 * int((m + 1) / 2)) }' ||
  fail "$moved moves took only $took s at mds.repl.bandwidth=$BW: the bandwidth is not enforced"
pass "mds.repl.bandwidth=1 MiB/s held: $moved moves of 1 MiB, 2 at a time, took $took s (>= $(( (moved + 1) / 2 )) s)"
echo "REBALANCE: after: $(fills)"

mount_fuse m2 2
[ "$(timeout 60 md5sum < "$T/m2/data")" = "$SUM" ] || fail "data differs after rebalancing"
pass "data verifies from a fresh mount"

ps 1 set-config mds.repl.bandwidth=0 >/dev/null || fail "set-config bandwidth=0"

# --- disabled: nothing moves ------------------------------------------------------------------------
ps 1 set-config mds.repl.rebalance_jobs=0 >/dev/null || fail "set-config rebalance_jobs=0"
ps 1 set-config mds.repl.rebalance_threshold=1 >/dev/null || fail "set-config rebalance_threshold=1"
before=$(stat_json | jq '.rebalance.moved')
sleep 2
[ "$(stat_json | jq '.rebalance.moved')" = "$before" ] || fail "moves with mds.repl.rebalance_jobs=0"
pass "mds.repl.rebalance_jobs=0: no move even at threshold 1%"
