#!/usr/bin/env bash
# A mount and a CS whose bs.list names one MDS learn the others from the
# master (issue 14: "a node that reaches any MDS learns the full MDS list from
# it and keeps it current"; docs/discovery.md): 3 MDSs, 3 CSs; host4's bs.list
# lists only the master; host4's mount and CS log the list they learned; then
# the master is killed -9: metadata changes through that mount go on and the
# CS registers with the new master, which bs.list alone would not find.
# Needs root and /dev/fuse.
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/mds_ha_lib.bash"
need_fuse mds_list_learned

C=learn
echo "learn-pw" > "$T/pw"
make_cluster 3
M1=$(master_id); [ "$M1" -gt 0 ] || fail "no master"
mkdir -p "$T/host4/clusters/$C"; echo "${A[$M1]}" > "$T/host4/clusters/$C/bs.list"
ps 4 auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host4"
MNT4="$T/m4"
mount_fuse m4 4   # in MOUNTS: lib.sh's cleanup unmounts it
T60 touch "$MNT4/before" || fail "metadata change with bs.list = the master only"
learned() { grep "MDS list of cluster '$C' from the master" "$T/m4.out" | tail -1 | grep -o '127\.0\.0\.1:[0-9]*' | sort -u | wc -l | grep -qx 3; }
wait_for 20 learned || fail "the mount did not log the 3 MDSs: $(tail -5 "$T/m4.out")"
ps 4 make-cs -r "$T/cs4" >/dev/null || fail "make-cs host4"
start cs4 "$BIN/pstorage-csd" --config-dir "$T/host4" -r "$T/cs4"
wait_for 40 active_is 4 || fail "CS of host4 not active: $(psq 1 stat 2>&1)"
cs_learned() { grep -q "MDS list from the master: .*,.*," "$T/cs4.out"; }
wait_for 20 cs_learned || fail "the CS did not log the 3 MDSs: $(tail -5 "$T/cs4.out")"
pass "host4's bs.list names only MDS#$M1 (master); its mount and its CS learned all 3 MDSs from the master"

mds_kill9 "$M1"
new_master() { local m; m=$(master_id); [ -n "$m" ] && [ "$m" != 0 ] && [ "$m" != "$M1" ]; }
wait_for 30 new_master || fail "no new master after killing MDS#$M1: $(psq 1 stat 2>&1)"
for i in 1 2 3; do
  T60 mkdir "$MNT4/after$i" && T60 touch "$MNT4/after$i/f" || fail "metadata change $i through host4's mount after MDS#$M1 died"
done
[ "$(T60 ls "$MNT4" | wc -l)" = 4 ] || fail "ls on host4: $(T60 ls "$MNT4")"
pass "MDS#$M1 killed -9: host4's mount follows MDS#$(master_id), which its bs.list does not name"
CS4=$(grep -o 'CS#[0-9]*' "$T/cs4.out" | head -1 | tr -d 'CS#')
cs4_active() { [ "$(stat_json | jq -r --arg id "$CS4" '.cs[] | select((.id|tostring)==$id) | .status')" = active ]; }
wait_for 60 cs4_active || fail "CS#$CS4 (host4) not active with the new master: $(psq 1 stat 2>&1); $(tail -5 "$T/cs4.out")"
pass "host4's CS#$CS4 registered with the new master"
