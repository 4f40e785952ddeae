#!/usr/bin/env bash
# deploy/local-cluster.sh — the main job: builds pstorage and starts a local
# cluster on loopback in a temporary directory: 1 MDS + 3 chunk servers, each
# CS on its own simulated host (own config dir, own host_id, authenticated
# with auth-node); mounts it with pstorage-mount, sets replicas=3, writes a
# file through the mount, reads it back and compares, then prints
# `pstorage stat` (chunk and replica counts included).
#
#   bash deploy/local-cluster.sh              start; leave running, print how to stop
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
FOREGROUND=0; BUILD=1
for a in "$@"; do
  case "$a" in
    --foreground) FOREGROUND=1 ;;
    --no-build) BUILD=0 ;;   # use the binaries already in build/bin
    *) echo "usage: local-cluster.sh [--foreground] [--no-build] | stop DIR" >&2; exit 2 ;;
  esac
done

[ "$BUILD" = 1 ] && bash "$ROOT/deploy/setup.sh"

CLUSTER=local
DIR=$(mktemp -d /tmp/pstorage-local.XXXXXX)
mkdir -p "$DIR/pids" "$DIR/logs"
PASSWORD_FILE="$DIR/password"; echo "local-cluster-password" > "$PASSWORD_FILE"; chmod 600 "$PASSWORD_FILE"

free_port() {  # two consecutive free ports on loopback, starting at $1
  local p=$1
  while ss -ltnH "( sport = :$p or sport = :$((p+1)) )" | grep -q .; do p=$((p+2)); done
  echo "$p"
}
PORT=$(free_port 2510)
MDS_ADDR="127.0.0.1:$PORT"

ps_cli() { "$BIN/pstorage" --config-dir "$DIR/host$1" -c "$CLUSTER" "${@:2}"; }

echo "== creating cluster '$CLUSTER' in $DIR (MDS at $MDS_ADDR)"
ps_cli 1 make-mds -I -a "$MDS_ADDR" -r "$DIR/mds" -p --password-file "$PASSWORD_FILE"
"$BIN/pstorage-mdsd" --config-dir "$DIR/host1" -r "$DIR/mds" >"$DIR/logs/mdsd.out" 2>&1 &
echo $! > "$DIR/pids/mdsd.pid"

for h in 1 2 3; do
  mkdir -p "$DIR/host$h/clusters/$CLUSTER"
  echo "$MDS_ADDR" > "$DIR/host$h/clusters/$CLUSTER/bs.list"
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
