#!/usr/bin/env bash
# Issue 16 acceptance: `pstorage top` in a real terminal on a live loopback
# cluster under fio load, then a CS killed while top, get-event --follow and
# /metrics watch (docs/monitoring.md "How soon a state change shows").
# 1 MDS + 3 CSs on three hosts, a FUSE mount, replicas=2,
# mds.wd.inactive_tout=4000, mds.wd.offline_tout=6000. top runs in a private
# tmux server in an 80x24 window:
#  1. under fio (random 64 KiB writes with fsyncs): the IO line shows non-zero
#     write bytes, the clients table the mount with non-zero WRITE, the CS
#     table every CS id; no line wider than 80 columns; then 1000-byte writes
#     show as JRMW (unaligned writes) in the `i` columns;
#  2. fio stopped, kill -9 of the CS holding the most replicas: top shows it
#     inactive and the cluster degraded, get-event --follow prints the
#     inactive event, the master's /metrics has it inactive and the alert
#     rules PstorageClusterDegraded / PstorageCsNotActive fire on that scrape
#     (alert_eval.py) — each within 15 s; then offline in all three within
#     15 s more, and "Replication started" / "Replication completed" on top's
#     events screen (key e) and from the follower, the master's /metrics with
#     bytes copied and every chunk healthy again;
#  3. q ends top with status 0.
# Each time is printed. Needs root, /dev/fuse, fio, tmux, curl, jq, python3.
# Every process started here is stopped by PID.
source "$(dirname "$0")/lib.sh"
require_fuse top_under_load fio tmux curl jq python3

C=topload
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "topload-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }
RULES="$IT_DIR/../../deploy/monitoring/pstorage-alerts.yml"

start_mds 1M
for h in 2 3; do join_host $h; done
for h in 1 2 3; do start_cs $h; done
wait_until 30 active 3 || fail "3 CSs not active: $(ps 1 stat 2>&1)"
ps 1 set-config mds.wd.inactive_tout=4000 mds.wd.offline_tout=6000 >/dev/null || fail "set-config timeouts"
mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2 >/dev/null || fail "set-attr replicas=2"
head -c $((8 << 20)) /dev/urandom > "$T/data"
timeout 120 dd if="$T/data" of="$T/m1/f" bs=1M conv=fsync status=none || fail "write through the mount"
IDS=$(stat_json | jq -r '.cs[].id' | sort)
MDS_METRICS="http://127.0.0.1:$(stat_json | jq -r '.mds[0].http_port')/metrics"
pass "cluster up: CSs $(echo $IDS), 8 MiB written at replicas=2"

# --- 1. top under fio load ---------------------------------------------------------------------
fio --name=load --filename="$T/m1/fio.dat" --rw=randwrite --bs=64k --size=8M --time_based --runtime=120 \
  --fsync=8 --ioengine=psync --thread --output="$T/fio.txt" >"$T/fio.out" 2>&1 &
FIO=$!; PIDS+=($FIO)
TM=(tmux -S "$T/tmux.sock" -f /dev/null)
"${TM[@]}" new-session -d -x 80 -y 24 -s top \
  "$BIN/pstorage --config-dir $T/host1 -c $C top; echo \"rc=\$?\" > $T/top.rc; sleep 60"
