#!/usr/bin/env bash
# Two start-up faults around a daemon's ports, both seen in CI:
# (a) A daemon that cannot take one of its ports once its actor runs exits 1
#     at once and prints why. Before the fix (bounded_stop.hpp
#     stop_after_error) pstorage-mdsd with its HTTP status port taken hung
#     for ever in caf::actor_system's destructor, printed nothing, and
#     ignored SIGTERM; pstorage-csd with its -a port taken did the same.
# (b) An MDS address whose HTTP status port (PORT+2) has just served
#     requests can be given to a new MDS at once. Before the fix
#     (http_status.cpp: SO_REUSEADDR, not cpp-httplib's SO_REUSEPORT) the
#     TIME_WAIT sockets the old server left made `make-mds -a` refuse the
#     address for 60 s ("port PORT+2 ... is in use"): CI run of 77d8d88,
#     mount_sigterm_no_quorum, "join of MDS#2: port 25452 ... in use".
source "$(dirname "$0")/lib.sh"
for t in jq python3 curl; do command -v $t >/dev/null || skip "daemon_start_errors: needs $t"; done

C=starterr
echo "starterr-pw" > "$T/pw"
ps() { timeout 30 "$BIN/pstorage" --config-dir "$T/host$1" -c "$C" "${@:2}"; }
BASE=$(reserve_ports 3)
PORT=$BASE; MDS=127.0.0.1:$PORT
# busy PORT: a listener of another program on 127.0.0.1:PORT; sets BUSY_PID.
busy() {
  python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$1)); s.listen(); time.sleep(120)" &
  BUSY_PID=$!; PIDS+=($BUSY_PID)
  wait_until 5 bash -c "ss -ltnH '( sport = :$1 )' | grep -q ." || fail "the test's listener on $1 did not start"
}
# exits_1_saying NAME PID TEXT: the daemon exits with status 1 within 10 s
# and its output names TEXT.
exits_1_saying() {
  local n=$1 p=$2 text=$3 rc=0
  if ! wait_until 10 gone "$p"; then
    stacks "$p"; kill -9 "$p"; fail "$n still running 10 s after a start-up error (it hangs)"
  fi
  wait "$p" || rc=$?
  [ "$rc" = 1 ] || fail "$n exited $rc, not 1: $(tail -3 "$T/$n.out")"
  grep -q "$text" "$T/$n.out" || fail "$n did not say '$text': $(tail -3 "$T/$n.out")"
  pass "$n exited 1 at once: $(grep -m1 "$text" "$T/$n.out" | sed 's/.*\(error\|mdsd\|csd\): //')"
}

# --- (a) the MDS's HTTP status port taken --------------------------------------
ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" --chunk-size 1M >/dev/null || fail "make-mds -I"
busy $((PORT + 2))
start mds_busy "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
exits_1_saying mds_busy "$PID_mds_busy" "cannot bind the HTTP status port 127.0.0.1:$((PORT + 2))"
kill "$BUSY_PID"; wait "$BUSY_PID" 2>/dev/null || true

# --- (a) the CS's port taken ------------------------------------------------------
start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
mds_http_up "$PID_mds"
ps 1 make-cs -r "$T/cs1" >/dev/null || fail "make-cs"
busy $((PORT + 5))
start cs_busy "$BIN/pstorage-csd" --config-dir "$T/host1" -r "$T/cs1" -a "127.0.0.1:$((PORT + 5))"
exits_1_saying cs_busy "$PID_cs_busy" "cannot listen on 127.0.0.1:$((PORT + 5))"
kill "$BUSY_PID"; wait "$BUSY_PID" 2>/dev/null || true

# --- (b) an address whose HTTP port just served, given to a new MDS -------------
# A first cluster's MDS at BASE+10 serves its status to clients that ask
# the server to close (as Prometheus and curl -H 'Connection: close' do),
# then stops: its side of each connection is in TIME_WAIT for 60 s.
OLD=127.0.0.1:$((BASE + 10))
"$BIN/pstorage" --config-dir "$T/old" -c old make-mds -I -a "$OLD" -r "$T/oldmds" --password-file "$T/pw" >/dev/null \
  || fail "make-mds -I of the old cluster"
start oldmds "$BIN/pstorage-mdsd" --config-dir "$T/old" -r "$T/oldmds"
mds_http_up "$PID_oldmds" $((BASE + 10))
for _ in 1 2 3; do
  curl -sf -o /dev/null -H 'Connection: close' "http://127.0.0.1:$((BASE + 12))/status" || fail "status of the old MDS"
done
sigterm_within oldmds "$PID_oldmds" 2000
ss -tanH state time-wait "( sport = :$((BASE + 12)) )" | grep -q . \
  || skip_part "(b): no TIME_WAIT left on the old HTTP port here (the check could not fail)"
# The running cluster takes that address for its second MDS.
out=$(ps 1 make-mds -a "$OLD" -r "$T/mds2" -b "$MDS" 2>&1) || fail "join at an address whose HTTP port just served: $out"
pass "MDS#2 joined at $OLD while its HTTP port had TIME_WAIT sockets"
