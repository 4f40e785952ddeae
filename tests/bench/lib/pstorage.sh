# shellcheck shell=bash
# tests/bench/lib/pstorage.sh — a private pstorage cluster on loopback for
# benchmarks, set up the way tests/integration/cluster_smoke.sh does it:
# PST_MDS (1, 3 or 5; default 1) MDSs + N chunk servers, each CS with its own
# --config-dir (so its own host_id), everything under a temp dir; then
# mounted with pstorage-mount and set to replicas=3 (or PST_REPLICAS) with
# `pstorage set-attr -R`. Source after lib/common.sh.
#
# Several MDSs (as deploy/local-cluster.sh --mds 3 and
# tests/integration/mds_failover.sh): the first made with make-mds -I, each
# other one joined with `make-mds -a ADDR:PORT -r DIR -b FIRST` and started
# before the next is joined; all MDSs run on the "client" host's config. MDS
# k (0-based) gets the port triple BASE+3k .. BASE+3k+2 (MDS<->MDS, clients,
# HTTP; docs/ports.md) from one block of 3*PST_MDS free loopback ports. Every
# bs.list names every MDS. The start waits (bounded) until `pstorage stat
# --json` shows PST_MDS avail MDSs and a master.
#
# Binaries: $PSTORAGE_BIN, else the first of build-lead/bin, build/bin in the
# repository holding pstorage-mdsd.
#
# API (functions return non-zero with a message on stderr instead of exiting,
# so a benchmark can report pstorage as "not available yet"):
#   pst_find_bin            sets PST_BIN; fails if the daemons are not built
#   pst_have_mount          true if pstorage-mount is built (else says so)
#   pst_start [N_CS]        make-mds (PST_MDS of them), auth-node, make-cs,
#                           start the daemons, wait (bounded) for PST_MDS avail
#                           MDSs and N_CS active CS with space; sets PST_DIR,
#                           PST_MDS_PIDS[], PST_MDS_ADDRS[], PST_MDS_PID (the
#                           first MDS), PST_CS_PIDS[], PST_CLUSTER
#   pst_master_pid          prints the PID of the current master MDS
#   pst_mount               mount at PST_MNT, set replicas; sets PST_MOUNT_PID
#   pst_remount             unmount and mount again (cold client cache)
#   pst_cli ARGS...         pstorage --config-dir <client host> -c <cluster> ARGS
#   pst_has_subcommand S    true if `pstorage --help` lists subcommand S
#   pst_kill_cs I           SIGKILL chunk server I (0-based)
#   pst_stop                unmount, stop everything by PID (also done on exit)

