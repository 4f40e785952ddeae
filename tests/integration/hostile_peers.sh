#!/usr/bin/env bash
# Hostile peers against a real cluster (issue 14 "Bad input and hostile
# peers"; docs/security.md): 1 MDS + 2 CS on loopback, replicas=2:1, a victim
# file written through an honest mount, and a verifying fio loop on that
# mount that must carry on without error while:
#   1. a peer that is not the master MDS (tests/tools/hostile_peer.cpp, its
#      own CAF node) orders a CS to delete, version-change, create and
#      replicate chunks, with the current epoch and with epoch 2^64-1: each
#      refused (statusAuthFailed) with a logged reason; the victim's replicas
#      keep their ids and versions, and the real master's orders still pass
#      afterwards (the CS's epoch was not raised by the stranger);
#   2. the same peer sends the CS its daemon-only start message (a new
#      address to advertise): refused, the MDS still lists the old address;
#   3. raw TCP clients send garbage to the CS's port and the MDS's two ports:
#      each connection is closed, every daemon stays up;
#   4. half-open and slowloris connections to the CS: closed with a logged
#      reason by pstorage-csd's connection guard (CAF 0.17 keeps them);
#   5. an exit message with reason kill (CAF 0.17 delivers it from any peer;
#      nothing can refuse it): the CS daemon exits with a logged reason
#      instead of lingering; the mount goes on with the other replica.
# Then the victim file still reads back bit for bit.
# Without the CS's authorisation (actors/cs/peer_authority) part 1 fails: the
# stranger's delete removes the replica and its epoch 2^64-1 is remembered.
# Needs root, /dev/fuse, fio, sqlite3, jq.
source "$(dirname "$0")/lib.sh"

require_fuse hostile_peers fio sqlite3 jq
TO() { timeout 60 "$@"; }  # every operation on the mount is bounded
HP="$BIN/pstorage-hostile-peer"
[ -x "$HP" ] || fail "missing $HP (build target pstorage-hostile-peer)"

C=hostile
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
csq() { local h=$1; shift; sqlite3 -readonly -cmd '.timeout 5000' "$T/cs$h/chunks.db" "$@"; }
# The stranger is a cluster member (host2's certificate) that is not the
# master: TLS lets it in, the CS's authorisation must refuse its orders.
hp() { PSTORAGE_CONFIG_DIR="$T/host2" PSTORAGE_CLUSTER=$C timeout 30 "$HP" "$@"; }

# --- cluster ---------------------------------------------------------------------------------
start_mds 1M
join_host 2
for h in 1 2; do start_cs $h; done
wait_until 20 active 2 || fail "2 CS did not become active"
STAT=$(ps 1 stat --json)
CSID_1=$(jq -r --arg hid "$(cat "$T/host1/host_id")" '.cs[] | select(.host_id == $hid) | .id' <<<"$STAT")
CS1=$(jq -r --arg id "$CSID_1" '.cs[] | select(.id == ($id | tonumber)) | .address' <<<"$STAT")
[ -n "$CSID_1" ] && [ -n "$CS1" ] || fail "no CS#/address for host1: $STAT"
mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2:1 || fail "set-attr replicas=2:1"  # writes go on with one CS left
head -c $((3 * 1024 * 1024)) /dev/urandom > "$T/victim.src"
TO cp "$T/victim.src" "$T/m1/victim" && TO sync "$T/m1/victim" || fail "write victim"
VICTIM_INO=$(mdq "SELECT ino FROM md_dentries WHERE parent = 1 AND name = 'victim'")
VCHUNK=$(mdq "SELECT id FROM md_chunks WHERE ino = $VICTIM_INO ORDER BY id LIMIT 1")
[ -n "$VCHUNK" ] || fail "victim has no chunk"
VVER=$(csq 1 "SELECT version FROM chunks WHERE id = $VCHUNK")
[ -n "$VVER" ] || fail "CS#$CSID_1 holds no replica of chunk $VCHUNK"
# the master epoch CS#1 has seen (cs.db), the one a stranger would copy
EPOCH=$(sqlite3 -readonly -cmd '.timeout 5000' "$T/cs1/cs.db" "SELECT value FROM meta WHERE key = 'master_epoch'")
[ -n "$EPOCH" ] || fail "CS#$CSID_1 has recorded no master epoch"
VCHUNKS=$(mdq "SELECT group_concat(id) FROM md_chunks WHERE ino = $VICTIM_INO")
victim_replicas() { csq 1 "SELECT id || ':' || version FROM chunks WHERE id IN ($VCHUNKS) ORDER BY id"; }
BEFORE=$(victim_replicas)
[ "$(wc -l <<<"$BEFORE")" = 3 ] || fail "CS#$CSID_1 does not hold the victim's 3 chunks: $BEFORE"
pass "cluster up: 1 MDS, 2 CS (CS#$CSID_1 at $CS1), victim chunk $VCHUNK at version $VVER on both"

