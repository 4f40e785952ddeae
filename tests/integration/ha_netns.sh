#!/usr/bin/env bash
# HA acceptance with network namespaces as hosts (issue 18, "Acceptance";
# docs/ha.md). A hub namespace holds the cluster (1 MDS, 3 CS) on a bridge;
# hosts a and b are namespaces linked to it by veth pairs, each with a FUSE
# mount of the cluster and a pstorage-shamand. The resource `web` is an HTTP
# counter (tests/integration/ha_counter.py) that keeps its value in a file on
# the mount, fsynced before it answers.
#  web has the address 169.254.77.100/24 (`--ip`): it moves with it (the
#  agent adds it on the node's veth and announces it with a gratuitous ARP);
#  clients use only that address.
#  1. web --node a runs on a (with the address); 5 increments.
#  2. a's link goes down (in its namespace): a's agent fences itself (its
#     service is dead before b serves), web serves from b within 10 s
#     (docs/ha.md: about 8.3 s with the defaults), events "Relocating web
#     from a to b" and "web started on b".
#  3. the counter continues from its last durable value (6 after 5).
#  4. a's link comes back: a's agent renews its lease, web is not run on a
#     (its service stays dead, its own address refuses, the resource
#     address is not on a), b keeps serving at the resource address (7).
#  5. every process of host b killed with SIGKILL at once (each process
#     whose network namespace is b's: its agent, the agent's guard, its
#     mount, web's service): web serves from a again within 10 s and the
#     counter continues (8) through a's mount, which lived through the
#     partition.
# Needs root, /dev/fuse, ip netns, nsenter, curl and python3; exits 77 when
# namespaces cannot be made here. Addresses: 169.254.77.0/24 inside its own
# namespaces only; nothing is added to the test's own namespace.
source "$(dirname "$0")/lib.sh"
T_START_MS=$(( ${EPOCHREALTIME/./} / 1000 ))
require_fuse ha_netns nsenter curl jq ip
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "ha_netns needs python3"

NS="psha$$"            # namespace names: unique per test process
HUB=${NS}hub NSA=${NS}a NSB=${NS}b
ns_cleanup() { for n in "$NSA" "$NSB" "$HUB"; do ip netns del "$n" 2>/dev/null || true; done; }
trap 'ns_rc=$?; set +e; ns_cleanup; (exit $ns_rc); cleanup' EXIT
in_ns() { local n=$1; shift; nsenter --net="/run/netns/$n" "$@"; }
# start_in NAME NAMESPACE CMD...: lib.sh's start inside a namespace (nsenter
# execs CMD: PID_NAME is the daemon's own PID).
start_in() { local name=$1 n=$2; shift 2; start "$name" nsenter --net="/run/netns/$n" "$@"; }

# --- namespaces: hub bridge 169.254.77.1, a .2, b .3 ---------------------------
make_netns() {
  ip netns add "$HUB" && ip netns add "$NSA" && ip netns add "$NSB" || return 1
  for n in "$HUB" "$NSA" "$NSB"; do ip -n "$n" link set lo up || return 1; done
  ip -n "$HUB" link add br0 type bridge && ip -n "$HUB" addr add 169.254.77.1/24 dev br0 \
    && ip -n "$HUB" link set br0 up || return 1
  local h ip=2
  for h in a b; do
    local ns=${NS}$h
    ip -n "$HUB" link add "v$h" type veth peer name "v${h}h" && ip -n "$HUB" link set "v$h" netns "$ns" \
      && ip -n "$HUB" link set "v${h}h" master br0 && ip -n "$HUB" link set "v${h}h" up \
      && ip -n "$ns" addr add "169.254.77.$ip/24" dev "v$h" && ip -n "$ns" link set "v$h" up || return 1
    ip=$((ip + 1))
  done
}
make_netns 2>"$T/netns.err" || skip "ha_netns: cannot make network namespaces here: $(head -c 300 "$T/netns.err")"

C=han
PORT=$(free_port)
MDS="169.254.77.1:$PORT"
echo "ha-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 30 nsenter --net="/run/netns/$HUB" "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" >/dev/null || fail "make-mds"
start_in mds "$HUB" "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
wait_until 10 in_ns "$HUB" curl -sf "http://169.254.77.1:$((PORT + 2))/status" || fail "MDS HTTP status not up"
ps 1 auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host1"
for h in 2 3 4 5; do join_host $h; done
for h in 1 2 3; do
  ps $h make-cs -r "$T/cs$h" -a 169.254.77.1 >/dev/null || fail "make-cs host$h"
  start_in "cs$h" "$HUB" "$BIN/pstorage-csd" --config-dir "$T/host$h" -r "$T/cs$h"
done
wait_until 20 active 3 || fail "3 CS did not become active"

