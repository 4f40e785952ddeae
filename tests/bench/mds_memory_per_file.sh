#!/usr/bin/env bash
# tests/bench/mds_memory_per_file.sh — the MDS's resident memory per live
# file created through a mount (docs/soak.md "MDS memory"). 1 MDS, 3 CSs,
# one mount; ROUNDS rounds of FILES creates of 100-byte files (one chunk
# each) into a new directory, kept; prints the MDS's VmRSS and anonymous
# memory after each round and the growth per file. The scale harness
# (docs/scale.md) fills md.db directly and measures 42 B per chunk at rest;
# this measures what the client path leaves in the MDS.
#   PSTORAGE_BIN=build/bin tests/bench/mds_memory_per_file.sh   (root, /dev/fuse)
# FILES (default 4000), ROUNDS (default 3).
source "$(dirname "$0")/../integration/lib.sh"
require_fuse mds_memory_per_file python3
FILES=${FILES:-4000}; ROUNDS=${ROUNDS:-3}
C=memfile; echo memfile-pw > "$T/pw"
ps() { timeout 30 "$BIN/pstorage" --config-dir "$T/host$1" -c "$C" "${@:2}"; }
PORT=$(free_port); MDS=127.0.0.1:$PORT
start_mds 1M
for h in 1 2 3; do [ $h = 1 ] || join_host $h; start_cs $h; done
wait_until 30 active 3 || fail "3 CSs not active"
mount_fuse m 1
rss() { awk '/^VmRSS/ {print $2}' "/proc/$PID_mds/status"; }
anon() { awk '/^Anonymous/ {print $2}' "/proc/$PID_mds/smaps_rollup"; }
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
  sleep 5
  r=$(rss); a=$(anon); n=$((round * FILES))
  echo "$n live files: VmRSS $r KiB, anonymous $a KiB, growth $(( (r - r0) * 1024 / n )) B per file"
done
