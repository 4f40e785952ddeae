#!/usr/bin/env bash
# Licensing on a loopback cluster (issue 17; guide "Managing Parallels Cloud
# Storage Licenses"; docs/licensing.md): 1 MDS + 1 CS, 1 MiB chunks, a vendor
# key made by pstorage-license-tool and given to pstorage-mdsd through its
# host setting CONFIG/license_public_key. The HWID; the evaluation mode; licenses of
# another cluster and tampered ones refused; a 10 MB license: writes past it
# get ENOSPC (mount --fail-on-nospace) with an event, reads and deletes keep
# working; a mount without --fail-on-nospace makes its writer wait and logs
# why; set-attr above the licensed replicas refused; a bigger license
# (key form) lifts both limits without restarting anything, and the waiting
# writer finishes by itself; update-license
# renews it from pstorage-ka-server over HTTPS (a self-signed certificate),
# also from the default server of the host setting CONFIG/ka_server, and an
# unreachable default server is named with where it came from.
# Needs root and /dev/fuse.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || [ ! -e /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
  skip "license: needs root, /dev/fuse and fusermount3"
fi

MNT="$T/m1"
# mountinfo: ID PARENT DEV ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS
is_mounted() { awk -v m="$MNT" '$5 == m { sub(/.* - /, ""); print }' /proc/self/mountinfo | grep -q '^fuse.pstorage '; }
unmount_all() {
  local rc=$?
  set +e
  is_mounted && timeout 10 fusermount3 -u -z "$MNT"
  (exit $rc)
  cleanup
}
trap unmount_all EXIT
T10() { timeout 60 "$@"; }  # every file operation on the mount is bounded

C=lic
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
tool() { "$BIN/pstorage-license-tool" "$@"; }

# --- the vendor key, the cluster ---------------------------------------------------
PUB=$(tool keygen -o "$T/vendor.key") || fail "keygen"
[[ "$PUB" =~ ^[0-9a-f]{64}$ ]] || fail "public key: $PUB"
# The MDS reads it from its host setting CONFIG/license_public_key (docs/licensing.md).
unset PSTORAGE_LICENSE_PUBLIC_KEY
mkdir -p "$T/host1" && printf '# vendor key\n%s\n' "$PUB" > "$T/host1/license_public_key"
start_mds 1M
ps 1 make-cs -r "$T/cs1" >/dev/null || fail "make-cs"
start cs1 "$BIN/pstorage-csd" --config-dir "$T/host1" -r "$T/cs1"
active() { [ "$(ps 1 stat --json | jq '[.cs[] | select(.status=="active")] | length')" = "$1" ]; }
wait_until 20 active 1 || fail "the CS did not become active"

HWID=$(ps 1 stat --license-hwid) || fail "stat --license-hwid"
[[ "$HWID" =~ ^[0-9A-F]{4}(\.[0-9A-F]{4}){7}$ ]] || fail "HWID form: $HWID"
[ "$(ps 1 stat --license-hwid)" = "$HWID" ] || fail "HWID not stable"
ps 1 stat | grep -qx "License: none (evaluation mode), 100GB capacity" || fail "evaluation line: $(ps 1 stat | grep License)"
[ "$(ps 1 stat --json | jq -r .license.status)" = NONE ] || fail "stat --json license"
ps 1 view-license | grep -qx "HWID: $HWID" || fail "view-license HWID line"
pass "HWID $HWID; evaluation mode"

# --- refused licenses --------------------------------------------------------------
# issue ARGS: a license for this cluster, starting a minute ago (or at $START).
issue() { tool issue -k "$T/vendor.key" --hwid "$HWID" --key-number PCSS.00000001.0001 --start-unix "${START:-$(( $(date +%s) - 60 ))}" "$@"; }
tool issue -k "$T/vendor.key" --hwid 0000.0000.0000.0000.0000.0000.0000.0000 --key-number PCSS.00000009.0001 \
  --capacity 100 -o "$T/other.lic" || fail "issue other"
out=$(ps 1 load-license -f "$T/other.lic" 2>&1) && fail "another cluster's license loaded"
grep -q "is INVALID: it was issued for the cluster with HWID 0000" <<<"$out" || fail "other-cluster message: $out"
issue --capacity 0.01 --gracecapacity 20 --replicas 1 -o "$T/small.lic" || fail "issue small"
sed 's/capacity=0.01/capacity=900/' "$T/small.lic" > "$T/tampered.lic"
out=$(ps 1 load-license -f "$T/tampered.lic" 2>&1) && fail "tampered license loaded"
grep -q "is INVALID: the signature does not match" <<<"$out" || fail "tampered message: $out"
START=$(( $(date +%s) + 86400 )) issue --capacity 1 -o "$T/future.lic" || fail "issue future"
out=$(ps 1 load-license -f "$T/future.lic" 2>&1) && fail "future license loaded"
grep -q "start date .* is in the future" <<<"$out" || fail "future message: $out"
START=$(( $(date +%s) - 3 * 86400 )) issue --capacity 1 --expiration-unix $(( $(date +%s) - 86400 )) -o "$T/old.lic" || fail "issue expired"
out=$(ps 1 load-license -f "$T/old.lic" 2>&1) && fail "expired license loaded"
grep -q "is EXPIRED" <<<"$out" || fail "expired message: $out"
[ "$(ps 1 stat --json | jq -r .license.status)" = NONE ] || fail "a refused license changed the state"
pass "other cluster's, tampered, future and expired licenses refused"

