#!/usr/bin/env bash
# deploy/local-cluster.sh — the main job: builds pstorage and starts a local
# cluster on loopback in a temporary directory: 1 (or 3, 5) MDS + 3 chunk
# servers, each CS on its own simulated host (own config dir, own host_id,
# authenticated with auth-node); mounts it with pstorage-mount, sets
# replicas=3, writes a file through the mount, reads it back and compares,
# then prints `pstorage stat` (chunk and replica counts included).
#
#   bash deploy/local-cluster.sh              start; leave running, print how to stop
#   bash deploy/local-cluster.sh --mds 3      3 MDSs (or 5): the first made with make-mds -I,
#                                             the others added with make-mds -b (guide "Adding
#                                             MDS Servers"), each on its own port triple
#                                             (PORT MDS<->MDS, PORT+1 clients, PORT+2 HTTP)
#   bash deploy/local-cluster.sh --foreground start; stop everything on Ctrl-C
#   bash deploy/local-cluster.sh --no-build   skip install/build, use build/bin
#   bash deploy/local-cluster.sh stop DIR     stop the cluster living in DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/build/bin"

stop_cluster() {
  local dir="$1"
  if mountpoint -q "$dir/mnt" 2>/dev/null; then
    fusermount3 -u "$dir/mnt" 2>/dev/null || umount -l "$dir/mnt" 2>/dev/null || true
  fi
  for f in "$dir"/pids/*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$dir"/pids/*.pid; do
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  echo "stopped the cluster in $dir"
}

if [ "${1:-}" = "stop" ]; then
  stop_cluster "${2:?usage: local-cluster.sh stop DIR}"
  exit 0
fi
FOREGROUND=0; BUILD=1; NMDS=1
usage() { echo "usage: local-cluster.sh [--mds 1|3|5] [--foreground] [--no-build] | stop DIR" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --foreground) FOREGROUND=1 ;;
    --no-build) BUILD=0 ;;   # use the binaries already in build/bin
    --mds) NMDS="${2:-}"; shift ;;
    --mds=*) NMDS="${1#--mds=}" ;;
    *) usage ;;
  esac
  shift
done
case "$NMDS" in 1|3|5) ;; *) echo "--mds takes 1, 3 or 5 (a majority must run: 3 survive 1 failure, 5 survive 2)" >&2; exit 2 ;; esac

[ "$BUILD" = 1 ] && bash "$ROOT/deploy/setup.sh"

CLUSTER=local
DIR=$(mktemp -d /tmp/pstorage-local.XXXXXX)
mkdir -p "$DIR/pids" "$DIR/logs"
PASSWORD_FILE="$DIR/password"; echo "local-cluster-password" > "$PASSWORD_FILE"; chmod 600 "$PASSWORD_FILE"

# MDS k listens on PORT+10(k-1) .. +2 (MDS<->MDS, clients, HTTP): find a base
# where every one of those ports is free on loopback (bounded search).
ports_free() {
  local base=$1 k o
  for k in $(seq 0 $((NMDS - 1))); do
    for o in 0 1 2; do
      ss -ltnH "( sport = :$((base + 10 * k + o)) )" | grep -q . && return 1
    done
  done
  return 0
}
PORT=2510
for _ in $(seq 100); do ports_free "$PORT" && break; PORT=$((PORT + 10 * NMDS)); done
ports_free "$PORT" || { echo "no free loopback ports for $NMDS MDSs near 2510" >&2; exit 1; }
MDS_ADDRS=()
for k in $(seq 1 "$NMDS"); do MDS_ADDRS+=("127.0.0.1:$((PORT + 10 * (k - 1)))"); done
MDS_ADDR="${MDS_ADDRS[0]}"

ps_cli() { "$BIN/pstorage" --config-dir "$DIR/host$1" -c "$CLUSTER" "${@:2}"; }
# avail_mds: how many MDSs stat reports avail (0 while none answers).
avail_mds() { timeout 5 "$BIN/pstorage" --config-dir "$DIR/host1" -c "$CLUSTER" stat --json 2>/dev/null | grep -c '"status": "avail"' || true; }
start_mdsd() {  # start_mdsd K: MDS K runs on host1's config (all MDSs share this simulated host)
  local dir="$DIR/mds"; [ "$1" = 1 ] || dir="$DIR/mds$1"
  "$BIN/pstorage-mdsd" --config-dir "$DIR/host1" -r "$dir" >"$DIR/logs/mdsd$1.out" 2>&1 &
  echo $! > "$DIR/pids/mdsd$1.pid"
}

echo "== creating cluster '$CLUSTER' in $DIR (MDS#1 at $MDS_ADDR)"
ps_cli 1 make-mds -I -a "$MDS_ADDR" -r "$DIR/mds" -p --password-file "$PASSWORD_FILE"
start_mdsd 1
for k in $(seq 2 "$NMDS"); do
  # One MDS at a time (guide "Adding MDS Servers"): the master takes the next
  # only when the previous one joined; wait (bounded) for k-1 avail MDSs.
  end=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$end" ] && [ "$(avail_mds)" -lt $((k - 1)) ]; do sleep 0.2; done
  [ "$(avail_mds)" -ge $((k - 1)) ] || { echo "only $(avail_mds) of $((k - 1)) MDSs up; see $DIR/logs/mdsd*.out" >&2; exit 1; }
  echo "== adding MDS at ${MDS_ADDRS[$((k - 1))]} (make-mds -b $MDS_ADDR)"
  ok=0
  for _ in $(seq 20); do  # a membership change still committing answers "retry"
    if out=$(timeout 30 "$BIN/pstorage" --config-dir "$DIR/host1" -c "$CLUSTER" make-mds -a "${MDS_ADDRS[$((k - 1))]}" -r "$DIR/mds$k" -b "$MDS_ADDR" 2>&1); then ok=1; break; fi
    sleep 0.5
  done
  echo "$out"
  [ "$ok" = 1 ] || exit 1
  start_mdsd "$k"
done
end=$((SECONDS + 30))
while [ "$SECONDS" -lt "$end" ] && [ "$(avail_mds)" -lt "$NMDS" ]; do sleep 0.2; done
echo "$(avail_mds) of $NMDS MDSs avail"

for h in 1 2 3; do
  mkdir -p "$DIR/host$h/clusters/$CLUSTER"
  printf '%s\n' "${MDS_ADDRS[@]}" > "$DIR/host$h/clusters/$CLUSTER/bs.list"
  if [ "$h" != 1 ]; then
    # the MDS may still be starting: retry for up to 10 s, then show the error
    ok=0
    for _ in $(seq 50); do
      if ps_cli "$h" auth-node --password-file "$PASSWORD_FILE" >/dev/null 2>&1; then ok=1; break; fi
      sleep 0.2
    done
    [ "$ok" = 1 ] || ps_cli "$h" auth-node --password-file "$PASSWORD_FILE"
    echo "host$h authenticated"
  fi
  ps_cli "$h" make-cs -r "$DIR/cs$h" >/dev/null
  "$BIN/pstorage-csd" --config-dir "$DIR/host$h" -r "$DIR/cs$h" >"$DIR/logs/csd$h.out" 2>&1 &
  echo $! > "$DIR/pids/csd$h.pid"
done

echo "== waiting for 3 active chunk servers"
for _ in $(seq 100); do
  n=$(ps_cli 1 stat --json 2>/dev/null | grep -c '"status": "active"' || true)
  [ "$n" -ge 3 ] && break
  sleep 0.1
done

echo "== mounting the cluster on $DIR/mnt"
mkdir -p "$DIR/mnt"
"$BIN/pstorage-mount" --config-dir "$DIR/host1" -c "$CLUSTER" "$DIR/mnt" -f >"$DIR/logs/mount.out" 2>&1 &
echo $! > "$DIR/pids/mount.pid"
for _ in $(seq 100); do mountpoint -q "$DIR/mnt" && break; sleep 0.1; done
mountpoint -q "$DIR/mnt" || { echo "mount failed:"; cat "$DIR/logs/mount.out"; exit 1; }
ps_cli 1 set-attr -R "$DIR/mnt" replicas=3
ps_cli 1 get-attr "$DIR/mnt"

echo "== writing 256 MiB through the mount, reading it back"
head -c $((256 * 1024 * 1024)) /dev/urandom > "$DIR/sample"
start=$(date +%s.%N)
dd if="$DIR/sample" of="$DIR/mnt/sample" bs=1M conv=fsync status=none
mid=$(date +%s.%N)
cmp "$DIR/sample" "$DIR/mnt/sample" && echo "read back: identical"
end=$(date +%s.%N)
awk -v a="$start" -v b="$mid" -v c="$end" 'BEGIN { printf "write %.0f MB/s (fsync), read %.0f MB/s\n", 268.435456/(b-a), 268.435456/(c-b) }'
rm -f "$DIR/sample"
ls -l "$DIR/mnt"
echo
ps_cli 1 stat

if [ "$FOREGROUND" = 1 ]; then
  trap 'stop_cluster "$DIR"; exit 0' INT TERM
  echo "== running; press Ctrl-C to stop"
  while sleep 3600; do :; done
fi
echo
echo "Cluster files and logs: $DIR"
echo "Mounted: $DIR/mnt"
echo "Status:  $BIN/pstorage --config-dir $DIR/host1 -c $CLUSTER stat"
echo "Stop it: bash $ROOT/deploy/local-cluster.sh stop $DIR"
