#!/usr/bin/env bash
# Journal compaction and full resync (docs/election.md "Snapshots and
# compaction"; guide event "MDS#N (ADDR:PORT) state is outdated and will do a
# full resync"): 3 MDSs that keep only 20 journal entries beyond md.db. A
# follower is stopped, 200 files are created through the mount (the master
# compacts its journal past what the follower holds), the follower comes back:
# the master sends it the whole md.db, the event is recorded, it catches up,
# restarts cleanly from the installed state, and every MDS store ends with the
# same digest. Needs root, /dev/fuse, jq and sqlite3.
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse mds_resync
command -v sqlite3 >/dev/null || { skip "mds_resync: needs sqlite3"; }

C=resync
echo "resync-pw" > "$T/pw"
N=${N:-200}
MDSD_ARGS=(--journal-keep 20 --journal-compact-every 20)

make_cluster 3
mount_it
pass "3 MDSs, 3 CSs active, mounted"

for i in $(seq 1 30); do : > "$MNT/a$i" || fail "create a$i"; done
m=$(master_id)
f=$(( m % 3 + 1 ))  # a follower
E0=$(ps 1 get-event --json | jq '[.[].id] | max // 0')
mds_stop "$f"
pass "MDS#$f (a follower) stopped"

for i in $(seq 1 "$N"); do : > "$MNT/b$i" || fail "create b$i with MDS#$f down"; done
first=$(sqlite3 "file:$T/mds$m/journal.db?mode=ro" "SELECT min(idx) FROM j_entries" 2>/dev/null)
snap=$(sqlite3 "file:$T/mds$m/journal.db?mode=ro" "SELECT snap_idx FROM j_state" 2>/dev/null)
held=$(sqlite3 "file:$T/mds$f/journal.db?mode=ro" "SELECT max(idx) FROM j_entries" 2>/dev/null)
echo "master MDS#$m: journal compacted to entry $snap (first kept $first); stopped MDS#$f holds up to $held"
[ -n "$snap" ] && [ "$snap" -gt "${held:-0}" ] || fail "the master did not compact past the stopped follower (snapshot ${snap:-none}, follower holds ${held:-none})"
pass "the master's journal is compacted past what MDS#$f holds"

mds_run "$f"
resync_event() {
  ps 1 get-event --json | jq -e --argjson e0 "$E0" --arg t "MDS#$f (${A[$f]}) state is outdated and will do a full resync" \
    '[.[] | select(.id > $e0 and .text == $t)] | length > 0' >/dev/null
}
wait_for 60 resync_event || fail "no resync event for MDS#$f: $(ps 1 get-event | tail -5)"
pass "event: MDS#$f (${A[$f]}) state is outdated and will do a full resync"
wait_for 60 all_caught_up || fail "MDS#$f did not catch up: $(psq 1 stat 2>&1)"
pass "MDS#$f caught up after the full resync"

# It starts again from the installed state (md.db at or past its journal's snapshot).
mds_stop "$f"
mds_run "$f"
wait_for 60 all_caught_up || fail "MDS#$f did not come back after a restart: $(psq 1 stat 2>&1)"
for i in $(seq 1 20); do : > "$MNT/c$i" || fail "create c$i"; done
[ "$(ls "$MNT" | wc -l)" = $((30 + N + 20)) ] || fail "the mount lists $(ls "$MNT" | wc -l) files, not $((30 + N + 20))"
pass "MDS#$f restarted from the installed state; the namespace holds every file"

timeout 10 fusermount3 -u "$MNT" || true
digest_check
