#!/usr/bin/env bash
# The data path through a real FUSE mount (issue 3; guide "Setting Up
# Clients", "Mounting the Cluster", "Configuring Replication Parameters",
# "Configuring Failure Domains"): 1 MDS + 3 CS on three "hosts" (separate
# config dirs, distinct host_ids), replicas=3, files of several 1 MiB chunks
# written and read back, a second fresh mount (fstab form, daemonized) reading
# the same data, get-attr/set-attr, unlink of an open file, truncate, and the
# operator-facing errors. Needs root and /dev/fuse.
source "$(dirname "$0")/lib.sh"

require_fuse mount_basic
T10() { timeout 60 "$@"; }  # every file operation on the mount is bounded

C=mnt
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }

# --- cluster: 1 MDS + 3 CS on three hosts --------------------------------------
start_mds 1M
for h in 2 3; do join_host $h; done
for h in 1 2 3; do start_cs $h; done
wait_until 20 active 3 || fail "3 CS did not become active"
[ "$(cat "$T"/host{1,2,3}/host_id | sort -u | wc -l)" = 3 ] || fail "host ids not distinct"
pass "cluster up: 1 MDS, 3 CS on 3 hosts"

# --- mount errors ----------------------------------------------------------------
mkdir -p "$T/m1" "$T/m2" "$T/m3"
out=$("$BIN/pstorage-mount" --config-dir "$T/host1" -c nosuch "$T/m1" 2>&1) && fail "unknown cluster mounted"
grep -q "unknown cluster 'nosuch'" <<<"$out" || fail "unknown cluster message: $out"
out=$("$BIN/pstorage-mount" --config-dir "$T/host1" -c $C "$T/nodir" 2>&1) && fail "missing mount point accepted"
grep -q "does not exist" <<<"$out" || fail "missing mount point message: $out"
mkdir -p "$T/host4/clusters/$C"; echo "$MDS" > "$T/host4/clusters/$C/bs.list"
out=$("$BIN/pstorage-mount" --config-dir "$T/host4" -c $C "$T/m1" 2>&1) && fail "unauthenticated host mounted"
grep -q "auth-node" <<<"$out" || fail "unauthenticated host message: $out"
out=$("$BIN/pstorage-mount" --config-dir "$T/host1" -c $C "$T/m1" -o frobnicate 2>&1) && fail "bad option accepted"
grep -q "unknown mount option 'frobnicate'" <<<"$out" || fail "bad option message: $out"
is_mounted "$T/m1" && fail "something got mounted"
pass "unknown cluster, missing mount point, unauthenticated host, bad option: clear errors"

# --- first mount (foreground, PID tracked) -------------------------------------------
mount_fuse m1 1 ${MOUNT_DEBUG:+-d}
mount_line "$T/m1" | grep -q "^fuse.pstorage pstorage://$C " || fail "mountinfo source/type: $(mount_line "$T/m1")"
pass "mounted: fuse.pstorage pstorage://$C"

# --- attributes ----------------------------------------------------------------------
out=$(ps 1 get-attr "$T/m1") || fail "get-attr: $out"
grep -q "File: '$T/m1'" <<<"$out" || fail "get-attr File line: $out"
grep -q "replicas=1:1" <<<"$out" || fail "new cluster is not replicas=1:1: $out"
grep -q "failure-domain=host" <<<"$out" || fail "default failure domain: $out"
ps 1 set-attr -R "$T/m1" replicas=3 || fail "set-attr replicas=3"
J=$(ps 1 get-attr --json "$T/m1") || fail "get-attr --json"
[ "$(jq -r '.replicas,.min_replicas,.tier,.failure_domain' <<<"$J" | tr '\n' ' ')" = "3 2 0 host " ] \
  || fail "after replicas=3: $J"
ps 1 set-attr -R -p /failure-domain=host || fail "-p /failure-domain=host"
ps 1 get-attr -p / | grep -q "replicas=3:2" || fail "get-attr -p /"
pass "get-attr shows replicas=1:1, set-attr -R replicas=3 gives 3:2 (also -p form, --json)"