PST_REPLICAS=${PST_REPLICAS:-3}
PST_MDS=${PST_MDS:-1}
PST_CS_PIDS=()
PST_MDS_PIDS=()
PST_MDS_ADDRS=()
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
  local ncs=${1:-3} i k port
  pst_find_bin || return 1
  have jq || { echo "pstorage: jq is needed to read 'pstorage stat --json'" >&2; return 1; }
  case $PST_MDS in 1|3|5) ;; *) echo "pstorage: PST_MDS must be 1, 3 or 5 (got $PST_MDS)" >&2; return 1 ;; esac
  bench_tmpdir PST_DIR pst-bench
  PST_MNT="$PST_DIR/mnt"; mkdir -p "$PST_MNT"
  # MDS k uses BASE+3k (MDS<->MDS), BASE+3k+1 (clients), BASE+3k+2 (HTTP status)
  port=$(free_ports $((3 * PST_MDS)))
  PST_MDS_ADDRS=(); PST_MDS_PIDS=()
  for ((k = 0; k < PST_MDS; k++)); do PST_MDS_ADDRS+=("127.0.0.1:$((port + 3 * k))"); done
  PST_MDS_ADDR=${PST_MDS_ADDRS[0]}
  echo "bench-pw-$RANDOM$RANDOM" > "$PST_DIR/pw"

  # The MDSs and the client share host "client" (like host1 in cluster_smoke.sh).
  _pst_h client make-mds -I -a "$PST_MDS_ADDR" -r "$PST_DIR/mds" --password-file "$PST_DIR/pw" \
    >"$PST_DIR/make-mds.out" 2>&1 || { cat "$PST_DIR/make-mds.out" >&2; return 1; }
  _pst_start_mds 0
  wait_until 15 curl -sf "http://127.0.0.1:$((port + 2))/status" \
    || { tail -n 20 "$PST_DIR/mds.out" >&2; echo "pstorage: MDS did not come up" >&2; return 1; }
  for ((k = 1; k < PST_MDS; k++)); do
    # One at a time (guide "Adding MDS Servers"): join MDS k once k are avail;
    # a membership change still committing is refused for now: retry, bounded.
    wait_until 30 _pst_mds_avail "$k" \
      || { echo "pstorage: only $(_pst_mds_avail_n) of $k MDSs avail before joining MDS $((k + 1))" >&2; return 1; }
    local ok=0 try
    for try in $(seq 20); do
      timeout 30 "$PST_BIN/pstorage" --config-dir "$PST_DIR/client" -c "$PST_CLUSTER" make-mds \
        -a "${PST_MDS_ADDRS[$k]}" -r "$PST_DIR/mds$k" -b "$PST_MDS_ADDR" >"$PST_DIR/make-mds$k.out" 2>&1 \
        && { ok=1; break; }
      sleep 0.5
    done
    [ $ok = 1 ] || { cat "$PST_DIR/make-mds$k.out" >&2; echo "pstorage: make-mds -b of MDS $((k + 1)) failed ($try tries)" >&2; return 1; }
    _pst_start_mds "$k"
  done
  mkdir -p "$PST_DIR/client/clusters/$PST_CLUSTER"
  printf '%s\n' "${PST_MDS_ADDRS[@]}" > "$PST_DIR/client/clusters/$PST_CLUSTER/bs.list"
  wait_until 30 _pst_mds_avail "$PST_MDS" \
    || { tail -n 5 "$PST_DIR"/mds*.out >&2; echo "pstorage: only $(_pst_mds_avail_n) of $PST_MDS MDSs avail" >&2; return 1; }

  for ((i = 0; i < ncs; i++)); do
    mkdir -p "$PST_DIR/host$i/clusters/$PST_CLUSTER"
    printf '%s\n' "${PST_MDS_ADDRS[@]}" > "$PST_DIR/host$i/clusters/$PST_CLUSTER/bs.list"
    _pst_h "host$i" auth-node --password-file "$PST_DIR/pw" >/dev/null 2>&1 \
      || { echo "pstorage: auth-node failed on host$i" >&2; return 1; }
    _pst_h "host$i" make-cs -r "$PST_DIR/cs$i" >"$PST_DIR/make-cs$i.out" 2>&1 \
      || { cat "$PST_DIR/make-cs$i.out" >&2; return 1; }
    _pst_start_cs "$i"
  done
  wait_until "${PST_WAIT_CS:-30}" _pst_active "$ncs" \
    || { tail -n 5 "$PST_DIR"/cs*.out >&2; echo "pstorage: $ncs CS did not become active with space" >&2; return 1; }
  log "pstorage up: $PST_MDS MDS (${PST_MDS_ADDRS[*]}; master PID $(pst_master_pid)), $ncs CS ($PST_BIN)"
}

# _pst_start_mds K: start MDS K (0-based; repository mds, mds1, mds2, ...)
_pst_start_mds() {
  local dir="$PST_DIR/mds" out="$PST_DIR/mds.out"
  [ "$1" = 0 ] || { dir="$PST_DIR/mds$1"; out="$PST_DIR/mds$1.out"; }
  bench_start "$out" "$PST_BIN/pstorage-mdsd" --config-dir "$PST_DIR/client" -r "$dir"
  PST_MDS_PIDS[$1]=$BENCH_LAST_PID
  [ "$1" = 0 ] && PST_MDS_PID=$BENCH_LAST_PID
  return 0
}

_pst_mds_avail_n() {
  local n
  n=$(timeout 10 "$PST_BIN/pstorage" --config-dir "$PST_DIR/client" -c "$PST_CLUSTER" stat --json 2>/dev/null \
    | jq 'if .master_id > 0 then [.mds[] | select(.status=="avail")] | length else 0 end' 2>/dev/null) || true
  echo "${n:-0}"
}
_pst_mds_avail() { [ "$(_pst_mds_avail_n)" -ge "$1" ]; }

# pst_master_pid: the PID of the MDS `stat --json` names master (by address).
pst_master_pid() {
  local a k
  a=$(pst_cli stat --json 2>/dev/null | jq -r '.mds[] | select(.master) | .address' 2>/dev/null | head -n 1)
  for ((k = 0; k < ${#PST_MDS_ADDRS[@]}; k++)); do
    [ "${PST_MDS_ADDRS[$k]}" = "$a" ] && { echo "${PST_MDS_PIDS[$k]}"; return 0; }
  done
  echo "${PST_MDS_PID:-}"
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
  for p in "${PST_MDS_PIDS[@]}"; do stop_pid "$p" TERM; done
  PST_CS_PIDS=(); PST_MOUNT_PID=; PST_MDS_PID=; PST_MDS_PIDS=()
}
