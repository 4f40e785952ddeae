#!/usr/bin/env bash
# tests/bench/rereplication.sh — recovery benchmark, pstorage side by side
# with MooseFS 3.0 on the same machine in the same run. Not a ctest test.
#
#   tests/bench/rereplication.sh [--systems pstorage,moosefs] [--json FILE]
#
# Per system: a private cluster with 4 storage servers, 3 replicas (goal 3);
# write REREP_SIZE (default 2G) with fio (1 MiB, end_fsync=1); wait until
# every chunk has 3 copies; SIGKILL one storage server (SIGKILL, not SIGTERM:
# a SIGTERMed MooseFS chunkserver enters maintenance mode and replication is
# delayed up to 1800 s); poll (every 0.1 s, bounded by REREP_TIMEOUT, default
# 600 s) until every chunk is back to 3 copies. Prints
#   detect_s        kill → first poll showing an under-replicated chunk
#   recover_s       kill → every chunk back to 3 copies
#   lost_MB         replicas that lived on the killed server (when known)
#   rerepl_MBps     lost_MB / recover_s (data actually copied per second)
#   file_MBps       file size / recover_s (the TOOLCHAIN.md baseline's figure)
# MooseFS: copies counted with mfscheckfile / mfsfileinfo.
# pstorage: `pstorage stat --json` chunk counts (.chunks.healthy / .total and
# the guide's chunk states); `pstorage set-config mds.wd.offline_tout=...`
# (PST_OFFLINE_TOUT in ms as the guide gives it, default 5000) shortens the wait for offline if that
# command exists. Reports "not available yet" while the mount, the chunk
# counts or set-config are missing. MB = 10^6 bytes.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/common.sh"

REREP_SIZE=${REREP_SIZE:-2G}
REREP_TIMEOUT=${REREP_TIMEOUT:-600}
PST_OFFLINE_TOUT=${PST_OFFLINE_TOUT:-5000}
NCS=4

now() { date +%s.%N; }
write_file() {  # write_file PATH: fio sequential write, prints bytes written
  fio --name=fill --filename="$1" --rw=write --bs=1M --size="$REREP_SIZE" --ioengine=psync \
      --end_fsync=1 --output-format=json | jq '.jobs[0].write.io_bytes'
}

# ---------------------------------------------------------------------------
# MooseFS: number of chunks of FILE that do not have exactly GOAL copies.
mfs_bad_chunks() {
  mfscheckfile "$1" | awk -v g="$MFS_GOAL" '
    /chunks with [0-9]+ cop/ { n = $3; c = $NF; if (n != g) bad += c; seen = 1 }
    END { if (!seen) { print -1 } else print bad + 0 }'
}

run_moosefs() {
  local out=$1 f bytes port lost t0 t1 td bad
  source "$HERE/lib/moosefs.sh"; BENCH_EXIT_HOOKS+=(mfs_stop)
  mfs_start $NCS
  f="$MFS_MNT/rerep.dat"
  log "moosefs: writing $REREP_SIZE with goal $MFS_GOAL on $NCS chunkservers"
  bytes=$(write_file "$f")
  mfs_all_goal() { [ "$(mfs_bad_chunks "$f")" = 0 ]; }
  wait_until 120 mfs_all_goal || die "moosefs: file never reached $MFS_GOAL copies"
  # Victim: chunkserver 0. Chunk sizes: 64 MiB each, the last one the rest.
  port=$((MFS_ML_PORT + 3))
  lost=$(mfsfileinfo "$f" | awk -v p=":$port " -v size="$bytes" '
    /chunk [0-9]+:/ { i = $2 + 0 }
    index($0 " ", p) && /copy/ { cs = 67108864; r = size - i * cs; if (r < cs) cs = r; sum += cs }
    END { print sum + 0 }')
  log "moosefs: SIGKILL chunkserver 0 (holds $((lost / 1048576)) MiB of replicas)"
  t0=$(now); mfs_kill_cs 0; td=
  local limit; limit=$(( REREP_TIMEOUT * 10 ))
  for ((i = 0; i < limit; i++)); do
    bad=$(mfs_bad_chunks "$f")
    if [ -z "$td" ]; then [ "$bad" -gt 0 ] && td=$(now)
    elif [ "$bad" = 0 ]; then t1=$(now); break; fi
    sleep 0.1
  done
  [ -n "${t1:-}" ] || die "moosefs: not back to $MFS_GOAL copies within ${REREP_TIMEOUT}s"
  jq -n --argjson b "$bytes" --argjson l "$lost" --argjson t0 "$t0" --argjson td "$td" --argjson t1 "$t1" \
    '{status: "ok", file_MB: ($b / 1e6), lost_MB: ($l / 1e6), detect_s: ($td - $t0),
      recover_s: ($t1 - $t0), rerepl_MBps: ($l / 1e6 / ($t1 - $t0)), file_MBps: ($b / 1e6 / ($t1 - $t0))}' > "$out"
}

