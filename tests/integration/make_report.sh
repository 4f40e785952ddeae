#!/usr/bin/env bash
# pstorage make-report (issue 16; guide "Submitting Problem Reports to
# Technical Support"; docs/operations.md "make-report"): 1 MDS + 2 CSs on
# loopback. The archive lists the documented files (cluster stat, top,
# events, parameters, license state; every daemon's /status and /metrics;
# this host's configuration and the MDS's log; every daemon's log through its
# HTTP port, POST /log, which refuses a forged proof). Secrets planted where a
# careless report would pick them up — the host's auth_digest.key in the
# configuration directory, a PEM private key file beside it, a log line
# carrying the digest and the password — must not be in the archive: grep
# of every extracted file and of the raw tar stream for the password, the
# digest, the salt, the key file's line and "PRIVATE KEY" finds nothing.
# With a CS stopped the report is still written and names the node it could
# not reach. Without -f it writes ./pstorage-report-DATE-TIME.tgz.
source "$(dirname "$0")/lib.sh"
command -v tar >/dev/null || skip "make_report: needs tar"

C=report
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
PW="rep0rt-S3cret-pw-$$"
echo "$PW" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }

start_mds 1M
join_host 2
start_cs 1
start_cs 2
wait_until 30 active 2 || fail "2 CSs not active: $(ps 1 stat 2>&1)"
IDS=$(ps 1 stat --json | jq -r '.cs[].id' | sort)
pass "cluster up: CSs $(echo $IDS)"

