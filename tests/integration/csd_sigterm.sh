#!/usr/bin/env bash
# pstorage-csd exits within 2 s of SIGTERM (issue 15, "csd sometimes needs
# kill -9 at cleanup"), also when its MDS is frozen: 1 MDS + 2 CSs on
# loopback. (a) A CS with its MDS alive. (b) The MDS is killed and a silent
# listener takes its port (accepts TCP, never answers: a frozen MDS, SIGSTOP
# or a paused VM); once the other CS has connected to it again (its MDS
# connect then waits in CAF's handshake), SIGTERM to that CS. Every exit is
# timed from the signal to the process being gone (polled every 20 ms).
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "csd_sigterm: needs python3"

C=csdterm
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
LIMIT_MS=2000
echo "csdterm-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 30 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }


start_mds 1M
join_host 2; join_host 3
start_cs 2; start_cs 3
wait_until 20 active 2 || fail "2 CSs not active"
pass "1 MDS, 2 CSs active"

# --- (a) MDS alive ----------------------------------------------------------------
sigterm_within "CS on host2" "$PID_cs2" $LIMIT_MS

# --- (b) a frozen MDS ---------------------------------------------------------------
kill -9 "$PID_mds"; wait "$PID_mds" 2>/dev/null || true
# Accepts on the MDS's ports (PORT, PORT+1), never reads or writes; counts
# the connections it accepted in $T/silent.count.
start silent python3 -c '
import socket, sys, select
ls = []
for p in (int(sys.argv[1]), int(sys.argv[1]) + 1):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p)); s.listen(64); ls.append(s)
held = []
while True:
    r, _, _ = select.select(ls, [], [], 1.0)
    for s in r:
        held.append(s.accept()[0])
        open(sys.argv[2], "w").write(str(len(held)))
' "$PORT" "$T/silent.count"
connected() { [ "$(cat "$T/silent.count" 2>/dev/null || echo 0)" -ge 1 ]; }
wait_until 30 connected || fail "the CS did not connect to the (silent) MDS port within 30 s"
pass "the CS on host3 connected to the frozen MDS's port"
sigterm_within "CS on host3 (frozen MDS)" "$PID_cs3" $LIMIT_MS
