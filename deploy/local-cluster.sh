#!/usr/bin/env bash
# deploy/local-cluster.sh — the main job: builds pstorage and starts a local
# cluster on loopback in a temporary directory: 1 MDS + 3 chunk servers, each
# CS on its own simulated host (own config dir, own host_id, authenticated
# with auth-node), then prints `pstorage stat`.
#
#   bash deploy/local-cluster.sh              start; leave running, print how to stop
#   bash deploy/local-cluster.sh --foreground start; stop everything on Ctrl-C
#   bash deploy/local-cluster.sh stop DIR     stop the cluster living in DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/build/bin"

stop_cluster() {
  local dir="$1"
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
FOREGROUND=0; [ "${1:-}" = "--foreground" ] && FOREGROUND=1

bash "$ROOT/deploy/setup.sh"

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
ps_cli 1 stat

if [ "$FOREGROUND" = 1 ]; then
  trap 'stop_cluster "$DIR"; exit 0' INT TERM
  echo "== running; press Ctrl-C to stop"
  while sleep 3600; do :; done
fi
echo
echo "Cluster files and logs: $DIR"
echo "Status:  $BIN/pstorage --config-dir $DIR/host1 -c $CLUSTER stat"
echo "Stop it: bash $ROOT/deploy/local-cluster.sh stop $DIR"
