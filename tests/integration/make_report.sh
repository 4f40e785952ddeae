#!/usr/bin/env bash
# pstorage make-report (issue 16; guide "Submitting Problem Reports to
# Technical Support"; docs/operations.md "make-report"): 1 MDS (host1) + 2
# CSs, each on its own host directory (host2, host3: their own host_id,
# bs.list, services, auth_digest.key), on loopback. The archive lists the
# documented files (cluster stat, top, events, parameters, license state;
# every daemon's /status and /metrics; this host's configuration and the
# MDS's log; every daemon's log through its HTTP port, POST /log, and its
# configuration, POST /config: its own host's host_id, location, services and
# bs.list and its repository's settings; both refuse a forged proof).
# Secrets planted where a careless report would pick them up — the host's
# auth_digest.key in the configuration directory, a PEM private key file
# beside it, a log line carrying the digest and the password; on the other
# hosts a fake auth_digest.key, a private key, a password= file, and a
# password= line, a private key block and the key line inside their
# (whitelisted) services files; in every repository a fake key, a private
# key and a password= file — must not be in the archive: grep of every
# extracted file and of the raw tar stream for the passwords, the digests,
# the salts, the key lines and "PRIVATE KEY" finds nothing. With a CS
# stopped the report is still written and names the node it could not
# reach. Without -f it writes ./pstorage-report-DATE-TIME.tgz.
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
join_host 3
echo "room1.row2.rack3" > "$T/host2/location"
start_cs 2
start_cs 3
wait_until 30 active 2 || fail "2 CSs not active: $(ps 1 stat 2>&1)"
IDS=$(ps 1 stat --json | jq -r '.cs[].id' | sort)
HIDS=$(cat "$T"/host{1,2,3}/host_id | sort -u | wc -l)
[ "$HIDS" = 3 ] || fail "the 3 host directories do not have 3 different host ids: $(cat "$T"/host{1,2,3}/host_id)"
pass "cluster up: CSs $(echo $IDS) on host2 and host3, the MDS on host1 (3 host ids)"

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
# ... on the other hosts and in every repository (POST /config must not send them).
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
FAKE_DIGEST=$(hex 32) FAKE_SALT=$(hex 16) PW2="0ther-h0st-pw-$$" PW3="rep0-pw-$$"
PEM_BODY=MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7otherhost
pem() { printf -- '-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n' "$PEM_BODY"; }
for h in 2 3; do
  echo "pstorage-auth-v1 $C $FAKE_SALT 100000 $FAKE_DIGEST" > "$T/host$h/clusters/$C/auth_digest.key.old"
  pem > "$T/host$h/clusters/$C/planted.pem"
  pem > "$T/host$h/node.key.planted"
  echo "password=$PW2" > "$T/host$h/password.conf"
done
for r in mds cs2 cs3; do
  echo "pstorage-auth-v1 $C $FAKE_SALT 100000 $FAKE_DIGEST" > "$T/$r/auth_digest.key"
  pem > "$T/$r/planted.pem"
  printf 'user=admin\npassword=%s\n' "$PW3" > "$T/$r/repo.conf"
done
# Inside whitelisted files (they go in, redacted): read by no daemon once started.
echo "password=$PW2" >> "$T/host2/services"
{ pem; cat "$T/host3/clusters/$C/auth_digest.key"; } >> "$T/host3/services"

out=$(ps 1 make-report -f "$T/r.tgz") || fail "make-report: $out"
grep -q "saved to $T/r.tgz" <<<"$out" || fail "make-report did not name the file: $out"
tar -tzf "$T/r.tgz" > "$T/list.txt" || fail "the archive does not list"
top=$(head -1 "$T/list.txt" | cut -d/ -f1)
[ "$top" = r ] || fail "archive top directory '$top', want 'r'"
want=(MANIFEST.txt report.json cluster/stat.json cluster/stat.txt cluster/top.txt cluster/events.json
      cluster/events.txt cluster/config.json cluster/license.json nodes/mds-1/status.json nodes/mds-1/metrics.txt
      local/config/host_id "local/config/clusters/$C/bs.list" local/services.json local/logs/mds-mds/mdsd.log)
want+=(nodes/mds-1/logs/mdsd.log)
want+=(nodes/mds-1/config/host_id "nodes/mds-1/config/clusters/$C/bs.list" nodes/mds-1/config/services
       nodes/mds-1/config/repository.json)
for id in $IDS; do
  want+=("nodes/cs-$id/status.json" "nodes/cs-$id/metrics.txt" "nodes/cs-$id/logs/csd.log" "nodes/cs-$id/config/host_id"
         "nodes/cs-$id/config/services" "nodes/cs-$id/config/clusters/$C/bs.list" "nodes/cs-$id/config/repository.json")