# --- the honest workload: verifying fio in a loop until told to stop -------------------------
honest() {
  local i
  for i in $(seq 200); do
    [ -e "$T/stop-honest" ] && { echo "$((i - 1)) runs"; return 0; }
    echo "$((i - 1))" > "$T/honest.count"  # runs completed
    TO fio --name=honest --filename="$T/m1/honest.dat" --rw=randwrite --bs=64k --size=4M \
      --ioengine=psync --verify=crc32c --do_verify=1 --verify_fatal=1 --randseed=$i \
      --output="$T/fio-honest-$i.out" >/dev/null 2>&1 || { echo "run $i failed"; return 1; }
  done
  echo "200 runs (not stopped)"; return 1
}
( honest > "$T/honest.result" 2>&1; echo $? > "$T/honest.rc" ) &
HONEST=$!
PIDS+=("$HONEST")  # stopped by lib.sh's cleanup if the test fails (its fio is bounded by TO)
wait_until 30 test -s "$T/fio-honest-1.out" || fail "the honest fio did not start"

# --- 1. orders from a peer that is not the master --------------------------------------------
refused() {  # refused WHAT OUTPUT: the CS answered statusAuthFailed (2)
  grep -q "^status 2 .*refuses" <<<"$2" || fail "$1 was not refused: $2"
}
BIG=18446744073709551615
for e in "$EPOCH" "$BIG"; do
  refused "delete (epoch $e)" "$(hp "$CS1" delete "$VCHUNK" "$e")"
  refused "set-version (epoch $e)" "$(hp "$CS1" set-version "$VCHUNK" "$VVER" $((VVER + 5)) "$e")"
  refused "create (epoch $e)" "$(hp "$CS1" create 999999 1 "$e")"
  refused "replicate (epoch $e)" "$(hp "$CS1" replicate "$VCHUNK" "$VVER" "127.0.0.1:1" "$e")"
done
[ "$(victim_replicas)" = "$BEFORE" ] || fail "the victim's replicas changed: before [$BEFORE] after [$(victim_replicas)]"
[ "$(csq 1 "SELECT count(*) FROM chunks WHERE id = 999999")" = 0 ] || fail "the stranger created chunk 999999"
[ "$(sqlite3 -readonly -cmd '.timeout 5000' "$T/cs1/cs.db" "SELECT value FROM meta WHERE key = 'master_epoch'")" = "$EPOCH" ] \
  || fail "the stranger raised the CS's master epoch"
grep -q "refused: CS#$CSID_1 refuses MdsToCsDeleteChunk from node .*: only the master MDS" "$T/cs1/logs/csd.log" \
  || fail "no logged reason for the refused delete: $(grep -m3 refus "$T/cs1/logs/csd.log")"
# The real master still gives orders: a new file's chunks are created on CS#1
# (an epoch raised by the stranger would make the CS refuse them as stale).
TO cp "$T/victim.src" "$T/m1/after" && TO sync "$T/m1/after" || fail "write after the attacks"
AFTER_INO=$(mdq "SELECT ino FROM md_dentries WHERE parent = 1 AND name = 'after'")
[ "$(mdq "SELECT count(*) FROM md_replicas r JOIN md_chunks c ON c.id = r.chunk WHERE c.ino = $AFTER_INO AND r.cs = $CSID_1")" = 3 ] \
  || fail "the master's create orders did not reach CS#$CSID_1 after the attacks"
pass "1. delete, set-version, create, replicate from a stranger (epoch $EPOCH and 2^64-1): refused with a logged reason; replicas unchanged; the master's orders still pass"

