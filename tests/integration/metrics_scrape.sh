#!/usr/bin/env bash
# GET /metrics on a live loopback cluster (issue 16; docs/monitoring.md):
# 1 MDS + 3 CS on three "hosts", replicas=3. Every line of every daemon's
# /metrics goes through a strict parser (prom_text.py: a malformed line fails
# the test). After writing and reading through pstorage-mount, each CS's own
# I/O figures (IO rates, IOLAT, QDEPTH, IOWAIT over the last 20 s, counters,
# latency histogram) are non-zero in /metrics and /status. The alert rules of
# deploy/monitoring/ are evaluated on the scrape (alert_eval.py): none fires on
# the healthy cluster. Then kill -9 of one CS: within 12 s (inactive at once
# when its connection closes, at most 10 s for a hung CS, + a scrape) the
# master's /metrics shows it inactive and the cluster degraded, and the
# degraded alert fires. The license (a vendor key of pstorage-license-tool):
# one valid for 40 days shows ACTIVE with its days left and fires nothing;
# one expiring in 10 days fires PstorageLicenseExpiring. The mount's own
# /metrics and /status (pstorage-mount --http-port, default any free port)
# show its reads and its master. docs/monitoring.md
# has a row for every exported family and none for another. Needs root and
# /dev/fuse for the mount.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || [ ! -e /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
  skip "metrics_scrape: needs root, /dev/fuse and fusermount3"
fi
python3 -c 'import yaml' 2>/dev/null || skip "metrics_scrape: needs python3-yaml"
PARSE="$IT_DIR/prom_text.py"
RULES="$IT_DIR/../../deploy/monitoring/pstorage-alerts.yml"

MOUNTS=()
unmount_all() {
  local rc=$?
  set +e
  for m in "${MOUNTS[@]}"; do
    grep -q " $m fuse.pstorage " /proc/self/mounts && timeout 10 fusermount3 -u -z "$m" 2>/dev/null
  done
  (exit $rc)
  cleanup
}
trap unmount_all EXIT
is_mounted() { grep -q " $1 fuse.pstorage " /proc/self/mounts; }

python3 "$PARSE" --self-test || fail "the strict parser accepts malformed input"

C=metrics
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 60 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
stat_json() { ps 1 stat --json; }

# scrape NAME URL: /metrics into $T/NAME.prom, parsed strictly into $T/NAME.json
# (every sample labelled with instance=NAME).
scrape() {
  local name=$1 url=$2 code
  code=$(curl -s -o "$T/$name.prom" -w '%{http_code} %{content_type}' "$url") || fail "scrape $url"
  [[ "$code" == "200 text/plain; version=0.0.4"* ]] || fail "$url answered '$code'"
  python3 "$PARSE" "$T/$name.prom" > "$T/$name.raw.json" || fail "$name: $(python3 "$PARSE" "$T/$name.prom" 2>&1)"
  jq --arg i "$name" 'map(.labels.instance = $i)' "$T/$name.raw.json" > "$T/$name.json"
}
# metric NAME SELECTOR: the value of the one sample of SELECTOR (a jq filter on
# .labels) in scrape NAME, e.g. metric cs1 'pstorage_cs_ops_total' '.op=="write"'.
metric() {
  local v
  v=$(jq -r --arg n "$2" "[.[] | select(.name == \$n) | select(.labels | ${3:-true}) | .value] |
        if length == 1 then .[0] else error(\"\(length) samples\") end" "$T/$1.json") \
    || fail "$1: no single sample of $2 ${3:-}"
  echo "$v"
}
positive() { awk -v v="$1" 'BEGIN { exit !(v > 0) }'; }

# The vendor key the MDS checks licenses with (docs/licensing.md).
PUB=$("$BIN/pstorage-license-tool" keygen -o "$T/vendor.key") || fail "license-tool keygen"
unset PSTORAGE_LICENSE_PUBLIC_KEY
mkdir -p "$T/host1" && printf '%s\n' "$PUB" > "$T/host1/license_public_key"
start_mds 1M
for h in 2 3; do join_host $h; done
for h in 1 2 3; do
  ps $h make-cs -r "$T/cs$h" >/dev/null || fail "make-cs host$h"
  start cs$h "$BIN/pstorage-csd" --config-dir "$T/host$h" -r "$T/cs$h"
done
active() { [ "$(stat_json | jq '[.cs[] | select(.status=="active")] | length')" = "$1" ]; }
wait_until 20 active 3 || fail "3 CS did not become active"
declare -A CS_HTTP
for h in 1 2 3; do
  CS_HTTP[$h]=$(stat_json | jq ".cs[] | select(.host_id==\"$(cat "$T/host$h/host_id")\") | .http_port")
  [ -n "${CS_HTTP[$h]}" ] || fail "no HTTP port for the CS of host$h"
done
MDS_METRICS="http://127.0.0.1:$((PORT + 2))/metrics"
pass "cluster up: 1 MDS, 3 CS"
# load_license KEY_NUMBER DAYS: a license of this cluster valid from a minute ago for DAYS days.
load_license() {
  local start=$(( $(date +%s) - 60 ))
  "$BIN/pstorage-license-tool" issue -k "$T/vendor.key" --hwid "$(ps 1 stat --license-hwid)" --key-number "$1" \
    --capacity 100 --start-unix $start --expiration-unix $(( start + $2 * 86400 )) -o "$T/$1.lic" || fail "issue $1"
  ps 1 load-license -f "$T/$1.lic" >/dev/null || fail "load-license $1"
}
between() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }
load_license PCSS.00000001.0001 40

