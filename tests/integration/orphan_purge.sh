#!/usr/bin/env bash
# Client sessions expire and orphans are purged (issue 15 "Resource
# hygiene"; docs/operations.md "Client sessions and orphans"). 1 MDS
# (--session-timeout-ms 5000), 2 CSs, mounts on two hosts.
# (a) Mount A holds a file open, mount B unlinks it (an orphan: its chunks
#     stay), kill -9 of mount A: the file's replicas stay while A's session
#     may still be alive, then within the timeout (+ a tick and the purge's
#     commit) the orphan is gone from md.db, its chunk files are deleted on
#     both CSs and get-event shows the session expiry and the purge.
# (b) The same with the MDS restarted while the orphan exists (the mount is
#     killed while the MDS is down): the new MDS purges it one session
#     timeout after it serves, not at once.
# (c) A file only *read* by mount d, unlinked through b, across an MDS
#     restart: d's lease renewal names it, so the new MDS counts it open
#     again and does not purge it; d reads it back whole through its open
#     descriptor after more than a session timeout, and the orphan is purged
#     when d closes it. (Before the renewal named read-only opens, the new
#     MDS purged it one session timeout after it started and d's read failed.)
# Needs root, /dev/fuse, jq, sqlite3.
source "$(dirname "$0")/lib.sh"
require_fuse orphan_purge jq sqlite3

C=orph
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
TIMEOUT_MS=5000
echo "orph-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 30 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
mds_start() {
  start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds" --session-timeout-ms $TIMEOUT_MS
  mds_http_up "$PID_mds"
}
ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" --chunk-size 1M >/dev/null || fail "make-mds"
mds_start
join_host 2
start_cs 1; start_cs 2
wait_until 20 active 2 || fail "2 CSs not active"
mount_fuse a 1
mount_fuse b 2
ps 1 set-attr -R "$T/a" replicas=2 >/dev/null || fail "set-attr replicas=2"
pass "1 MDS (session timeout $TIMEOUT_MS ms), 2 CSs, mounts a (host1) and b (host2)"

# chunk_files INO: how many chunk data files of INO's chunks the CSs hold.
chunk_files() {
  local id n=0
  for id in $(mdq "SELECT id FROM md_chunks WHERE ino = $1"); do
    n=$((n + $(find "$T"/cs1 "$T"/cs2 -name "$(printf %016x "$id").dat" | wc -l)))
  done
  echo $n
}
is_orphan() { [ "$(mdq "SELECT orphan FROM md_inodes WHERE ino = $1")" = 1 ]; }
purged() { [ -z "$(mdq "SELECT ino FROM md_inodes WHERE ino = $1")" ] && [ "$(find "$T"/cs1 "$T"/cs2 -name '*.dat' | wc -l)" = "$2" ]; }
ms_since() { echo $(( (${EPOCHREALTIME/./} - $1) / 1000 )); }

# orphan_of MOUNT NAME: writes 4 MiB to NAME through MOUNT, keeps it open
# there (fd 3 of this shell, kept across the unlink), unlinks it through
# mount b; sets INO (not run in a subshell: fd 3 must stay open).
orphan_of() {
  local m=$1 f=$2 ino
  dd if=/dev/urandom of="$T/$m/$f" bs=1M count=4 conv=fsync status=none || fail "write $f"
  ino=$(stat -c %i "$T/$m/$f")
  exec 3<"$T/$m/$f"
  rm "$T/b/$f" || fail "unlink $f through b"
  is_orphan "$ino" || fail "$f (inode $ino) is not an orphan after the unlink while open"
  [ "$(chunk_files "$ino")" = 8 ] || fail "$f: expected 8 chunk files (4 chunks x 2), found $(chunk_files "$ino")"
  INO=$ino
}

