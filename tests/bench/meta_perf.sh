#!/usr/bin/env bash
# tests/bench/meta_perf.sh — perf profile of one create, one stat and one
# unlink on pstorage (1 MDS by default, 3 CS, as fs_bench.sh makes it).
# Not a ctest test; a diagnostic next to meta_profile.sh.
#
#   tests/bench/meta_perf.sh [--files N] [--out DIR] [--call-graph fp|dwarf]
#
# Runs three phases in one thread (create O_CREAT|O_EXCL + close, stat,
# unlink of N files, default 2000), each under its own
# `perf record -g -p MDS,MOUNT` (cpu-clock). Prints per phase: the median
# and p90 latency of the operation, the CPU (utime+stime) the MDS and the
# mount spent per operation, and writes perf.PHASE.data and a
# report (perf report --no-children --sort dso,sym) per phase into --out
# (default a temp dir, kept). PST_MDS, PSTORAGE_BIN as lib/pstorage.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/common.sh"
source "$HERE/lib/pstorage.sh"

NFILES=2000 OUT='' CG=fp
while [ $# -gt 0 ]; do
  case $1 in
    --files) NFILES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --call-graph) CG=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
PERF=${PERF:-/usr/bin/perf}
[ -x "$PERF" ] || die "perf is needed ($PERF)"
[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/meta_perf.XXXXXX)
mkdir -p "$OUT"
export PST_MDS=${PST_MDS:-1}
BENCH_EXIT_HOOKS+=(pst_stop)
pst_start 3
pst_mount
MDS=$(pst_master_pid)
MNT_PID=$PST_MOUNT_PID
sleep 1  # the mount's first Watch answered: the directory is held from its mkdir
D="$PST_MNT/perf.$$"; mkdir -p "$D"
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One phase of the loop, per-op latencies in microseconds: median p90.
PY='
import os, sys, time
d, n, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = [os.path.join(d, "f%06d" % i) for i in range(n)]
fl = os.O_CREAT | os.O_EXCL | os.O_WRONLY
lat = []
for p in names:
    t = time.perf_counter_ns()
    if phase == "create": os.close(os.open(p, fl, 0o644))
    elif phase == "stat": os.stat(p)
    else: os.unlink(p)
    lat.append((time.perf_counter_ns() - t) / 1000)
lat.sort()
print("%d %d %.1f" % (lat[len(lat)//2], lat[len(lat)*9//10], sum(lat)/len(lat)))
'
cgopt=(-g); [ "$CG" = dwarf ] && cgopt=(--call-graph dwarf,16384)
for phase in create stat unlink; do
  "$PERF" record -e cpu-clock -F 2000 "${cgopt[@]}" -p "$MDS,$MNT_PID" -o "$OUT/perf.$phase.data" >"$OUT/perf.$phase.log" 2>&1 &
  PERF_PID=$!
  sleep 1
  m0=$(cpu_ticks "$MDS"); c0=$(cpu_ticks "$MNT_PID")
  lat=$(python3 -c "$PY" "$D" "$NFILES" "$phase")
  m1=$(cpu_ticks "$MDS"); c1=$(cpu_ticks "$MNT_PID")
  kill -INT "$PERF_PID"; wait "$PERF_PID" || true
  read -r med p90 mean <<<"$lat"
  printf '%-7s median %6s us  p90 %6s us  mean %8s us  cpu/op: mds %s us, mount %s us  (load %s)\n' \
    "$phase" "$med" "$p90" "$mean" \
    "$(( (m1 - m0) * 1000000 / HZ / NFILES ))" "$(( (c1 - c0) * 1000000 / HZ / NFILES ))" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.txt"
  "$PERF" report -i "$OUT/perf.$phase.data" --no-children --sort comm,dso,sym --stdio 2>/dev/null \
    | grep -v '^$' | head -400 > "$OUT/report.$phase.txt" || true
done
rmdir "$D" 2>/dev/null || true
log "profiles and reports in $OUT"
