#!/usr/bin/env bash
# tests/soak/soak.sh — the long soak of issue 15 ("A 2-hour soak on
# loopback"): 3 MDSs, 4 CSs, two mounts. On each mount a verifying fio
# (64 MiB random writes at 3 MB/s, --verify=crc32c, over and over) and a
# metadata workload (tests/soak/meta_soak.py: creates, renames, unlinks,
# appends, reads back). Meanwhile a random CS is killed (-9) every
# CS_EVERY seconds and restarted 30 s later, and a random MDS restarted
# every MDS_EVERY seconds (alternately SIGTERM and kill -9; every other
# time the master). Every 30 s it samples each process's resident memory
# and the chunk states (samples.csv).
#
# Passes when: every fio run exits 0 with no verify error; the metadata
# workloads saw no failed operation and the other mount lists exactly the
# names they expect, with the expected contents; all chunks are healthy
# within 10 min of the end; the MDSs' memory is flat (the largest MDS RSS
# over the last quarter is at most 1.25x + 16 MiB of the largest over the
# second quarter); all three MDS stores end with the same digest.
#
# Not in ctest (it takes hours). Run as root with /dev/fuse and fio:
#   PSTORAGE_BIN=build/bin DURATION=7200 tests/soak/soak.sh
# DURATION (s, default 7200), CS_EVERY (s, 180), MDS_EVERY (s, 900).
# The result is printed and written to $T/result.txt (KEEP_TEST_DIR=1 keeps
# $T with every log); docs/soak.md records the last run.
SOAK_DIR="$(cd "$(dirname "$0")" && pwd)"
source "$SOAK_DIR/../integration/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse soak
for t in fio python3; do command -v $t >/dev/null || skip "soak: needs $t"; done