# --- idle cluster: every line parses ------------------------------------------------------
scrape mds "$MDS_METRICS"
for h in 1 2 3; do scrape cs$h "http://127.0.0.1:${CS_HTTP[$h]}/metrics"; done
[ "$(metric mds pstorage_mds_master)" = 1 ] || fail "the only MDS is not the master in /metrics"
[ "$(metric mds pstorage_cluster_status '.status=="healthy"')" = 1 ] || fail "not healthy: $(grep cluster_status "$T/mds.prom")"
[ "$(metric mds pstorage_cs_nodes '.status=="active"')" = 3 ] || fail "pstorage_cs_nodes active != 3"
positive "$(metric mds pstorage_election_epoch)" || fail "election epoch 0"
positive "$(metric mds pstorage_cluster_space_bytes)" || fail "cluster space 0"
for d in mds cs1; do  # %CPU, MEM, UPTIME of the daemon itself
  for m in pstorage_process_cpu_seconds_total pstorage_process_resident_memory_bytes pstorage_process_uptime_seconds; do
    positive "$(metric $d $m)" || fail "$d: $m is $(metric $d $m)"
  done
done
[ "$(metric mds pstorage_license_status '.status=="ACTIVE"')" = 1 ] || fail "license: $(grep '^pstorage_license' "$T/mds.prom")"
# Valid from a minute ago for 40 days: 40 days less a minute, less the seconds since.
between "$(metric mds pstorage_license_days_left)" 39.99 40 || fail "days left $(metric mds pstorage_license_days_left), not ~40"
pass "license ACTIVE, $(metric mds pstorage_license_days_left) days left in /metrics"
pass "idle: MDS and 3 CS /metrics parse strictly ($(wc -l < "$T/mds.prom") + $(cat "$T"/cs?.prom | wc -l) lines)"

# --- I/O through the mount ---------------------------------------------------------------
mkdir -p "$T/m1"
MOUNTS+=("$T/m1")
start mount1 "$BIN/pstorage-mount" --config-dir "$T/host1" -c $C "$T/m1" -f
wait_until 15 is_mounted "$T/m1" || fail "m1 not mounted"
ps 1 set-attr -R "$T/m1" replicas=3 >/dev/null || fail "set-attr replicas=3"
head -c $((8 << 20)) /dev/urandom > "$T/data"
timeout 120 dd if="$T/data" of="$T/m1/data" bs=1M conv=fsync status=none || fail "write through the mount"
timeout 60 fusermount3 -u "$T/m1" || fail "unmount m1"
MOUNTS=()
mkdir -p "$T/m2"
MOUNTS+=("$T/m2")
start mount2 "$BIN/pstorage-mount" --config-dir "$T/host2" -c $C "$T/m2" -f
wait_until 15 is_mounted "$T/m2" || fail "m2 not mounted"
cmp -s "$T/data" "$T/m2/data" || fail "data read back differs"

