#!/usr/bin/env bash
# tests/bench/meta_bench.sh — metadata ops/s (create, stat, unlink) of
# pstorage with 1 MDS, pstorage with 3 MDSs (Raft-replicated journal) and
# MooseFS, in one run, RUNS times. Not a ctest test: it prints figures.
#
#   tests/bench/meta_bench.sh [--runs N] [--threads T] [--dirs shared|per-thread] [--json FILE]
#
# Each run is `fs_bench.sh --meta-only --systems pstorage,pstorage-3mds,moosefs`
# (each system its own private cluster, 3 storage servers, 3 replicas, started
# and stopped in turn; BENCH_NFILES empty files, one thread, lib/meta_bench.py);
# the order of the systems rotates from run to run so a load change on the
# machine does not always hit the same one. The load average is recorded before
# and after each run. At the end: every run's figures, the median per system,
# and per run the ratios 3 MDS / 1 MDS, 3 MDS / MooseFS, 1 MDS / MooseFS.
# --threads T: T threads share each phase (BENCH_META_THREADS, default 1);
# --dirs per-thread: each thread in its own directory (BENCH_META_DIRS; one
# directory serialises creates in the kernel, so only per-thread directories
# put several creates in flight: what group commit is for).
# Environment: as fs_bench.sh (BENCH_NFILES, default 10000; PSTORAGE_BIN).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/common.sh"

RUNS=3 JSON_OUT=''
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --threads) export BENCH_META_THREADS=$2; shift 2 ;;
    --dirs) export BENCH_META_DIRS=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]?$ ]] || die "--runs takes 1..99"
[[ ${BENCH_META_THREADS:-1} =~ ^[1-9][0-9]?$ ]] || die "--threads takes 1..99"
case ${BENCH_META_DIRS:-shared} in shared|per-thread) ;; *) die "--dirs takes shared or per-thread" ;; esac
have jq || die "jq is needed"

ORDER=(pstorage pstorage-3mds moosefs)
METRICS=(create_per_s stat_per_s unlink_per_s)
bench_tmpdir OUT meta-bench
for ((r = 1; r <= RUNS; r++)); do
  rot=$(( (r - 1) % 3 ))
  sys=$(IFS=,; s=("${ORDER[@]:$rot}" "${ORDER[@]:0:$rot}"); echo "${s[*]}")
  l0=$(cut -d' ' -f1-3 /proc/loadavg)
  log "run $r/$RUNS: $sys (load average $l0)"
  env -u PST_MDS "$HERE/fs_bench.sh" --meta-only --systems "$sys" --json "$OUT/run$r.json"
  l1=$(cut -d' ' -f1-3 /proc/loadavg)
  jq --arg l0 "$l0" --arg l1 "$l1" --arg order "$sys" --argjson run "$r" \
     '. + {run: $run, order: $order, loadavg_before: $l0, loadavg_after: $l1}' "$OUT/run$r.json" > "$OUT/run$r.x"
  mv "$OUT/run$r.x" "$OUT/run$r.json"
done

ALL=$(jq -s '.' "$OUT"/run*.json)
fmt='def r1: if type == "number" then (. * 10 | round / 10) else "n/a" end;
     def r2: if type == "number" then (. * 100 | round / 100) else "n/a" end;
     def v($s; $m): if .results[$s].status == "ok" then .results[$s][$m] else null end;
     def ratio($a; $b): if ($a|type) == "number" and ($b|type) == "number" and $b > 0 then $a / $b else null end;
     def median: map(select(type == "number")) | sort | if length == 0 then null
       elif length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;'

echo
echo "== metadata ops/s, $RUNS run(s), $(jq -r '.[0].params.files' <<<"$ALL") files each, ${BENCH_META_THREADS:-1} thread(s), directories ${BENCH_META_DIRS:-shared}"
printf '%-4s %-14s %10s %12s %10s %12s %12s %12s  %s\n' run metric "1 MDS" "3 MDS" MooseFS "3MDS/1MDS" "3MDS/MooseFS" "1MDS/MooseFS" "load before -> after"
for ((r = 0; r < RUNS; r++)); do
  for m in "${METRICS[@]}"; do
    jq -r --argjson r "$r" --arg m "$m" "$fmt"'
      .[$r] | [ (.run|tostring), $m,
        (v("pstorage"; $m) | r1 | tostring), (v("pstorage-3mds"; $m) | r1 | tostring), (v("moosefs"; $m) | r1 | tostring),
        (ratio(v("pstorage-3mds"; $m); v("pstorage"; $m)) | r2 | tostring),
        (ratio(v("pstorage-3mds"; $m); v("moosefs"; $m)) | r2 | tostring),
        (ratio(v("pstorage"; $m); v("moosefs"; $m)) | r2 | tostring),
        "\(.loadavg_before) -> \(.loadavg_after)" ] | @tsv' <<<"$ALL" \
      | awk -F'\t' '{printf "%-4s %-14s %10s %12s %10s %12s %12s %12s  %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}'
  done
done
for m in "${METRICS[@]}"; do
  jq -r --arg m "$m" "$fmt"'
    [ "med", $m,
      (map(v("pstorage"; $m)) | median | r1 | tostring), (map(v("pstorage-3mds"; $m)) | median | r1 | tostring),
      (map(v("moosefs"; $m)) | median | r1 | tostring),
      (map(ratio(v("pstorage-3mds"; $m); v("pstorage"; $m))) | median | r2 | tostring),
      (map(ratio(v("pstorage-3mds"; $m); v("moosefs"; $m))) | median | r2 | tostring),
      (map(ratio(v("pstorage"; $m); v("moosefs"; $m))) | median | r2 | tostring), "(medians)" ] | @tsv' <<<"$ALL" \
    | awk -F'\t' '{printf "%-4s %-14s %10s %12s %10s %12s %12s %12s  %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}'
done
jq -r '.[] | .run as $r | .results | to_entries[] | select(.value.status != "ok")
       | "run \($r): \(.key): \(.value.status): \(.value.reason)"' <<<"$ALL"
jq -r '.[] | "run \(.run): journal entries committed during the metadata phase: 1 MDS \(.results.pstorage.journal_entries // "n/a"), 3 MDS \(.results["pstorage-3mds"].journal_entries // "n/a")"' <<<"$ALL"
if [ -n "$JSON_OUT" ]; then
  jq -n --argjson runs "$ALL" '{benchmark: "meta_bench", runs: $runs}' > "$JSON_OUT"
  echo "JSON written to $JSON_OUT"
fi
exit 0
