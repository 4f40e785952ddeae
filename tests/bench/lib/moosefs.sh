# shellcheck shell=bash
# tests/bench/lib/moosefs.sh — a private MooseFS 3.0 (Debian 12 packages) on
# loopback for side-by-side benchmarks: 1 master + N chunkservers, each with
# its own data dir and ports under a temp dir, mounted with mfsmount at a temp
# mount point, goal 3 (or MFS_GOAL), trash time 0.
# Source after lib/common.sh. Loopback recipe (TOOLCHAIN.md, "Performance
# baselines"): master REMAP_BITS=32, REMAP_SOURCE_IP_CLASS=127.0.0.1,
# REMAP_DESTINATION_IP_CLASS=0.0.0.0; wait for every chunkserver to report
# space before writing; SIGKILL (not SIGTERM) chunkservers for recovery tests.
#
# API:
#   mfs_install            apt-get install -y the packages if a binary is missing
#   mfs_start [N_CS]       start master + N_CS (default 3) chunkservers, mount;
#                          sets MFS_DIR, MFS_MNT, MFS_MASTER_PID, MFS_CS_PIDS[],
#                          MFS_MOUNT_PID, MFS_NCS, MFS_ML_PORT (chunkserver I listens on MFS_ML_PORT+3+I)
#   mfs_remount            unmount and mount again (cold client cache)
#   mfs_kill_cs I          SIGKILL chunkserver I (0-based)
#   mfs_cs_connected       prints how many chunkservers the master lists with space
#   mfs_stop               unmount, stop everything by PID (also done on exit)

MFS_PACKAGES=(moosefs-master moosefs-chunkserver moosefs-client)
MFS_GOAL=${MFS_GOAL:-3}
MFS_CS_PIDS=()

mfs_install() {
  if have mfsmaster && have mfschunkserver && have mfsmount && have mfssetgoal; then return 0; fi
  [ "$(id -u)" = 0 ] || die "MooseFS packages missing and not root: apt-get install -y ${MFS_PACKAGES[*]}"
  log "installing ${MFS_PACKAGES[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${MFS_PACKAGES[@]}" >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "${MFS_PACKAGES[@]}" >/dev/null; } \
    || die "apt-get install ${MFS_PACKAGES[*]} failed"
}

_mfs_user() { id -un; }
_mfs_group() { id -gn; }

mfs_start() {
  local ncs=${1:-3} i base
  mfs_install
  [ -e /dev/fuse ] || die "/dev/fuse missing: MooseFS cannot be mounted here"
  bench_tmpdir MFS_DIR mfs-bench
  MFS_MNT="$MFS_DIR/mnt"; mkdir -p "$MFS_MNT" "$MFS_DIR/master"
  base=$(free_ports $((3 + ncs)))
  MFS_ML_PORT=$base; MFS_CS_PORT=$((base + 1)); MFS_CL_PORT=$((base + 2))
  # shellcheck disable=SC2034  # public (API above)
  MFS_NCS=$ncs

  cp /var/lib/mfs/metadata.mfs.empty "$MFS_DIR/master/metadata.mfs"
  echo "*  /  rw,alldirs,admin,maproot=0:0" > "$MFS_DIR/mfsexports.cfg"
  : > "$MFS_DIR/mfstopology.cfg"
  cat > "$MFS_DIR/mfsmaster.cfg" <<CFG
WORKING_USER = $(_mfs_user)
WORKING_GROUP = $(_mfs_group)
SYSLOG_IDENT = mfsmaster-bench
NICE_LEVEL = 0
DATA_PATH = $MFS_DIR/master
EXPORTS_FILENAME = $MFS_DIR/mfsexports.cfg
TOPOLOGY_FILENAME = $MFS_DIR/mfstopology.cfg
MATOML_LISTEN_HOST = 127.0.0.1
MATOML_LISTEN_PORT = $MFS_ML_PORT
MATOCS_LISTEN_HOST = 127.0.0.1
MATOCS_LISTEN_PORT = $MFS_CS_PORT
MATOCL_LISTEN_HOST = 127.0.0.1
MATOCL_LISTEN_PORT = $MFS_CL_PORT
REMAP_BITS = 32
REMAP_SOURCE_IP_CLASS = 127.0.0.1
REMAP_DESTINATION_IP_CLASS = 0.0.0.0
REPLICATIONS_DELAY_INIT = 0
CS_TEMP_MAINTENANCE_MODE_TIMEOUT = 1800
CFG
  bench_start "$MFS_DIR/master.out" mfsmaster -f -c "$MFS_DIR/mfsmaster.cfg" start
  MFS_MASTER_PID=$BENCH_LAST_PID
  wait_until 15 _mfs_listening "$MFS_CL_PORT" \
    || { tail -n 20 "$MFS_DIR/master.out" >&2; die "mfsmaster did not listen on $MFS_CL_PORT"; }

  for ((i = 0; i < ncs; i++)); do _mfs_start_cs "$i"; done
  _mfs_mount
  wait_until "${MFS_WAIT_CS:-60}" _mfs_all_cs_space "$ncs" \
    || { tail -n 5 "$MFS_DIR"/cs*.out >&2; die "only $(mfs_cs_connected) of $ncs chunkservers report space"; }
  mfssetgoal -r "$MFS_GOAL" "$MFS_MNT" >/dev/null
  mfssettrashtime -r 0 "$MFS_MNT" >/dev/null
  log "MooseFS up: master 127.0.0.1:$MFS_CL_PORT, $ncs chunkservers, goal $MFS_GOAL, mounted at $MFS_MNT"
}

