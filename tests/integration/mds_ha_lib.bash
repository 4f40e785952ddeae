# tests/integration/mds_ha_lib.bash — helpers for the MDS high-availability
# acceptance scripts (mds_single_restart.sh, mds_quorum.sh, mds_crash_loop.sh).
# Sourced after lib.sh; not a test itself (the CMake glob takes *.sh only).
# Cluster: N MDSs at 127.0.0.1:BASE+10(k-1) (each PORT..PORT+2), repositories
# $T/mds$k, all started from host1's config dir; CSs on hosts 1..3; one FUSE
# mount of host1 at $MNT. Every process is started here, recorded in PIDS and
# stopped by PID; every wait has a deadline.

need_fuse() {
  if [ "$(id -u)" != 0 ] || [ ! -e /dev/fuse ] || ! command -v fusermount3 >/dev/null || ! command -v jq >/dev/null; then
    skip "$1: needs root, /dev/fuse, fusermount3 and jq"
  fi
}
MNT="$T/m"
unmount_all() {
  local rc=$?
  set +e
  grep -q " $MNT fuse.pstorage" /proc/self/mounts && timeout 10 fusermount3 -u -z "$MNT" 2>/dev/null
  (exit $rc)
  cleanup
}
trap unmount_all EXIT

ps() { timeout 30 "$BIN/pstorage" --config-dir "$T/host$1" -c "$C" "${@:2}"; }
psq() { timeout 10 "$BIN/pstorage" --config-dir "$T/host$1" -c "$C" "${@:2}"; }
# wait_for SECONDS CMD...: polls CMD until it succeeds, bounded by wall time.
wait_for() {
  local end=$((SECONDS + $1)); shift
  while [ "$SECONDS" -lt "$end" ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
T60() { timeout -k 5 60 "$@"; }
ts() { date +%H:%M:%S.%N | cut -c1-12; }

# pick_ports N: sets BASE and A[1..N] (N MDSs, 10 ports apart).
pick_ports() {
  local n=$1 k
  BASE=$(reserve_ports "$n")  # lib.sh: reserved against the other tests
  [ -n "$BASE" ] || fail "no free loopback ports"
  A=(x)
  for ((k = 1; k <= n; k++)); do A+=("127.0.0.1:$((BASE + 10 * (k - 1)))"); done
  NMDS=$n
}

stat_json() { psq 1 stat --json 2>/dev/null; }
master_id() { stat_json | jq -r 'if .master_problem == "" then .master_id else 0 end'; }
avail_is() { [ "$(stat_json | jq '[.mds[] | select(.status=="avail")] | length')" = "$1" ]; }
active_is() { [ "$(stat_json | jq '[.cs[] | select(.status=="active")] | length')" = "$1" ]; }
# every MDS avail with LAG 0, and a master
all_caught_up() {
  local j; j=$(stat_json) || return 1
  [ "$(jq --argjson n "$NMDS" '.master_problem == "" and .master_id > 0 and ([.mds[] | select(.status=="avail" and .lag==0)] | length) == $n' <<<"$j")" = true ]
}

MPID=()
MDSD_ARGS=()  # extra pstorage-mdsd options for every MDS (set before make_cluster)
drop_pid() { local p=$1 i; for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$p" ] && unset 'PIDS[i]'; done; PIDS=("${PIDS[@]}"); }
# mds_run K: starts pstorage-mdsd of MDS#K (output appended to $T/mdsK.out).
mds_run() {
  local k=$1
  echo "---- $(ts) start" >>"$T/mds$k.out"
  "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds$k" "${MDSD_ARGS[@]}" >>"$T/mds$k.out" 2>&1 &
  MPID[$k]=$!; PIDS+=($!)
}
# mds_kill9 K...: one kill -9 for every given MDS, then reaps them.
mds_kill9() {
  local k pids=()
  for k in "$@"; do [ "${MPID[$k]:-0}" != 0 ] || fail "MDS#$k is not running"; pids+=("${MPID[$k]}"); done
  kill -9 "${pids[@]}"
  for k in "$@"; do
    wait "${MPID[$k]}" 2>/dev/null || true
    drop_pid "${MPID[$k]}"; MPID[$k]=0
    echo "---- $(ts) killed -9" >>"$T/mds$k.out"
  done
}
# mds_stop K...: SIGTERM to every given MDS at once, then waits (bounded) by PID.
mds_stop() {
  local k p
  for k in "$@"; do kill "${MPID[$k]}" 2>/dev/null || true; done
  for k in "$@"; do
    p=${MPID[$k]}
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then stacks "$p"; kill -9 "$p"; wait "$p" 2>/dev/null; fail "MDS#$k did not stop on SIGTERM within 15 s"; fi
    wait "$p" 2>/dev/null || true
    drop_pid "$p"; MPID[$k]=0
  done
}

# make_cluster N: MDS#1 with make-mds -I, N-1 joins with -b (each started and
# avail before the next), 3 CSs on hosts 1..3 (every host lists all MDSs).
make_cluster() {
  local n=$1 k h
  pick_ports "$n"
  PORT=$BASE
  ps 1 make-mds -I -a "${A[1]}" -r "$T/mds1" --password-file "$T/pw" --chunk-size 1M >/dev/null || fail "make-mds -I"
  mds_run 1
  mds_http_up "${MPID[1]}" "$BASE"
  for ((k = 2; k <= n; k++)); do
    joined() { ps 1 make-mds -a "${A[$k]}" -r "$T/mds$k" -b "${A[1]}" >"$T/join$k.txt" 2>&1; }
    wait_for 30 joined || fail "join of MDS#$k: $(cat "$T/join$k.txt")"
    mds_run "$k"
    wait_for 40 avail_is "$k" || fail "MDS#$k not avail: $(psq 1 stat 2>&1)"
  done
  for h in 2 3; do
    mkdir -p "$T/host$h/clusters/$C"; printf '%s\n' "${A[@]:1}" > "$T/host$h/clusters/$C/bs.list"
    ps $h auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host$h"
  done
  for h in 1 2 3; do
    ps $h make-cs -r "$T/cs$h" >/dev/null || fail "make-cs host$h"
    start cs$h "$BIN/pstorage-csd" --config-dir "$T/host$h" -r "$T/cs$h"
  done
  wait_for 40 active_is 3 || fail "3 CS not active: $(psq 1 stat 2>&1)"
}

mount_it() {
  mkdir -p "$MNT"
  start mount "$BIN/pstorage-mount" --config-dir "$T/host1" -c "$C" "$MNT" -f
  wait_for 20 grep -q " $MNT fuse.pstorage" /proc/self/mounts || fail "not mounted"
}

# digest_check: waits until every MDS is avail with LAG 0, stops them all
# (followers first, at once, then the master: no election among the last
# ones), and compares `pstorage md-digest` of every repository: equal applied
# indexes must give equal digests. Applied indexes that differ (a follower had
# not applied the last commit) are retried once after a restart. Leaves the
# MDSs stopped.
digest_check() {
  local attempt k m followers applied digests
  for attempt in 1 2; do
    wait_for 60 all_caught_up || fail "not every MDS avail with LAG 0: $(psq 1 stat 2>&1)"
    m=$(master_id)
    followers=(); for ((k = 1; k <= NMDS; k++)); do [ "$k" != "$m" ] && followers+=("$k"); done
    mds_stop "${followers[@]}"
    mds_stop "$m"
    : >"$T/digests.txt"
    for ((k = 1; k <= NMDS; k++)); do
      "$BIN/pstorage" md-digest -r "$T/mds$k" --json >"$T/digest$k.json" 2>&1 || fail "md-digest MDS#$k: $(cat "$T/digest$k.json")"
      echo "MDS#$k $(jq -r '"applied \(.applied_index) commit \(.committed_index) last \(.last_index) sha256 \(.sha256)"' "$T/digest$k.json")" | tee -a "$T/digests.txt"
    done
    applied=$(jq -s '[.[].applied_index] | unique | length' "$T"/digest*.json)
    digests=$(jq -s '[.[].sha256] | unique | length' "$T"/digest*.json)
    if [ "$applied" = 1 ]; then
      [ "$digests" = 1 ] || fail "MDS stores differ at the same applied index (master was MDS#$m): $(cat "$T/digests.txt")"
      pass "the $NMDS MDS stores agree: applied $(jq -r .applied_index "$T/digest1.json"), sha256 $(jq -r .sha256 "$T/digest1.json" | cut -c1-16)…"
      return 0
    fi
    # Same applied index among some of them must still agree.
    jq -s -e 'group_by(.applied_index) | all(map(.sha256) | unique | length == 1)' "$T"/digest*.json >/dev/null \
      || fail "MDS stores with the same applied index differ: $(cat "$T/digests.txt")"
    [ "$attempt" = 2 ] && fail "applied indexes still differ after a restart: $(cat "$T/digests.txt")"
    echo "note: applied indexes differ (a follower had not applied the last commit); restarting the MDSs and checking once more"
    for ((k = 1; k <= NMDS; k++)); do mds_run "$k"; done
  done
}