DURATION=${DURATION:-7200}
CS_EVERY=${CS_EVERY:-180}
MDS_EVERY=${MDS_EVERY:-900}
SEED=${SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$SEED
C=soak
echo "soak-pw" > "$T/pw"
log() { echo "$(date +%H:%M:%S) $*" | tee -a "$T/soak.log"; }
log "soak: DURATION=$DURATION CS_EVERY=$CS_EVERY MDS_EVERY=$MDS_EVERY SEED=$SEED dir $T"

make_cluster 3
mkdir -p "$T/host4/clusters/$C"; printf '%s\n' "${A[@]:1}" > "$T/host4/clusters/$C/bs.list"
ps 4 auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host4"
ps 4 make-cs -r "$T/cs4" >/dev/null || fail "make-cs host4"
start cs4 "$BIN/pstorage-csd" --config-dir "$T/host4" -r "$T/cs4"
wait_for 40 active_is 4 || fail "4 CS not active: $(psq 1 stat 2>&1)"
mount_fuse m1 1
mount_fuse m2 2
log "3 MDS, 4 CS, mounts m1 (host1) and m2 (host2)"

START=$(date +%s)
DEADLINE=$((START + DURATION))

# fio_loop K: verifying fio runs on mount mK until the deadline; one line
# "RUN RC" per run in fio-K.rc, fio's output in fio-K-RUN.txt.
fio_loop() {
  local k=$1 i=0 rc
  while [ "$(date +%s)" -lt "$DEADLINE" ]; do
    i=$((i + 1)); rc=0
    timeout -k 10 900 fio --name="soak$k" --filename="$T/m$k/fio-$k.dat" --rw=randwrite --bs=64k --size=64M \
      --rate=3m --verify=crc32c --verify_fatal=1 --do_verify=1 --thread --output="$T/fio-$k-$i.txt" \
      >"$T/fio-$k-$i.out" 2>&1 || rc=$?
    echo "$i $rc" >>"$T/fio-$k.rc"
  done
}
fio_loop 1 & FIO1=$!; PIDS+=($FIO1)
fio_loop 2 & FIO2=$!; PIDS+=($FIO2)
python3 "$SOAK_DIR/meta_soak.py" "$T/m1/meta1" "$DEADLINE" "$T/meta1.json" 1 >"$T/meta1.out" 2>&1 & META1=$!; PIDS+=($META1)
python3 "$SOAK_DIR/meta_soak.py" "$T/m2/meta2" "$DEADLINE" "$T/meta2.json" 2 >"$T/meta2.out" 2>&1 & META2=$!; PIDS+=($META2)

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
echo "t_s,mds1_kb,mds2_kb,mds3_kb,mount1_kb,mount2_kb,chunks,healthy,status" >"$T/samples.csv"
sample() {
  local j
  j=$(stat_json) || j='{}'
  echo "$(( $(date +%s) - START )),$(rss_kb "${MPID[1]}"),$(rss_kb "${MPID[2]}"),$(rss_kb "${MPID[3]}"),$(rss_kb "$PID_m1"),$(rss_kb "$PID_m2"),$(jq -r '.chunks.total // 0' <<<"$j"),$(jq -r '.chunks.healthy // 0' <<<"$j"),$(jq -r '.status // "?"' <<<"$j")" >>"$T/samples.csv"
}

next_cs=$((START + CS_EVERY)); next_mds=$((START + MDS_EVERY)); next_sample=$START
down_cs=0; cs_back_at=0; mds_n=0; cs_kills=0
while [ "$(date +%s)" -lt "$DEADLINE" ]; do
  now=$(date +%s)
  if [ "$now" -ge "$next_sample" ]; then sample; next_sample=$((now + 30)); fi
  if [ "$down_cs" != 0 ] && [ "$now" -ge "$cs_back_at" ]; then
    start "cs$down_cs" "$BIN/pstorage-csd" --config-dir "$T/host$down_cs" -r "$T/cs$down_cs"
    log "CS on host$down_cs restarted"; down_cs=0
  fi
  if [ "$down_cs" = 0 ] && [ "$now" -ge "$next_cs" ]; then
    down_cs=$((1 + RANDOM % 4)); p=$(eval echo "\$PID_cs$down_cs")
    kill -9 "$p"; wait "$p" 2>/dev/null || true; drop_pid "$p"
    cs_kills=$((cs_kills + 1)); cs_back_at=$((now + 30)); next_cs=$((now + CS_EVERY))
    log "kill -9 of the CS on host$down_cs"
  fi
  if [ "$now" -ge "$next_mds" ]; then
    mds_n=$((mds_n + 1)); m=$(master_id)
    if [ $((mds_n % 2)) = 0 ] && [ "${m:-0}" -gt 0 ] 2>/dev/null; then k=$m; else k=$((1 + RANDOM % 3)); fi
    if [ $((mds_n % 2)) = 1 ]; then mds_stop "$k"; how=SIGTERM; else mds_kill9 "$k"; how="kill -9"; fi
    log "MDS#$k ($how; master was MDS#$m) stopped"
    sleep 10
    mds_run "$k"; log "MDS#$k restarted"
    next_mds=$((now + MDS_EVERY))
  fi
  sleep 1
done
if [ "$down_cs" != 0 ]; then start "cs$down_cs" "$BIN/pstorage-csd" --config-dir "$T/host$down_cs" -r "$T/cs$down_cs"; fi
sample
log "deadline: waiting for the workloads to finish"
for p in "$META1" "$META2"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "$META1" "$META2" "$FIO1" "$FIO2"; do
  for _ in $(seq 1000); do kill -0 "$p" 2>/dev/null || break; sleep 1; done
  kill -0 "$p" 2>/dev/null && { pkill -P "$p" 2>/dev/null; fail "a workload (PID $p) did not end within 1000 s of the deadline"; }
  wait "$p" 2>/dev/null || true
done

# --- the checks ------------------------------------------------------------------
R="$T/result.txt"; : >"$R"
res() { echo "$*" | tee -a "$R"; }
bad=0
runs=$(cat "$T"/fio-*.rc | wc -l); failed=$(awk '$2 != 0' "$T"/fio-*.rc | wc -l)
verrs=$( (grep -l -iE "verify: bad|crc32c: verify failed|bad magic" "$T"/fio-*.out "$T"/fio-*.txt 2>/dev/null || true) | wc -l)
res "fio: $runs runs, $failed failed, $verrs with verify errors"
[ "$failed" = 0 ] && [ "$verrs" = 0 ] || { bad=1; awk '$2 != 0' "$T"/fio-*.rc | head -5 | tee -a "$R"; }
for k in 1 2; do
  o=$((3 - k))  # checked through the other mount
  out=$(python3 - "$T/meta$k.json" "$T/m$o/meta$k" <<'EOF'
import json, os, sys
s = json.load(open(sys.argv[1])); d = sys.argv[2]
want = s["files"]; skip = set(s["uncertain"])
have = {n for n in os.listdir(d) if n not in skip}
wrong = [n for n in want if n in have and open(os.path.join(d, n)).read() != want[n]]
print(f"{s['ops']} ops, {s['errors']} failed, {len(want)} names expected, "
      f"{len(set(want) - have)} missing, {len(have - set(want))} unexpected, {len(wrong)} with wrong content"
      + ("" if not s["first_errors"] else "; first errors: " + " | ".join(s["first_errors"][:3])))
sys.exit(0 if s["errors"] == 0 and have == set(want) and not wrong else 1)
EOF
  ) || bad=1
  res "metadata on m$k (checked through m$o): $out"
done
if wait_for 600 bash -c "j=\$(timeout 10 '$BIN/pstorage' --config-dir '$T/host1' -c '$C' stat --json) && jq -e '.chunks.total > 0 and .chunks.healthy == .chunks.total' <<<\"\$j\""; then
  res "chunks: all healthy ($(stat_json | jq -r '.chunks.healthy') of $(stat_json | jq -r '.chunks.total'))"
else
  bad=1; res "chunks: not all healthy 10 min after the end: $(stat_json | jq -c '.chunks')"
fi
flat=$(awk -F, 'NR > 1 { m = $2; if ($3 > m) m = $3; if ($4 > m) m = $4; t[NR] = $1; v[NR] = m; n = NR }
  END { q = int((n - 1) / 4); a = 0; b = 0
        for (i = 2 + q; i < 2 + 2 * q; i++) if (v[i] > a) a = v[i]
        for (i = n - q + 1; i <= n; i++) if (v[i] > b) b = v[i]
        printf "%d %d %s\n", a, b, (b <= 1.25 * a + 16384) ? "flat" : "growing" }' "$T/samples.csv")
res "MDS memory (largest RSS, KiB): second quarter ${flat%% *}, last quarter $(cut -d' ' -f2 <<<"$flat"): ${flat##* }"
[ "${flat##* }" = flat ] || bad=1
res "chaos: $cs_kills CS kills, $mds_n MDS restarts in $DURATION s"
digest_check 2>&1 | tee -a "$R" || bad=1
[ "$bad" = 0 ] || fail "soak failed: $(cat "$R")"
pass "soak of $DURATION s: $(tr '\n' ';' <"$R")"