KEYFILE="$T/host1/clusters/$C/auth_digest.key"
[ -s "$KEYFILE" ] || fail "no auth_digest.key on host1"
read -r _ _ SALT _ DIGEST < "$KEYFILE"
[ ${#DIGEST} = 64 ] || fail "unexpected digest form in $KEYFILE"
# Planted secrets.
cat > "$T/host1/clusters/$C/planted.pem" <<'PEM'
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7planted
-----END PRIVATE KEY-----
PEM
echo "2026-12-07 00:00:00.000 mdsd[1] info: planted line digest=$DIGEST password=$PW" >> "$T/mds/logs/mdsd.log"

out=$(ps 1 make-report -f "$T/r.tgz") || fail "make-report: $out"
grep -q "saved to $T/r.tgz" <<<"$out" || fail "make-report did not name the file: $out"
tar -tzf "$T/r.tgz" > "$T/list.txt" || fail "the archive does not list"
top=$(head -1 "$T/list.txt" | cut -d/ -f1)
[ "$top" = r ] || fail "archive top directory '$top', want 'r'"
want=(MANIFEST.txt report.json cluster/stat.json cluster/stat.txt cluster/top.txt cluster/events.json
      cluster/events.txt cluster/config.json cluster/license.json nodes/mds-1/status.json nodes/mds-1/metrics.txt
      local/config/host_id "local/config/clusters/$C/bs.list" local/services.json local/logs/mds-mds/mdsd.log)
want+=(nodes/mds-1/logs/mdsd.log)
for id in $IDS; do want+=("nodes/cs-$id/status.json" "nodes/cs-$id/metrics.txt" "nodes/cs-$id/logs/csd.log"); done
for f in "${want[@]}"; do grep -qx "r/$f" "$T/list.txt" || fail "archive lacks $f: $(cat "$T/list.txt")"; done
pass "the archive lists the ${#want[@]} documented files: $(grep -c . "$T/list.txt") entries"

mkdir "$T/x" && tar -xzf "$T/r.tgz" -C "$T/x" || fail "extract"
jq -e ".cluster == \"$C\" and (.nodes | length) == 3 and all(.nodes[]; .reached)" "$T/x/r/report.json" >/dev/null \
  || fail "report.json: $(cat "$T/x/r/report.json")"
grep -q "^Cluster '$C': " "$T/x/r/cluster/top.txt" || fail "top.txt lacks the header"
grep -q "The cluster is healthy with 2 active CS" "$T/x/r/cluster/events.txt" || fail "events.txt lacks the events"
grep -q "pstorage_" "$T/x/r/nodes/mds-1/metrics.txt" || fail "metrics.txt of mds-1 is not /metrics"
grep -q "planted line" "$T/x/r/local/logs/mds-mds/mdsd.log" || fail "the MDS log is not the live one"
grep -q "planted line" "$T/x/r/nodes/mds-1/logs/mdsd.log" || fail "the MDS log through its HTTP port is not the live one"
for id in $IDS; do
  grep -q "chunk server of cluster '$C' serving on" "$T/x/r/nodes/cs-$id/logs/csd.log" \
    || fail "the log of CS#$id through its HTTP port: $(head -3 "$T/x/r/nodes/cs-$id/logs/csd.log")"
done
pass "report.json names 3 reached nodes; top, events, metrics and the MDS log are the live ones; every daemon's log came through its HTTP port"

# POST /log without the cluster's digest: refused with why (log_share.hpp).
for id in $IDS; do
  port=$(jq -r ".cs[] | select(.id == $id) | .http_port" "$T/x/r/cluster/stat.json")
  code=$(curl -s -o "$T/forged.out" -w '%{http_code}' -X POST -d "{\"cluster\":\"$C\",\"time\":$(date +%s),\"proof\":\"$(printf '0%.0s' $(seq 64))\"}" \
    "http://127.0.0.1:$port/log")
  [ "$code" = 403 ] && grep -q "wrong proof" "$T/forged.out" || fail "CS#$id answered a forged POST /log with $code: $(cat "$T/forged.out")"
done
pass "a POST /log with a forged proof is refused (403, wrong proof)"

# The secrets: nowhere, in no file and not in the raw stream.
for s in "$PW" "$DIGEST" "${DIGEST^^}" "$SALT" "pstorage-auth-v1" "PRIVATE KEY" "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7planted"; do
  if grep -rqF -- "$s" "$T/x"; then fail "the report holds a secret ($s) in: $(grep -rlF -- "$s" "$T/x")"; fi
  if tar -xzOf "$T/r.tgz" | grep -qF -- "$s"; then fail "the raw archive holds a secret ($s)"; fi
done
grep -q "auth_digest.key\|planted.pem" "$T/list.txt" && fail "the archive holds a key file: $(cat "$T/list.txt")"
grep -q "digest=\[REDACTED\] password=\[REDACTED\]" "$T/x/r/local/logs/mds-mds/mdsd.log" \
  || fail "the planted log line was not redacted: $(grep planted "$T/x/r/local/logs/mds-mds/mdsd.log")"
pass "no password, digest, salt, key file or private key in the archive (the planted log line redacted)"

# A stopped CS: the report is still written and names what it could not reach.
kill "$PID_cs2"
wait_until 20 gone "$PID_cs2" || fail "cs2 did not stop"
mkdir "$T/cwd" && cd "$T/cwd"
out=$(ps 1 make-report 2>"$T/report2.err") || fail "make-report with a CS down: $out $(cat "$T/report2.err")"
cd "$T"
f=$(ls "$T/cwd"/pstorage-report-*.tgz) || fail "no default-named archive in the working directory: $out"
[[ "$(basename "$f")" =~ ^pstorage-report-[0-9]{8}-[0-9]{6}\.tgz$ ]] || fail "default name $(basename "$f")"
tar -xzOf "$f" --wildcards '*/report.json' | jq -e '[.nodes[] | select(.reached | not)] | length == 1' >/dev/null \
  || fail "report.json does not name the unreachable CS: $(tar -xzOf "$f" --wildcards '*/report.json')"
grep -q "make-report: nodes/cs-" "$T/report2.err" || fail "no warning about the unreachable CS: $(cat "$T/report2.err")"
pass "with a CS stopped: $(basename "$f") written, the unreachable CS named in report.json and on stderr"
