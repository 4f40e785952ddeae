#!/usr/bin/env bash
# Directory listings held by a mount under the master's directory watch
# (issue 13; docs/consistency.md "Directory listings held by a mount";
# actors/client/dir_cache.hpp, actors/mds/invalidations.hpp). A mount that
# made or listed a directory answers LOOKUPs of absent names itself (every
# create starts with one); another mount's create, unlink or rename in that
# directory is answered only after the holder dropped the listing. Checked
# with two mounts: a create on m2 is seen by m1 at once, an unlink on m2 then
# a create on m1, renames within and into the directory, a stopped holder;
# and a third mount that ignores the invalidations (test knob) does read
# stale answers, so this test fails without them.
# Needs root, /dev/fuse and python3.
source "$(dirname "$0")/lib.sh"

require_fuse mounts_dir_cache python3
T60() { timeout 60 "$@"; }  # every file operation on the mounts is bounded

C=dcache
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
pass "1 MDS, 1 CS, two mounts and one that ignores directory invalidations"

# --- m1 holds the listing (it made the directory); m2 creates, m1 looks ------
T60 python3 - "$T/m1" "$T/m2" <<'EOF' || fail "create on m2 seen by m1"
import os, sys
a, b = sys.argv[1:3]
os.mkdir(os.path.join(a, "d"))
N = 100
missed = 0
for i in range(N):
    name = "f%03d" % i
    pa, pb = os.path.join(a, "d", name), os.path.join(b, "d", name)
    assert not os.path.exists(pa)          # absent: answered from m1's listing
    os.close(os.open(pb, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))   # m2 creates
    try:
        os.stat(pa)                          # m1, right after m2's create returned
        fd = os.open(pa, os.O_RDONLY); os.close(fd)
    except FileNotFoundError:
        missed += 1
    # m1's own create in its listing, seen by m2 (no listing there: MDS)
    own = os.path.join(a, "d", "own%03d" % i)
    os.close(os.open(own, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    os.stat(os.path.join(b, "d", "own%03d" % i))
print("%d creates on m2 in a directory m1 holds: %d not seen by m1's stat/open right after" % (N, missed))
sys.exit(1 if missed else 0)
EOF
pass "100 creates on m2 in a directory m1 holds: each seen by m1's stat and open at once"

# --- unlink on m2, then create on m1; a listing taken by readdir ---------------
T60 python3 - "$T/m1" "$T/m2" <<'EOF' || fail "unlink on m2 then create on m1"
import os, sys
a, b = sys.argv[1:3]
os.mkdir(os.path.join(b, "u"))            # made on m2: m1 lists it to hold it
for i in range(20):
    os.close(os.open(os.path.join(b, "u", "g%02d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
assert len(os.listdir(os.path.join(a, "u"))) == 20   # m1 holds the listing now
for i in range(20):
    name = "g%02d" % i
    assert not os.path.exists(os.path.join(a, "u", "x" + name))   # absent, from the listing
    os.unlink(os.path.join(b, "u", name))                           # m2 unlinks
    if os.path.exists(os.path.join(a, "u", name)):
        sys.exit("%s unlinked on m2 still seen on m1" % name)
    # m1 creates the name again, exclusively: must not find the old file
    os.close(os.open(os.path.join(a, "u", name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    os.close(os.open(os.path.join(b, "u", "x" + name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    if not os.path.exists(os.path.join(a, "u", "x" + name)):
        sys.exit("x%s created on m2 after m1 listed the directory not seen on m1" % name)
print("20 unlink(m2) -> create O_EXCL(m1) rounds, 20 creates on m2 seen on m1")
EOF
pass "unlink on m2 then exclusive create on m1; creates on m2 after m1's readdir seen at once"

# --- renames on m2, within and into a directory m1 holds ----------------------
T60 python3 - "$T/m1" "$T/m2" <<'EOF' || fail "rename on m2 seen by m1"
import os, sys
a, b = sys.argv[1:3]
os.mkdir(os.path.join(a, "r")); os.mkdir(os.path.join(b, "elsewhere"))
for i in range(20):
    src, dst = "s%02d" % i, "t%02d" % i
    assert not os.path.exists(os.path.join(a, "r", dst))            # from the listing
    assert not os.path.exists(os.path.join(a, "r", "in" + dst))
    with open(os.path.join(b, "r", src), "w") as f: f.write(src)
    os.rename(os.path.join(b, "r", src), os.path.join(b, "r", dst))  # within r
    if open(os.path.join(a, "r", dst)).read() != src:
        sys.exit("renamed %s not read on m1" % dst)
    if os.path.exists(os.path.join(a, "r", src)):
        sys.exit("renamed-away %s still seen on m1" % src)
    with open(os.path.join(b, "elsewhere", src), "w") as f: f.write("in")
    os.rename(os.path.join(b, "elsewhere", src), os.path.join(b, "r", "in" + dst))  # into r
    if not os.path.exists(os.path.join(a, "r", "in" + dst)):
        sys.exit("file renamed into r on m2 not seen on m1")
print("40 renames on m2 (within and into a directory m1 holds): all seen on m1 at once")
EOF
pass "renames on m2 within and into a directory m1 holds: seen on m1 at once"

# --- without the invalidations the same check fails (m3 ignores them) ---------
T60 python3 - "$T/m3" "$T/m2" <<'EOF' || fail "the knob mount did not read stale answers: is the listing used at all?"
import os, sys
a, b = sys.argv[1:3]
os.mkdir(os.path.join(a, "k"))
stale = 0
for i in range(20):
    name = "k%02d" % i
    assert not os.path.exists(os.path.join(a, "k", name))
    os.close(os.open(os.path.join(b, "k", name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    stale += not os.path.exists(os.path.join(a, "k", name))
print("a mount ignoring directory invalidations: %d of 20 creates on m2 not seen" % stale)
sys.exit(0 if stale else 1)
EOF
pass "a mount ignoring the invalidations answers from a stale listing (so the checks above can fail)"

# --- a stopped holder: m2's create waits at most about the bound; m1 sees it when resumed
T60 python3 - "$T/m1" "$T/m2" "$PID_m1" <<'EOF' || fail "stopped holder"
import os, signal, sys, time
a, b, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.mkdir(os.path.join(a, "p"))
assert not os.path.exists(os.path.join(a, "p", "z0"))
os.kill(pid, signal.SIGSTOP)
try:
    t0 = time.monotonic()
    for i in range(3):
        os.close(os.open(os.path.join(b, "p", "z%d" % i), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    took = time.monotonic() - t0
finally:
    os.kill(pid, signal.SIGCONT)
print("3 creates on m2 with the holder m1 stopped: %.2f s" % took)
if took > 8:
    sys.exit("m2 waited %.1f s for a stopped mount" % took)
for i in range(3):
    if not os.path.exists(os.path.join(a, "p", "z%d" % i)):
        sys.exit("z%d not seen on m1 once resumed" % i)
EOF
pass "a stopped holder costs m2's create at most ~1 s; once resumed it sees the creates at once"
