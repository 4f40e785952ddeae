#!/usr/bin/env bash
# tests/bench/mds_memory_per_file.sh — the MDS's resident memory per live
# file created through a mount (docs/soak.md "MDS memory"). 1 MDS, 3 CSs,
# one mount; ROUNDS rounds of FILES creates of 100-byte files (one chunk
# each) into a new directory, kept; prints the MDS's VmRSS and anonymous
# memory after each round and the growth per file. The scale harness
# (docs/scale.md) fills md.db directly and measures 42 B per chunk at rest;
# this measures what the client path leaves in the MDS.
#   PSTORAGE_BIN=build/bin tests/bench/mds_memory_per_file.sh   (root, /dev/fuse)
# FILES (default 4000), ROUNDS (default 4). Memory after a round is the
# smallest of 10 samples 0.5 s apart (the repair pass's working set comes
# and goes every tick). Fails when the anonymous memory after the last round
# grew by more than MAX_B (default 1536) bytes per live file: what stays is
# bounded (SQLite's page caches, the journal's in-memory entries up to its
# compaction point) and the repair pass's freed working set is given back
# (actors/mds/heap_trim.hpp); before that fix it was ~3.7 KiB per file.
source "$(dirname "$0")/../integration/lib.sh"
require_fuse mds_memory_per_file python3
FILES=${FILES:-4000}; ROUNDS=${ROUNDS:-4}; MAX_B=${MAX_B:-1536}
C=memfile; echo memfile-pw > "$T/pw"
ps() { timeout 30 "$BIN/pstorage" --config-dir "$T/host$1" -c "$C" "${@:2}"; }
PORT=$(free_port); MDS=127.0.0.1:$PORT
start_mds 1M
for h in 1 2 3; do [ $h = 1 ] || join_host $h; start_cs $h; done
wait_until 30 active 3 || fail "3 CSs not active"
mount_fuse m 1
rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID_mds/status"; }
anon() { awk '/^Anonymous/ {print $2}' "/proc/$PID_mds/smaps_rollup"; }
# min_of FN: the smallest of 10 samples of FN, 0.5 s apart.
min_of() { local m= v; for _ in $(seq 10); do v=$($1); [ -n "$m" ] && [ "$m" -le "$v" ] || m=$v; sleep 0.5; done; echo "$m"; }
r0=$(rss); a0=$(anon)
echo "start: VmRSS $r0 KiB, anonymous $a0 KiB"
for ((round = 1; round <= ROUNDS; round++)); do
  python3 - "$T/m/d$round" "$FILES" <<'PY'
import os, sys
d = sys.argv[1]; os.makedirs(d)
for i in range(int(sys.argv[2])):
    with open(os.path.join(d, f"f{i}"), "w") as f:
        f.write("x" * 100)
PY
  sleep 2
  r=$(min_of rss); a=$(min_of anon); n=$((round * FILES))
  per=$(( (a - a0) * 1024 / n ))
  echo "$n live files: VmRSS $r KiB, anonymous $a KiB, growth $(( (r - r0) * 1024 / n )) B per file" \
       "(anonymous $per B per file; this round $(( (a - ${a_prev:-$a0}) * 1024 / FILES )))"
  a_prev=$a
done
[ "$per" -le "$MAX_B" ] || fail "$n live files cost $per B each (anonymous), more than $MAX_B"
pass "$n live files cost $per B each (anonymous; bound $MAX_B)"
