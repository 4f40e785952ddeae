# shellcheck shell=bash
# tests/bench/lib/pstorage.sh — a private pstorage cluster on loopback for
# benchmarks, set up the way tests/integration/cluster_smoke.sh does it:
# 1 MDS + N chunk servers, each CS with its own --config-dir (so its own
# host_id), everything under a temp dir; then mounted with pstorage-mount
# and set to replicas=3 (or PST_REPLICAS) with `pstorage set-attr -R`.
# Source after lib/common.sh.
#
# Binaries: $PSTORAGE_BIN, else the first of build-lead/bin, build/bin in the
# repository holding pstorage-mdsd.
#
# API (functions return non-zero with a message on stderr instead of exiting,
# so a benchmark can report pstorage as "not available yet"):
#   pst_find_bin            sets PST_BIN; fails if the daemons are not built
#   pst_have_mount          true if pstorage-mount is built (else says so)
#   pst_start [N_CS]        make-mds, auth-node, make-cs, start the daemons,
#                           wait (bounded) for N_CS active CS with space;
#                           sets PST_DIR, PST_MDS_PID, PST_CS_PIDS[], PST_CLUSTER
#   pst_mount               mount at PST_MNT, set replicas; sets PST_MOUNT_PID
#   pst_remount             unmount and mount again (cold client cache)
#   pst_cli ARGS...         pstorage --config-dir <client host> -c <cluster> ARGS
#   pst_has_subcommand S    true if `pstorage --help` lists subcommand S
#   pst_kill_cs I           SIGKILL chunk server I (0-based)
#   pst_stop                unmount, stop everything by PID (also done on exit)

PST_REPLICAS=${PST_REPLICAS:-3}
PST_CS_PIDS=()
PST_CLUSTER=${PST_CLUSTER:-bench}

pst_find_bin() {
  local root d
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
  if [ -n "${PSTORAGE_BIN:-}" ]; then PST_BIN=$PSTORAGE_BIN
  else
    PST_BIN=
    for d in "$root/build-lead/bin" "$root/build/bin"; do
      [ -x "$d/pstorage-mdsd" ] && { PST_BIN=$d; break; }
    done
  fi
  local b
  for b in pstorage pstorage-mdsd pstorage-csd; do
    [ -x "$PST_BIN/$b" ] || { echo "pstorage: $b not built (looked in ${PST_BIN:-$root/build-lead/bin, $root/build/bin}; set PSTORAGE_BIN)" >&2; return 1; }
  done
}

pst_have_mount() {
  [ -x "$PST_BIN/pstorage-mount" ] && return 0
  echo "pstorage: pstorage-mount is not built yet ($PST_BIN/pstorage-mount missing): pstorage cannot be mounted" >&2
  return 1
}

pst_cli() { "$PST_BIN/pstorage" --config-dir "$PST_DIR/client" -c "$PST_CLUSTER" "$@"; }
_pst_h() { local h=$1; shift; "$PST_BIN/pstorage" --config-dir "$PST_DIR/$h" -c "$PST_CLUSTER" "$@"; }

pst_has_subcommand() {
  "$PST_BIN/pstorage" --help 2>/dev/null | grep -qE "^  $1( |\$)"
}

_pst_active() {
  [ "$(pst_cli stat --json 2>/dev/null | jq '[.cs[] | select(.status=="active" and .space_bytes > 0)] | length')" -ge "$1" ]
}

