#!/usr/bin/env bash
# Rebalancing between two disks of one host under strict failure domains
# (issue 15: "Strict failure domains must not block same-host rebalancing
# between disks of one host when that keeps the domain rule"; guide
# "Automatic Data Balancing", "Recommendations on Failure Domains").
# host1 runs CS a, host2 runs CS c, each on a 32 MiB tmpfs; replicas=2, so
# every chunk has one replica on each host. Then CS b joins empty on host1.
# The only moves that keep the domain rule are a -> b (the source gives way
# to its copy and is dropped in the copy's hold: actors/mds/placement_domains.hpp);
# before that rule the planner refused the source's own domain and nothing
# moved. Checked: b receives replicas, only from a; no chunk at its normal
# count ever lists a and b together (polled from the MDS's store); all
# healthy; the data verifies. Needs root (tmpfs, /dev/fuse).
source "$(dirname "$0")/lib.sh"

require_fuse rebalancing_same_host sqlite3
DATA_MB=${DATA_MB:-10}
DISK_MB=32

DISKS=()
teardown() {
  local rc=$? m
  set +e
  for m in "${MOUNTS[@]}"; do
    is_mounted "$m" && timeout 10 fusermount3 -u -z "$m" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done  # the CSs go before their tmpfs
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  [ $rc -ne 0 ] && grep -h "rebalance" "$T"/mds.out 2>/dev/null | tail -20
  for d in "${DISKS[@]}"; do grep -q " $d tmpfs " /proc/self/mounts && umount "$d"; done
  (exit $rc)
  cleanup
}
trap teardown EXIT

C=rebsh
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }
disk() {  # disk N: a DISK_MB tmpfs at $T/diskN
  mkdir -p "$T/disk$1"
  mount -t tmpfs -o size=${DISK_MB}m tmpfs "$T/disk$1" || fail "mount tmpfs disk$1"
  DISKS+=("$T/disk$1")
}

start_mds 1M
join_host 2
ps 1 set-config mds.alloc.free_space_margin=0 >/dev/null || fail "set-config free_space_margin"
ps 1 set-config mds.repl.rebalance_jobs=0 >/dev/null || fail "set-config rebalance_jobs=0"
disk 1; ps 1 make-cs -r "$T/disk1/cs" >/dev/null || fail "make-cs a"
start cs1 "$BIN/pstorage-csd" --config-dir "$T/host1" -r "$T/disk1/cs"   # CS a on host1
disk 2; ps 2 make-cs -r "$T/disk2/cs" >/dev/null || fail "make-cs c"
start cs2 "$BIN/pstorage-csd" --config-dir "$T/host2" -r "$T/disk2/cs"   # CS c on host2
wait_until 20 active 2 || fail "2 CS did not become active"
mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2 >/dev/null || fail "set-attr replicas=2"
head -c $((DATA_MB << 20)) /dev/urandom > "$T/data"
timeout 120 cp "$T/data" "$T/m1/data" || fail "write through the mount"
timeout 60 sync "$T/m1/data" || true
SUM=$(md5sum < "$T/data")
unmount_fuse m1
total=$(stat_json | jq '.chunks.total')
settled() {
  local j; j=$(stat_json)
  [ "$(jq '.chunks.healthy' <<<"$j")" = "$total" ] &&
  [ "$(jq '[.cs[] | select(.status=="active") | .replicas] | add' <<<"$j")" = $((2 * total)) ] &&
  [ "$(jq '.rebalance.running // 0' <<<"$j")" = 0 ]
}
wait_until 20 settled || fail "not healthy at replicas=2 after the write: $(stat_json | jq -c .chunks)"
h1=$(cat "$T/host1/host_id")
A=$(stat_json | jq ".cs[] | select(.host_id==\"$h1\") | .id")
held=$(stat_json | jq ".cs[] | select(.id==$A) | .replicas")
[ "$held" = "$total" ] || fail "CS#$A (host1's only CS) holds $held of $total chunks"
pass "CS a (CS#$A, host1) and CS c (host2), $total chunks at replicas=2, one replica on each host"

disk 3; ps 1 make-cs -r "$T/disk3/cs" >/dev/null || fail "make-cs b"
start cs3 "$BIN/pstorage-csd" --config-dir "$T/host1" -r "$T/disk3/cs"   # CS b on host1, empty
wait_until 20 active 3 || fail "CS b did not become active"
B=$(stat_json | jq "[.cs[] | select(.host_id==\"$h1\" and .id != $A) | .id][0]")
[ "$B" != null ] || fail "cannot find CS b"
sleep 1.5  # a heartbeat from every CS: the MDS sees their fill
ps 1 set-config mds.repl.rebalance_jobs=2 >/dev/null || fail "set-config rebalance_jobs=2"
# Chunks at their normal count (2 rows) with both replicas on host1.
shared_host() {
  sqlite3 -readonly "$T/mds/md.db" \
    "SELECT chunk FROM md_replicas GROUP BY chunk HAVING COUNT(*) = 2 AND SUM(cs IN ($A, $B)) = 2" 2>/dev/null
}
bad="" got=0
for _ in $(seq 400); do  # <= 40 s
  bad=$(shared_host)
  [ -z "$bad" ] || break
  got=$(stat_json | jq ".cs[] | select(.id==$B) | .replicas")
  [ "$got" -ge 3 ] && settled && break
  sleep 0.1
done
[ -z "$bad" ] || fail "chunk(s) $bad list both host1 CSs (CS#$A and CS#$B)"
[ "$got" -ge 3 ] || fail "CS b (CS#$B, host1) got $got replicas in 40 s: same-host moves blocked? $(grep -h 'rebalance' "$T/mds.out" | tail -3)"
wait_until 20 settled || fail "not settled after the moves: $(stat_json | jq -c '{chunks, rebalance}')"
other=$(grep -cE "rebalance: chunk [0-9]+ v[0-9]+ CS#[0-9]+ -> CS#$B" "$T/mds.out" || true)
from_a=$(grep -cE "rebalance: chunk [0-9]+ v[0-9]+ CS#$A -> CS#$B" "$T/mds.out" || true)
[ "$other" = "$from_a" ] || fail "$((other - from_a)) moves to CS#$B came from host2"
[ -z "$(shared_host)" ] || fail "a chunk lists both host1 CSs after the moves"
pass "CS b (CS#$B, empty, host1) received $(stat_json | jq ".cs[] | select(.id==$B) | .replicas") replicas, $from_a moves all from CS a of its host; never both on host1"
mount_fuse m2 2
[ "$(timeout 60 md5sum < "$T/m2/data")" = "$SUM" ] || fail "data differs after the moves"
pass "data verifies from a fresh mount"
