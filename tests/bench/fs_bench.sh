#!/usr/bin/env bash
# tests/bench/fs_bench.sh — file system benchmark, pstorage side by side with
# MooseFS 3.0 (Debian packages) on the same machine in the same run. Not a
# ctest test: it prints figures, it does not pass or fail on them.
#
#   tests/bench/fs_bench.sh [--systems pstorage,moosefs] [--json FILE] [--meta-only]
#
# Systems: pstorage (1 MDS, or PST_MDS of them), pstorage-3mds / pstorage-5mds
# (that many MDSs, Raft-replicated journal; lib/pstorage.sh), moosefs.
# --meta-only runs and prints only the metadata rows (create, stat, unlink);
# tests/bench/meta_bench.sh runs that for pstorage 1 MDS, 3 MDS and MooseFS.
#
# Each system gets its own private cluster on loopback (1 metadata server +
# 3 storage servers, 3 replicas / goal 3), mounted through FUSE, started and
# stopped in turn so the two never compete for the machine. Per system:
#   seq_write_MBps   fio sequential write, 1 MiB blocks, end_fsync=1
#                    (wall time of the job including the final fsync)
#   seq_read_MBps    fio sequential read of that file after a remount and a
#                    page-cache drop (cold; drop only when permitted)
#   rand_read_iops   fio random 4 KiB reads, queue depth 16, O_DIRECT
#   rand_write_iops  fio random 4 KiB writes, queue depth 16, O_DIRECT
#   create/stat/unlink_per_s  10 000 empty files, one thread (lib/meta_bench.py)
# Environment: BENCH_SIZE (default 1G), BENCH_RUNTIME seconds per random
# test (15), BENCH_NFILES (10000), BENCH_META_THREADS (1: threads sharing
# each metadata phase, lib/meta_bench.py), BENCH_META_DIRS (shared: all
# threads in one directory; per-thread: each in its own), FIO_RAND_MODE (auto | io_uring | psync |
# psync-buffered), PSTORAGE_BIN, BENCH_KEEP=1 keeps temp dirs.
# Units: MB = 10^6 bytes.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib/common.sh"

BENCH_SIZE=${BENCH_SIZE:-1G}
BENCH_RUNTIME=${BENCH_RUNTIME:-15}
BENCH_NFILES=${BENCH_NFILES:-10000}
BENCH_META_THREADS=${BENCH_META_THREADS:-1}
BENCH_META_DIRS=${BENCH_META_DIRS:-shared}
FIO_RAND_MODE=${FIO_RAND_MODE:-auto}
METRICS=(seq_write_MBps seq_read_MBps rand_read_iops rand_write_iops create_per_s stat_per_s unlink_per_s)

