#!/usr/bin/env bash
# One MDS restarted under load (docs/election.md "Retried requests"): 1 MDS,
# 3 CSs, a FUSE mount. (a) kill -9 of the MDS during a verifying fio write,
# restarted within seconds: fio finishes and verifies. (b) kill -9 during a
# create (O_EXCL) / rename loop through the mount, restarted: the loop sees
# no error (no spurious EEXIST/ENOENT from retried requests), and afterwards
# every g$i exists and no f$i remains. Needs root, /dev/fuse and fio.
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse mds_single_restart
command -v fio >/dev/null || { skip "mds_single_restart: needs fio"; }

C=single
echo "single-pw" > "$T/pw"
FIO_MB=${FIO_MB:-96}
N=${N:-300}

make_cluster 1
mount_it
pass "1 MDS, 3 CSs active, mounted"

# restart_mds_when COND_CMD...: waits (bounded) for COND, kill -9 of the MDS,
# 2 s down, restart; waits for it to answer stat again.
restart_mds_when() {
  wait_for 60 "$@" || fail "the load never reached the point of the kill ($*)"
  mds_kill9 1; local t0=$SECONDS
  sleep 2
  mds_run 1
  wait_for 30 avail_is 1 || fail "restarted MDS not avail: $(psq 1 stat 2>&1)"
  echo "MDS killed -9 and back after $((SECONDS - t0)) s"
}

# --- (a) fio --verify=crc32c across a kill -9 --------------------------------------
# fio runs as one process (--thread) so that /proc/PID/io shows how far its
# write phase got (laying out the file only truncates it); rate-limited so
# that the 2 s outage falls inside the write phase.
wrote_over() { [ "$(awk '/^wchar:/ {print $2}' "/proc/$FIO/io" 2>/dev/null || echo 0)" -gt $(($1 * 1024 * 1024)) ]; }
t0=$SECONDS
fio --name=ha --filename="$MNT/fio.dat" --rw=write --bs=256k --size=${FIO_MB}M --rate=24m --thread \
  --ioengine=psync --end_fsync=1 --verify=crc32c --do_verify=1 --verify_fatal=1 \
  --output="$T/fio.txt" >"$T/fio.out" 2>&1 &
FIO=$!; PIDS+=($FIO)
restart_mds_when wrote_over $((FIO_MB / 4))
for _ in $(seq 1000); do kill -0 "$FIO" 2>/dev/null || break; sleep 0.1; done
kill -0 "$FIO" 2>/dev/null && { stacks "$FIO"; kill -9 "$FIO"; fail "fio hung after the MDS restart: $(tail -5 "$T/fio.out")"; }
rc=0; wait "$FIO" || rc=$?
[ $rc = 0 ] || fail "fio failed (rc $rc) across the MDS restart: $(tail -20 "$T/fio.out" "$T/fio.txt")"
grep -qiE "verify.*(fail|bad)|crc32c.*(fail|bad)|err= *[1-9]" "$T/fio.txt" "$T/fio.out" && fail "fio reported errors: $(cat "$T/fio.txt")"
grep -q "err= 0" "$T/fio.txt" || fail "fio output lacks 'err= 0': $(cat "$T/fio.txt")"
grep -qE "read: .*\(${FIO_MB}\.0MiB/" "$T/fio.txt" || fail "fio did not read back (verify) ${FIO_MB} MiB: $(grep -E 'read:|write:' "$T/fio.txt")"
pass "(a) fio wrote ${FIO_MB} MiB and verified crc32c across a kill -9 of the MDS ($((SECONDS - t0)) s)"

# --- (b) create/rename loop across a kill -9 -----------------------------------------
mkdir "$MNT/d" || fail "mkdir d"
(
  set +e
  for i in $(seq "$N"); do
    # O_EXCL create (noclobber): a retried create answered EEXIST would fail here
    timeout -k 5 60 bash -c 'set -C; : > "$1"' _ "$MNT/d/f$i" || { echo "create f$i failed"; exit 1; }
    timeout -k 5 60 mv -T "$MNT/d/f$i" "$MNT/d/g$i" || { echo "rename f$i -> g$i failed"; exit 1; }
    echo "$i" >"$T/loop.progress"
  done
  echo "loop done: $N"
) >"$T/loop.out" 2>&1 &
LOOP=$!
t0=$SECONDS
progress_over() { [ "$(cat "$T/loop.progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
at=$((N / 6 + RANDOM % (N / 3)))
restart_mds_when progress_over "$at"
for _ in $(seq 1200); do kill -0 "$LOOP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$LOOP" 2>/dev/null && { kill "$LOOP"; fail "the create/rename loop hung: $(cat "$T/loop.out")"; }
wait "$LOOP" || fail "the create/rename loop saw an error across the MDS restart (killed after iteration $at): $(cat "$T/loop.out")"
grep -q "loop done" "$T/loop.out" || fail "loop: $(cat "$T/loop.out")"
names=$(T60 ls "$MNT/d") || fail "ls d"
want=$(for i in $(seq "$N"); do echo "g$i"; done | sort)
[ "$(sort <<<"$names")" = "$want" ] || fail "names after the loop differ from g1..g$N: extra [$(comm -23 <(sort <<<"$names") <(echo "$want") | head | tr '\n' ' ')] missing [$(comm -13 <(sort <<<"$names") <(echo "$want") | head | tr '\n' ' ')]"
pass "(b) $N creates+renames with a kill -9 after iteration ~$at: no error, every g\$i and no f\$i ($((SECONDS - t0)) s)"