PIDS+=("$("${TM[@]}" display-message -p '#{pid}')")
screen() { "${TM[@]}" capture-pane -p -t top; }
shows() { screen | grep -qE "$1"; }
wait_until 20 shows "^Cluster '$C'" || fail "top did not draw the header: $(screen)"
# The IO line ("write   5.1MB/s"; idle: "0B/s") and the mount's row of the
# clients table (CLID 1, WRITE the 4th column) with non-zero write bytes.
wait_until 30 shows "^IO: .*write +[0-9.]+[KMG]B/s" || fail "top's IO line shows no writes under fio: $(screen)"
client_writes() { screen | awk '/^CLID LEASES/ {on = 1; next} on && $1 == 1 && $4 ~ /^[0-9.]+[KMG]B\/s$/ {ok = 1} END {exit !ok}'; }
wait_until 30 client_writes || fail "top's clients table shows no WRITE under fio: $(screen)"
for id in $IDS; do shows "^$id " || fail "CS $id not on the screen: $(screen)"; done
screen | tee "$T/load-screen.txt"
wide=$(screen | awk 'length($0) > 80' | wc -l)
[ "$wide" = 0 ] || fail "$wide lines wider than 80 columns under load"
pass "top under fio: $(grep '^IO:' "$T/load-screen.txt" | tr -s ' '); the mount's WRITE non-zero; nothing wider than 80"
kill "$FIO"; wait "$FIO" 2>/dev/null || true
# JRMW (guide "Improving High-Capacity HDD Performance"): writes of 1000-byte
# blocks reach the CSs off 4 KiB boundaries; `i` shows RMW and JRMW, and a CS
# counts them.
timeout 60 dd if=/dev/urandom of="$T/m1/unaligned" bs=1000 count=50 conv=fsync status=none || fail "unaligned write"
"${TM[@]}" send-keys -t top i
wait_until 5 shows "^CSID +STATUS +READ .* RMW +JRMW" || fail "i: no RMW/JRMW columns: $(screen)"
jrmw_seen() {
  screen | awk '/^CSID / && / JRMW/ {for (i = 1; i <= NF; i++) if ($i == "JRMW") k = i; next}
                k && /^[0-9]+ / && $k ~ /^[0-9]+$/ && $k > 0 {ok = 1} END {exit !ok}'
}
wait_until 10 jrmw_seen || fail "i: no CS counts unaligned writes (JRMW): $(screen)"
screen | grep -E "^CSID|^[0-9]{4} "
"${TM[@]}" send-keys -t top i
"${TM[@]}" send-keys -t top i
wait_until 5 shows "^CSID +STATUS +SPACE" || fail "i twice more did not return to the I/O columns: $(screen)"
pass "i: RMW and JRMW columns, unaligned writes counted"

# --- 2. kill -9 a CS: top, get-event --follow and /metrics --------------------------------------
start follow timeout 300 "$BIN/pstorage" --config-dir "$T/host1" -c $C get-event --follow
wait_until 20 grep -q "The cluster is healthy with 3 active CS" "$T/follow.out" || fail "follower printed no history: $(cat "$T/follow.out")"
read -r DEAD HELD < <(stat_json | jq -r '.cs | max_by(.replicas) | "\(.id) \(.replicas)"')
DEAD_HOST=""
for h in 1 2 3; do
  [ "$(stat_json | jq -r ".cs[] | select(.id==$DEAD) | .host_id")" = "$(cat "$T/host$h/host_id")" ] && DEAD_HOST=$h