# ---------------------------------------------------------------------------
# One system, run as a child process (own traps, own cleanup): --one SYS --result FILE
run_one() {
  local sys=$1 out=$2 MNT
  unavailable() { jq -n --arg r "${1#pstorage: }" '{status: "unavailable", reason: $r}' > "$out"; exit 0; }
  case $sys in
    moosefs)
      source "$HERE/lib/moosefs.sh"; BENCH_EXIT_HOOKS+=(mfs_stop)
      mfs_start 3; MNT=$MFS_MNT
      remount() { mfs_remount; } ;;
    pstorage|pstorage-[135]mds)
      source "$HERE/lib/pstorage.sh"; BENCH_EXIT_HOOKS+=(pst_stop)
      local err; err=$(mktemp)
      pst_find_bin 2>"$err" || unavailable "$(cat "$err")"
      pst_have_mount 2>"$err" || unavailable "$(cat "$err")"
      case $sys in pstorage-*mds) export PST_MDS=${sys#pstorage-}; PST_MDS=${PST_MDS%mds} ;; esac
      pst_start 3 2>"$err" || unavailable "cluster did not start: $(tail -n 3 "$err")"
      pst_mount 2>"$err" || unavailable "mount failed: $(tail -n 3 "$err")"
      rm -f "$err"; MNT=$PST_MNT
      remount() { pst_remount; } ;;
    *) die "unknown system $sys" ;;
  esac
  local W="$MNT/bench"; mkdir -p "$W"
  local f="$W/seq.dat" t0 t1 bytes J
  if [ "$META_ONLY" = 1 ]; then meta_one "$sys" "$W" "$out"; return 0; fi

  log "$sys: sequential write $BENCH_SIZE (1 MiB, end_fsync=1)"
  t0=$(date +%s.%N)
  J=$(fio --name=seqwrite --filename="$f" --rw=write --bs=1M --size="$BENCH_SIZE" \
        --ioengine=psync --end_fsync=1 --output-format=json)
  t1=$(date +%s.%N)
  bytes=$(jq '.jobs[0].write.io_bytes' <<<"$J")
  local seq_write; seq_write=$(jq -n "$bytes / ($t1 - $t0) / 1e6")

  local cold="remount"
  remount
  drop_caches && cold="remount+drop_caches"
  log "$sys: cold sequential read ($cold)"
  J=$(fio --name=seqread --filename="$f" --rw=read --bs=1M --size="$BENCH_SIZE" \
        --ioengine=psync --output-format=json)
  local seq_read; seq_read=$(jq '.jobs[0].read.bw_bytes / 1e6' <<<"$J")

  # Random 4 KiB, QD16: io_uring with iodepth 16 if it works on this mount,
  # else 16 psync jobs; O_DIRECT unless the mount refuses it.
  local mode=$FIO_RAND_MODE args=()
  rand_args() {
    case $1 in
      io_uring) echo "--ioengine=io_uring --iodepth=16 --direct=1" ;;
      psync) echo "--ioengine=psync --numjobs=16 --group_reporting --direct=1" ;;
      psync-buffered) echo "--ioengine=psync --numjobs=16 --group_reporting --direct=0 --end_fsync=1" ;;
    esac
  }
  if [ "$mode" = auto ]; then
    for mode in io_uring psync psync-buffered; do
      # shellcheck disable=SC2046
      fio --name=probe --filename="$f" --rw=randread --bs=4k --size="$BENCH_SIZE" $(rand_args $mode) \
          --time_based --runtime=1 --output-format=json 2>/dev/null \
        | jq -e '.jobs[0].read.iops > 0' >/dev/null 2>&1 && break
      mode=none
    done
  fi
  [ "$mode" != none ] || die "$sys: no fio engine does random 4 KiB reads on this mount"
  read -r -a args <<<"$(rand_args "$mode")"
  log "$sys: random 4 KiB QD16 read/write, ${BENCH_RUNTIME}s each ($mode)"
  J=$(fio --name=randread --filename="$f" --rw=randread --bs=4k --size="$BENCH_SIZE" "${args[@]}" \
        --time_based --runtime="$BENCH_RUNTIME" --output-format=json)
  local rr; rr=$(jq '.jobs[0].read.iops' <<<"$J")
  J=$(fio --name=randwrite --filename="$f" --rw=randwrite --bs=4k --size="$BENCH_SIZE" "${args[@]}" \
        --time_based --runtime="$BENCH_RUNTIME" --output-format=json)
  local rw; rw=$(jq '.jobs[0].write.iops' <<<"$J")
  rm -f "$f"

  log "$sys: metadata, $BENCH_NFILES files create/stat/unlink"
  local meta='{}'
  if have python3; then meta=$(python3 "$HERE/lib/meta_bench.py" "$W" "$BENCH_NFILES" "$BENCH_META_THREADS" "$BENCH_META_DIRS")
  else log "python3 missing: metadata figures skipped"; fi

  jq -n --argjson m "$meta" --arg mode "$mode" --arg cold "$cold" \
     --argjson sw "$seq_write" --argjson sr "$seq_read" --argjson rr "$rr" --argjson rw "$rw" \
     '{status: "ok", seq_write_MBps: $sw, seq_read_MBps: $sr, rand_read_iops: $rr,
       rand_write_iops: $rw, create_per_s: $m.create_per_s, stat_per_s: $m.stat_per_s,
       unlink_per_s: $m.unlink_per_s, rand_mode: $mode, cold_read: $cold}' > "$out"
}