done
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

# Each daemon's configuration came from its own host directory and repository (POST /config).
N="$T/x/r/nodes"
cmp -s "$N/mds-1/config/host_id" "$T/host1/host_id" || fail "mds-1's host_id is not host1's"
jq -e ".kind == \"mds\" and .mds_id == 1 and .cluster == \"$C\" and .path == \"$T/mds\" and .chunk_size == 1048576
       and ([.entries[].name] | index(\"md.db\") != null)" "$N/mds-1/config/repository.json" >/dev/null \
  || fail "mds-1's repository.json: $(cat "$N/mds-1/config/repository.json")"
for id in $IDS; do
  repo=$(jq -r .repository "$N/cs-$id/status.json"); h=${repo##*/cs}
  [ "$repo" = "$T/cs$h" ] || fail "CS#$id's repository $repo"
  cmp -s "$N/cs-$id/config/host_id" "$T/host$h/host_id" || fail "CS#$id's host_id is not host$h's"
  cmp -s "$N/cs-$id/config/clusters/$C/bs.list" "$T/host$h/clusters/$C/bs.list" || fail "CS#$id's bs.list"
  grep -q "^cs $C $T/cs$h\$" "$N/cs-$id/config/services" || fail "CS#$id's services: $(cat "$N/cs-$id/config/services")"
  jq -e ".kind == \"cs\" and .cs_id == $id and .path == \"$repo\" and .cluster == \"$C\"" \
    "$N/cs-$id/config/repository.json" >/dev/null || fail "CS#$id's repository.json: $(cat "$N/cs-$id/config/repository.json")"
  if [ "$h" = 2 ]; then
    [ "$(cat "$N/cs-$id/config/location")" = room1.row2.rack3 ] || fail "CS#$id's location"
    grep -qx 'password=\[REDACTED\]' "$N/cs-$id/config/services" || fail "host2's planted password line not redacted"
  else
    [ ! -e "$N/cs-$id/config/location" ] || fail "host3 has no location file, yet CS#$id's config has one"
    grep -q '\[REDACTED KEY\]' "$N/cs-$id/config/services" || fail "host3's planted key block not redacted"
  fi
done
[ "$(cat "$N"/*/config/host_id | sort -u | wc -l)" = 3 ] || fail "the nodes' host ids are not 3 different ones"
pass "every node's config (host_id, location, services, bs.list, repository.json) is its own host's and repository's"

# POST /log and /config without the cluster's digest: refused with why (log_share.hpp).
for id in $IDS mds; do
  if [ $id = mds ]; then port=$((PORT + 2)); else port=$(jq -r ".cs[] | select(.id == $id) | .http_port" "$T/x/r/cluster/stat.json"); fi
  for path in log config; do
    code=$(curl -s -o "$T/forged.out" -w '%{http_code}' -X POST -d "{\"cluster\":\"$C\",\"time\":$(date +%s),\"proof\":\"$(printf '0%.0s' $(seq 64))\"}" \
      "http://127.0.0.1:$port/$path")
    [ "$code" = 403 ] && grep -q "wrong proof" "$T/forged.out" && ! grep -q "$C " "$T/forged.out" \
      || fail "${id} answered a forged POST /$path with $code: $(cat "$T/forged.out")"
  done
done
pass "a POST /log or /config with a forged proof is refused by every daemon (403, wrong proof)"

# The secrets: nowhere, in no file and not in the raw stream.
SECRETS=("$PW" "$DIGEST" "${DIGEST^^}" "$SALT" "pstorage-auth-v1" "PRIVATE KEY" "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7planted"
         "$PW2" "$PW3" "$FAKE_DIGEST" "$FAKE_SALT" "$PEM_BODY" "user=admin")
for s in "${SECRETS[@]}"; do
  if grep -rqF -- "$s" "$T/x"; then fail "the report holds a secret ($s) in: $(grep -rlF -- "$s" "$T/x")"; fi
  if tar -xzOf "$T/r.tgz" | grep -qF -- "$s"; then fail "the raw archive holds a secret ($s)"; fi
done
grep -q "auth_digest\|planted\|node.key\|password.conf\|repo.conf\|\.db$" "$T/list.txt" \
  && fail "the archive holds a key, database or unlisted file: $(cat "$T/list.txt")"
grep -q "digest=\[REDACTED\] password=\[REDACTED\]" "$T/x/r/local/logs/mds-mds/mdsd.log" \
  || fail "the planted log line was not redacted: $(grep planted "$T/x/r/local/logs/mds-mds/mdsd.log")"
pass "none of ${#SECRETS[@]} planted secrets (passwords, digests, salts, key lines, private keys, on 3 hosts and 3 repositories) in any file or the raw archive; the planted log line redacted"

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
