#!/usr/bin/env bash
# The clients table (issue 16; guide "Monitoring Clients"; docs/monitoring.md
# "Clients"): 1 MDS + 2 CSs on loopback, two FUSE mounts. One mount writes
# with fsyncs (fio), the other reads a file over and over (each open drops
# the page cache, so the reads reach the mount). Each mount measures its
# own figures and sends them with its Watch: stat --json lists both mounts
# with non-zero write ops, fsyncs, write bytes and IOLAT on the writer, read
# ops and bytes on the reader, LEASES > 0 on both; `stat` and `top` print the
# CLID table. After the load stops, the rates fall to zero once the 20 s
# window has passed. Needs root, /dev/fuse and fio.
source "$(dirname "$0")/lib.sh"
require_fuse clients_stat fio

C=clients
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "clients-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }

start_mds 1M
join_host 2
start_cs 1
start_cs 2
wait_until 30 active 2 || fail "2 CSs not active: $(ps 1 stat 2>&1)"
mount_fuse w 1
mount_fuse r 2
head -c $((4 << 20)) /dev/urandom > "$T/r/data"
sync -f "$T/r/data" 2>/dev/null || true
pass "cluster up, mounts w (host1) and r (host2)"

fio --name=cl --filename="$T/w/fio.dat" --rw=randwrite --bs=64k --size=16M --time_based --runtime=40 \
  --fsync=4 --ioengine=psync --thread --output="$T/fio.txt" >"$T/fio.out" 2>&1 &
FIO=$!; PIDS+=($FIO)
( for _ in $(seq 4000); do cat "$T/r/data" > /dev/null || exit 1; sleep 0.05; done ) &
READER=$!; PIDS+=($READER)

# busy: both mounts listed with their figures (each sends them with its Watch, every <= 5 s).
busy() {
  stat_json > "$T/stat.json" || return 1
  jq -e '
    (.clients | length) == 2 and
    any(.clients[]; .io.write_ops_per_s > 0 and .io.fsyncs_per_s > 0 and .io.write_bytes_per_s > 0
                    and .io.latency_max_ms > 0 and .io.open_files > 0) and
    any(.clients[]; .io.read_ops_per_s > 0 and .io.read_bytes_per_s > 0 and .io.open_files > 0)' "$T/stat.json"
}
wait_until 30 busy || fail "stat --json lacks the mounts' figures: $(jq -c .clients "$T/stat.json")"
jq -c '.clients[] | {id, host, io}' "$T/stat.json"
hosts=$(jq -r '[.clients[].host] | unique | length' "$T/stat.json")
[ "$hosts" -ge 1 ] || fail "no HOST"
pass "stat --json: the writer's WR_OPS, WRITE, FSYNCS, IOLAT and the reader's RD_OPS, READ, LEASES are non-zero"

ps 1 stat > "$T/stat.txt" || fail "stat"
grep -q "^CLID LEASES" "$T/stat.txt" || fail "stat prints no clients table: $(cat "$T/stat.txt")"
[ "$(awk '/^CLID LEASES/ {on = 1; next} on && NF {n++} END {print n + 0}' "$T/stat.txt")" = 2 ] \
  || fail "stat's clients table lacks a mount: $(cat "$T/stat.txt")"
ps 1 top > "$T/top.txt" || fail "top (piped)"
grep -q "^CLID LEASES" "$T/top.txt" || fail "top prints no clients table: $(cat "$T/top.txt")"
pass "stat and top print the CLID table with both mounts"

kill "$READER" 2>/dev/null || true
wait "$FIO" || fail "fio failed: $(tail -5 "$T/fio.out")"
idle() {
  stat_json > "$T/stat.json" || return 1
  jq -e 'all(.clients[]; .io.write_ops_per_s == 0 and .io.read_ops_per_s == 0 and .io.fsyncs_per_s == 0)' "$T/stat.json"
}
wait_until 40 idle || fail "figures did not fall to zero 20 s after the load stopped: $(jq -c .clients "$T/stat.json")"
pass "20 s after the load stopped every mount's rates are zero again"