# meta_one SYS DIR OUT: only the metadata rows (--meta-only). For pstorage
# also the number of MDSs and how many journal entries the phase committed
# (commit_index of `pstorage stat --json` before and after).
meta_one() {
  local sys=$1 W=$2 out=$3 meta ci0='' ci1='' nmds=null
  have python3 || die "python3 is needed for the metadata test"
  case $sys in pstorage*) ci0=$(pst_cli stat --json | jq '.commit_index'); nmds=$PST_MDS ;; esac
  log "$sys: metadata only, $BENCH_NFILES files create/stat/unlink, $BENCH_META_THREADS thread(s), directories $BENCH_META_DIRS"
  meta=$(python3 "$HERE/lib/meta_bench.py" "$W" "$BENCH_NFILES" "$BENCH_META_THREADS" "$BENCH_META_DIRS")
  case $sys in pstorage*) ci1=$(pst_cli stat --json | jq '.commit_index') ;; esac
  jq -n --argjson m "$meta" --argjson nmds "$nmds" --arg ci0 "$ci0" --arg ci1 "$ci1" \
     '{status: "ok", create_per_s: $m.create_per_s, stat_per_s: $m.stat_per_s,
       unlink_per_s: $m.unlink_per_s, mds: $nmds,
       journal_entries: (if $ci0 != "" and $ci1 != "" then ($ci1|tonumber) - ($ci0|tonumber) else null end)}' > "$out"
}

# ---------------------------------------------------------------------------
SYSTEMS=pstorage,moosefs JSON_OUT='' ONE='' RESULT='' META_ONLY=0
while [ $# -gt 0 ]; do
  case $1 in
    --systems) SYSTEMS=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --one) ONE=$2; shift 2 ;;
    --result) RESULT=$2; shift 2 ;;
    --meta-only) META_ONLY=1; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
for t in fio jq; do [ $t = fio ] && [ $META_ONLY = 1 ] && continue; have $t || die "$t is needed"; done
[ $META_ONLY = 1 ] && METRICS=(create_per_s stat_per_s unlink_per_s)
export META_ONLY
if [ -n "$ONE" ]; then run_one "$ONE" "$RESULT"; exit 0; fi

bench_tmpdir RES fs-bench-results
IFS=, read -r -a SYS <<<"$SYSTEMS"
for s in "${SYS[@]}"; do
  if ! "$0" --one "$s" --result "$RES/$s.json" $([ $META_ONLY = 1 ] && echo --meta-only); then
    jq -n '{status: "failed", reason: "benchmark run failed, see the log above"}' > "$RES/$s.json"
  fi
done

ALL=$(for s in "${SYS[@]}"; do jq --arg s "$s" '{($s): .}' "$RES/$s.json"; done | jq -s 'add')
REPORT=$(jq -n --argjson r "$ALL" --arg date "$(date -u +%FT%TZ)" --arg host "$(hostname)" \
  --arg size "$BENCH_SIZE" --arg rt "$BENCH_RUNTIME" --arg nf "$BENCH_NFILES" --arg cpus "$(nproc)" \
  --argjson meta "$META_ONLY" \
  '{benchmark: (if $meta == 1 then "fs_bench --meta-only" else "fs_bench" end), date: $date, host: $host, cpus: ($cpus|tonumber),
    params: {size: $size, random_runtime_s: ($rt|tonumber), files: ($nf|tonumber)}, results: $r}')

# Table: one column per system, then pstorage/moosefs when both ran.
echo
printf '%-18s' metric; for s in "${SYS[@]}"; do printf '%14s' "$s"; done
both=0; [ "$(jq -r '[.results.pstorage.status, .results.moosefs.status] | map(. == "ok") | all' <<<"$REPORT")" = true ] && both=1
[ $both = 1 ] && printf '%18s' "pstorage/moosefs"; echo
for m in "${METRICS[@]}"; do
  printf '%-18s' "$m"
  for s in "${SYS[@]}"; do
    printf '%14s' "$(jq -r --arg s "$s" --arg m "$m" '.results[$s] | if .status == "ok" then (.[$m] // "n/a" | if type == "number" then (. * 10 | round / 10 | tostring) else . end) else "pending" end' <<<"$REPORT")"
  done
  [ $both = 1 ] && printf '%18s' "$(jq -r --arg m "$m" '.results | (.pstorage[$m] / .moosefs[$m] * 100 | round / 100 | tostring) + "x"' <<<"$REPORT" 2>/dev/null || echo n/a)"
  echo
done
for s in "${SYS[@]}"; do
  jq -r --arg s "$s" '.results[$s] | if .status == "ok" and .rand_mode then "\($s): random mode \(.rand_mode), cold read by \(.cold_read)"
    elif .status == "ok" then "\($s): metadata only" + (if .mds then ", \(.mds) MDS, \(.journal_entries) journal entries committed" else "" end) else "\($s): \(.status): \(.reason)" end' <<<"$REPORT"
done
[ -n "$JSON_OUT" ] && { echo "$REPORT" > "$JSON_OUT"; echo "JSON written to $JSON_OUT"; }
exit 0
