#!/usr/bin/env bash
# Issue 3's acceptance list with real processes on loopback and real FUSE
# mounts (guide: "Configuring Replication Parameters", "Setting Up Clients",
# "Mounting the Cluster"): 1 MDS + 3 CS on three "hosts" (distinct host_ids),
# chunk size 4 MiB, replicas=3.
#   1. fio --verify=crc32c sequential and random writes (48 MiB each), then a
#      verifying read from a second, freshly started mount; the MDS chunk map
#      lists 3 current replicas on 3 distinct CS for every chunk and every CS
#      holds a chunk file for each of them.
#   2. replicas=3:2: kill -9 of a CS during a verifying fio overwrite of a
#      file whose old contents (random bytes, no fio headers) stay on the dead
#      CS; fio finishes and verifies; after the CS restarts its stale replicas
#      are not listed at the current version and a fresh mount reads the new
#      data (one stale page read would fail fio's verification).
#   3. a flipped byte in a chunk data file: a fresh mount reads correct data,
#      the CS gets flag "h" and the MDS logs "has reported hard error".
#   2b. kill -9 of the first CS of a write chain: write+fsync fails over at
#      once (bounded, measured), not after the request timeout.
#   4. tar in/out with diff -r, SQLite (3000 synchronous transactions,
#      integrity_check), git init/add/commit/fsck on the mount.
# Bad input (unknown cluster, missing mount point, bad attributes) is
# covered by mount_basic.sh. Needs root, /dev/fuse, fio, sqlite3, git.
source "$(dirname "$0")/lib.sh"

