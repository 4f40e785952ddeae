#!/usr/bin/env bash
# tests/bench/meta_profile.sh — where a pstorage create goes with 1 or 3 MDSs.
# Not a ctest test; a diagnostic next to meta_bench.sh.
#
#   tests/bench/meta_profile.sh [--mds N] [--files N] [--window S]
#
# Starts a private pstorage (lib/pstorage.sh, PST_MDS=N MDSs, 3 CS), mounts
# it and runs lib/meta_bench.py on --files files (default 4000). During the
# create phase it measures two windows of --window seconds (default 3):
#   1. untraced: journal entries committed per second (commit_index of
#      `pstorage stat --json`; one entry per create) = creates/s;
#   2. traced: `strace -c -f -p PID` on every MDS at once, and the entries
#      committed meanwhile; prints per MDS (master first) the fsync/fdatasync
#      calls per committed entry and their mean time, plus the syscalls that
#      took most time. strace slows the MDSs: use the counts per entry, not
#      the rate, from the traced window.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/common.sh"
source "$HERE/lib/pstorage.sh"

NMDS=3 NFILES=4000 WIN=3
while [ $# -gt 0 ]; do
  case $1 in
    --mds) NMDS=$2; shift 2 ;;
    --files) NFILES=$2; shift 2 ;;
    --window) WIN=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
have strace || die "strace is needed"
export PST_MDS=$NMDS
BENCH_EXIT_HOOKS+=(pst_stop)
pst_start 3
pst_mount
commit() { pst_cli stat --json | jq '.commit_index'; }
now() { date +%s.%N; }

mkdir -p "$PST_MNT/bench"
bench_start "$PST_DIR/meta.out" python3 "$HERE/lib/meta_bench.py" "$PST_MNT/bench" "$NFILES"
META_PID=$BENCH_LAST_PID
sleep 1

# CPU time (user+system, clock ticks) of a process and all its threads
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# 1. untraced window: entries/s and CPU ms per entry of each MDS and the mount
CPU_PIDS=("${PST_MDS_PIDS[@]}" "$PST_MOUNT_PID"); declare -A cpu0
for p in "${CPU_PIDS[@]}"; do cpu0[$p]=$(cpu_ticks "$p"); done
c0=$(commit); t0=$(now); sleep "$WIN"; c1=$(commit); t1=$(now)
rate=$(jq -n "($c1 - $c0) / ($t1 - $t0)")
HZ=$(getconf CLK_TCK)
CPU_LINE=""
for p in "${CPU_PIDS[@]}"; do
  name=mds; [ "$p" = "$PST_MOUNT_PID" ] && name=mount
  CPU_LINE+=$(jq -nr "\"  $name pid $p: \" + ((($(cpu_ticks "$p") - ${cpu0[$p]}) * 1000 / $HZ / ($c1 - $c0)) * 100 | round / 100 | tostring) + \" ms\"")
done

# 2. traced window: every MDS at once, master first
MASTER=$(pst_master_pid)
PIDS=("$MASTER"); for p in "${PST_MDS_PIDS[@]}"; do [ "$p" = "$MASTER" ] || PIDS+=("$p"); done
STR=()
c2=$(commit); t2=$(now)
for p in "${PIDS[@]}"; do
  strace -c -f -o "$PST_DIR/strace.$p" -p "$p" 2>/dev/null &
  STR+=($!)
done
sleep "$WIN"
for s in "${STR[@]}"; do kill -INT "$s" 2>/dev/null || true; done
for s in "${STR[@]}"; do wait "$s" 2>/dev/null || true; done
c3=$(commit); t3=$(now)
traced=$((c3 - c2))

wait_until 600 bash -c "! kill -0 $META_PID" || log "meta_bench.py still running after 600 s"
log "meta_bench.py (perturbed by the traced window): $(cat "$PST_DIR/meta.out")"

echo
echo "== $NMDS MDS, $NFILES files; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'untraced: %.1f journal entries/s (= creates/s) -> %.2f ms per create\n' "$rate" "$(jq -n "1000 / $rate")"
echo "CPU per entry (untraced):$CPU_LINE"
printf 'traced:   %d entries committed in %.1f s under strace\n' "$traced" "$(jq -n "$t3 - $t2")"
role=master
for p in "${PIDS[@]}"; do
  f="$PST_DIR/strace.$p"
  awk -v role="$role" -v pid="$p" -v n="$traced" '
    $NF == "fsync" || $NF == "fdatasync" { calls += $4; us += $2 * 1e6 }
    END { printf "%-8s pid %-7s fsync+fdatasync: %d calls = %.2f per entry, mean %.0f us (under strace)\n",
          role, pid, calls, (n > 0 ? calls / n : 0), (calls > 0 ? us / calls : 0) }' "$f"
  echo "  top syscalls by time:"
  awk 'NR > 2 && $1 ~ /^[0-9.]+$/ && $NF != "total" { printf "    %-16s %8s calls %8s us/call %6s%%\n", $NF, $4, $3, $1 }' "$f" | head -n 6
  role=follower
done