for bad in "foo=1|unknown attribute" "replicas=0|from 1 to 15" "replicas=16|from 1 to 15" \
           "replicas=2:3|minimum number of replicas" "tier=4|tier" "failure-domain=planet|failure"; do
  arg=${bad%%|*}; msg=${bad#*|}
  out=$(ps 1 set-attr "$T/m1" "$arg" 2>&1) && fail "set-attr $arg accepted"
  grep -qi "$msg" <<<"$out" || fail "set-attr $arg: message '$out' lacks '$msg'"
done
out=$(ps 1 set-attr /tmp replicas=3 2>&1) && fail "set-attr outside a mount accepted"
grep -q "not on a mounted pstorage" <<<"$out" || fail "outside mount message: $out"
J=$(ps 1 get-attr --json "$T/m1"); [ "$(jq -r .replicas <<<"$J")" = 3 ] || fail "bad input changed attributes"
pass "set-attr refuses unknown attribute, replicas=0/16, MIN>NORM, bad tier/domain, paths off the mount"

# --- data: several chunks, replicas=3 ------------------------------------------------------
head -c $((5 * 1024 * 1024 + 12345)) /dev/urandom > "$T/data"
T10 cp "$T/data" "$T/m1/big" || fail "cp to mount"
T10 cmp "$T/data" "$T/m1/big" || fail "read back differs"
[ "$(stat -c %s "$T/m1/big")" = $((5 * 1024 * 1024 + 12345)) ] || fail "size"
echo hello > "$T/m1/small" && [ "$(T10 cat "$T/m1/small")" = hello ] || fail "small file"
T10 mkdir -p "$T/m1/dir/sub" && echo deep > "$T/m1/dir/sub/f" || fail "mkdir/create in subdir"
[ "$(ls "$T/m1" | tr '\n' ' ')" = "big dir small " ] || fail "readdir: $(ls "$T/m1")"
# a sparse write across a chunk boundary
T10 dd if="$T/data" of="$T/m1/sparse" bs=4096 count=64 seek=$(( (3 * 1024 * 1024 - 8192) / 4096 )) \
  conv=notrunc status=none || fail "dd sparse"
T10 cmp -n $((3 * 1024 * 1024 - 8192)) "$T/m1/sparse" /dev/zero || fail "hole not zeros"
T10 cmp -i $((3 * 1024 * 1024 - 8192)):0 -n 262144 "$T/m1/sparse" "$T/data" || fail "sparse data"
for h in 1 2 3; do
  [ "$(du -sb "$T/cs$h" | cut -f1)" -ge $((5 * 1024 * 1024)) ] || fail "cs$h holds less than one copy of the data"
done
pass "5 MiB file over 6 chunks, small file, subdirs, sparse write: read back equal; every CS holds a copy"

# --- a second, fresh mount in the fstab form (daemonized) ---------------------------------------------
MOUNTS+=("$T/m2")
PSTORAGE_CONFIG_DIR="$T/host2" timeout 30 "$BIN/pstorage-mount" "pstorage://$C" "$T/m2" -o rw,nosuid,nodev,_netdev \
  >"$T/mount2.out" 2>&1 || fail "fstab-form mount: $(cat "$T/mount2.out")"
is_mounted "$T/m2" || fail "m2 not mounted after the daemon returned"
PID_m2=$(pgrep -f -- "pstorage-mount pstorage://$C $T/m2" | head -1); [ -n "$PID_m2" ] && PIDS+=("$PID_m2")
T10 cmp "$T/data" "$T/m2/big" || fail "second mount reads other data"
[ "$(T10 cat "$T/m2/dir/sub/f")" = deep ] || fail "second mount subdir"
head -c 3000000 /dev/urandom > "$T/data2"
T10 cp "$T/data2" "$T/m2/from2" || fail "write on the second mount"
T10 cmp "$T/data2" "$T/m1/from2" || fail "first mount does not see the second's file"
pass "a fresh daemonized mount (pstorage://$C form) reads the same data; writes seen across mounts"

# --- POSIX corners -----------------------------------------------------------------------------
exec 3<"$T/m1/big"
rm "$T/m1/big" || fail "unlink open file"
[ -e "$T/m1/big" ] && fail "unlinked file still listed"
# read through the handle; fstat works too (Linux semantics: the file lives
# until its last close)
[ "$(stat -L -c %s /proc/self/fd/3)" = "$(stat -c %s "$T/data")" ] || fail "fstat of an unlinked open file"
T10 python3 -c '
import os, sys
out = bytearray()
while True:
    b = os.read(3, 1 << 20)
    if not b: break
    out += b
sys.stdout.buffer.write(out)' <&3 >"$T/unlinked.copy" || fail "read of an unlinked open file"
cmp "$T/unlinked.copy" "$T/data" || fail "open handle of an unlinked file lost its data"
exec 3<&-
# an unlinked open file stays fully usable: fstat, write, ftruncate, read, fsync
T10 python3 - "$T/m1/gone" <<'EOF' || fail "I/O on an unlinked open file"
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b"a" * 100000)
os.unlink(sys.argv[1])
assert not os.path.exists(sys.argv[1]), "still listed"
assert os.fstat(fd).st_size == 100000, os.fstat(fd)
os.pwrite(fd, b"b" * 10, 200000)
assert os.fstat(fd).st_size == 200010, os.fstat(fd)
os.ftruncate(fd, 5000)
os.fsync(fd)
assert os.fstat(fd).st_size == 5000, os.fstat(fd)
assert os.pread(fd, 6000, 0) == b"a" * 5000
os.close(fd)
EOF
T10 truncate -s 1500000 "$T/m1/from2" || fail "truncate"
[ "$(stat -c %s "$T/m2/from2")" = 1500000 ] || fail "truncated size on the other mount"
T10 cmp -n 1500000 "$T/m1/from2" "$T/data2" || fail "data after truncate"
T10 mv "$T/m1/small" "$T/m1/dir/renamed" && [ "$(cat "$T/m1/dir/renamed")" = hello ] || fail "rename"
python3 - "$T/m1/fsynced" <<'EOF' || fail "write+fsync"
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, b"x" * 1048577); os.fsync(fd); os.close(fd)
EOF
[ "$(stat -c %s "$T/m2/fsynced")" = 1048577 ] || fail "size after fsync not visible on the other mount"
if command -v fio >/dev/null; then
  T10 fio --name=v --filename="$T/m1/fio.dat" --size=4M --bs=64k --rw=randwrite --verify=crc32c \
    --do_verify=1 --end_fsync=1 >"$T/fio.out" 2>&1 || fail "fio verify: $(tail -5 "$T/fio.out")"