# --- 2. the daemon-only start message from a peer ----------------------------------------------
out=$(hp "$CS1" start "127.0.0.1:9")
grep -q "^ping: status 0" <<<"$out" || fail "CS gone after a foreign start: $out"
grep -q "refuses start from node" "$T/cs1/logs/csd.log" || fail "no logged reason for the foreign start"
[ "$(ps 1 stat --json | jq -r --arg id "$CSID_1" '.cs[] | select(.id == ($id | tonumber)) | .address')" = "$CS1" ] \
  || fail "the CS's address changed after a foreign start"
pass "2. start from a stranger refused with a logged reason; the CS keeps its address"

# --- 3. garbage to every CAF port ----------------------------------------------------------------
for target in "$CS1" "127.0.0.1:$PORT" "127.0.0.1:$((PORT + 1))"; do
  out=$(hp "$target" garbage 10)
  grep -q "^closed after" <<<"$out" || fail "garbage to $target: connection not closed ($out)"
done
kill -0 "$PID_mds" && kill -0 "$PID_cs1" && kill -0 "$PID_cs2" || fail "a daemon died of garbage"
pass "3. garbage to the CS and both MDS ports: connections closed, daemons up"

# --- 4. half-open and slow connections to the CS ---------------------------------------------
# CAF 0.17 keeps them forever; pstorage-csd's connection guard
# (frontends/csd/connection_rules.hpp) closes a connection that has not
# delivered one 32-byte BASP header within 10 s.
hp "$CS1" half-open 30 > "$T/half-open.out" 2>&1 &
HALF=$!
out=$(hp "$CS1" slowloris 30 || true)
grep -q "^closed after" <<<"$out" || fail "slowloris connection to the CS not closed: $out"
wait "$HALF" || true
grep -q "^closed after" "$T/half-open.out" || fail "half-open connection to the CS not closed: $(cat "$T/half-open.out")"
grep -q "closing connection from 127.0.0.1:[0-9]*: no complete message header within 10 s (0 bytes received)" \
  "$T/cs1/logs/csd.log" || fail "no logged reason for the half-open connection: $(grep -m3 closing "$T/cs1/logs/csd.log")"
# With TLS (the default since 847ce2a) the slowloris's bytes are no TLS
# record: the handshake fails at its 5th byte and CAF closes the connection
# at once, before the guard's 10 s and without a log line (docs/security.md);
# the guard still closes the half-open one, which sends nothing.
n=$(grep -c "closing connection from" "$T/cs1/logs/csd.log")
[ "$n" = 1 ] || fail "the guard closed $n connections, not just the half-open one: $(grep closing "$T/cs1/logs/csd.log")"
ms=${out#closed after }; ms=${ms% ms}
[ "$ms" -lt 20000 ] || fail "slowloris closed only after $ms ms"
pass "4. half-open connection closed by the guard with a logged reason; slowloris closed by the TLS handshake after ${ms} ms"

# --- 5. an exit message (reason kill) from a peer ------------------------------------------------
out=$(hp "$CS1" kill || true)  # exit 2: the ping after it gets no answer
grep -q "^ping: no answer" <<<"$out" || fail "the CS still answers after a kill: $out"
wait_until 15 gone "$PID_cs1" || fail "the CS daemon lingers after its actor was killed"
grep -q "the chunk server actor stopped" "$T/cs1/logs/csd.log" || fail "no logged reason for the exit"
pass "5. exit message from a stranger: the CS daemon exits with a logged reason"

# --- the honest workload carried on; the victim is intact -----------------------------------------
# two more whole runs against the surviving CS alone
N=$(cat "$T/honest.count")
runs_past() { [ "$(cat "$T/honest.count")" -ge "$1" ] || [ -s "$T/honest.rc" ]; }
wait_until 90 runs_past $((N + 2)) || fail "the honest fio made no progress after the CS exited"
touch "$T/stop-honest"
wait_until 120 test -s "$T/honest.rc" || fail "the honest fio loop did not stop"
wait "$HONEST" || true
[ "$(cat "$T/honest.rc")" = 0 ] || fail "the honest fio failed: $(cat "$T/honest.result"); $(grep -il 'verify\|error' "$T"/fio-honest-*.out | head -3)"
TO cmp "$T/victim.src" "$T/m1/victim" || fail "the victim file differs"
pass "the verifying fio carried on ($(cat "$T/honest.result")); the victim reads back intact"
