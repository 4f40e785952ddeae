#!/usr/bin/env bash
# On-demand scrubbing with real processes (issue 16; guide "Configuring Data
# Scrubbing"; docs/monitoring.md "Scrubbing"): 1 MDS + 3 CS on three hosts,
# replicas=2, 1 MiB chunks, 12 MiB written through pstorage-mount; periodic
# scrubbing off (mds.wd.verify_chunks=0) so only the on-demand run can find
# anything. One byte of one replica on CS X is flipped on disk, then
# `pstorage scrub start --cs X --rate 2`: `scrub status` shows X running
# (progress, rate, ETA) while the others stay idle, then idle again with
# every replica X held verified and 1 bad found; `stat` printed the
# Scrubbing line while it ran; the master got X's report (get-event) and
# rebuilt the chunk (new version, all chunks healthy), and the data reads
# back intact. Needs root and /dev/fuse.
source "$(dirname "$0")/lib.sh"

require_fuse scrub_on_demand

C=scrub
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }

start_mds 1M
for h in 2 3; do join_host $h; done
for h in 1 2 3; do start_cs $h; done
wait_until 20 active 3 || fail "3 CS did not become active"
ps 1 set-config mds.wd.verify_chunks=0 >/dev/null || fail "set-config mds.wd.verify_chunks=0"

mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=2 >/dev/null || fail "set-attr replicas=2"
head -c $((12 << 20)) /dev/urandom > "$T/data"
timeout 120 cp "$T/data" "$T/m1/data" || fail "write through the mount"
timeout 60 sync "$T/m1/data" || true
SUM=$(md5sum < "$T/data")
unmount_fuse m1
total=$(stat_json | jq '.chunks.total')
healthy() { [ "$(stat_json | jq '.chunks.healthy')" = "$total" ]; }
wait_until 10 healthy || fail "chunks not healthy after the write: $(stat_json | jq -c .chunks)"
pass "12 MiB written, $total chunks healthy at replicas=2"

# Every CS says idle: periodic scrubbing is off and nothing was ordered.
status_json() { ps 1 scrub status --json; }
idle_all() { [ "$(status_json | jq '[.[] | select(.state == "idle")] | length')" = 3 ]; }
wait_until 10 idle_all || fail "not every CS idle with verify_chunks=0: $(status_json | jq -c '[.[] | {id, state}]')"