# The mount's own /metrics and /status (its port from its log, docs/ports.md).
mount_port() { sed -n 's/^pstorage-mount: HTTP status on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/mount2.out"; }
wait_until 5 test -n "$(mount_port)" || fail "mount2 logged no HTTP port: $(cat "$T/mount2.out")"
MOUNT_HTTP="http://127.0.0.1:$(mount_port)"
scrape mount "$MOUNT_HTTP/metrics"
positive "$(metric mount pstorage_mount_read_bytes_per_second)" || fail "mount: read bytes/s is 0 after an 8 MiB read"
positive "$(metric mount pstorage_mount_ops_per_second '.op=="read"')" || fail "mount: read ops/s is 0"
[ "$(metric mount pstorage_mount_master_mds_id)" = 1 ] || fail "mount: master $(metric mount pstorage_mount_master_mds_id)"
[ "$(metric mount pstorage_mount_info '.cluster=="'$C'"')" = 1 ] || fail "mount: pstorage_mount_info"
st=$(curl -sf "$MOUNT_HTTP/status") || fail "mount: /status"
jq -e '.role == "mount" and .master_mds_id == 1 and .io.read_bytes_per_s > 0 and .io.read_ops_per_s > 0' <<<"$st" \
  >/dev/null || fail "mount: /status $st"
pass "mount /metrics parses strictly ($(wc -l < "$T/mount.prom") lines): read $(metric mount pstorage_mount_read_bytes_per_second) B/s, $(metric mount pstorage_mount_ops_per_second '.op=="read"') ops/s, master MDS#1"

read_total=0
for h in 1 2 3; do
  scrape cs$h "http://127.0.0.1:${CS_HTTP[$h]}/metrics"
  # Every CS holds a replica of every chunk (replicas=3): each was written.
  positive "$(metric cs$h pstorage_cs_write_bytes_total)" || fail "CS of host$h: no bytes written"
  for m in pstorage_cs_write_bytes_per_second pstorage_cs_io_latency_avg_seconds pstorage_cs_io_latency_max_seconds \
           pstorage_cs_queue_depth pstorage_cs_iowait_ratio pstorage_cs_io_latency_seconds_count \
           pstorage_cs_storage_busy_seconds_total; do
    positive "$(metric cs$h $m)" || fail "CS of host$h: $m is $(metric cs$h $m) after writing"
  done
  positive "$(metric cs$h pstorage_cs_ops_per_second '.op=="write"')" || fail "CS of host$h: no write ops/s"
  # The same figures in /status.
  st=$(curl -sf "http://127.0.0.1:${CS_HTTP[$h]}/status") || fail "CS of host$h: /status"
  jq -e '.io.write_bytes_per_s > 0 and .io.latency_avg_ms > 0 and .io.write_bytes_total > 0' <<<"$st" >/dev/null \
    || fail "CS of host$h: /status io: $(jq -c .io <<<"$st")"
  read_total=$(awk -v a="$read_total" -v b="$(metric cs$h pstorage_cs_read_bytes_total)" 'BEGIN { print a + b }')
  echo "CS host$h: write $(metric cs$h pstorage_cs_write_bytes_per_second) B/s, read $(metric cs$h pstorage_cs_read_bytes_per_second) B/s," \
       "IOLAT $(metric cs$h pstorage_cs_io_latency_avg_seconds)/$(metric cs$h pstorage_cs_io_latency_max_seconds) s," \
       "QDEPTH $(metric cs$h pstorage_cs_queue_depth), IOWAIT $(metric cs$h pstorage_cs_iowait_ratio)"
done
awk -v r="$read_total" 'BEGIN { exit !(r >= 8 * 1048576) }' || fail "CSs read only $read_total bytes for an 8 MiB read"
pass "after 8 MiB written and read: every CS's I/O figures are non-zero; $read_total bytes read in all"

# --- alert rules on the healthy cluster ---------------------------------------------------
scrape mds "$MDS_METRICS"
[ "$(metric mds pstorage_chunks '.state=="healthy"')" -ge 8 ] || fail "chunks: $(grep '^pstorage_chunks' "$T/mds.prom")"
jq -s add "$T"/mds.json "$T"/cs?.json > "$T/all.json"
alerts=$(python3 "$IT_DIR/alert_eval.py" "$RULES" "$T/all.json") || fail "alert rules: $alerts"
[ "$(jq '.firing | length' <<<"$alerts")" = 0 ] || fail "alerts fire on a healthy cluster: $alerts"
jq -e '.not_evaluated == ["PstorageMasterChanged"]' <<<"$alerts" >/dev/null \
  || fail "rules the evaluator cannot read: $(jq -c .not_evaluated <<<"$alerts")"
pass "alert rules: none of $(grep -c -- '- alert:' "$RULES") fires on the healthy cluster"
# Every metric the rules and the dashboard name is one the daemons export.
DASH="$IT_DIR/../../deploy/monitoring/pstorage-dashboard.json"
jq -e '.panels | length > 0' "$DASH" >/dev/null || fail "dashboard JSON"
exported=$(jq -r '.[].name' "$T/all.json" | sort -u)
for name in $(grep -ohE 'pstorage_[a-z0-9_]+' "$RULES" "$DASH" | grep -v '_$' | sort -u); do
  grep -qx "$name" <<<"$exported" || fail "$name (rules or dashboard) is not exported"
done
pass "every metric named by the alert rules and the Grafana dashboard is exported"

# --- a license expiring in 10 days: PstorageLicenseExpiring fires ----------------------------
load_license PCSS.00000001.0002 10
scrape mds "$MDS_METRICS"
between "$(metric mds pstorage_license_days_left)" 9.99 10 || fail "days left $(metric mds pstorage_license_days_left), not ~10"
jq -s add "$T"/mds.json "$T"/cs?.json > "$T/all.json"
alerts=$(python3 "$IT_DIR/alert_eval.py" "$RULES" "$T/all.json") || fail "alert rules: $alerts"
[ "$(jq -c '.firing | keys' <<<"$alerts")" = '["PstorageLicenseExpiring"]' ] || fail "a license expiring in 10 days: $alerts"
pass "license expiring in $(metric mds pstorage_license_days_left) days: PstorageLicenseExpiring fires, nothing else"

# docs/monitoring.md lists every family the daemons export (the MDS with a
# license, the CSs), and every family in its tables is exported or marked
# "not exported yet" there (and only then), or says "only when" it is.
DOC="$IT_DIR/../../docs/monitoring.md"
families=$(grep -h '^# TYPE ' "$T"/mds.prom "$T"/cs?.prom "$T"/mount.prom | awk '{print $3}' | sort -u)
for name in $families; do
  grep -q "^| \`$name\` |" "$DOC" || fail "$name is exported but has no row in docs/monitoring.md"
  ! grep -q "^| \`$name\` |.*not exported yet" "$DOC" || fail "docs/monitoring.md says $name is not exported yet, but it is"
done
for name in $(grep -oE '^\| `pstorage_[a-z0-9_]+`' "$DOC" | tr -d '|` ' | sort -u); do
  grep -qx "$name" <<<"$families" || grep -qE "^\| \`$name\` \|.*(not exported yet|only when)" "$DOC" \
    || fail "docs/monitoring.md has a row for $name, which no daemon exported"
done
pass "docs/monitoring.md has a row for each of the $(wc -w <<<"$families") exported families and none for another"

# --- kill -9 a CS: the state change reaches /metrics --------------------------------------
DEAD=$(jq -r '.[] | select(.name=="pstorage_cs_info") | .labels.cs_id' "$T/cs3.json")
[ "$DEAD" -gt 0 ] || fail "the CS of host3 exports cs_id '$DEAD'"
kill -9 "$PID_cs3"
t0=${EPOCHREALTIME/./}
inactive_seen() {
  scrape mds "$MDS_METRICS" &&
  [ "$(metric mds pstorage_cluster_cs_status ".cs_id==\"$DEAD\" and .status==\"inactive\"")" = 1 ]
}
wait_until 12 inactive_seen || fail "CS#$DEAD not inactive in /metrics 12 s after kill -9: $(grep "cs_id=\"$DEAD\"" "$T/mds.prom")"
t1=${EPOCHREALTIME/./}
[ "$(metric mds pstorage_cluster_status '.status=="degraded"')" = 1 ] || fail "cluster not degraded: $(grep cluster_status "$T/mds.prom")"
[ "$(metric mds pstorage_cs_nodes '.status=="inactive"')" = 1 ] || fail "pstorage_cs_nodes inactive != 1"
jq -s add "$T"/mds.json "$T"/cs1.json "$T"/cs2.json > "$T/all.json"
alerts=$(python3 "$IT_DIR/alert_eval.py" "$RULES" "$T/all.json") || fail "alert rules: $alerts"
jq -e '.firing.PstorageClusterDegraded and .firing.PstorageCsNotActive' <<<"$alerts" >/dev/null \
  || fail "degraded alerts do not fire: $alerts"
pass "kill -9 CS#$DEAD: inactive and cluster degraded in /metrics after $(( (t1 - t0) / 1000 )) ms; PstorageClusterDegraded and PstorageCsNotActive fire"
