#!/usr/bin/env bash
# Attributes of files kept with a listing a mount holds under the master's
# directory watch (issue 13, session 17; docs/consistency.md "Attributes of
# files in a held directory"; actors/client/dir_cache.hpp attr_adopt,
# actors/mds/invalidations.hpp file_changed). A mount that made or listed a
# directory answers the LOOKUP of a file in it from the attributes it kept
# (stat, and the LOOKUP before open/unlink, skip the MDS); another mount's
# chmod, write+fsync, truncate, utime, unlink or rename of that file is
# answered only after the holder dropped them. Checked with two mounts: each
# change on m2 is seen by m1's stat right after it returned; m1's own
# changes are seen by its own stat; a stopped holder costs m2 at most ~1 s;
# and a third mount that ignores the invalidations (test knob) does answer
# stale attributes, so this test fails without them.
# Needs root, /dev/fuse and python3.
source "$(dirname "$0")/lib.sh"

require_fuse mounts_attr_cache python3
T60() { timeout 60 "$@"; }  # every file operation on the mounts is bounded

C=acache
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }

start_mds 1M
join_host 2; join_host 3
start_cs 1
wait_until 20 active 1 || fail "CS did not become active"
mount_fuse m1 1
mount_fuse m2 2
PSTORAGE_DEBUG_IGNORE_DIR_INVALIDATIONS=1 mount_fuse m3 3
sleep 1  # each mount's first Watch answered: a directory made now is held
pass "1 MDS, 1 CS, two mounts and one that ignores the master's invalidations"