# --- one replica of CS X corrupted on disk (as self_healing.sh does) ---------------------
X=$(stat_json | jq -r --arg hid "$(cat "$T/host2/host_id")" '.cs[] | select(.host_id == $hid) | .id')
[ -n "$X" ] || fail "no CS on host2"
HELD=$(stat_json | jq ".cs[] | select(.id==$X) | .replicas")
[ "$HELD" -ge 4 ] || fail "CS#$X holds only $HELD replicas"
CID=$(mdq "SELECT r.chunk FROM md_replicas r JOIN md_chunks c ON c.id = r.chunk
           WHERE r.cs = $X AND r.version = c.version ORDER BY r.chunk DESC LIMIT 1")
OLDV=$(mdq "SELECT version FROM md_chunks WHERE id = $CID")
DAT=$(find "$T/cs2/chunks" -name "$(printf '%016x' "$CID").dat")
[ -n "$DAT" ] || fail "no data file for chunk $CID on cs2"
off=4321
orig=$(od -An -tu1 -j $off -N1 "$DAT" | tr -d ' ')
printf "$(printf '\\%03o' $(( (orig + 1) % 256 )))" | dd of="$DAT" bs=1 seek=$off conv=notrunc status=none
[ "$(od -An -tu1 -j $off -N1 "$DAT" | tr -d ' ')" != "$orig" ] || fail "byte not flipped"
pass "flipped byte $off of chunk $CID (version $OLDV) on CS#$X, which holds $HELD replicas"

# --- scrub start on X only ----------------------------------------------------------------
out=$(ps 1 scrub start --cs 999 2>&1) && fail "scrub start of an unknown CS succeeded: $out"
grep -q "CS#999: not registered" <<<"$out" || fail "unknown CS refused without the reason: $out"
t0=$(date +%s%N)
out=$(ps 1 scrub start --cs "$X" --rate 2 2>&1) || fail "scrub start --cs $X: $out"
grep -q "Scrubbing started on CS#$X" <<<"$out" || fail "scrub start said: $out"
x_field() { status_json | jq -r ".[] | select(.id==$X) | $1"; }
running_with_eta() {
  local j; j=$(status_json | jq -c ".[] | select(.id==$X)")
  [ "$(jq -r .state <<<"$j")" = running ] && [ "$(jq '.chunks_done > 0 and .chunks_done < .chunks_total' <<<"$j")" = true ] &&
    jq -e 'has("eta_s") and has("chunks_per_s")' <<<"$j" >/dev/null
}
wait_until 20 running_with_eta || fail "CS#$X not seen running with progress and ETA: $(status_json | jq -c .)"
line=$(ps 1 scrub status | awk -v x="$X" '$1 == x')
grep -Eq "^$X +running +[0-9]+% [0-9]+/$HELD +[0-9.]+ chunks/s +ETA [0-9]" <<<"$line" || fail "status line while running: '$line'"
others=$(status_json | jq -c "[.[] | select(.id != $X) | .state] | unique")
[ "$others" = '["idle"]' ] || fail "the other CSs are not idle: $others"
stat_line=$(ps 1 stat | grep '^Scrubbing:' || true)
grep -Eq "^Scrubbing: 1 running, [0-9]+% \([0-9]+/$HELD chunks\), [0-9.]+ chunks/s, ETA" <<<"$stat_line" \
  || fail "stat has no Scrubbing line while the scrub runs: '$stat_line'"
pass "running: '$line'; stat: '$stat_line'"

completed() { [ "$(x_field .state)" = idle ] && [ "$(x_field .last_completed_ns)" != 0 ]; }
wait_until 60 completed || fail "the scrub of CS#$X did not complete: $(status_json | jq -c ".[] | select(.id==$X)")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
j=$(status_json | jq -c ".[] | select(.id==$X)")
[ "$(jq .chunks_total <<<"$j")" = "$HELD" ] || fail "the run listed $(jq .chunks_total <<<"$j") replicas, CS#$X held $HELD"
[ "$(jq .chunks_done <<<"$j")" = "$HELD" ] || fail "the run verified $(jq .chunks_done <<<"$j") of $HELD"
[ "$(jq .bad_found <<<"$j")" = 1 ] || fail "bad found: $(jq .bad_found <<<"$j") (expected 1): $j"
[ "$(jq .percent <<<"$j")" = 100 ] || fail "percent after completion: $j"
[ "$(jq .last_cycle_ms <<<"$j")" -ge 500 ] || fail "a run of $HELD replicas at 2/s took $(jq .last_cycle_ms <<<"$j") ms"
line=$(ps 1 scrub status | awk -v x="$X" '$1 == x')
grep -Eq "^$X +idle +100% $HELD/$HELD +1 +[0-9-]+ [0-9:]+ \([0-9]+s\)$" <<<"$line" || fail "status line after: '$line'"
! ps 1 stat | grep -q '^Scrubbing:' || fail "stat still prints a Scrubbing line"
pass "completed in $ms ms (CS: $(jq .last_cycle_ms <<<"$j") ms): $HELD/$HELD verified, 1 bad: '$line'"

# --- the bad replica was reported and rebuilt ------------------------------------------------
reported() { ps 1 get-event 2>/dev/null | grep -q "CS#$X has reported hard error"; }
wait_until 20 reported || fail "no event for CS#$X's report: $(ps 1 get-event | tail -5)"
rebuilt() { [ "$(mdq "SELECT version FROM md_chunks WHERE id = $CID")" -gt "$OLDV" ] && healthy; }
wait_until 60 rebuilt || fail "chunk $CID not rebuilt: $(stat_json | jq -c .chunks)"
mount_fuse m2 1
[ "$(timeout 60 md5sum < "$T/m2/data")" = "$SUM" ] || fail "data differs after the repair"
unmount_fuse m2
pass "chunk $CID rebuilt (version $OLDV -> $(mdq "SELECT version FROM md_chunks WHERE id = $CID")), $total chunks healthy, data verifies"