done
[ -n "$DEAD_HOST" ] || fail "no host for CS#$DEAD"
TOTAL=$(stat_json | jq '.chunks.total')
t0=${EPOCHREALTIME/./}
kill -9 "$(eval echo "\$PID_cs$DEAD_HOST")"
took() { echo $(( (${EPOCHREALTIME/./} - t0) / 1000 )); }
# scrape: the master's /metrics, parsed strictly, into $T/mds.json.
scrape() {
  curl -sf -o "$T/mds.prom" "$MDS_METRICS" && python3 "$IT_DIR/prom_text.py" "$T/mds.prom" > "$T/mds.json"
}
metric() { jq -r --arg n "$1" "[.[] | select(.name == \$n) | select(.labels | ${2:-true}) | .value] | .[0] // empty" "$T/mds.json"; }
cs_status_is() { scrape && [ "$(metric pstorage_cluster_cs_status ".cs_id==\"$DEAD\" and .status==\"$1\"")" = 1 ]; }
followed() { grep -qE "$1" "$T/follow.out"; }

wait_until 15 shows "^$DEAD +inactive" || fail "top: CS#$DEAD not inactive 15 s after kill -9: $(screen)"
echo "  top: CS#$DEAD inactive $(took) ms after the kill"
shows "^Cluster '$C': degraded" || wait_until 5 shows "^Cluster '$C': degraded" || fail "top: cluster not degraded: $(screen)"
wait_until 15 followed "CS#$DEAD has not registered during the last [0-9]+ sec and is marked as inactive" \
  || fail "get-event --follow: no inactive event: $(cat "$T/follow.out")"
echo "  get-event --follow: inactive $(took) ms after the kill"
if wait_until 15 cs_status_is inactive; then
  echo "  /metrics: inactive $(took) ms after the kill"
  alerts=$(python3 "$IT_DIR/alert_eval.py" "$RULES" "$T/mds.json") || fail "alert rules: $alerts"
  jq -e '.firing.PstorageClusterDegraded and .firing.PstorageCsNotActive' <<<"$alerts" >/dev/null \
    || fail "degraded alerts do not fire on the scrape: $alerts"
else
  cs_status_is offline || fail "/metrics: CS#$DEAD neither inactive nor offline: $(grep "cs_id=\"$DEAD\"" "$T/mds.prom")"
fi
pass "kill -9 CS#$DEAD ($HELD replicas): inactive and degraded in top, get-event --follow and /metrics; PstorageClusterDegraded and PstorageCsNotActive fire"

wait_until 15 shows "^$DEAD +offline" || fail "top: CS#$DEAD not offline: $(screen)"
echo "  top: CS#$DEAD offline $(took) ms after the kill"
wait_until 5 followed "CS#$DEAD has not registered during the last [0-9]+ sec and is marked as offline" \
  || fail "get-event --follow: no offline event: $(cat "$T/follow.out")"
wait_until 5 cs_status_is offline || fail "/metrics: CS#$DEAD not offline: $(grep "cs_id=\"$DEAD\"" "$T/mds.prom")"
echo "  get-event --follow and /metrics: offline $(took) ms after the kill"
wait_until 10 followed "Replication started, [0-9]+ chunks are queued" || fail "no Replication started: $(cat "$T/follow.out")"
wait_until 60 followed "Replication completed" || fail "no Replication completed: $(cat "$T/follow.out")"
echo "  get-event --follow: replication completed $(took) ms after the kill"
"${TM[@]}" send-keys -t top e
wait_until 5 shows "^TIME +SYS +SEV +MESSAGE" || fail "e did not show the events: $(screen)"
wait_until 5 shows "MDS#1 +info Replication started, [0-9]+ chunks are queued" || fail "top: no Replication started: $(screen)"
wait_until 5 shows "MDS#1 +info Replication completed" || fail "top: no Replication completed: $(screen)"
healthy_again() { scrape && [ "$(metric pstorage_chunks '.state=="healthy"')" = "$TOTAL" ]; }
wait_until 20 healthy_again || fail "/metrics: chunks not all healthy: $(grep '^pstorage_chunks' "$T/mds.prom")"
copied=$(metric pstorage_replication_copied_bytes_total)
awk -v c="$copied" 'BEGIN { exit !(c > 0) }' || fail "/metrics: no bytes copied after the replication"
"${TM[@]}" send-keys -t top e
wait_until 5 shows "^CSID +STATUS" || fail "e again did not return to the tables: $(screen)"
pass "offline, Replication started and completed in top (e), get-event --follow and /metrics ($copied bytes copied, $TOTAL chunks healthy)"

# --- 3. q --------------------------------------------------------------------------------------
"${TM[@]}" send-keys -t top q
wait_until 10 test -s "$T/top.rc" || fail "q did not end top: $(screen)"
[ "$(cat "$T/top.rc")" = "rc=0" ] || fail "top exited with $(cat "$T/top.rc")"
"${TM[@]}" kill-server 2>/dev/null || true
pass "q exits top with status 0"
