#!/usr/bin/env bash
# MDS membership end to end (guide: "Configuring MDS Servers", "Adding MDS
# Servers", "Removing MDS Servers", "Changing Parallels Cloud Storage Cluster
# Network"): a 3-MDS cluster on loopback made with make-mds -I and two
# make-mds joins (-b, then bs.list), stat with one master, rm-mds refused
# when the running MDSs would lose their majority and accepted for the
# stopped MDS, configure-mds refused on a running MDS and applied on a
# stopped one, list-services -M.
source "$(dirname "$0")/lib.sh"

C=mdsha
echo "mds-ha-pw" > "$T/pw"
# Every CLI call is bounded in time (a request to an unreachable MDS waits).
ps() { timeout 30 "$BIN/pstorage" --config-dir "$T/host$1" -c $C "${@:2}"; }
# wait_for SECONDS CMD...: polls CMD until it succeeds, bounded by wall time.
wait_for() {
  local end=$((SECONDS + $1)); shift
  while [ "$SECONDS" -lt "$end" ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
psq() { timeout 5 "$BIN/pstorage" --config-dir "$T/host$1" -c $C "${@:2}"; }  # for polling

# MDS k at 127.0.0.1:BASE+10(k-1), each on PORT..PORT+2 (reserved: lib.sh).
BASE=$(reserve_ports 4)
[ -n "$BASE" ] || fail "no free loopback ports"
A1=127.0.0.1:$BASE; A2=127.0.0.1:$((BASE + 10)); A3=127.0.0.1:$((BASE + 20))
PORT=$BASE; MDS=$A1

avail() { psq 1 stat --json 2>/dev/null | jq '[.mds[] | select(.status=="avail")] | length'; }
avail_is() { [ "$(avail)" = "$1" ]; }
masters_is() { [ "$(psq 1 stat --json 2>/dev/null | jq '[.mds[] | select(.master)] | length')" = "$1" ]; }

# --- the first MDS -----------------------------------------------------------
ps 1 make-mds -I -a "$A1" -r "$T/mds1" --password-file "$T/pw" >/dev/null || fail "make-mds -I"
start mds1 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds1"
wait_for 15 masters_is 1 || { stacks "$PID_mds1"; fail "MDS#1 never answered stat as master"; }
pass "MDS#1 created and running"

# --- refusals before the cluster changes ---------------------------------------
out=$(ps 2 make-mds -a 127.0.0.1:$((BASE + 30)) -r "$T/x" -b "$A1" 2>&1) && fail "join from an unauthenticated host accepted"
grep -q "auth-node" <<<"$out" || fail "unauthenticated join does not name auth-node: $out"
mkdir -p "$T/full"; touch "$T/full/f"
out=$(ps 1 make-mds -a "$A2" -r "$T/full" -b "$A1" 2>&1) && fail "join into a non-empty directory accepted"
grep -q "not empty" <<<"$out" || fail "non-empty directory message: $out"
out=$(ps 1 make-mds -a "$A1" -r "$T/x" -b "$A1" 2>&1) && fail "join at a used address accepted"
grep -q "in use" <<<"$out" || fail "used address message: $out"
out=$(ps 1 make-mds -a "$A2" -r "$T/x" -b "$A1" --chunk-size 1M 2>&1) && fail "--chunk-size on a join accepted"
[ -e "$T/x" ] && fail "a refused join left $T/x behind"
[ "$(ps 1 stat --json | jq '.mds | length')" = 1 ] || fail "a refused join changed the membership"
pass "joins refused: unauthenticated host, non-empty directory, address in use, --chunk-size (nothing made)"

# --- MDS#2 joins through -b ------------------------------------------------------
out=$(ps 1 make-mds -a "$A2" -r "$T/mds2" -b "$A1" 2>&1) || fail "make-mds join of MDS#2: $out"
echo "$out"
grep -q "Added MDS#2 at $A2" <<<"$out" || fail "join output: $out"
grep -q "metadata changes wait until MDS#2 runs" <<<"$out" || fail "no 2-MDS warning: $out"
grep -q "pstorage-mdsd.* -r $T/mds2" <<<"$out" || fail "no start hint: $out"
grep -qx "$A2" "$T/host1/clusters/$C/bs.list" || fail "bs.list lacks $A2"
# The answer of a join can be lost (client timeout, the CLI killed): the
# repository was not made. The same make-mds again gets the same id back as
# long as MDS#2 never ran; at the address of a running MDS it is refused (above).
rm -rf "$T/mds2"
out=$(ps 1 make-mds -a "$A2" -r "$T/mds2" -b "$A1" 2>&1) || fail "make-mds join of MDS#2 retried: $out"
grep -q "Added MDS#2 at $A2" <<<"$out" || fail "retried join output: $out"
[ "$(ps 1 stat --json | jq '.mds | length')" = 2 ] || fail "the retried join changed the membership: $(ps 1 stat 2>&1)"
pass "a retried join (answer lost) gets MDS#2 again, membership unchanged"
start mds2 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds2"
wait_for 30 avail_is 2 || fail "MDS#2 not avail: $(ps 1 stat 2>&1)"
pass "MDS#2 joined with -b and runs"

# --- MDS#3 joins through bs.list -------------------------------------------------
joined3() { ps 1 make-mds -a "$A3" -r "$T/mds3" >"$T/join3.txt" 2>&1; }
wait_for 20 joined3 || fail "make-mds join of MDS#3: $(cat "$T/join3.txt")"
grep -q "Added MDS#3 at $A3" "$T/join3.txt" || fail "join output: $(cat "$T/join3.txt")"
start mds3 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds3"
wait_for 30 avail_is 3 || fail "MDS#3 not avail: $(ps 1 stat 2>&1)"
wait_for 10 masters_is 1 || fail "not exactly one master: $(ps 1 stat 2>&1)"
J=$(ps 1 stat --json)
[ "$(jq -c '[.mds[].id] | sort' <<<"$J")" = "[1,2,3]" ] || fail "MDS ids: $(jq -c '.mds' <<<"$J")"
[ "$(jq '.epoch > 0 and .master_id > 0 and .master_problem == ""' <<<"$J")" = true ] || fail "epoch/master: $J"
TXT=$(ps 1 stat)
echo "$TXT" | sed -n '1,12p'
grep -q "epoch time" <<<"$TXT" || fail "no epoch time in stat"
[ "$(grep -cE '^M +[0-9]+ avail' <<<"$TXT")" = 1 ] || fail "stat text lacks one 'M  ID avail' line"
L=$(ps 1 list-services -M --json)
[ "$(jq -c '[.[].mds_id] | sort' <<<"$L")" = "[1,2,3]" ] || fail "list-services -M: $L"
pass "3 MDSs avail, one master, epoch shown; list-services -M shows ids 1..3"

# --- majority rule for rm-mds ------------------------------------------------------
MASTER=$(jq '.master_id' <<<"$J")
VICTIM=3; [ "$MASTER" = 3 ] && VICTIM=2   # stop a follower: no election needed
KEEP=$((6 - MASTER - VICTIM))             # the other running follower
eval "vpid=\$PID_mds$VICTIM"
kill "$vpid"; for _ in $(seq 50); do kill -0 "$vpid" 2>/dev/null || break; sleep 0.1; done
inactive_is() { [ "$(psq 1 stat --json 2>/dev/null | jq -r ".mds[] | select(.id==$VICTIM) | .status")" = inactive ]; }
wait_for 20 inactive_is || fail "stopped MDS#$VICTIM not shown inactive: $(ps 1 stat 2>&1)"
out=$(ps 1 rm-mds "$KEEP" 2>&1) && fail "rm-mds of a running MDS with another one stopped accepted"
echo "$out"
grep -q "fewer than the majority" <<<"$out" || fail "refusal without the majority text: $out"
[ "$(ps 1 stat --json | jq '.mds | length')" = 3 ] || fail "a refused rm-mds changed the membership"
pass "rm-mds $KEEP refused while MDS#$VICTIM is stopped (majority)"
out=$(ps 1 rm-mds "$VICTIM" 2>&1) || fail "rm-mds of the stopped MDS#$VICTIM: $out"
echo "$out"
grep -q "Removed MDS#$VICTIM" <<<"$out" || fail "rm-mds output: $out"
gone() { [ "$(psq 1 stat --json 2>/dev/null | jq -c '[.mds[].id] | sort')" = "$(jq -nc "[$MASTER,$KEEP] | sort")" ]; }
wait_for 10 gone || fail "membership after rm-mds: $(ps 1 stat 2>&1)"
out=$(ps 1 rm-mds 9 2>&1) && fail "rm-mds of an unknown id accepted"
grep -q "not a member" <<<"$out" || fail "unknown id message: $out"
pass "rm-mds of the stopped MDS#$VICTIM accepted; unknown id refused"

# --- configure-mds -------------------------------------------------------------------
out=$(ps 1 configure-mds -r "$T/mds$MASTER" -n "$MASTER@127.0.0.1:$((BASE + 30))" 2>&1) && fail "configure-mds on a running MDS accepted"
grep -q "running" <<<"$out" || fail "running-MDS message: $out"
out=$(ps 1 configure-mds -r "$T/mds$VICTIM" -n 9@127.0.0.1 2>&1) && fail "configure-mds of an unknown id accepted"
grep -q "MDS#9 is not in this repository's MDS list" <<<"$out" || fail "unknown id message: $out"
NEW=127.0.0.1:$((BASE + 30))
out=$(ps 1 configure-mds -r "$T/mds$VICTIM" -n "$VICTIM@$NEW" 2>&1) || fail "configure-mds: $out"
echo "$out"
[ "$(sqlite3 "$T/mds$VICTIM/mds.db" "SELECT address FROM mds WHERE id=$VICTIM")" = "$NEW" ] || fail "mds.db not rewritten"
pass "configure-mds refused on a running MDS and for an unknown id, applied on a stopped one"
