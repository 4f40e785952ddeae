#!/usr/bin/env bash
# The skeleton cluster end to end (issue 2): make-mds, auth-node, make-cs,
# daemons as separate processes exchanging CAF + Cap'n Proto messages on
# loopback, stat/--json/HTTP status, restarts keeping ids, failure detection,
# and the operator-facing errors.
source "$(dirname "$0")/lib.sh"

C=smoke
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"; echo "wrong-pw" > "$T/badpw"
ps1() { "$BIN/pstorage" --config-dir "$T/host1" -c $C "$@"; }
ps2() { "$BIN/pstorage" --config-dir "$T/host2" -c $C "$@"; }

# --- bad input -------------------------------------------------------------
out=$("$BIN/pstorage" --config-dir "$T/host1" -c "bad name" make-mds -I -a "$MDS" -r "$T/x" --password-file "$T/pw" 2>&1) && fail "bad cluster name accepted"
grep -q "invalid cluster name" <<<"$out" || fail "no clear error for bad name: $out"
out=$(ps1 make-mds -I -a "127.0.0.1:99999" -r "$T/x" --password-file "$T/pw" 2>&1) && fail "bad port accepted"
grep -q "out of range" <<<"$out" || fail "bad port message: $out"
pass "bad cluster name and address refused with clear messages"

# --- create the cluster ------------------------------------------------------
ps1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" >/dev/null
grep -q "^pstorage-auth-v1 $C " "$T/host1/clusters/$C/auth_digest.key" || fail "auth_digest.key not written"
grep -q "secret-pw" "$T/host1/clusters/$C/auth_digest.key" "$T/mds/mds.db" && fail "clear password stored"
grep -qx "$MDS" "$T/host1/clusters/$C/bs.list" || fail "bs.list lacks the MDS"
out=$(echo secret-pw | ps1 make-mds -I -a "$MDS" -r "$T/mds" -p 2>&1) && fail "second make-mds into the same repo accepted"
pass "make-mds created repository, bs.list and digest (no clear password)"

start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
mds_http_up "$PID_mds"

# --- auth-node on a second host --------------------------------------------
mkdir -p "$T/host2/clusters/$C"; echo "$MDS" > "$T/host2/clusters/$C/bs.list"
out=$(ps2 make-cs -r "$T/cs2" 2>&1) && fail "make-cs without auth-node accepted"
grep -q "auth-node" <<<"$out" || fail "make-cs error does not name auth-node: $out"
out=$(ps2 auth-node --password-file "$T/badpw" 2>&1) && fail "wrong password accepted"
grep -q "wrong password" <<<"$out" || fail "wrong password message: $out"
[ -f "$T/host2/clusters/$C/auth_digest.key" ] && fail "key written after wrong password"
echo secret-pw | ps2 auth-node >/dev/null || fail "auth-node with password on stdin failed"
cmp -s "$T/host1/clusters/$C/auth_digest.key" "$T/host2/clusters/$C/auth_digest.key" || fail "digests differ"
pass "auth-node: wrong password refused, right one (stdin) accepted"

# --- chunk servers -----------------------------------------------------------
ps1 make-cs -r "$T/cs1" >/dev/null
ps2 make-cs -r "$T/cs2" -t 2 >/dev/null
ps2 make-cs -r "$T/cs3" -S >/dev/null
start cs1 "$BIN/pstorage-csd" --config-dir "$T/host1" -r "$T/cs1"
start cs2 "$BIN/pstorage-csd" --config-dir "$T/host2" -r "$T/cs2"
start cs3 "$BIN/pstorage-csd" --config-dir "$T/host2" -r "$T/cs3"
active() { [ "$(ps1 stat --json | jq '[.cs[] | select(.status=="active")] | length')" = "$1" ]; }
wait_until 15 active 3 || fail "3 CS did not become active"
J=$(ps1 stat --json)
[ "$(jq -r '.cluster' <<<"$J")" = "$C" ] || fail "cluster name in stat"
[ "$(jq -c '[.cs[].id] | sort' <<<"$J")" = "[1025,1026,1027]" ] || fail "CS ids: $(jq -c '[.cs[].id]' <<<"$J")"
[ "$(jq -r '.mds[0].master' <<<"$J")" = "true" ] || fail "no master mark"
[ "$(jq '[.cs[] | select(.space_bytes > 0 and .free_bytes > 0)] | length' <<<"$J")" = 3 ] || fail "space not reported"
[ "$(jq -r '.cs[] | select(.tier==2) | .flags' <<<"$J")" = "C" ] || fail "tier/flags of cs2"
[ "$(jq -r '[.cs[] | select(.flags=="D")] | length' <<<"$J")" = 1 ] || fail "-S (no checksums) flag"
h1=$(cat "$T/host1/host_id"); h2=$(cat "$T/host2/host_id")
[ "$h1" != "$h2" ] || fail "host ids equal"
[ "$(jq -r "[.cs[] | select(.host_id==\"$h2\")] | length" <<<"$J")" = 2 ] || fail "host_id not reported"
ps1 stat | grep -q "CS nodes:  3 of 3" || fail "text stat"
ps1 stat | grep -qE "^M +1 +avail .* $MDS$" || fail "text stat MDS line: $(ps1 stat)"
pass "3 CS registered across processes with ids 1025..1027, space, tier, flags, host ids"

curl -sf "http://127.0.0.1:$((PORT+2))/status" | jq -e '.cs | length == 3' >/dev/null || fail "MDS /status"
cport=$(jq -r '.cs[0].http_port' <<<"$J")
curl -sf "http://127.0.0.1:$cport/status" | jq -e '.role == "cs" and .registered' >/dev/null || fail "CS /status"
pass "HTTP /status on MDS and CS"

ps1 list-services --json | jq -e 'length == 2' >/dev/null || fail "list-services host1"
ps2 list-services | grep -q "$T/cs3" || fail "list-services host2"
pass "list-services"

# --- failure detection and restarts ------------------------------------------
ID1=$(grep -o 'registered with the MDS as CS#[0-9]*' "$T/cs1.out" | head -1 | grep -o '[0-9]*$')
[ -n "$ID1" ] || fail "cs1 did not log its id"
kill -9 "$PID_cs1"
status_of() { [ "$(ps1 stat --json | jq -r ".cs[] | select(.id==$1) | .status")" = "$2" ]; }
wait_until 2 status_of "$ID1" inactive || fail "killed CS not inactive within 2 s"
pass "kill -9 of a CS noticed (inactive) within 2 s"
start cs1b "$BIN/pstorage-csd" --config-dir "$T/host1" -r "$T/cs1"
wait_until 10 status_of "$ID1" active || fail "restarted CS did not come back as CS#$ID1"
wait_until 5 grep -q "registered with the MDS as CS#$ID1" "$T/cs1b.out" || fail "restarted CS got another id"
kill "$PID_mds"; wait "$PID_mds" 2>/dev/null || true
start mds2 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
wait_until 15 active 3 || fail "CS did not re-register after MDS restart"
[ "$(ps1 stat --json | jq -c '[.cs[].id] | sort')" = "[1025,1026,1027]" ] || fail "ids changed after restarts"
pass "restarts of a CS and of the MDS keep CS ids"

# --- daemon on an unauthenticated host ----------------------------------------
mkdir -p "$T/host3"
out=$("$BIN/pstorage-csd" --config-dir "$T/host3" -r "$T/cs3" 2>&1) && fail "csd started without auth"
grep -q "auth-node" <<<"$out" || fail "csd error does not name auth-node: $out"
pass "daemon on an unauthenticated host stops with a message naming auth-node"
echo "cluster_smoke: all passed"