require_fuse data_path_acceptance fio sqlite3 git tar jq
# ACC_KEEP_LOGS=DIR keeps every log of a failed run for a post-mortem
keep_logs() {
  local rc=$?
  [ $rc -ne 0 ] && [ -n "${ACC_KEEP_LOGS:-}" ] && mkdir -p "$ACC_KEEP_LOGS" && cp "$T"/*.out "$T"/*.json "$ACC_KEEP_LOGS"/ 2>/dev/null
  (exit $rc)
  cleanup
}
trap keep_logs EXIT
# A source tree to tar and commit in part 4: this checkout's actors/ (found
# from this script's location), else the C++ headers.
SRC="$(cd "$IT_DIR/../../actors" 2>/dev/null && pwd)" || SRC=/usr/include/c++
TO() { timeout 90 "$@"; }  # every operation on the mount is bounded

C=acc
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
# The MDS's metadata store, read-only (SQLite WAL: safe beside the writer).
# The chunk store of CS on host $1, read-only.
csq() { local h=$1; shift; sqlite3 -readonly -cmd '.timeout 5000' "$T/cs$h/chunks.db" "$@"; }
ino_of() { mdq "SELECT ino FROM md_dentries WHERE parent = 1 AND name = '$1'"; }

# --- cluster: 1 MDS + 3 CS on three hosts ------------------------------------------------
start_mds 4M
for h in 2 3; do join_host $h; done
for h in 1 2 3; do start_cs $h; done
wait_until 20 active 3 || fail "3 CS did not become active"
[ "$(cat "$T"/host{1,2,3}/host_id | sort -u | wc -l)" = 3 ] || fail "host ids not distinct"
# CS id of each host, through the host_id the MDS reports
STAT=$(ps 1 stat --json)
for h in 1 2 3; do
  id=$(jq -r --arg hid "$(cat "$T/host$h/host_id")" '.cs[] | select(.host_id == $hid) | .id' <<<"$STAT")
  [ -n "$id" ] || fail "no CS id for host$h: $STAT"
  eval "CSID_$h=$id"
done
[ -f "$T/cs1/chunks.db" ] || fail "CS repository layout: no chunks.db in $T/cs1"

mount_fuse m1 1
ps 1 set-attr -R "$T/m1" replicas=3 || fail "set-attr replicas=3"
pass "cluster up: 1 MDS, 3 CS on 3 hosts (CS ids $CSID_1 $CSID_2 $CSID_3), chunk size 4 MiB, replicas=3"

# --- 1. fio verify: sequential + random write, verifying read from a fresh mount -------------
FIO_COMMON=(--ioengine=psync --size=48M --verify=crc32c --randseed=4242 --end_fsync=1)
fio_mb() { jq -r ".jobs[0].write.bw_bytes / 1048576 | floor" "$1" 2>/dev/null; }
TO fio --name=seq --filename="$T/m1/seq.dat" --rw=write --bs=1M "${FIO_COMMON[@]}" --do_verify=1 \
  --output-format=json --output="$T/fio-seq.json" >/dev/null 2>&1 \
  || fail "fio sequential write: $(tail -5 "$T/fio-seq.json")"
TO fio --name=rnd --filename="$T/m1/rnd.dat" --rw=randwrite --bs=64k "${FIO_COMMON[@]}" --do_verify=1 \
  --output-format=json --output="$T/fio-rnd.json" >/dev/null 2>&1 \
  || fail "fio random write: $(tail -5 "$T/fio-rnd.json")"
echo "   fio: sequential 1 MiB write $(fio_mb "$T/fio-seq.json") MB/s, random 64 KiB write $(fio_mb "$T/fio-rnd.json") MB/s"

mount_fuse m2 2
t0=$(date +%s%N)
TO fio --name=seq --filename="$T/m2/seq.dat" --rw=write --bs=1M "${FIO_COMMON[@]}" --verify_only \
  --output-format=json --output="$T/fio-seq-v.json" >/dev/null 2>&1 \
  || fail "fio verifying read (seq) on a fresh mount: $(grep -m3 -i 'verify\|error' "$T/fio-seq-v.json")"
TO fio --name=rnd --filename="$T/m2/rnd.dat" --rw=randwrite --bs=64k "${FIO_COMMON[@]}" --verify_only \
  --output-format=json --output="$T/fio-rnd-v.json" >/dev/null 2>&1 \
  || fail "fio verifying read (rnd) on a fresh mount: $(grep -m3 -i 'verify\|error' "$T/fio-rnd-v.json")"
echo "   fio: verifying read of both files (96 MiB) on a fresh mount: $(( 96 * 1000000000 / ($(date +%s%N) - t0) )) MB/s"

# every chunk of both files: 3 current replicas on 3 distinct CS, one per host
for f in seq.dat rnd.dat; do
  ino=$(ino_of "$f"); [ -n "$ino" ] || fail "$f not in the MDS namespace"
  n=$(mdq "SELECT count(*) FROM md_chunks WHERE ino = $ino")
  [ "$n" = 12 ] || fail "$f: $n chunks in the MDS map, expected 12 (48 MiB / 4 MiB)"
  bad=$(mdq "SELECT c.id, count(DISTINCT r.cs) FROM md_chunks c LEFT JOIN md_replicas r
             ON r.chunk = c.id AND r.version = c.version WHERE c.ino = $ino GROUP BY c.id
             HAVING count(DISTINCT r.cs) != 3")
  [ -z "$bad" ] || fail "$f: chunks without 3 current replicas (chunk|replicas): $bad"
done
all=$(mdq "SELECT printf('%016x', id) FROM md_chunks ORDER BY 1")
for h in 1 2 3; do
  id=$(eval echo "\$CSID_$h")
  listed=$(mdq "SELECT printf('%016x', chunk) FROM md_replicas WHERE cs = $id ORDER BY 1")
  [ "$listed" = "$all" ] || fail "MDS does not list CS#$id (host$h) for every chunk"
  ondisk=$(find "$T/cs$h/chunks" -name '*.dat' -printf '%f\n' | sed 's/\.dat$//' | sort)
  [ "$ondisk" = "$all" ] || fail "cs$h holds chunk files [$(echo $ondisk)], expected [$(echo $all)]"
done
pass "1. fio crc32c seq+random 48 MiB writes verify, also from a fresh mount; 24 chunks x 3 replicas on 3 CS, chunk files on every CS"

# --- 2. kill -9 of a CS during a verifying write at replicas=3:2 -----------------------------
mkdir "$T/m1/deg" && ps 1 set-attr -R "$T/m1/deg" replicas=3:2 || fail "set-attr replicas=3:2"
# old contents: random bytes with no fio headers, on all three CS
TO dd if=/dev/urandom of="$T/m1/deg/kill.dat" bs=1M count=48 conv=fsync status=none || fail "dd old contents"
DEG=$(mdq "SELECT ino FROM md_dentries WHERE parent = (SELECT ino FROM md_dentries WHERE parent = 1 AND name = 'deg') AND name = 'kill.dat'")
[ "$(mdq "SELECT count(*) FROM md_replicas r JOIN md_chunks c ON c.id = r.chunk WHERE c.ino = $DEG AND r.cs = $CSID_3")" = 12 ] \
  || fail "old contents not on cs3"
FIO_KILL=(--name=kill --rw=write --bs=256k --ioengine=psync --size=48M
          --verify=crc32c --randseed=777 --end_fsync=1)
# rate-limited so that the kill lands mid-file
( TO fio "${FIO_KILL[@]}" --filename="$T/m1/deg/kill.dat" --do_verify=1 --rate=24m --output="$T/fio-kill.out" >/dev/null 2>&1; echo $? > "$T/fio-kill.rc" ) &
FIOPID=$!
sleep 0.7
kill -0 "$FIOPID" 2>/dev/null && [ ! -s "$T/fio-kill.rc" ] || fail "fio finished before the kill"
before_kill=$(mdq "SELECT group_concat(id || ':' || version, ' ') FROM md_chunks WHERE ino = $DEG")
kill -9 "$PID_cs3"
wait_until 90 test -s "$T/fio-kill.rc" || fail "fio did not finish after a CS died"
wait "$FIOPID" || true
[ "$(cat "$T/fio-kill.rc")" = 0 ] || fail "fio failed after a CS died: $(grep -i 'err\|verify' "$T/fio-kill.out" | head -5); mount: $(tail -5 "$T/m1.out")"
echo "   fio with a CS killed: $(grep -o 'WRITE: bw=[^ ]*' "$T/fio-kill.out")"

start cs3b "$BIN/pstorage-csd" --config-dir "$T/host3" -r "$T/cs3"
wait_until 30 active 3 || fail "cs3 did not come back active"
# Chunks written after the kill moved to a new version without cs3 (its
# replica there went stale; repair may already have replaced it by a fresh
# copy at the new version). cs3 must never be listed at a version it lacks.
# The MDS is read first: a CS moves to a version before the MDS lists it
# there (a repair copy is stored, then recorded), so the CS, read second, may
# be ahead of what was listed but never behind it.
stale=0
while IFS='|' read -r cid ver; do
  listed=$(mdq "SELECT version FROM md_replicas WHERE chunk = $cid AND cs = $CSID_3")
  local_ver=$(csq 3 "SELECT version FROM chunks WHERE id = $cid")
  case " $before_kill " in *" $cid:$ver "*) ;; *) stale=$((stale + 1)) ;; esac
  [ -z "$listed" ] || [ "$listed" != "$ver" ] || [ "${local_ver:-0}" -ge "$ver" ] \
    || fail "chunk $cid: CS#$CSID_3 listed at the current version $ver but holds version ${local_ver:-none}"
done < <(mdq "SELECT id, version FROM md_chunks WHERE ino = $DEG")
[ "$stale" -gt 0 ] || fail "no chunk of kill.dat changed version after the kill: the kill did not land mid-write"
mount_fuse m3 3
TO fio "${FIO_KILL[@]}" --filename="$T/m3/deg/kill.dat" --verify_only --output="$T/fio-kill-v.out" >/dev/null 2>&1 \
  || fail "read after cs3 restarted is wrong: $(grep -i 'verify\|err' "$T/fio-kill-v.out" | head -5)"
pass "2. kill -9 of a CS during a verifying fio write (3:2): fio completes and verifies; $stale stale replicas on the restarted CS are not current and a fresh mount reads the new data"

# --- 2b. kill -9 of the FIRST CS of a write chain: the write fails over at once -----------------
# A writer holds the file open with its chain cached (one write+fsync done),
# the chain's first CS is killed, then the writer does write+fsync again and
# reports how long that took. The lost connection must end the wait at once
# (not the ~20 s request timeout); the bound is generous on purpose.
FW_PY='
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
blk = os.urandom(65536)
os.pwrite(fd, blk, 0); os.fsync(fd)
print("ready", flush=True)
sys.stdin.readline()
t = time.monotonic()
os.pwrite(fd, blk, 65536); os.fsync(fd)
print(int((time.monotonic() - t) * 1000), flush=True)
'
coproc FW { timeout 90 python3 -c "$FW_PY" "$T/m1/deg/failover.dat" 2>&1; }
FWPID=$FW_PID
read -r -t 60 -u "${FW[0]}" line && [ "$line" = ready ] || fail "failover writer did not start: $line"
FO=$(mdq "SELECT ino FROM md_dentries WHERE parent = (SELECT ino FROM md_dentries WHERE parent = 1 AND name = 'deg') AND name = 'failover.dat'")
HEAD=$(mdq "SELECT r.cs FROM md_chunks c JOIN md_replicas r ON r.chunk = c.id AND r.version = c.version
            WHERE c.ino = $FO AND c.idx = 0 ORDER BY r.pos LIMIT 1")
[ -n "$HEAD" ] || fail "no chain for failover.dat"
for h in 1 2 3; do [ "$(eval echo "\$CSID_$h")" = "$HEAD" ] && HEADH=$h; done
HEADPID=$(eval echo "\$PID_cs$HEADH"); [ "$HEADH" = 3 ] && HEADPID=$PID_cs3b
kill -9 "$HEADPID"
echo go >&"${FW[1]}"
read -r -t 60 -u "${FW[0]}" took || fail "write+fsync after kill -9 of the first CS#$HEAD did not finish within 60 s"
[[ "$took" =~ ^[0-9]+$ ]] || fail "failover writer: $took"
wait "$FWPID" 2>/dev/null || true
[ "$took" -lt 10000 ] || fail "write+fsync took $took ms after kill -9 of the chain's first CS#$HEAD (bound 10 s)"
start cs${HEADH}f "$BIN/pstorage-csd" --config-dir "$T/host$HEADH" -r "$T/cs$HEADH"
wait_until 30 active 3 || fail "CS#$HEAD did not come back active"
pass "2b. kill -9 of the chain's first CS#$HEAD: write+fsync failed over in $took ms"

# --- 3. a flipped byte in a chunk file -----------------------------------------------------------
SEQ=$(ino_of seq.dat)
IFS='|' read -r CID FIRST < <(mdq "SELECT c.id, r.cs FROM md_chunks c JOIN md_replicas r ON r.chunk = c.id
                                   WHERE c.ino = $SEQ AND c.idx = 5 ORDER BY r.pos LIMIT 1")
for h in 1 2 3; do [ "$(eval echo "\$CSID_$h")" = "$FIRST" ] && BADH=$h; done
OLDV=$(mdq "SELECT version FROM md_chunks WHERE id = $CID")
DAT=$(find "$T/cs$BADH/chunks" -name "$(printf '%016x' "$CID").dat")
[ -n "$DAT" ] || fail "no data file for chunk $CID on cs$BADH"
off=$((1024 * 1024 + 777))
orig=$(od -An -tu1 -j $off -N1 "$DAT" | tr -d ' ')
printf "$(printf '\\%03o' $(( (orig + 1) % 256 )))" | dd of="$DAT" bs=1 seek=$off conv=notrunc status=none
[ "$(od -An -tu1 -j $off -N1 "$DAT" | tr -d ' ')" != "$orig" ] || fail "byte not flipped"
mount_fuse m4 2
TO fio --name=seq --filename="$T/m4/seq.dat" --rw=write --bs=1M "${FIO_COMMON[@]}" --verify_only \
  --output="$T/fio-flip.out" >/dev/null 2>&1 \
  || fail "read with a flipped byte on CS#$FIRST is wrong: $(grep -i 'verify\|err' "$T/fio-flip.out" | head -5)"
flagged() { ps 1 stat --json | jq -e --argjson id "$FIRST" '.cs[] | select(.id == $id) | .flags | contains("h")'; }
wait_until 10 flagged || fail "CS#$FIRST not flagged h: $(ps 1 stat --json | jq -c '.cs')"
wait_until 10 grep -q "CS#$FIRST has reported hard error" "$T/mds.out" || fail "no 'has reported hard error' in the MDS log"
# The bad copy is dropped with a version bump, so it can never be current
# again; repair may put a fresh copy (new version) back on the same CS at once.
bumped() { [ "$(mdq "SELECT version FROM md_chunks WHERE id = $CID")" -gt "$OLDV" ]; }
wait_until 10 bumped || fail "chunk $CID still at version $OLDV: the bad replica on CS#$FIRST was not dropped"
pass "3. flipped byte on CS#$FIRST (chunk $CID): fresh mount reads correct data, flag h, 'has reported hard error', bad replica dropped (version $OLDV -> $(mdq "SELECT version FROM md_chunks WHERE id = $CID"))"

# --- 4. ordinary programs ---------------------------------------------------------------------------
TO tar -C "$(dirname "$SRC")" -cf - "$(basename "$SRC")" | TO tar -C "$T/m1" -xf - || fail "tar into the mount"
mkdir -p "$T/out"
TO tar -C "$T/m2" -cf - "$(basename "$SRC")" | tar -C "$T/out" -xf - || fail "tar out of the mount (second mount)"
diff -r "$SRC" "$T/out/$(basename "$SRC")" >"$T/diff.out" || fail "diff -r after tar in/out: $(head -5 "$T/diff.out")"
pass "4a. tar of $SRC ($(find "$SRC" -type f | wc -l) files) in and out through two mounts: diff -r clean"

mkdir "$T/m1/db"
# 3000 fully synchronous transactions (synchronous=FULL, rollback journal kept
# between transactions: every COMMIT fsyncs journal and database through the
# mount, 4 fsyncs per transaction), then VACUUM.
SQL_N=3000
{
  echo "PRAGMA journal_mode=PERSIST; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n INTEGER);"
  for i in $(seq $SQL_N); do
    echo "BEGIN; INSERT INTO t (v, n) VALUES (hex(randomblob(64)), $i); UPDATE t SET n = n + 1 WHERE id = $(( (i + 1) / 2 )); COMMIT;"
  done
  echo "DELETE FROM t WHERE id % 7 = 0; VACUUM;"
} > "$T/tx.sql"
t0=$(date +%s%N)
timeout 600 sqlite3 "$T/m1/db/test.sqlite" <"$T/tx.sql" >"$T/sqlite.out" 2>&1 || fail "sqlite3 transactions (rc $?): $(tail -3 "$T/sqlite.out")"
SQL_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "   sqlite: $SQL_N synchronous transactions + VACUUM in $SQL_MS ms ($(( SQL_MS * 1000 / SQL_N )) us per transaction)"
[ "$(TO sqlite3 "$T/m1/db/test.sqlite" 'PRAGMA integrity_check')" = ok ] || fail "sqlite integrity_check on the mount"
[ "$(TO sqlite3 -readonly "$T/m2/db/test.sqlite" 'PRAGMA integrity_check; SELECT count(*) FROM t; SELECT sum(n) FROM t')" = "ok
$((SQL_N - SQL_N / 7))
$(TO sqlite3 -readonly "$T/m1/db/test.sqlite" 'SELECT sum(n) FROM t')" ] || fail "sqlite on the second mount"
pass "4b. SQLite: $SQL_N fully synchronous transactions + VACUUM on the mount, integrity_check ok (also from the second mount)"

mkdir "$T/m1/repo"
(
  cd "$T/m1/repo"
  TO git init -q . && git config user.email acc@example.com && git config user.name acc \
    && cp -r "$SRC" src && TO git add -A && TO git commit -qm one \
    && echo change >> src/CMakeLists.txt && TO git commit -qam two \
    && TO git gc -q && TO git fsck --full --strict
) >"$T/git.out" 2>&1 || fail "git on the mount: $(tail -5 "$T/git.out")"
[ "$(git -C "$T/m2/repo" log --oneline | wc -l)" = 2 ] || fail "git log from the second mount"
pass "4c. git init/add/commit/gc/fsck on the mount"

for m in m1 m2 m3 m4; do unmount_fuse $m; done
echo "data_path_acceptance: all passed"
