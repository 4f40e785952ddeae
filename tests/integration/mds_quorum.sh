#!/usr/bin/env bash
# MDS quorum end to end (docs/operations.md "MDS high availability": 5 MDSs
# survive the loss of 2): 5 MDSs (make-mds -I + 4 joins), 3 CSs, a FUSE mount.
# kill -9 of two MDSs at once, the master among them: metadata changes through
# the mount keep working. A third killed: no metadata change succeeds with 2 of
# 5 running, and stat (answered by a surviving MDS) shows the no-master
# problem. One MDS restarted: changes resume. All restarted: the MDS stores
# agree (pstorage md-digest of each, stopped). Needs root and /dev/fuse.
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse mds_quorum

C=quorum
echo "quorum-pw" > "$T/pw"
t_start=$SECONDS
make_cluster 5
mount_it
M1=$(master_id); [ "$M1" -gt 0 ] || fail "no master"
pass "5 MDSs (master MDS#$M1), 3 CSs, mounted ($((SECONDS - t_start)) s)"

out=$("$BIN/pstorage" md-digest -r "$T/mds$M1" 2>&1) && fail "md-digest of a running MDS accepted: $out"
grep -q "is running" <<<"$out" || fail "md-digest refusal does not say the MDS runs: $out"
pass "md-digest refused on a running MDS"

T60 mkdir "$MNT/d" && T60 touch "$MNT/d/before" || fail "metadata change with 5 MDSs"

# --- two killed at once, the master among them ------------------------------------
V2=$(( (M1 % 5) + 1 ))          # another MDS
mds_kill9 "$M1" "$V2"   # one kill -9 for both PIDs
t0=$SECONDS
new_master() { local m; m=$(master_id); [ -n "$m" ] && [ "$m" != 0 ] && [ "$m" != "$M1" ] && [ "$m" != "$V2" ]; }
wait_for 30 new_master || fail "no new master after killing MDS#$M1 and MDS#$V2: $(psq 1 stat 2>&1)"
M2=$(master_id)
pass "MDS#$M1 (master) and MDS#$V2 killed -9 at once; MDS#$M2 master after $((SECONDS - t0)) s"
for i in 1 2 3 4 5; do
  T60 mkdir "$MNT/d/three$i" && T60 touch "$MNT/d/three$i/f" && T60 mv "$MNT/d/three$i/f" "$MNT/d/three$i/g" \
    || fail "metadata change $i through the mount with 3 of 5 MDSs"
done
[ "$(T60 ls "$MNT/d" | wc -l)" = 6 ] || fail "ls after changes with 3 of 5: $(T60 ls "$MNT/d")"
pass "metadata changes through the mount work with 3 of 5 MDSs"

# --- a third killed: 2 of 5 run -------------------------------------------------------
V3=$M2
mds_kill9 "$V3"
SURV=(); for k in 1 2 3 4 5; do [ "${MPID[$k]:-0}" != 0 ] && SURV+=("$k"); done
[ "${#SURV[@]}" = 2 ] || fail "expected 2 running MDSs, have ${SURV[*]}"
# mkdir through the mount and set-config through the CLI, at once: neither may succeed.
( timeout -k 3 15 mkdir "$MNT/d/nomaj"; echo "rc=$?" ) >"$T/nomaj_mkdir.out" 2>&1 &
MK=$!
rc=0; out=$(timeout -k 3 25 "$BIN/pstorage" --config-dir "$T/host2" -c $C set-config mds.repl.rebalance_jobs=3 2>&1) || rc=$?
[ $rc != 0 ] || fail "set-config succeeded with 2 of 5 MDSs running: $out"
echo "set-config with 2 of 5 (rc $rc): $(head -c 300 <<<"$out")"
for _ in $(seq 250); do kill -0 "$MK" 2>/dev/null || break; sleep 0.1; done
kill -0 "$MK" 2>/dev/null && fail "mkdir with 2 of 5 MDSs not ended by timeout"
wait "$MK" || true
grep -q "rc=0" "$T/nomaj_mkdir.out" && fail "mkdir through the mount succeeded with 2 of 5 MDSs running"
echo "mkdir with 2 of 5: $(tr '\n' ' ' < "$T/nomaj_mkdir.out")"
for k in "${SURV[@]}"; do
  n=$(sqlite3 -readonly -cmd '.timeout 5000' "$T/mds$k/md.db" "SELECT count(*) FROM md_dentries WHERE name='nomaj'") \
    || fail "read MDS#$k md.db"
  [ "$n" = 0 ] || fail "MDS#$k applied mkdir nomaj with 2 of 5 running"
  v=$(sqlite3 -readonly -cmd '.timeout 5000' "$T/mds$k/md.db" "SELECT count(*) FROM md_params WHERE name='mds.repl.rebalance_jobs' AND value=3")
  [ "$v" = 0 ] || fail "MDS#$k applied set-config with 2 of 5 running"
done
pass "with 2 of 5 MDSs (${SURV[*]}) neither mkdir through the mount nor set-config succeeds"
J=$(timeout 25 "$BIN/pstorage" --config-dir "$T/host2" -c $C stat --json 2>&1) || fail "stat with 2 of 5 MDSs: $J"
problem=$(jq -r '.master_problem' <<<"$J") || fail "stat --json: $J"
[ -n "$problem" ] && [ "$(jq '.master_id' <<<"$J")" = 0 ] || fail "stat with 2 of 5 shows no master problem: $(jq -c '{master_id, master_problem}' <<<"$J")"
TXT=$(timeout 25 "$BIN/pstorage" --config-dir "$T/host2" -c $C stat 2>&1) || true
grep -q "NO MASTER MDS" <<<"$TXT" || fail "stat text lacks the NO MASTER banner: $(head -5 <<<"$TXT")"
pass "stat answered by a surviving MDS: master_problem \"$problem\""

# --- one restarted: 3 of 5, changes resume ---------------------------------------------
mds_run "$V3"; t0=$SECONDS
wait_for 40 new_master || fail "no master after restarting MDS#$V3: $(psq 1 stat 2>&1)"
T60 mkdir "$MNT/d/resumed" && T60 touch "$MNT/d/resumed/f" || fail "metadata change after restarting MDS#$V3"
[ -f "$MNT/d/resumed/f" ] || fail "resumed/f missing"
pass "MDS#$V3 restarted: master MDS#$(master_id), changes through the mount resume ($((SECONDS - t0)) s)"
[ -d "$MNT/d/nomaj" ] && echo "note: the mount's mkdir nomaj (timed out for the application) was applied after the quorum came back"

# --- everyone back; stores agree ----------------------------------------------------------
mds_run "$M1"; mds_run "$V2"
digest_check
echo "mds_quorum: $((SECONDS - t_start)) s"