# --- a 10 MB license, 20% grace capacity: room for 11 chunks of 1 MiB ----------------
# Loaded and viewed from host2, a client host (auth-node only; guide: "from
# any server participating in the cluster: an MDS server, a chunk server, or a client").
join_host 2
ps 2 load-license -f "$T/small.lic" | grep -q "License PCSS.00000001.0001 loaded" || fail "load small from a client host"
ps 1 stat | grep -qx "License: PCSS.00000001.0001 is ACTIVE, 0.01GB capacity" || fail "stat line: $(ps 1 stat | grep License)"
view=$(ps 2 view-license)
grep -qx "HWID: $HWID" <<<"$view" && grep -qx "PCSSTOR" <<<"$view" && grep -qP '^\tstatus="ACTIVE"$' <<<"$view" \
  && grep -qP '^\tkey_number="PCSS.00000001.0001"$' <<<"$view" && grep -qP '^\tcapacity=0.01$' <<<"$view" \
  || fail "view-license layout: $view"
pass "10 MB license loaded from a client host, ACTIVE"

mkdir -p "$MNT"
start mount1 "$BIN/pstorage-mount" --config-dir "$T/host1" -c $C "$MNT" -f --fail-on-nospace
wait_until 20 is_mounted || fail "not mounted"
head -c $((6 << 20)) /dev/urandom > "$T/a.src"
T10 cp "$T/a.src" "$MNT/a" && T10 sync || fail "6 MiB within the license"
t0=${EPOCHREALTIME/./}
out=$(T10 dd if=/dev/urandom of="$MNT/b" bs=1M count=6 conv=fsync 2>&1) && fail "write past the license succeeded"
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
grep -q "No space left on device" <<<"$out" || fail "expected ENOSPC: $out"
# Promptly: the whole dd (5 MiB written, then the refusal) takes well under a second.
[ "$ms" -lt 5000 ] || fail "ENOSPC came after $ms ms"
echo "ENOSPC for the write past the license after $ms ms"
T10 cmp "$T/a.src" "$MNT/a" || fail "read after the refusal"
ps 1 get-event | grep -Eq "no space for new data: license PCSS.00000001.0001 is (ACTIVE|GRACED)" || fail "no event: $(ps 1 get-event | tail -3)"
grep -q "chunk allocation refused: no space for new data" "$T/mds.out" || fail "no log line"
pass "writes past 10 MB: ENOSPC, event and log line; reads fine"

# 11 chunks (11.5 MB) are above the capacity, within its grace: GRACED by
# capacity (guide: "data chunks in the cluster use disk space from the grace
# capacity") at the checker's next evaluation (every 5 s), with a warn event.
graced() { [ "$(ps 1 stat --json | jq -r .license.status)" = GRACED ]; }
wait_until 8 graced || fail "not GRACED by capacity: $(ps 1 stat | grep License)"
# The event is journaled just after the status changes: wait for it too.
graced_event() { ps 1 get-event | grep " warn License PCSS.00000001.0001 is GRACED: data chunks use 11.53 MB, above the licensed 10 MB"; }
wait_until 5 graced_event || fail "no GRACED event: $(ps 1 get-event | grep License)"
pass "GRACED by capacity, with its event"

out=$(ps 1 set-attr "$MNT/a" replicas=2 2>&1) && fail "replicas=2 accepted with replicas=1 licensed"
grep -q "replicas=2 exceeds the maximum of 1 replicas allowed by license PCSS.00000001.0001" <<<"$out" || fail "replicas message: $out"
pass "set-attr above the licensed replicas refused"

# --- a mount without --fail-on-nospace: its writer waits, and says why --------------
MNT2="$T/m2"
mkdir -p "$MNT2"
MOUNTS+=("$MNT2")
start mount2 "$BIN/pstorage-mount" --config-dir "$T/host1" -c $C "$MNT2" -f
wait_until 20 grep -q " $MNT2 fuse.pstorage" /proc/self/mounts || fail "second mount not mounted"
head -c $((2 << 20)) /dev/urandom > "$T/c.src"
start writer timeout 60 dd if="$T/c.src" of="$MNT2/c" bs=1M conv=fsync status=none
wait_until 10 grep -q "waiting: no space for new data: license PCSS.00000001.0001" "$T/mount2.out" \
  || fail "the waiting writer logged nothing: $(tail -3 "$T/mount2.out")"
