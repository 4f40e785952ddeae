#!/usr/bin/env bash
# `pstorage top` in a real terminal (issue 16 acceptance; docs/operations.md):
# 1 MDS + 2 CS on loopback. In a private tmux server with an 80x24 window:
# the header ("Cluster '...'", the IO line) and both CS ids show, no line is
# wider than 80 columns, `i` switches the CS columns, `h` shows the help,
# `w` the topology (CSs and space per location), `V` the space occupied by
# data chunks (FS line), `d` the disks table (CS 1 with a stand-in smartctl
# reporting a disk in pre-failure: Warn and the SMART warning line; CS 2
# without smartctl: unknown), `q` exits with status 0. The header has the
# Replication line, the MDS table a measured %CTIME. Piped (not a terminal)
# it prints one snapshot.
# Every process started here is stopped by PID.
source "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || skip "top_tmux: needs tmux (Debian tmux)"

C=toptmux
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "top-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }

# A stand-in smartctl for CS 1 (smartctl's JSON for a disk whose Reallocated
# Sector Count is not 0: the guide's pre-failure); CS 2 has none.
cat > "$T/smartctl" <<'EOF2'
#!/bin/sh
cat <<'JSON'
{"model_name": "PSTORAGE TEST DISK", "serial_number": "SN-TOP-1", "user_capacity": {"bytes": 1000204886016},
 "temperature": {"current": 41}, "smart_status": {"passed": true},
 "ata_smart_attributes": {"table": [{"id": 5, "name": "Reallocated_Sector_Ct", "raw": {"value": 12}}]}}
JSON
EOF2
chmod +x "$T/smartctl"

start_mds 1M
join_host 2
PSTORAGE_SMARTCTL="$T/smartctl" start_cs 1
PSTORAGE_SMARTCTL="$T/no-smartctl" start_cs 2
wait_until 30 active 2 || fail "2 CSs not active: $(ps 1 stat 2>&1)"
IDS=$(ps 1 stat --json | jq -r '.cs[].id' | sort)
pass "cluster up: CSs $(echo $IDS)"

# Piped: one snapshot and exit (like top -b -n 1).
ps 1 top > "$T/snapshot.txt" || fail "top (piped) failed"
grep -q "^Cluster '$C': " "$T/snapshot.txt" || fail "no Cluster line in the snapshot: $(cat "$T/snapshot.txt")"
grep -q "^IO: " "$T/snapshot.txt" || fail "no IO line in the snapshot"
for id in $IDS; do grep -q "^$id " "$T/snapshot.txt" || fail "CS $id not in the snapshot"; done
grep -q "^Replication:  1 norm,  1 limit" "$T/snapshot.txt" || fail "no Replication line: $(cat "$T/snapshot.txt")"
grep -qE "^M +1 avail +[0-9]+\.[0-9]%" "$T/snapshot.txt" || fail "no %CTIME in the MDS row: $(grep -A1 MDSID "$T/snapshot.txt")"
pass "piped top printed one snapshot with the header (Replication line), %CTIME and both CSs"

# Where the CS repositories sit on a block device (not a tmpfs), CS 1's
# stand-in smartctl is asked and its disk is in pre-failure.
# cs_of_repo DIR: the id of the CS serving repository DIR (from its /status).
cs_of_repo() {
  local id port
  for id in $IDS; do
    port=$(ps 1 stat --json | jq -r ".cs[] | select(.id == $id) | .http_port")
    [ "$(curl -s "http://127.0.0.1:$port/status" | jq -r .repository)" = "$1" ] && { echo "$id"; return; }
  done
}
CS1=$(cs_of_repo "$T/cs1"); CS2=$(cs_of_repo "$T/cs2")
[ -n "$CS1" ] && [ -n "$CS2" ] || fail "cannot tell which CS serves which repository"
DISK1=$(curl -s "http://127.0.0.1:$(ps 1 stat --json | jq -r ".cs[] | select(.id == $CS1) | .http_port")/status" | jq -r .disk.disk)
if [ -n "$DISK1" ]; then
  grep -q "^SMART warning: CS#$CS1 $DISK1 pre-failure (press d)" "$T/snapshot.txt" \
    || fail "no SMART warning line: $(head -12 "$T/snapshot.txt")"
  pass "the SMART warning line names CS#$CS1 $DISK1"
else
  echo "note: $T is on no block device: the SMART checks below only expect 'unknown'"
fi

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
"${TM[@]}" send-keys -t top V
wait_until 5 shows "^FS:  .* in [0-9]* files, [0-9]* inodes, [0-9]* chunks" || fail "V did not show the FS line: $(screen)"
shows "^Data chunks use .* the license allows" || fail "V: no data chunks line: $(screen)"
"${TM[@]}" send-keys -t top V
hidden() { ! screen | grep -q "$1"; }
wait_until 5 hidden "^FS:" || fail "V again did not hide the FS line: $(screen)"
"${TM[@]}" send-keys -t top d
wait_until 5 shows "^CSID   DISK       SMART" || fail "d did not show the disks table: $(screen)"
wait_until 5 shows "^$CS2 .* unknown " || fail "CS $CS2 (no smartctl) not unknown: $(screen)"
if [ -n "$DISK1" ]; then
  wait_until 5 shows "^$CS1 .* Warn .* 41C .* SN-TOP-1 .* PSTORAGE TEST" || fail "CS $CS1 not Warn with its disk: $(screen)"
fi
wide=$(screen | awk 'length($0) > 80' | wc -l)
[ "$wide" = 0 ] || fail "$wide lines of the disks table wider than 80 columns"
"${TM[@]}" send-keys -t top d
wait_until 5 shows "^CSID  *STATUS" || fail "d again did not return to the tables: $(screen)"
pass "keys i, h, w, V and d switch the view"

"${TM[@]}" send-keys -t top q
wait_until 10 test -s "$T/top.rc" || fail "q did not end top: $(screen)"
[ "$(cat "$T/top.rc")" = "rc=0" ] || fail "top exited with $(cat "$T/top.rc")"
"${TM[@]}" kill-server 2>/dev/null || true
pass "q exits top with status 0"