# host a = host4 in NSA, host b = host5 in NSB: a mount and an agent each.
mount_in() {  # NODE HOST NAMESPACE
  local n="mnt_$1"; mkdir -p "$T/$n"; MOUNTS+=("$T/$n")
  start_in "$n" "$3" "$BIN/pstorage-mount" --config-dir "$T/host$2" -c $C "$T/$n" -f
  wait_until 20 is_mounted "$T/$n" || fail "$n not mounted: $(tail -5 "$T/$n.out")"
}
mount_in a 4 "$NSA"; mount_in b 5 "$NSB"
timeout 20 mkdir "$T/mnt_a/ha" || fail "mkdir on a's mount"
pass "cluster in the hub namespace, mounts on a and b"

cat > "$T/svc.sh" <<SVC
#!/bin/bash
# svc.sh start|stop: the HTTP counter for resource R on node N (port 8080 in N's namespace).
R=\$PSTORAGE_HA_RESOURCE N=\$PSTORAGE_HA_NODE
case \$1 in
start) "$PY" "$IT_DIR/ha_counter.py" 8080 "$T/mnt_\$N/ha/counter" "\$N" >> "$T/\$R.\$N.log" 2>&1 &
       echo \$! > "$T/\$R.\$N.pid"
       for _ in \$(seq 100); do curl -sf -o /dev/null --max-time 1 http://127.0.0.1:8080/peek && exit 0; sleep 0.05; done
       exit 1 ;;
stop)  kill "\$(cat "$T/\$R.\$N.pid")" ;;
esac
SVC
chmod +x "$T/svc.sh"

agent() { start_in "agent_$1" "$3" "$BIN/pstorage-shamand" --config-dir "$T/host$2" -c $C --node "$1" \
  --state-dir "$T/state_$1" --ip-dev "v$1"; }