kill -0 "$PID_writer" 2>/dev/null || fail "the writer past the license did not wait"
pass "without --fail-on-nospace the writer waits, with the reason in the mount's log"

# --- a bigger license, in key form: no restart --------------------------------------
issue --capacity 0.1 --replicas 3 --format key -o "$T/big.key" || fail "issue big"
t0=${EPOCHREALTIME/./}
ps 1 load-license -p "$(cat "$T/big.key")" >/dev/null || fail "load -p"
# The waiting writer goes on by itself (its retries back off to 1 s).
wait_until 10 gone "$PID_writer" || fail "the waiting writer still waits after the bigger license"
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
wait "$PID_writer" || fail "the waiting writer failed"
T10 cmp "$T/c.src" "$MNT2/c" || fail "what the waiting writer wrote"
grep -q "available again" "$T/mount2.out" || fail "the mount did not log the end of the wait"
echo "the waiting writer finished $ms ms after the bigger license was loaded"
[ "$(ps 1 stat --json | jq -r .license.capacity_bytes)" = 100000000 ] || fail "bigger capacity not in stat"
T10 rm -f "$MNT/b"
T10 dd if=/dev/urandom of="$MNT/b" bs=1M count=20 conv=fsync status=none || fail "write after the bigger license"
ps 1 set-attr "$MNT/a" replicas=2 >/dev/null || fail "replicas=2 with replicas=3 licensed"
T10 cmp "$T/a.src" "$MNT/a" || fail "read after the bigger license"
pass "a bigger license lifts the limits without a restart"

# --- update-license against the reference KA server ---------------------------------
KA="127.0.0.1:$((PORT + 3))"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/ka.key" -out "$T/ka.pem" \
  -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || fail "openssl req"
registry() {
  printf '{"PCSS.00000001.0001": {"hwid": "%s", "capacity": "%s", "replicas": 3, "days": 30}}\n' "$1" "$2" > "$T/registry.json"
}
registry "$HWID" 0.2
start ka "$BIN/pstorage-ka-server" --listen "$KA" --cert "$T/ka.pem" --cert-key "$T/ka.key" \
  --vendor-key "$T/vendor.key" --registry "$T/registry.json"
wait_until 10 curl -s --cacert "$T/ka.pem" -o /dev/null "https://$KA/" || fail "KA server not up"
out=$(ps 1 update-license --server "$KA" 2>&1) && fail "update-license trusted a self-signed server"
grep -q "not trusted" <<<"$out" || fail "untrusted message: $out"
registry 0000.0000.0000.0000.0000.0000.0000.0000 0.2
out=$(ps 1 update-license --server "$KA" --ca-file "$T/ka.pem" 2>&1) && fail "a key of another cluster renewed"
grep -q "refused: license key PCSS.00000001.0001 is registered to another cluster" <<<"$out" || fail "403 message: $out"
registry "$HWID" 0.2
ps 1 update-license --server "$KA" --ca-file "$T/ka.pem" | grep -q "License PCSS.00000001.0001 updated" \
  || fail "update-license"
[ "$(ps 1 stat --json | jq -r .license.capacity_bytes)" = 200000000 ] || fail "renewed capacity not in stat"
ps 1 view-license | grep -qP '^\tstatus="ACTIVE"$' || fail "renewed license not ACTIVE"
pass "update-license renews the license from the KA server over HTTPS"

# --- the default KA server: the host setting CONFIG/ka_server -------------------------
out=$(PSTORAGE_KA_SERVER= ps 1 update-license 2>&1) && fail "update-license without any server"
grep -q "no KA server configured: give --server HOST\[:PORT\], set PSTORAGE_KA_SERVER, or write HOST\[:PORT\] to $T/host1/ka_server" <<<"$out" \
  || fail "no-server message: $out"
DEAD="127.0.0.1:$(free_port)"  # reserved, nothing listens there
printf '# update-license default\n%s\n' "$DEAD" > "$T/host1/ka_server"
out=$(PSTORAGE_KA_SERVER= ps 1 update-license --ca-file "$T/ka.pem" 2>&1) && fail "update-license from a dead server"
grep -q "cannot reach the KA server https://$DEAD (from $T/host1/ka_server): .*or name another with --server" <<<"$out" \
  || fail "unreachable message: $out"
registry "$HWID" 0.3
echo "$KA" > "$T/host1/ka_server"
PSTORAGE_KA_SERVER= ps 1 update-license --ca-file "$T/ka.pem" | grep -q "License PCSS.00000001.0001 updated from https://$KA" \
  || fail "update-license from the host setting"
[ "$(ps 1 stat --json | jq -r .license.capacity_bytes)" = 300000000 ] || fail "renewed capacity (default server) not in stat"
pass "update-license: the default server from CONFIG/ka_server; an unreachable one named with its origin"
