#!/usr/bin/env bash
# The cluster CA in the journal (issue 14; docs/security.md "Keys and
# certificates"): make-mds -I keeps the CA in MDS#1's mds.db; MDS#1, once
# master, journals it (cmd_set_cluster_ca, md.db table md_ca). Then:
#  1. MDS#1's md.db holds the CA, the same as its mds.db;
#  2. MDS#2 and MDS#3, added after, get it from the journal: their md.db has
#     it, their mds.db has no copy (the membership answer no longer carries
#     it once it is journaled);
#  3. MDS#1 (the master that made the CA) is killed (-9); a new master is
#     elected and answers auth-node for host2: its certificate verifies
#     against the original CA and host2's CLI talks to the new master;
#  4. MDS#1 restarted proposes nothing new (one md_ca row, one journaled
#     set_cluster_ca on the new master's md.db).
# Every wait is bounded.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
C=cajrn
echo "ca-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 30 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
BASE=$(reserve_ports 3)
A=(x "127.0.0.1:$BASE" "127.0.0.1:$((BASE + 10))" "127.0.0.1:$((BASE + 20))")
stat_json() { timeout 10 "$BIN/pstorage" --config-dir "$T/host1" -c $C stat --json 2>/dev/null; }
avail_is() { [ "$(stat_json | jq '[.mds[] | select(.status=="avail")] | length')" = "$1" ]; }
master_id() { stat_json | jq -r 'if .master_problem == "" then .master_id else 0 end'; }
ca_row() { sqlite3 -readonly -cmd '.timeout 5000' "$T/mds$1/md.db" "SELECT cert_pem FROM md_ca WHERE id = 1" 2>/dev/null; }
meta() { sqlite3 -readonly -cmd '.timeout 5000' "$T/mds$1/mds.db" "SELECT value FROM meta WHERE key = '$2'" 2>/dev/null; }
has_ca_row() { [ -n "$(ca_row "$1")" ]; }

ps 1 make-mds -I -a "${A[1]}" -r "$T/mds1" --password-file "$T/pw" --chunk-size 1M >/dev/null || fail "make-mds -I"
start mds1 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds1"
mds_http_up "$PID_mds1" "$BASE"

# --- 1. the master journals its CA -------------------------------------------------------------------
wait_until 20 has_ca_row 1 || fail "MDS#1 did not journal the CA: $(grep -i 'cluster CA' "$T/mds1.out")"
CACERT=$(meta 1 cluster_ca_cert)
[ -n "$CACERT" ] || fail "no CA in MDS#1's mds.db"
[ "$(ca_row 1)" = "$CACERT" ] || fail "md.db's CA differs from mds.db's"
grep -q "the cluster CA is in the journal" "$T/mds1.out" || fail "MDS#1 did not log the journaled CA"
pass "MDS#1 journaled its CA (md_ca = mds.db's)"

# --- 2. later MDSs get it from the journal ----------------------------------------------------------
for k in 2 3; do
  joined() { ps 1 make-mds -a "${A[$k]}" -r "$T/mds$k" -b "${A[1]}" >"$T/join$k.txt" 2>&1; }
  wait_until 20 joined || fail "join of MDS#$k: $(cat "$T/join$k.txt")"
  start mds$k "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds$k"
  wait_until 30 avail_is "$k" || fail "MDS#$k not avail: $(ps 1 stat 2>&1 | head -20)"
done
for k in 2 3; do
  wait_until 20 has_ca_row $k || fail "MDS#$k's md.db has no CA"
  [ "$(ca_row $k)" = "$CACERT" ] || fail "MDS#$k's journaled CA differs"
  [ -z "$(meta $k cluster_ca_key)" ] || fail "MDS#$k got the CA key in mds.db (the membership answer), not only the journal"
done
pass "MDS#2 and MDS#3 have the CA from the journal only (md.db), none in their mds.db"

# --- 3. the master that made the CA dies; the new master signs ---------------------------------------
[ "$(master_id)" = 1 ] || fail "MDS#1 is not master: $(stat_json | jq -c '{master_id, master_problem}')"
kill -9 "$PID_mds1"; wait "$PID_mds1" 2>/dev/null || true
new_master() { local m; m=$(master_id); [ -n "$m" ] && [ "$m" != 0 ] && [ "$m" != 1 ] && [ "$m" != null ]; }
wait_until 30 new_master || fail "no new master after MDS#1 was killed: $(stat_json | jq -c '{master_id, master_problem}')"
M=$(master_id)
mkdir -p "$T/host2/clusters/$C"; printf '%s\n' "${A[1]}" "${A[2]}" "${A[3]}" > "$T/host2/clusters/$C/bs.list"
authed() { ps 2 auth-node --password-file "$T/pw" >"$T/auth2.txt" 2>&1; }
wait_until 30 authed || fail "auth-node with MDS#$M master: $(cat "$T/auth2.txt")"
openssl verify -CAfile <(printf '%s\n' "$CACERT") "$T/host2/clusters/$C/node.crt" >/dev/null \
  || fail "host2's certificate does not verify against the original CA"
fp() { openssl x509 -noout -fingerprint -sha256; }
[ "$(printf '%s\n' "$CACERT" | fp)" = "$(fp < "$T/host2/clusters/$C/ca.crt")" ] || fail "host2's ca.crt is not the original CA"
ps 2 stat >/dev/null || fail "host2's CLI cannot talk to the cluster over TLS"
wait_until 10 bash -c "'$BIN/pstorage' --config-dir '$T/host2' -c $C get-event | grep -q \"host '.*' authenticated\"" \
  || fail "no auth-node event"
pass "MDS#1 killed; new master MDS#$M signed host2's certificate with the journaled CA; host2's CLI works"

# --- 4. MDS#1 back: still one CA ---------------------------------------------------------------------
start mds1 "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds1"
wait_until 30 avail_is 3 || fail "MDS#1 did not come back: $(ps 1 stat 2>&1 | head -20)"
[ "$(sqlite3 -readonly "$T/mds$M/md.db" 'SELECT count(*) FROM md_ca')" = 1 ] || fail "md_ca rows"
grep -q "another cluster CA" "$T"/mds*.out && fail "an MDS saw another CA"
pass "MDS#1 rejoined; one CA in the journal"
