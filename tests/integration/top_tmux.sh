#!/usr/bin/env bash
# `pstorage top` in a real terminal (issue 16 acceptance; docs/operations.md):
# 1 MDS + 2 CS on loopback. In a private tmux server with an 80x24 window:
# the header ("Cluster '...'", the IO line) and both CS ids show, no line is
# wider than 80 columns, `i` switches the CS columns, `h` shows the help,
# `w` the topology (CSs and space per location),
# `q` exits with status 0. Piped (not a terminal) it prints one snapshot.
# Every process started here is stopped by PID.
source "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || skip "top_tmux: needs tmux (Debian tmux)"

C=toptmux
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "top-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }

start_mds 1M
join_host 2
start_cs 1
start_cs 2
wait_until 30 active 2 || fail "2 CSs not active: $(ps 1 stat 2>&1)"
IDS=$(ps 1 stat --json | jq -r '.cs[].id' | sort)
pass "cluster up: CSs $(echo $IDS)"

# Piped: one snapshot and exit (like top -b -n 1).
ps 1 top > "$T/snapshot.txt" || fail "top (piped) failed"
grep -q "^Cluster '$C': " "$T/snapshot.txt" || fail "no Cluster line in the snapshot: $(cat "$T/snapshot.txt")"
grep -q "^IO: " "$T/snapshot.txt" || fail "no IO line in the snapshot"
for id in $IDS; do grep -q "^$id " "$T/snapshot.txt" || fail "CS $id not in the snapshot"; done
pass "piped top printed one snapshot with the header and both CSs"

# A private tmux server (its own socket), stopped by PID.
TM=(tmux -S "$T/tmux.sock" -f /dev/null)
"${TM[@]}" new-session -d -x 80 -y 24 -s top \
  "$BIN/pstorage --config-dir $T/host1 -c $C top; echo \"rc=\$?\" > $T/top.rc; sleep 60"
PIDS+=("$("${TM[@]}" display-message -p '#{pid}')")
screen() { "${TM[@]}" capture-pane -p -t top; }
shows() { screen | grep -q "$1"; }
wait_until 20 shows "^Cluster '$C'" || fail "top did not draw the header: $(screen)"
for id in $IDS; do wait_until 10 shows "^$id " || fail "CS $id not on the screen: $(screen)"; done
shows "^IO: " || fail "no IO line: $(screen)"
shows "IOWAIT" || fail "no IOWAIT column: $(screen)"
wide=$(screen | awk 'length($0) > 80' | wc -l)
[ "$wide" = 0 ] || fail "$wide lines wider than 80 columns"
pass "top in 80x24: header, IO line, CS ids $(echo $IDS), nothing wider than 80"

"${TM[@]}" send-keys -t top i
wait_until 5 shows "RD_OPS" || fail "i did not switch to the rates columns: $(screen)"
"${TM[@]}" send-keys -t top h
wait_until 5 shows "cycle the CS columns" || fail "h did not show the help: $(screen)"
"${TM[@]}" send-keys -t top h
wait_until 5 shows "CSID" || fail "h again did not return to the tables: $(screen)"
"${TM[@]}" send-keys -t top w
wait_until 5 shows "^Topology" || fail "w did not show the topology: $(screen)"
for id in $IDS; do shows "$id" || fail "CS $id not on the topology screen: $(screen)"; done
"${TM[@]}" send-keys -t top w
wait_until 5 shows "CSID" || fail "w again did not return to the tables: $(screen)"
shows "%CPU" || fail "no %CPU column in the MDS table: $(screen)"
pass "keys i, h and w switch the view"

"${TM[@]}" send-keys -t top q
wait_until 10 test -s "$T/top.rc" || fail "q did not end top: $(screen)"
[ "$(cat "$T/top.rc")" = "rc=0" ] || fail "top exited with $(cat "$T/top.rc")"
"${TM[@]}" kill-server 2>/dev/null || true
pass "q exits top with status 0"
