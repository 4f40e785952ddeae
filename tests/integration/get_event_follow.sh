#!/usr/bin/env bash
# get-event --follow, --since, --json and the SYS column (issue 16; guide
# "Monitoring Event Logs", "Exploring Basic Events"; docs/monitoring.md
# "Events"): 1 MDS + 3 CSs on three hosts, a FUSE mount, replicas=2,
# mds.wd.inactive_tout=4000, mds.wd.offline_tout=6000. Two followers run in
# the background (text and --json, each bounded by timeout). kill -9 of the
# CS holding the most replicas: the followers print, each within the documented time, the CS
# inactive and offline (SYS MDS#1), the degraded cluster, "Replication
# started" and "Replication completed".
# Then the MDS is restarted: the follower says it lost the cluster, goes
# on, and prints the new "became master" (SYS JRN) without repeating an
# event. --since @T shows only what happened from T on. Needs root and
# /dev/fuse.
source "$(dirname "$0")/lib.sh"
require_fuse get_event_follow

C=evfollow
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "follow-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }

start_mds 1M
for h in 2 3; do join_host $h; done
for h in 1 2 3; do start_cs $h; done
wait_until 30 active 3 || fail "3 CSs not active: $(ps 1 stat 2>&1)"
ps 1 set-config mds.wd.inactive_tout=4000 mds.wd.offline_tout=6000 >/dev/null || fail "set-config timeouts"
mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2 >/dev/null || fail "set-attr replicas=2"
head -c $((8 << 20)) /dev/urandom > "$T/data"
timeout 120 dd if="$T/data" of="$T/m1/f" bs=1M conv=fsync status=none || fail "write through the mount"
wait_until 20 bash -c "[ \"\$($BIN/pstorage --config-dir $T/host1 -c $C stat --json | jq '.chunks.healthy')\" -ge 8 ]" \
  || fail "chunks not healthy: $(stat_json | jq -c .chunks)"
pass "cluster up: 3 CSs, 8 chunks of 1 MiB at replicas=2"

# The followers: bounded in time, stopped by PID at the end in any case.
start follow timeout 300 "$BIN/pstorage" --config-dir "$T/host1" -c $C get-event --follow
# (its stderr apart: the JSON lines alone in followjson.out)
start followjson bash -c "exec timeout 300 '$BIN/pstorage' --config-dir '$T/host1' -c $C get-event --follow --json 2>'$T/followjson.err'"
wait_until 20 grep -q "The cluster is healthy with 3 active CS" "$T/follow.out" || fail "follower printed no history: $(cat "$T/follow.out")"
pass "get-event --follow printed the history"

# The CS with the most replicas, and its process.
read -r DEAD HELD < <(stat_json | jq -r '.cs | max_by(.replicas) | "\(.id) \(.replicas)"')
DEAD_HOST=""
for h in 1 2 3; do
  [ "$(stat_json | jq -r ".cs[] | select(.id==$DEAD) | .host_id")" = "$(cat "$T/host$h/host_id")" ] && DEAD_HOST=$h
done
[ -n "$DEAD_HOST" ] || fail "no host for CS#$DEAD"
SINCE=$(date +%s)
sleep 1  # --since has second resolution: nothing before the kill may share its second
t0=${EPOCHREALTIME/./}
kill -9 "$(eval echo "\$PID_cs$DEAD_HOST")"

# seen PATTERN: the text follower has printed a line matching PATTERN; prints how long after the kill.
took() { echo $(( (${EPOCHREALTIME/./} - t0) / 1000 )); }
expect() {
  local what=$1 pattern=$2 bound=$3
  wait_until "$bound" grep -qE "$pattern" "$T/follow.out" || fail "no '$what' within $bound s: $(cat "$T/follow.out")"
  echo "  $what: printed $(took) ms after the kill"
}
expect "inactive" " MDS#1 +warn CS#$DEAD has not registered during the last [0-9]+ sec and is marked as inactive" 15
expect "degraded" " MDS#1 +warn The cluster is degraded with 2 active, 1 inactive, 0 offline CS" 5
expect "offline" " MDS#1 +warn CS#$DEAD has not registered during the last [0-9]+ sec and is marked as offline" 15
expect "replication started" " MDS#1 +info Replication started, [0-9]+ chunks are queued" 10
expect "replication completed" " MDS#1 +info Replication completed" 60
pass "get-event --follow: CS#$DEAD ($HELD replicas) killed: inactive, degraded, offline, replication started and completed, with their SYS"

# The JSON follower: one object a line, the same events.
wait_until 10 grep -q "Replication completed" "$T/followjson.out" || fail "JSON follower lacks the replication events"
jq -e -s 'all(.[]; has("id") and has("time_ns") and has("severity") and has("source") and has("text"))' \
  "$T/followjson.out" >/dev/null || fail "JSON follower lines are not event objects: $(head -3 "$T/followjson.out")"
jq -e -s "any(.[]; .source == \"MDS#1\" and (.text | test(\"CS#$DEAD .* offline\")))" "$T/followjson.out" >/dev/null \
  || fail "JSON follower lacks the offline event with source MDS#1"
pass "get-event --follow --json: one event object a line, source MDS#1 on the CS state change"

# --since: only what happened from the kill on.
since=$(ps 1 get-event --since "@$SINCE") || fail "get-event --since"
grep -q "is marked as offline" <<<"$since" || fail "--since lacks the offline event: $since"
grep -q "The cluster is healthy with 3 active CS" <<<"$since" && fail "--since shows an event from before: $since"
ps 1 get-event --since yesterday >/dev/null 2>&1 && fail "--since yesterday accepted"
pass "get-event --since @$SINCE: the kill's events and nothing older"

# A master change (here: the only MDS restarted) — the follower rides it out.
before=$(grep -c . "$T/follow.out")
kill "$PID_mds"
wait_until 20 gone "$PID_mds" || fail "MDS did not stop"
start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
mds_http_up "$PID_mds"
wait_until 60 bash -c "tail -n +$((before + 1)) '$T/follow.out' | grep -qE ' JRN +info MDS#1 at [^ ]+ became master'" \
  || fail "the follower did not print the new master: $(tail -5 "$T/follow.out")"
kill -0 "$PID_follow" || fail "the follower ended"
grep -q "get-event --follow: retrying every 1 s" "$T/follow.out" || fail "the follower did not say it lost the cluster"
wait_until 10 grep -q '"source":"JRN"' "$T/followjson.out" || fail "the JSON follower did not print the new master"
dups=$(jq -r '.id' "$T/followjson.out" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups events printed twice by the JSON follower"
jq -r '.id' "$T/followjson.out" | sort -n -c || fail "JSON follower ids out of order"
pass "get-event --follow across an MDS restart: goes on with the new master's events, none repeated"