pst_start() {
  local ncs=${1:-3} i port
  pst_find_bin || return 1
  have jq || { echo "pstorage: jq is needed to read 'pstorage stat --json'" >&2; return 1; }
  bench_tmpdir PST_DIR pst-bench
  PST_MNT="$PST_DIR/mnt"; mkdir -p "$PST_MNT"
  port=$(free_ports 2)            # the MDS uses PORT and PORT+1 (HTTP status)
  PST_MDS_ADDR="127.0.0.1:$port"
  echo "bench-pw-$RANDOM$RANDOM" > "$PST_DIR/pw"

  # The MDS and the client share host "client" (like host1 in cluster_smoke.sh).
  _pst_h client make-mds -I -a "$PST_MDS_ADDR" -r "$PST_DIR/mds" --password-file "$PST_DIR/pw" \
    >"$PST_DIR/make-mds.out" 2>&1 || { cat "$PST_DIR/make-mds.out" >&2; return 1; }
  bench_start "$PST_DIR/mds.out" "$PST_BIN/pstorage-mdsd" --config-dir "$PST_DIR/client" -r "$PST_DIR/mds"
  PST_MDS_PID=$BENCH_LAST_PID
  wait_until 15 curl -sf "http://127.0.0.1:$((port + 1))/status" \
    || { tail -n 20 "$PST_DIR/mds.out" >&2; echo "pstorage: MDS did not come up" >&2; return 1; }

  for ((i = 0; i < ncs; i++)); do
    mkdir -p "$PST_DIR/host$i/clusters/$PST_CLUSTER"
    echo "$PST_MDS_ADDR" > "$PST_DIR/host$i/clusters/$PST_CLUSTER/bs.list"
    _pst_h "host$i" auth-node --password-file "$PST_DIR/pw" >/dev/null 2>&1 \
      || { echo "pstorage: auth-node failed on host$i" >&2; return 1; }
    _pst_h "host$i" make-cs -r "$PST_DIR/cs$i" >"$PST_DIR/make-cs$i.out" 2>&1 \
      || { cat "$PST_DIR/make-cs$i.out" >&2; return 1; }
    _pst_start_cs "$i"
  done
  wait_until "${PST_WAIT_CS:-30}" _pst_active "$ncs" \
    || { tail -n 5 "$PST_DIR"/cs*.out >&2; echo "pstorage: $ncs CS did not become active with space" >&2; return 1; }
  log "pstorage up: MDS $PST_MDS_ADDR, $ncs CS ($PST_BIN)"
}

_pst_start_cs() {
  bench_start "$PST_DIR/cs$1.out" "$PST_BIN/pstorage-csd" --config-dir "$PST_DIR/host$1" -r "$PST_DIR/cs$1"
  PST_CS_PIDS[$1]=$BENCH_LAST_PID
}

pst_mount() {
  pst_have_mount || return 1
  bench_start "$PST_DIR/mount.out" "$PST_BIN/pstorage-mount" -f --config-dir "$PST_DIR/client" \
    -c "$PST_CLUSTER" "$PST_MNT"
  PST_MOUNT_PID=$BENCH_LAST_PID
  BENCH_MOUNTS+=("$PST_MNT")
  _pst_mount_settled() { mountpoint -q "$PST_MNT" || ! kill -0 "$PST_MOUNT_PID" 2>/dev/null; }
  wait_until 15 _pst_mount_settled; mountpoint -q "$PST_MNT" \
    || { tail -n 20 "$PST_DIR/mount.out" >&2; echo "pstorage: pstorage-mount did not mount" >&2; return 1; }
  if [ -z "${PST_REPLICAS_SET:-}" ]; then
    pst_cli set-attr -R "$PST_MNT" "replicas=$PST_REPLICAS" >"$PST_DIR/set-attr.out" 2>&1 \
      || { cat "$PST_DIR/set-attr.out" >&2; echo "pstorage: set-attr replicas=$PST_REPLICAS failed" >&2; return 1; }
    PST_REPLICAS_SET=1
  fi
  log "pstorage mounted at $PST_MNT, replicas=$PST_REPLICAS"
}

pst_remount() {
  unmount_bounded "$PST_MNT"
  wait_until 10 bash -c "! kill -0 $PST_MOUNT_PID" || stop_pid "$PST_MOUNT_PID" TERM
  pst_mount
}

pst_kill_cs() { kill -9 "${PST_CS_PIDS[$1]}" 2>/dev/null || true; }

pst_stop() {
  [ -n "${PST_DIR:-}" ] || return 0
  if [ -n "${PST_MOUNT_PID:-}" ]; then
    unmount_bounded "$PST_MNT"
    wait_until 10 bash -c "! kill -0 $PST_MOUNT_PID" || stop_pid "$PST_MOUNT_PID" TERM
  fi
  local p
  for p in "${PST_CS_PIDS[@]}"; do stop_pid "$p" TERM; done
  [ -n "${PST_MDS_PID:-}" ] && stop_pid "$PST_MDS_PID" TERM
  PST_CS_PIDS=(); PST_MOUNT_PID=; PST_MDS_PID=
}