fi
pass "unlink of an open file (read, fstat, write, ftruncate through the handle), truncate, rename, fsync, (fio verify)"

# --- a CS dies during a synchronous write (replicas=3:2) ---------------------------
# dd reads its input from a FIFO this script holds open, so it cannot finish
# before the script closes it. All but the last MiB is fed in the background;
# once the file has grown past 4 MiB (dd is writing), cs3 is killed, dd is
# checked to be still running, and only then is the last MiB fed: some of the
# file is always written after the CS died, whatever the write speed.
ps 1 set-attr -R "$T/m1" replicas=3:2 || fail "set-attr replicas=3:2"
TOTAL=$((32 * 1024 * 1024)); LAST=$((1024 * 1024))
head -c $TOTAL /dev/urandom > "$T/data3"
mkfifo "$T/feed"
( T10 dd if="$T/feed" of="$T/m1/killed" bs=256k iflag=fullblock oflag=dsync status=none; echo $? > "$T/dd.rc" ) &
DD=$!
exec 4<>"$T/feed"   # read-write: the open does not wait for dd; dd sees EOF only when fd 4 is closed
( T10 head -c $((TOTAL - LAST)) "$T/data3" >&4 ) &
FEED=$!
grown() { [ "$(stat -c %s "$T/m1/killed" 2>/dev/null || echo 0)" -ge $((4 * 1024 * 1024)) ]; }
wait_until 30 grown || fail "the write did not get going: $(stat -c %s "$T/m1/killed" 2>&1)"
kill -9 "$PID_cs3"
size_at_kill=$(stat -c %s "$T/m1/killed")
kill -0 "$DD" 2>/dev/null && [ ! -s "$T/dd.rc" ] || fail "dd was no longer running when cs3 died"
[ "$size_at_kill" -le $((TOTAL - LAST)) ] || fail "the file had $size_at_kill bytes when cs3 died: more than was fed"
wait "$FEED" || fail "feeding dd after cs3 died"
T10 tail -c $LAST "$T/data3" >&4 || fail "feeding the last MiB to dd"
exec 4>&-
wait_until 60 test -s "$T/dd.rc" || fail "write did not finish after a CS died"
wait "$DD" || true
[ "$(cat "$T/dd.rc")" = 0 ] || fail "write failed after a CS died: $(tail -5 "$T/m1.out")"
T10 cmp "$T/data3" "$T/m1/killed" || fail "data written while a CS died differs (mount 1)"
T10 cmp "$T/data3" "$T/m2/killed" || fail "data written while a CS died differs (mount 2)"
pass "kill -9 of a CS while a dsync dd was running (file at $size_at_kill of $TOTAL bytes, the rest written after): the write completes and reads back equal on both mounts"

# --- unmount -----------------------------------------------------------------------------
for m in m1 m2; do unmount_fuse $m; done
pass "fusermount3 -u unmounts and the mount processes exit"
echo "mount_basic: all passed"
