#!/usr/bin/env bash
# MDS crash loop (docs/election.md: "Propose, answer when applied", "Retried
# requests"): 3 MDSs, 3 CSs, a FUSE mount. Each of ROUNDS rounds (default 3;
# ROUNDS=20 for the full acceptance run) runs a bounded loop of creates
# (O_EXCL), renames and unlinks through the mount, recording every operation
# the application saw succeed, while kill -9 hits a random MDS at a random
# moment; the MDS is restarted. At the end the names in the directory equal
# those the acknowledged operations imply, the application saw no error, and
# the three MDS stores agree (pstorage md-digest). SEED=N replays the choices.
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse mds_crash_loop

ROUNDS=${ROUNDS:-3}
OPS=${OPS:-60}                # iterations per round: create, rename, every 3rd an unlink
SEED=${SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$SEED
echo "mds_crash_loop: ROUNDS=$ROUNDS OPS=$OPS SEED=$SEED"
C=crash
echo "crash-pw" > "$T/pw"
t_start=$SECONDS
make_cluster 3
mount_it
mkdir "$MNT/d" || fail "mkdir d"
pass "3 MDSs (master MDS#$(master_id)), 3 CSs, mounted ($((SECONDS - t_start)) s)"

: >"$T/acked.log"
ERRORS=0
for r in $(seq "$ROUNDS"); do
  wait_for 60 avail_is 3 || fail "round $r: not all 3 MDSs avail before the round: $(psq 1 stat 2>&1)"
  m=$(master_id)
  (
    set +e
    for i in $(seq "$OPS"); do
      a="$MNT/d/a.$r.$i" b="$MNT/d/b.$r.$i"
      timeout -k 5 60 bash -c 'set -C; : > "$1"' _ "$a" || { echo "E create a.$r.$i"; exit 1; }
      echo "C a.$r.$i"
      timeout -k 5 60 mv -T "$a" "$b" || { echo "E rename a.$r.$i b.$r.$i"; exit 1; }
      echo "R a.$r.$i b.$r.$i"
      if [ $((i % 3)) = 0 ]; then
        timeout -k 5 60 rm "$b" || { echo "E unlink b.$r.$i"; exit 1; }
        echo "U b.$r.$i"
      fi
    done
  ) >"$T/round$r.log" 2>"$T/round$r.err" &
  LOOP=$!
  victim=$((1 + RANDOM % 3))
  # at least one round kills the master: the last one, if no earlier one did
  [ "$r" = "$ROUNDS" ] && [ "${MASTER_KILLS:-0}" = 0 ] && victim=$m
  [ "$victim" = "$m" ] && MASTER_KILLS=$((${MASTER_KILLS:-0} + 1))
  delay_ms=$((200 + RANDOM % 1800)); down_ms=$((300 + RANDOM % 1700))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  ops_before=$(wc -l <"$T/round$r.log")
  mds_kill9 "$victim"
  sleep "$(printf '%d.%03d' $((down_ms / 1000)) $((down_ms % 1000)))"
  mds_run "$victim"
  for _ in $(seq 1200); do kill -0 "$LOOP" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$LOOP" 2>/dev/null && { kill "$LOOP"; fail "round $r: the operation loop hung: $(tail -3 "$T/round$r.log")"; }
  rc=0; wait "$LOOP" || rc=$?
  grep -v '^E ' "$T/round$r.log" >>"$T/acked.log"
  role=follower; [ "$victim" = "$m" ] && role=master
  if [ $rc != 0 ]; then
    ERRORS=$((ERRORS + 1))
    echo "FAIL: round $r: the application saw an error: $(grep '^E ' "$T/round$r.log") $(head -c 300 "$T/round$r.err") (MDS#$victim, $role, killed after $ops_before ops)" >&2
    grep '^E ' "$T/round$r.log" | sed 's/^E /? /' >>"$T/acked.log"   # outcome unknown to the application
  fi
  echo "round $r: kill -9 MDS#$victim ($role) after $ops_before ops, down ${down_ms} ms; $(wc -l <"$T/round$r.log") operations acknowledged, rc $rc"
done
wait_for 60 avail_is 3 || fail "not all 3 MDSs avail after the rounds: $(psq 1 stat 2>&1)"

# Expected names: replay the acknowledged operations. A name whose operation
# failed for the application ("? ") is uncertain and left out of the check.
awk '
  $1 == "C" { s[$2] = 1 }
  $1 == "R" { delete s[$2]; s[$3] = 1 }
  $1 == "U" { delete s[$2] }
  $1 == "?" { for (k = 3; k <= NF; k++) u[$k] = 1; u[$3] = 1 }
  END { for (n in s) if (!(n in u)) print "E " n; for (n in u) print "U " n }' "$T/acked.log" >"$T/expect.txt"
awk '$1 == "E" { print $2 }' "$T/expect.txt" | sort >"$T/want.txt"
awk '$1 == "U" { print $2 }' "$T/expect.txt" | sort >"$T/uncertain.txt"
T60 ls "$MNT/d" >"$T/ls.txt" || fail "ls d"
awk 'FILENAME == ARGV[1] { u[$1] = 1; next } !($1 in u)' "$T/uncertain.txt" "$T/ls.txt" | sort >"$T/have.txt"
if ! cmp -s "$T/want.txt" "$T/have.txt"; then
  fail "names differ from the acknowledged operations: missing [$(comm -23 "$T/want.txt" "$T/have.txt" | head -20 | tr '\n' ' ')] unexpected [$(comm -13 "$T/want.txt" "$T/have.txt" | head -20 | tr '\n' ' ')]"
fi
pass "$(grep -c . "$T/acked.log") acknowledged operations over $ROUNDS rounds: the $(wc -l <"$T/want.txt") names they imply are exactly those in the directory"
digest_check
[ "$ERRORS" = 0 ] || fail "$ERRORS of $ROUNDS rounds: the application saw an error (see above; SEED=$SEED)"
pass "no application error in $ROUNDS rounds (${MASTER_KILLS:-0} of them killed the master) ($((SECONDS - t_start)) s, SEED=$SEED)"
