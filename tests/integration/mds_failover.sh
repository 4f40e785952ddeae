#!/usr/bin/env bash
# Master failover end to end (guide: "Configuring MDS Servers"; docs/ports.md,
# docs/election.md): 3 MDSs (make-mds -I + two joins), 3 CSs, one FUSE mount.
# The master is killed with -9 while the mount writes and reads files: a new
# master is elected, the CLI finds it through bs.list (the dead MDS listed
# first), the CSs re-register with it under the same ids, and the application
# on the mount sees no error; data written before and during the failover
# reads back equal, and a verifying fio (--verify=crc32c) writing across the
# kill verifies. The failover time is measured as the issue defines it: from
# the kill to the first metadata operation (a create on the mount) committed
# by the new master. The old master, restarted, rejoins as a follower and
# catches up (LAG 0). Needs root, /dev/fuse and fio.
source "$(dirname "$0")/lib.sh"

require_fuse mds_failover
command -v fio >/dev/null || skip "mds_failover: needs fio"
MNT="$T/m"
now_ms() { date +%s%3N; }

C=failover
echo "failover-pw" > "$T/pw"
ps() { timeout 30 "$BIN/pstorage" --config-dir "$T/host$1" -c $C "${@:2}"; }
psq() { timeout 10 "$BIN/pstorage" --config-dir "$T/host$1" -c $C "${@:2}"; }
wait_for() {
  local end=$((SECONDS + $1)); shift
  while [ "$SECONDS" -lt "$end" ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
T60() { timeout 60 "$@"; }

# MDS k at 127.0.0.1:BASE+10(k-1), each on PORT..PORT+2 (reserved: lib.sh).
BASE=$(reserve_ports 3)
[ -n "$BASE" ] || fail "no free loopback ports"
A=(x "127.0.0.1:$BASE" "127.0.0.1:$((BASE + 10))" "127.0.0.1:$((BASE + 20))")

stat_json() { psq 1 stat --json 2>/dev/null; }
master_id() { stat_json | jq -r 'if .master_problem == "" then .master_id else 0 end'; }
avail_is() { [ "$(stat_json | jq '[.mds[] | select(.status=="avail")] | length')" = "$1" ]; }
active_is() { [ "$(stat_json | jq '[.cs[] | select(.status=="active")] | length')" = "$1" ]; }

# --- 3 MDSs ---------------------------------------------------------------------
ps 1 make-mds -I -a "${A[1]}" -r "$T/mds1" --password-file "$T/pw" --chunk-size 1M >/dev/null || fail "make-mds -I"
start mds1 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds1"
mds_http_up "$PID_mds1" "$BASE"
for k in 2 3; do
  joined() { ps 1 make-mds -a "${A[$k]}" -r "$T/mds$k" -b "${A[1]}" >"$T/join$k.txt" 2>&1; }
  wait_for 20 joined || fail "join of MDS#$k: $(cat "$T/join$k.txt")"
  start mds$k "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds$k"
  wait_for 30 avail_is "$k" || fail "MDS#$k not avail: $(psq 1 stat 2>&1)"
done
# Every host lists all three MDSs.
for h in 2 3; do
  mkdir -p "$T/host$h/clusters/$C"; printf '%s\n' "${A[1]}" "${A[2]}" "${A[3]}" > "$T/host$h/clusters/$C/bs.list"
  ps $h auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host$h"
done
for h in 1 2 3; do
  ps $h make-cs -r "$T/cs$h" >/dev/null || fail "make-cs host$h"
  start cs$h "$BIN/pstorage-csd" --config-dir "$T/host$h" -r "$T/cs$h"
done
wait_for 30 active_is 3 || fail "3 CS not active: $(psq 1 stat 2>&1)"
M1=$(master_id); [ "$M1" -gt 0 ] || fail "no master"
CSIDS=$(stat_json | jq -c '[.cs[].id] | sort')
pass "3 MDSs (master MDS#$M1), 3 CSs $CSIDS"

# --- mount and data before the failover ---------------------------------------------
mount_fuse m 1
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom > "$T/before"
T60 cp "$T/before" "$MNT/before" && T60 sync "$MNT/before" || fail "write before failover"
T60 cmp "$T/before" "$MNT/before" || fail "read back before failover"
pass "mounted; 3 MiB file written and read back"

# --- the application keeps working while the master dies ----------------------------
head -c $((1024 * 1024 + 7)) /dev/urandom > "$T/pattern"
(
  set +e
  end=$((SECONDS + 25)); i=0
  while [ "$SECONDS" -lt "$end" ]; do
    i=$((i + 1))
    T60 dd if="$T/pattern" of="$MNT/during.$i" bs=64k conv=fsync status=none || { echo "write $i failed"; exit 1; }
    T60 cmp "$T/pattern" "$MNT/during.$i" || { echo "read $i differs"; exit 1; }
    T60 ls "$MNT" >/dev/null || { echo "ls $i failed"; exit 1; }
  done
  echo "app done: $i files"
) >"$T/app.out" 2>&1 &
APP=$!
# fio writes 48 MiB at 6 MiB/s (about 8 s) across the kill, then reads it
# all back and checks every block's crc32c.
fio --name=failover --filename="$MNT/fio.dat" --rw=write --bs=128k --size=48M --rate=6m --thread \
  --ioengine=psync --end_fsync=1 --verify=crc32c --do_verify=1 --verify_fatal=1 \
  --output="$T/fio.txt" >"$T/fio.out" 2>&1 &
FIO=$!
sleep 3
eval "mpid=\$PID_mds$M1"
kill -9 "$mpid"
t0=$SECONDS
t0_ms=$(now_ms)
# The first metadata change after the kill: the mount retries it until the
# new master has committed and answered it (patience 30 s).
T60 touch "$MNT/first-after-kill" || fail "create after killing the master failed"
failover_ms=$(( $(now_ms) - t0_ms ))
echo "failover time (kill -9 of the master -> first create committed by the new master): $failover_ms ms"
[ "$failover_ms" -lt 10000 ] || fail "failover took $failover_ms ms (bound 10 s; docs/election.md: 1-2 s election + the mount's search)"
new_master() { local m; m=$(master_id); [ -n "$m" ] && [ "$m" != 0 ] && [ "$m" != "$M1" ]; }
wait_for 30 new_master || fail "no new master after killing MDS#$M1: $(psq 1 stat 2>&1)"
M2=$(master_id)
pass "MDS#$M1 killed (-9); MDS#$M2 is master after $((SECONDS - t0)) s; the CLI found it through bs.list"
cs_back() { [ "$(stat_json | jq -c '[.cs[] | select(.status=="active") | .id] | sort')" = "$CSIDS" ]; }
wait_for 40 cs_back || fail "CSs not active again under MDS#$M2 with the same ids: $(psq 1 stat 2>&1)"
pass "all 3 CSs re-registered with MDS#$M2 under their ids $CSIDS"
# The event history is the cluster's, not the master's: the new master shows
# what the old one recorded (its own "became master", the CSs going active)
# and its own election, in order.
history() { psq 1 get-event --json | jq -r '.[].text'; }
became_both() {
  local h; h=$(history) || return 1
  local a b
  a=$(grep -n "^MDS#$M1 at .* became master$" <<<"$h" | head -1 | cut -d: -f1)
  b=$(grep -n "^MDS#$M2 at .* became master$" <<<"$h" | tail -1 | cut -d: -f1)
  [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
wait_for 20 became_both || fail "get-event on the new master MDS#$M2 lacks the old master's history: $(history | tail -8)"
pass "get-event on MDS#$M2 shows MDS#$M1's election and its own, in order (replicated event log)"
for _ in $(seq 600); do kill -0 "$APP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$APP" 2>/dev/null && { kill "$APP"; fail "the application hung: $(cat "$T/app.out")"; }
wait "$APP" || fail "the application saw an error during the failover: $(cat "$T/app.out")"
grep -q "app done" "$T/app.out" || fail "application: $(cat "$T/app.out")"
pass "the application on the mount saw no error ($(cat "$T/app.out"))"
for _ in $(seq 900); do kill -0 "$FIO" 2>/dev/null || break; sleep 0.1; done
kill -0 "$FIO" 2>/dev/null && { kill -9 "$FIO"; fail "fio hung after the failover: $(tail -5 "$T/fio.out")"; }
rc=0; wait "$FIO" || rc=$?
[ $rc = 0 ] || fail "fio failed (rc $rc) across the failover: $(tail -20 "$T/fio.out" "$T/fio.txt")"
grep -q "err= 0" "$T/fio.txt" || fail "fio output lacks 'err= 0': $(cat "$T/fio.txt")"
grep -qE "read: .*\(48\.0MiB/" "$T/fio.txt" || fail "fio did not read back (verify) 48 MiB: $(grep -E 'read:|write:' "$T/fio.txt")"
pass "fio --verify=crc32c wrote 48 MiB across the kill and verified it"

# --- after the failover ------------------------------------------------------------------
T60 cmp "$T/before" "$MNT/before" || fail "data written before the failover differs"
T60 cp "$T/pattern" "$MNT/after" && T60 cmp "$T/pattern" "$MNT/after" || fail "write after failover"
pass "data from before the failover reads back equal; new writes work"

# --- the old master comes back ------------------------------------------------------------
start mds$M1 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds$M1"
caught_up() {
  [ "$(stat_json | jq --argjson o "$M1" --argjson n "$M2" \
    '.master_id == $n and ([.mds[] | select(.id == $o and .status == "avail" and .lag == 0)] | length) == 1')" = true ]
}
wait_for 40 caught_up || fail "MDS#$M1 did not rejoin as a follower with LAG 0: $(psq 1 stat 2>&1)"
pass "MDS#$M1 restarted: a follower of MDS#$M2 again, LAG 0"
