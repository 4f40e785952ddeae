#!/usr/bin/env bash
# A mount whose MDSs have lost their majority holds metadata operations for
# up to its patience (30 s) waiting for a master. SIGTERM to the mount
# process must unmount and exit promptly: the blocked operations fail
# (EIO/ENOTCONN) instead of the process waiting the patience out. 3 MDSs + 3
# CSs + a mount; two MDSs stopped; an mkdir through the mount blocks; SIGTERM:
# the mount process exits within 5 s (generous: the bound is one in-flight
# MDS request step), the mkdir returns an error at the latest then, the
# mount point is gone. Needs root and /dev/fuse.
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse mount_sigterm_no_quorum

C=sigq
echo "sigq-pw" > "$T/pw"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

make_cluster 3
mount_it
mkdir "$MNT/before" || fail "mkdir with a quorum"
pass "3 MDSs, 3 CSs, mounted"

mds_stop 2 3
# The blocked operation: mkdir through the mount (no master can commit it).
mkdir "$MNT/blocked" 2>"$T/mkdir.err" &
OP=$!
# Still blocked 2 s later (not failed fast, not succeeded).
for _ in $(seq 20); do kill -0 "$OP" 2>/dev/null || fail "mkdir ended without a quorum: $(cat "$T/mkdir.err")"; sleep 0.1; done
pass "mkdir blocks without a majority"

t0=$(now_ms)
kill -TERM "$PID_mount"
for _ in $(seq 300); do kill -0 "$PID_mount" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID_mount" 2>/dev/null; then stacks "$PID_mount"; fail "the mount process did not exit within 30 s of SIGTERM"; fi
ms=$(( $(now_ms) - t0 ))
wait "$PID_mount" 2>/dev/null || true
drop_pid "$PID_mount"
for _ in $(seq 100); do kill -0 "$OP" 2>/dev/null || break; sleep 0.1; done
kill -0 "$OP" 2>/dev/null && fail "mkdir still blocked 10 s after the mount exited"
op_ms=$(( $(now_ms) - t0 ))
rc=0; wait "$OP" || rc=$?
echo "mount exited $ms ms after SIGTERM; mkdir returned rc $rc ($(cat "$T/mkdir.err")) after $op_ms ms"
[ "$ms" -lt 5000 ] || fail "the mount took $ms ms to exit on SIGTERM (bound 5 s; patience is 30 s)"
[ "$rc" != 0 ] || fail "the blocked mkdir succeeded"
grep -q " $MNT fuse.pstorage" /proc/self/mounts && fail "still mounted after the mount process exited"
pass "SIGTERM: unmounted and exited in $ms ms; the blocked mkdir failed"