# --- m1 holds d (made it) and has stat'ed each file; m2 changes them ----------
T60 python3 - "$T/m1" "$T/m2" <<'EOF' || fail "changes on m2 seen by m1's stat"
import os, stat, sys
a, b = sys.argv[1:3]
os.mkdir(os.path.join(a, "d"))
N = 20
A = lambda n: os.path.join(a, "d", n)
B = lambda n: os.path.join(b, "d", n)
for i in range(N):
    os.close(os.open(A("f%02d" % i), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
bad = []
def check(what, cond):
    if not cond: bad.append(what)
for i in range(N):
    n = "f%02d" % i
    os.listdir(os.path.join(a, "d"))                    # m1 holds d again (m2's rename/unlink ended that)
    os.stat(A(n)); os.stat(A(n))                       # kept by m1 now (twice: from the cache)
    os.chmod(B(n), 0o600 + i % 8)                       # chmod on m2
    check(n + " chmod", stat.S_IMODE(os.stat(A(n)).st_mode) == 0o600 + i % 8)
    with open(B(n), "wb") as f:                          # write + fsync on m2
        f.write(b"x" * (100 + i)); f.flush(); os.fsync(f.fileno())
        check(n + " size after fsync", os.stat(A(n)).st_size == 100 + i)
    check(n + " size after close", os.stat(A(n)).st_size == 100 + i)
    with open(A(n), "rb") as f:
        check(n + " data", f.read() == b"x" * (100 + i))
    os.truncate(B(n), 7)                                 # truncate on m2
    check(n + " truncate", os.stat(A(n)).st_size == 7)
    os.utime(B(n), (1_000_000 + i, 2_000_000 + i))       # utime on m2
    check(n + " mtime", int(os.stat(A(n)).st_mtime) == 2_000_000 + i)
    ino_old = os.stat(A(n)).st_ino
    with open(B("new" + n), "w") as f: f.write("renamed")   # rename over on m2
    os.rename(B("new" + n), B(n))
    st = os.stat(A(n))
    check(n + " rename over", st.st_ino != ino_old and st.st_size == 7)
    with open(A(n)) as f: check(n + " rename data", f.read() == "renamed")
    os.unlink(B(n))                                      # unlink on m2
    check(n + " unlink", not os.path.exists(A(n)))
print("%d files, 7 changes each on m2: %d not seen by m1 right after%s" % (N, len(bad), (": " + ", ".join(bad[:10])) if bad else ""))
sys.exit(1 if bad else 0)
EOF
pass "chmod, write+fsync, truncate, utime, rename over and unlink on m2: each seen by m1's stat at once"

# --- m1's own changes are seen by its own stat (the master does not invalidate the writer)
T60 python3 - "$T/m1" "$T/m2" <<'EOF' || fail "own changes"
import os, stat, sys
a, b = sys.argv[1:3]
p, q = os.path.join(a, "d", "own"), os.path.join(b, "d", "own")
os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
assert os.stat(p).st_size == 0
os.chmod(p, 0o640); assert stat.S_IMODE(os.stat(p).st_mode) == 0o640, "own chmod"
with open(p, "wb") as f: f.write(b"y" * 5000)
assert os.stat(p).st_size == 5000, "own write+close"
assert os.stat(q).st_size == 5000, "own write seen on m2"
os.truncate(p, 10); assert os.stat(p).st_size == 10, "own truncate"
os.utime(p, (5, 6)); assert int(os.stat(p).st_mtime) == 6, "own utime"
os.rename(p, p + ".2"); assert not os.path.exists(p) and os.stat(p + ".2").st_size == 10, "own rename"
with open(p + ".3", "w") as f: f.write("z")
os.rename(p + ".3", p + ".2"); assert os.stat(p + ".2").st_size == 1, "own rename over"
os.unlink(p + ".2"); assert not os.path.exists(p + ".2"), "own unlink"
print("m1's own chmod, write, truncate, utime, renames, unlink: seen by its own stat")
EOF
pass "m1's own changes seen by its own stat"

# --- without the invalidations the same check fails (m3 ignores them) ---------
T60 python3 - "$T/m3" "$T/m2" <<'EOF' || fail "the knob mount did not answer stale attributes: is the cache used at all?"
import os, stat, sys
a, b = sys.argv[1:3]
os.mkdir(os.path.join(a, "k"))
stale = 0
for i in range(10):
    n = "k%02d" % i
    os.close(os.open(os.path.join(a, "k", n), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    os.listdir(os.path.join(a, "k"))    # held from here on even if the mkdir came before m3's first Watch answer
    os.stat(os.path.join(a, "k", n))
    os.chmod(os.path.join(b, "k", n), 0o600)
    stale += stat.S_IMODE(os.stat(os.path.join(a, "k", n)).st_mode) != 0o600
print("a mount ignoring invalidations: %d of 10 chmods on m2 not seen" % stale)
sys.exit(0 if stale else 1)
EOF
pass "a mount ignoring the invalidations answers stale attributes (so the checks above can fail)"

# --- a stopped holder: m2's chmod waits at most about the bound; m1 sees it when resumed
T60 python3 - "$T/m1" "$T/m2" "$PID_m1" <<'EOF' || fail "stopped holder"
import os, signal, stat, sys, time
a, b, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.mkdir(os.path.join(a, "p"))
for i in range(3):
    os.close(os.open(os.path.join(a, "p", "z%d" % i), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    os.stat(os.path.join(a, "p", "z%d" % i))
os.kill(pid, signal.SIGSTOP)
try:
    t0 = time.monotonic()
    for i in range(3):
        os.chmod(os.path.join(b, "p", "z%d" % i), 0o604)
    took = time.monotonic() - t0
finally:
    os.kill(pid, signal.SIGCONT)
print("3 chmods on m2 with the holder m1 stopped: %.2f s" % took)
if took > 8:
    sys.exit("m2 waited %.1f s for a stopped mount" % took)
for i in range(3):
    if stat.S_IMODE(os.stat(os.path.join(a, "p", "z%d" % i)).st_mode) != 0o604:
        sys.exit("z%d: chmod not seen on m1 once resumed" % i)
EOF
pass "a stopped holder costs m2's chmod at most ~1 s; once resumed it sees the new mode at once"
