#!/usr/bin/env bash
# tests/bench/scale.sh — the MDS at cluster scale (issue 15; docs/scale.md).
# Not a ctest test (the CI-sized run is ctest scale/ci).
#
#   tests/bench/scale.sh [--css N] [--chunks M] [--replay N] [--dir D] [--keep]
#
# Defaults: 1 000 CSs, 10 000 000 chunks of 64 MiB (~640 TB logical, 3
# replicas). Runs build/bin/pstorage-scale (build it first:
# cmake --build build --target pstorage-scale), which fills md.db directly
# through the persistence layer in a forked child, then runs the production
# MDS actor on CAF's test coordinator over it: start-up from the on-disk
# store, the registration storm of every CS, one CS lost, a host of 12 CSs
# lost, a rack of 48 lost, and the journal replay. One line per figure
# ("figure NAME VALUE UNIT goal [MET|MISSED]"); the whole output is also
# written to scale-<date>.txt in the current directory unless --out is given.
# Needs ~6 GB free under /tmp (or --dir) and a few GB of RAM; about 20 min.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${PSTORAGE_SCALE_BIN:-$ROOT/build/bin/pstorage-scale}
OUT=scale-$(date -u +%Y%m%dT%H%M%SZ).txt
ARGS=(--css 1000 --chunks 10000000)
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --css|--chunks|--replay|--dir) ARGS+=("$1" "$2"); shift 2 ;;
    --keep) ARGS+=("$1"); shift ;;
    *) echo "usage: $0 [--css N] [--chunks M] [--replay N] [--dir D] [--keep] [--out FILE]" >&2; exit 2 ;;
  esac
done
if [ ! -x "$BIN" ]; then
  echo "no $BIN: cmake --build build --target pstorage-scale" >&2
  exit 2
fi
echo "== $(date -u) $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT"
/usr/bin/time -v "$BIN" "${ARGS[@]}" 2>&1 | tee -a "$OUT" | grep -E "^(figure|pstorage-scale|lose|goal|note)|Maximum resident|Elapsed|User time|System time"