# ---------------------------------------------------------------------------
run_pstorage() {
  local out=$1 f bytes t0 t1 td err
  unavailable() { jq -n --arg r "${1#pstorage: }" '{status: "unavailable", reason: $r}' > "$out"; exit 0; }
  source "$HERE/lib/pstorage.sh"; BENCH_EXIT_HOOKS+=(pst_stop)
  err=$(mktemp)
  pst_find_bin 2>"$err" || unavailable "$(cat "$err")"
  pst_have_mount 2>"$err" || unavailable "$(cat "$err")"
  pst_start $NCS 2>"$err" || unavailable "cluster did not start: $(tail -n 3 "$err")"
  pst_cli stat --json | jq -e '.chunks.total != null and .chunks.healthy != null' >/dev/null 2>&1 \
    || unavailable "not available yet: 'pstorage stat --json' has no .chunks.{total,healthy} counts"
  if pst_has_subcommand set-config; then
    pst_cli set-config "mds.wd.offline_tout=$PST_OFFLINE_TOUT" >"$err" 2>&1 \
      || log "pstorage: set-config mds.wd.offline_tout=$PST_OFFLINE_TOUT failed: $(cat "$err") (default applies)"
  else
    log "pstorage: no set-config command yet: the default mds.wd.offline_tout (5 min) applies"
  fi
  pst_mount 2>"$err" || unavailable "mount failed: $(tail -n 3 "$err")"
  rm -f "$err"
  f="$PST_MNT/rerep.dat"
  log "pstorage: writing $REREP_SIZE with replicas=$PST_REPLICAS on $NCS CS"
  bytes=$(write_file "$f")
  # unhealthy chunks = total - healthy (counts every non-healthy state).
  pst_unhealthy() { pst_cli stat --json 2>/dev/null | jq -e '.chunks.total - .chunks.healthy'; }
  pst_all_healthy() { [ "$(pst_unhealthy)" = 0 ]; }
  wait_until 120 pst_all_healthy || die "pstorage: chunks never all healthy after the write"
  # Replicas on the victim, if stat --json reports per-CS chunk counts.
  local victim lost
  victim=$(grep -o 'registered with the MDS as CS#[0-9]*' "$PST_DIR/cs0.out" | head -n 1 | grep -o '[0-9]*$' || true)
  [ -n "$victim" ] || victim=$(pst_cli stat --json | jq -r '[.cs[].id] | sort | .[0]')
  lost=$(pst_cli stat --json | jq --argjson v "$victim" --argjson b "$bytes" \
    '(.cs[] | select(.id == $v) | .chunks // null) as $n
     | if $n == null then null else ($b * $n / (.chunks.total | if . == 0 then 1 else . end)) end')
  log "pstorage: SIGKILL CS#$victim (chunk server 0)"
  t0=$(now); pst_kill_cs 0; td=
  local limit bad; limit=$(( REREP_TIMEOUT * 10 ))
  for ((i = 0; i < limit; i++)); do
    bad=$(pst_unhealthy || echo -1)
    if [ -z "$td" ]; then [ "$bad" -gt 0 ] && td=$(now)
    elif [ "$bad" = 0 ]; then t1=$(now); break; fi
    sleep 0.1
  done
  [ -n "${t1:-}" ] || die "pstorage: chunks not all healthy within ${REREP_TIMEOUT}s of the kill"
  jq -n --argjson b "$bytes" --argjson l "$lost" --argjson t0 "$t0" --argjson td "$td" --argjson t1 "$t1" \
    '{status: "ok", file_MB: ($b / 1e6), lost_MB: (if $l == null then null else $l / 1e6 end),
      detect_s: ($td - $t0), recover_s: ($t1 - $t0),
      rerepl_MBps: (if $l == null then null else $l / 1e6 / ($t1 - $t0) end),
      file_MBps: ($b / 1e6 / ($t1 - $t0))}' > "$out"
}

# ---------------------------------------------------------------------------
SYSTEMS=pstorage,moosefs JSON_OUT='' ONE='' RESULT=''
while [ $# -gt 0 ]; do
  case $1 in
    --systems) SYSTEMS=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --one) ONE=$2; shift 2 ;;
    --result) RESULT=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
for t in fio jq; do have $t || die "$t is needed"; done
if [ -n "$ONE" ]; then "run_$ONE" "$RESULT"; exit 0; fi

bench_tmpdir RES rerep-results
IFS=, read -r -a SYS <<<"$SYSTEMS"
for s in "${SYS[@]}"; do
  case $s in pstorage|moosefs) ;; *) die "unknown system $s" ;; esac
  "$0" --one "$s" --result "$RES/$s.json" \
    || jq -n '{status: "failed", reason: "benchmark run failed, see the log above"}' > "$RES/$s.json"
done
ALL=$(for s in "${SYS[@]}"; do jq --arg s "$s" '{($s): .}' "$RES/$s.json"; done | jq -s 'add')
REPORT=$(jq -n --argjson r "$ALL" --arg date "$(date -u +%FT%TZ)" --arg host "$(hostname)" \
  --arg size "$REREP_SIZE" --arg cpus "$(nproc)" \
  '{benchmark: "rereplication", date: $date, host: $host, cpus: ($cpus|tonumber),
    params: {size: $size, servers: 4, replicas: 3}, results: $r}')
echo
printf '%-14s' metric; for s in "${SYS[@]}"; do printf '%14s' "$s"; done; echo
for m in file_MB lost_MB detect_s recover_s rerepl_MBps file_MBps; do
  printf '%-14s' "$m"
  for s in "${SYS[@]}"; do
    printf '%14s' "$(jq -r --arg s "$s" --arg m "$m" '.results[$s] | if .status == "ok" then (.[$m] // "n/a" | if type == "number" then (. * 100 | round / 100 | tostring) else . end) else "pending" end' <<<"$REPORT")"
  done; echo
done
for s in "${SYS[@]}"; do
  jq -r --arg s "$s" '.results[$s] | select(.status != "ok") | "\($s): \(.status): \(.reason)"' <<<"$REPORT"
done
[ -n "$JSON_OUT" ] && { echo "$REPORT" > "$JSON_OUT"; echo "JSON written to $JSON_OUT"; }
exit 0