_mfs_listening() { ss -ltnH "( sport = :$1 )" | grep -q .; }

_mfs_start_cs() {
  local i=$1 d="$MFS_DIR/cs$1"
  mkdir -p "$d/data" "$d/hdd"
  echo "$d/hdd" > "$d/mfshdd.cfg"
  cat > "$d/mfschunkserver.cfg" <<CFG
WORKING_USER = $(_mfs_user)
WORKING_GROUP = $(_mfs_group)
SYSLOG_IDENT = mfscs-bench$i
NICE_LEVEL = 0
DATA_PATH = $d/data
HDD_CONF_FILENAME = $d/mfshdd.cfg
HDD_LEAVE_SPACE_DEFAULT = 256MiB
MASTER_HOST = 0.0.0.0
MASTER_PORT = $MFS_CS_PORT
CSSERV_LISTEN_HOST = 127.0.0.1
CSSERV_LISTEN_PORT = $((MFS_ML_PORT + 3 + i))
CFG
  bench_start "$d.out" mfschunkserver -f -c "$d/mfschunkserver.cfg" start
  MFS_CS_PIDS[$i]=$BENCH_LAST_PID
}

_mfs_mount() {
  bench_start "$MFS_DIR/mount.out" mfsmount -f "$MFS_MNT" -H 127.0.0.1 -P "$MFS_CL_PORT" -S /
  MFS_MOUNT_PID=$BENCH_LAST_PID
  BENCH_MOUNTS+=("$MFS_MNT")
  _mfs_mount_settled() { mountpoint -q "$MFS_MNT" || ! kill -0 "$MFS_MOUNT_PID" 2>/dev/null; }
  wait_until 15 _mfs_mount_settled; mountpoint -q "$MFS_MNT" || { tail -n 20 "$MFS_DIR/mount.out" >&2; die "mfsmount failed"; }
}

# Total space the client sees (statfs, 1K blocks) is the master's sum over
# chunkservers that reported space, each reporting used + available of its
# disk. All chunkservers share one file system here, so each contributes
# about used + available of that file system: N reported ⇔ total ≈ N shares.
_mfs_share_kb() { df -Pk "$MFS_DIR" | awk 'NR==2 {print $3 + $4}'; }
mfs_cs_connected() {
  local tot share
  tot=$(df -Pk "$MFS_MNT" 2>/dev/null | awk 'NR==2 {print $2}'); share=$(_mfs_share_kb)
  [ -n "$tot" ] || { echo 0; return; }
  echo $(( (tot * 10 / 9 + share / 2) / share ))
}
_mfs_all_cs_space() { [ "$(mfs_cs_connected)" -ge "$1" ]; }

mfs_remount() {
  stop_pid_mount "$MFS_MNT" "$MFS_MOUNT_PID"
  _mfs_mount
}

# stop_pid_mount DIR PID: unmount a FUSE mount and wait for its daemon to exit.
stop_pid_mount() {
  unmount_bounded "$1"
  wait_until 10 bash -c "! kill -0 $2" || stop_pid "$2" TERM
  wait "$2" 2>/dev/null || true
}

mfs_kill_cs() { kill -9 "${MFS_CS_PIDS[$1]}"; wait "${MFS_CS_PIDS[$1]}" 2>/dev/null || true; }

mfs_stop() {
  [ -n "${MFS_DIR:-}" ] || return 0
  [ -n "${MFS_MOUNT_PID:-}" ] && stop_pid_mount "$MFS_MNT" "$MFS_MOUNT_PID"
  local p
  for p in "${MFS_CS_PIDS[@]}"; do stop_pid "$p" KILL; done
  [ -n "${MFS_MASTER_PID:-}" ] && stop_pid "$MFS_MASTER_PID" TERM
  MFS_CS_PIDS=(); MFS_MOUNT_PID=; MFS_MASTER_PID=
}