# --- (a) a crashed mount ---------------------------------------------------------
orphan_of a f1; ino=$INO
others=$(( $(find "$T"/cs1 "$T"/cs2 -name '*.dat' | wc -l) - 8 ))
t0=${EPOCHREALTIME/./}
kill -9 "$PID_a"
wait "$PID_a" 2>/dev/null || true
exec 3<&-
# Still there well within the timeout (the mount was heard from until the kill).
wait_until 2 purged "$ino" "$others" && fail "orphan purged $(ms_since "$t0") ms after the kill, before the session timeout"
is_orphan "$ino" || fail "orphan gone before the session timeout"
wait_until 20 purged "$ino" "$others" || fail "orphan $ino not purged 20 s after the kill: orphan=$(mdq "SELECT orphan FROM md_inodes WHERE ino = $ino"), chunk files $(chunk_files "$ino")"
ms=$(ms_since "$t0")
[ "$ms" -ge $((TIMEOUT_MS - 1000)) ] || fail "purged $ms ms after the kill, sooner than the timeout allows"
pass "mount a killed -9: orphan $ino purged and its 8 chunk files deleted after $ms ms (timeout $TIMEOUT_MS ms)"
ev=$(ps 1 get-event --json | jq -r '.[].text')
grep -q "not heard from for 5 s: session expired, 1 open file(s) closed" <<<"$ev" || fail "no session-expiry event: $ev"
grep -q "orphan file #$ino (unlinked while open, no longer open) purged: 4 chunk(s) deleted" <<<"$ev" || fail "no purge event: $ev"
pass "get-event: the session expiry and the purge"

# --- (b) an orphan across an MDS restart -------------------------------------------
mount_fuse c 1
orphan_of c f2; ino=$INO
others=$(( $(find "$T"/cs1 "$T"/cs2 -name '*.dat' | wc -l) - 8 ))
kill "$PID_mds"
wait_until 5 gone "$PID_mds" || fail "MDS did not stop"
kill -9 "$PID_c"
wait "$PID_c" 2>/dev/null || true
exec 3<&-
t0=${EPOCHREALTIME/./}
mds_start
wait_until 20 active 2 || fail "CSs not active again after the MDS restart"
is_orphan "$ino" || fail "orphan purged at once after the restart (a live writer could still re-claim it)"
wait_until 25 purged "$ino" "$others" || fail "orphan $ino not purged 25 s after the MDS restart"
ms=$(ms_since "$t0")
[ "$ms" -ge $((TIMEOUT_MS - 1000)) ] || fail "purged $ms ms after the restart, sooner than one session timeout"
pass "after an MDS restart: orphan $ino purged and its chunk files deleted $ms ms after the start"
ps 1 get-event --json | jq -r '.[].text' | grep -q "orphan file #$ino " || fail "no purge event after the restart"
ls "$T/b" >/dev/null || fail "mount b unusable"
pass "mount b still works"

# --- (c) a reader of an orphan across an MDS restart ---------------------------------
mount_fuse d 1
dd if=/dev/urandom of="$T/b/f3" bs=1M count=2 conv=fsync status=none || fail "write f3"
sum=$(md5sum < "$T/b/f3")
ino=$(stat -c %i "$T/d/f3")
exec 3<"$T/d/f3"
rm "$T/b/f3" || fail "unlink f3 through b"
is_orphan "$ino" || fail "f3 (inode $ino) is not an orphan after the unlink while open on d"
others=$(( $(find "$T"/cs1 "$T"/cs2 -name '*.dat' | wc -l) - $(chunk_files "$ino") ))
kill "$PID_mds"
wait_until 5 gone "$PID_mds" || fail "MDS did not stop"
mds_start 3<&-  # the daemon must not inherit d's descriptor (it would keep the file open)
wait_until 20 active 2 || fail "CSs not active again after the MDS restart"
# The new MDS would purge an unclaimed orphan one session timeout after it
# serves; look for twice that.
wait_until $((2 * TIMEOUT_MS / 1000 + 2)) purged "$ino" "$others" \
  && fail "orphan $ino purged after the MDS restart although mount d still has it open"
is_orphan "$ino" || fail "orphan $ino gone after the MDS restart while mount d has it open"
[ "$(md5sum <&3)" = "$sum" ] || fail "f3 read back through d's open descriptor differs after the MDS restart"
pass "after an MDS restart: an orphan open only for reading on mount d stays, and reads back whole"
exec 3<&-
wait_until 15 purged "$ino" "$others" || fail "orphan $ino not purged after mount d closed it: orphan=$(mdq "SELECT orphan FROM md_inodes WHERE ino = $ino") chunk files $(chunk_files "$ino"), others $others, all $(find "$T"/cs1 "$T"/cs2 -name "*.dat" | wc -l)"
pass "mount d closed it: orphan $ino purged"
