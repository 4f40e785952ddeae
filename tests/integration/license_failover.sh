#!/usr/bin/env bash
# The license across a master failover (issue 17 acceptance; docs/licensing.md):
# 3 MDSs, 3 CSs, a FUSE mount with --fail-on-nospace. A 10 MB license is
# loaded and 6 MiB written; the master is killed with -9; the new master has
# the same HWID and the license (it lives in the journal), reports it ACTIVE,
# and still refuses writes past the capacity with ENOSPC while reads work; a
# bigger license loaded through the new master lifts the limit. Needs root
# and /dev/fuse.
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse license_failover

C=licfo
echo "licfo-pw" > "$T/pw"
tool() { "$BIN/pstorage-license-tool" "$@"; }
PSTORAGE_LICENSE_PUBLIC_KEY=$(tool keygen -o "$T/vendor.key") || fail "keygen"
export PSTORAGE_LICENSE_PUBLIC_KEY  # every pstorage-mdsd of the cluster verifies with it

make_cluster 3
HWID=$(ps 2 stat --license-hwid) || fail "stat --license-hwid"
issue() { tool issue -k "$T/vendor.key" --hwid "$HWID" --key-number PCSS.00000002.0001 --start-unix $(( $(date +%s) - 60 )) --replicas 1 "$@"; }
issue --capacity 0.01 -o "$T/small.lic" || fail "issue"
ps 2 load-license -f "$T/small.lic" >/dev/null || fail "load-license"
pass "3 MDSs, 3 CSs, a 10 MB license loaded"

# The mount runs on host2, whose bs.list names every MDS.
mkdir -p "$MNT"
start mount "$BIN/pstorage-mount" --config-dir "$T/host2" -c "$C" "$MNT" -f --fail-on-nospace
wait_for 20 grep -q " $MNT fuse.pstorage" /proc/self/mounts || fail "not mounted"
head -c $((6 << 20)) /dev/urandom > "$T/a.src"
T60 cp "$T/a.src" "$MNT/a" && T60 sync || fail "6 MiB within the license"

old=$(master_id)
[ "$old" -ge 1 ] || fail "no master"
mds_kill9 "$old"
new_master() { local m; m=$(psq 2 stat --json | jq -r 'if .master_problem == "" then .master_id else 0 end'); [ "$m" -ge 1 ] && [ "$m" != "$old" ]; }
wait_for 60 new_master || fail "no new master after kill -9 of MDS#$old"
[ "$(ps 2 stat --license-hwid)" = "$HWID" ] || fail "the HWID changed with the master"
lic=$(ps 2 stat --json | jq -r '.license.key_number + " " + .license.status')
[ "$lic" = "PCSS.00000002.0001 ACTIVE" ] || fail "the new master's license: $lic"
pass "MDS#$old killed -9; the new master has the license ($lic) and the same HWID"

out=$(T60 dd if=/dev/urandom of="$MNT/b" bs=1M count=6 conv=fsync 2>&1) && fail "write past the license succeeded after the failover"
grep -q "No space left on device" <<<"$out" || fail "expected ENOSPC: $out"
T60 cmp "$T/a.src" "$MNT/a" || fail "read after the failover"
pass "the new master still refuses writes past the capacity; reads fine"

issue --capacity 0.1 -o "$T/big.lic" || fail "issue big"
ps 2 load-license -f "$T/big.lic" >/dev/null || fail "load the bigger license on the new master"
T60 rm -f "$MNT/b"
T60 dd if=/dev/urandom of="$MNT/b" bs=1M count=12 conv=fsync status=none || fail "write after the bigger license"
pass "a bigger license loaded through the new master lifts the limit"