VIP=169.254.77.100
# has_vip NODE: the resource address is on NODE's veth.
has_vip() { ip -n "${NS}$1" -4 addr show dev "v$1" | grep -qF "inet $VIP/"; }
hal() { ps 1 ha list --json; }
lease_of() { hal | jq -r --arg n "$1" '.nodes[] | select(.name==$n) | .lease'; }
events() { ps 1 get-event 2>/dev/null; }
# grep reads all of it: with -q it would exit at the first match and the
# writer's SIGPIPE fails the pipeline (pipefail).
has_event() { events | grep -F "$1" >/dev/null; }
# http HOST_OCTET PATH [MAX_S]: the counter's answer from the hub (bounded);
# 100 is the resource address, 2 and 3 are a's and b's own.
http() { in_ns "$HUB" curl -sf --max-time "${3:-2}" "http://169.254.77.$1:8080$2"; }
# serves_from NODE: the resource address answers from NODE.
serves_from() { local got; got=$(http 100 /peek 0.3) && [ "${got##* }" = "$1" ]; }
# runs NODE: web's service process on NODE (its pid file) is alive (a zombie counts as dead).
runs() { local p; p=$(cat "$T/web.$1.pid" 2>/dev/null) || return 1
  [ -r "/proc/$p/stat" ] && ! awk '{exit !($3 == "Z")}' "/proc/$p/stat" 2>/dev/null; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

for n in a b; do ps 1 ha enable-node --node $n >/dev/null || fail "enable-node $n"; done
agent a 4 "$NSA"; agent b 5 "$NSB"
wait_until 10 eval '[ "$(hal | jq "[.nodes[] | select(.lease==\"alive\")] | length")" = 2 ]' || fail "2 alive HA nodes"

# --- 1 ---------------------------------------------------------------------
ps 1 ha add web --start "$T/svc.sh start" --stop "$T/svc.sh stop" --node a --ip "$VIP/24" >/dev/null \
  || fail "ha add web"
wait_until 15 serves_from a || { hal; tail -5 "$T/web.a.log" 2>/dev/null; fail "web does not serve from a at $VIP"; }
has_vip a || fail "$VIP not on a's link"
! has_vip b || fail "$VIP on b's link too"
for i in 1 2 3 4 5; do
  got=$(http 100 /inc 10) || fail "increment $i on a"
  [ "$got" = "$i a" ] || fail "increment $i on a answered '$got'"
done
v=$(timeout 10 cat "$T/mnt_b/ha/counter") || fail "b's mount cannot read the counter"
[ "$((10#${v//[^0-9]/}))" = 5 ] || fail "b's mount reads the counter as '$v', not 5"
pass "web serves from a at $VIP; counter at 5, durable (b's mount reads 5)"

# --- 2 ---------------------------------------------------------------------
t0=$(now_ms)
ip -n "$NSA" link set va down || fail "cannot take a's link down"
t_a_dead= t_b_up=
while [ $(( $(now_ms) - t0 )) -lt 15000 ]; do
  [ -n "$t_a_dead" ] || runs a || t_a_dead=$(now_ms)
  if serves_from b; then t_b_up=$(now_ms); break; fi
  sleep 0.1
done
[ -n "$t_b_up" ] || { hal; fail "web does not serve from b at $VIP 15 s after a's link went down"; }
if [ -z "$t_a_dead" ]; then
  ! runs a || fail "web's service still runs on a (not fenced) while b serves"
  t_a_dead=$t_b_up
fi
took=$((t_b_up - t0)) fenced=$((t_a_dead - t0))
echo "relocation: a's service stopped (self-fencing) after $fenced ms, web serving on b after $took ms"
[ $took -lt 10000 ] || fail "relocation took $took ms (bound 10 s)"
# a's last grant was at most a renew period before the cut; the master may
# reassign from that grant + 6.3 s (lease + drift margin).
[ $took -ge 5000 ] || fail "web served on b $took ms after the cut: before a's lease could have run out"
[ "$fenced" -le "$took" ] || fail "a's service stopped after b served"
has_vip b || fail "$VIP not on b's link"
! has_vip a || fail "$VIP still on a's link after a fenced itself"
wait_until 5 has_event "Relocating web from a to b" || fail "no event 'Relocating web from a to b'"
wait_until 5 has_event "web started on b" || fail "no event 'web started on b'"
pass "a's link down: a fenced itself after $fenced ms, web (and $VIP) on b after $took ms"

# --- 3 ---------------------------------------------------------------------
got=$(http 100 /inc 15) || fail "increment on b"
[ "$got" = "6 b" ] || fail "first increment on b answered '$got' (counter was 5)"
pass "the counter continues on b: $got"

# --- 4 ---------------------------------------------------------------------
t1=$(now_ms)
ip -n "$NSA" link set va up || fail "cannot bring a's link up"
wait_until 15 eval '[ "$(lease_of a)" = alive ]' || { hal; fail "a's lease not alive after its link returned"; }
echo "a renewed its lease $(( $(now_ms) - t1 )) ms after its link returned"
# Three renew periods after a's renewal: a's grants list nothing for it.
end=$(( $(now_ms) + 3000 ))
while [ "$(now_ms)" -lt $end ]; do
  ! runs a || fail "web runs on a again after its link returned"
  sleep 0.1
done
! http 2 /peek 1 >/dev/null || fail "a serves web again after its link returned"
! has_vip a || fail "$VIP on a's link again after it returned"
[ "$(hal | jq -r '.resources[] | select(.name=="web") | "\(.node) \(.state)"')" = "b running" ] || { hal; fail "ha list: web not running on b"; }
got=$(http 100 /inc 10) || fail "increment on b after a's return"
[ "$got" = "7 b" ] || fail "increment on b after a's return answered '$got'"
pass "a back: web not run on a, b still serves ($got)"
# --- 5 ---------------------------------------------------------------------
# procs_of NODE: every process whose network namespace is NODE's (the host's
# processes: the test's namespaces are its own, so no one else's).
procs_of() { local want p; want=$(stat -L -c %d:%i "/run/netns/${NS}$1") || return 1
  for p in /proc/[0-9]*; do
    if [ "$(stat -L -c %d:%i "$p/ns/net" 2>/dev/null)" = "$want" ]; then echo "${p#/proc/}"; fi
  done; }
victims=$(procs_of b | tr '\n' ' ')
for p in "$PID_agent_b" "$PID_mnt_b" "$(cat "$T/web.b.pid")"; do
  [[ " $victims" == *" $p "* ]] || fail "process $p of b not found in b's namespace (found: $victims)"
done
t0=$(now_ms)
kill -9 $victims 2>/dev/null
wait_until 2 eval '[ -z "$(procs_of b)" ]' || fail "processes of b still alive after SIGKILL: $(procs_of b)"
! runs b || fail "web's service on b survived"
wait_until 15 serves_from a || { hal; fail "web does not serve from a 15 s after b's processes were killed"; }
took=$(( $(now_ms) - t0 ))
echo "relocation after SIGKILL of all $(wc -w <<<"$victims") processes of b: web serving on a after $took ms"
[ $took -lt 10000 ] || fail "relocation took $took ms (bound 10 s)"
[ $took -ge 5000 ] || fail "web served on a $took ms after b was killed: before b's lease could have run out"
wait_until 5 has_event "Relocating web from b to a" || fail "no event 'Relocating web from b to a'"
got=$(http 100 /inc 15) || fail "increment on a after b was killed"
[ "$got" = "8 a" ] || fail "increment on a after b was killed answered '$got' (counter was 7)"
pass "all processes of b killed: web on a after $took ms, counter continues ($got)"
echo "test time: $(( ($(now_ms) - ${T_START_MS:-$t0}) )) ms"
