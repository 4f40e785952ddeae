#!/usr/bin/env bash
# pstorage-mdsd exits within 2 s of SIGTERM (issue 15), also when a peer MDS
# is frozen: 3 MDSs + 3 CSs on loopback. (a) A follower, then the master
# (which has a follower left), are stopped with SIGTERM. (b) After a restart
# of all three, one follower is replaced by a silent listener on its ports
# (accepts TCP, never answers: a frozen MDS, SIGSTOP or a paused VM); once
# the master has connected to it (its election connect helper then waits in
# CAF's handshake), SIGTERM to the master and to the other follower.
# Before the fix (frontends/common/bounded_stop.hpp) the master of (b) was
# still running 10 s after SIGTERM. Every exit is timed from the signal to
# the process being gone (polled every 20 ms).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
for t in jq python3; do command -v $t >/dev/null || skip "mdsd_sigterm: needs $t"; done

C=sigterm
echo "sigterm-pw" > "$T/pw"
LIMIT_MS=2000

# term_within K: SIGTERM to MDS#K; fails unless it is gone within LIMIT_MS.
term_within() {
  local k=$1 p=${MPID[$1]}
  sigterm_within "MDS#$k" "$p" $LIMIT_MS
  drop_pid "$p"; MPID[$k]=0
}

make_cluster 3
wait_for 60 all_caught_up || fail "not every MDS avail with LAG 0: $(psq 1 stat 2>&1)"
m=$(master_id)
f=(); for k in 1 2 3; do [ "$k" != "$m" ] && f+=("$k"); done
# --- (a) a follower, then the master ------------------------------------------
term_within "${f[0]}"
term_within "$m"
term_within "${f[1]}"

# --- (b) a frozen peer ----------------------------------------------------------
for k in 1 2 3; do mds_run "$k"; done
wait_for 60 all_caught_up || fail "not every MDS avail with LAG 0 after the restart: $(psq 1 stat 2>&1)"
m=$(master_id)
f=(); for k in 1 2 3; do [ "$k" != "$m" ] && f+=("$k"); done
frozen=${f[0]}
mds_kill9 "$frozen"
port=$((BASE + 10 * (frozen - 1)))
# Accepts on the frozen MDS's ports (PORT, PORT+1), never reads or writes;
# counts the connections it accepted in $T/silent.count.
python3 -c '
import socket, sys, select
ports = [int(sys.argv[1]), int(sys.argv[1]) + 1]
ls = []
for p in ports:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p)); s.listen(64); ls.append(s)
held = []
while True:
    r, _, _ = select.select(ls, [], [], 1.0)
    for s in r:
        held.append(s.accept()[0])
        open(sys.argv[2], "w").write(str(len(held)))
' "$port" "$T/silent.count" >"$T/silent.out" 2>&1 &
PIDS+=($!)
accepted() { [ "$(cat "$T/silent.count" 2>/dev/null || echo 0)" -ge 1 ]; }
wait_for 30 accepted || fail "no MDS connected to the silent listener of MDS#$frozen within 30 s"
pass "MDS#$frozen replaced by a silent listener; $(cat "$T/silent.count") connection(s) waiting on it"
term_within "$m"
term_within "${f[1]}"
