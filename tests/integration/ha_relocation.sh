#!/usr/bin/env bash
# High Availability end to end (issue 18; docs/ha.md): 1 MDS, three HA nodes
# a, b, c (each a pstorage-shamand with its own host configuration, all on
# loopback), resources that are shell services appending "RESOURCE NODE
# TIME_NS" to $T/run.log every 50 ms (their pid files in $T).
#  1. web and web2 --node a run on a ("web started on a").
#  2. kill -9 of a's agent: its guard kills both services at once; the
#     failed node's resources are spread round-robin (by name, starting
#     after a): web runs on b and web2 on c, each within the failover bound
#     (10 s) and only there, events "Relocating web from a to b", "Relocating
#     web2 from a to c" and "web started on b".
#  3. a's agent back; r1, r2, r3 added without a node: round-robin gives them
#     three different nodes.
#  4. db --node c --backup-node a; kill -9 of c's agent: db runs on a (web2
#     and one of r1..r3 move off c as well).
#  5. ha relocate web --to a: stopped on b, then started on a.
#  6. SIGTERM of b's agent: its resources stop, b is parked, nothing is
#     relocated after the lease and margin have passed.
# Throughout: run.log never shows a resource on two nodes at once (per
# resource, the node changes exactly once per move in time order).
# Needs jq. No root, FUSE or namespaces.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "ha_relocation needs jq"

C=hat
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "ha-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 30 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" >/dev/null || fail "make-mds"
start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
mds_http_up "$PID_mds"
ps 1 auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host1"
join_host 2
join_host 3

cat > "$T/svc.sh" <<SVC
#!/bin/bash
# svc.sh start|stop: a service for one HA resource on one node.
R=\$PSTORAGE_HA_RESOURCE N=\$PSTORAGE_HA_NODE
case \$1 in
start) ( while :; do echo "\$R \$N \$(date +%s%N)" >> "$T/run.log"; sleep 0.05; done ) &
       echo \$! > "$T/\$R.\$N.pid" ;;
stop)  kill "\$(cat "$T/\$R.\$N.pid")" ;;
esac
SVC
chmod +x "$T/svc.sh"
SVC="$T/svc.sh"

# agent NODE HOST: pstorage-shamand for NODE with host HOST's configuration.
agent() { start "agent_$1" "$BIN/pstorage-shamand" --config-dir "$T/host$2" -c $C --node "$1" --state-dir "$T/state_$1"; }
hal() { ps 1 ha list --json; }
# on R NODE: R is assigned to NODE and its agent reports it running.
on() { [ "$(hal | jq -r --arg r "$1" '.resources[] | select(.name==$r) | "\(.node) \(.state)"')" = "$2 running" ]; }
node_of() { hal | jq -r --arg r "$1" '.resources[] | select(.name==$r) | .node'; }
# writes R NODE: R's service on NODE wrote a line within the last 0.5 s.
writes() { tail -n 200 "$T/run.log" 2>/dev/null | awk -v r="$1" -v n="$2" -v now="$(date +%s%N)" \
  '$1==r && $2==n && now-$3 < 500000000 {f=1} END {exit !f}'; }
# runs R NODE: R's service process on NODE (its pid file) is alive (a zombie
# left for init to reap counts as dead).
runs() { local p; p=$(cat "$T/$1.$2.pid" 2>/dev/null) || return 1
  [ -r "/proc/$p/stat" ] && ! awk '{exit !($3 == "Z")}' "/proc/$p/stat" 2>/dev/null; }
events() { ps 1 get-event 2>/dev/null; }
has_event() { events | grep -qF "$1"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# The lease timing is set-config's (docs/ha.md "Lease and margins"); an
# unsafe combination is refused with the reason, the defaults stay.
[ "$(ps 1 get-config mds.ha.lease --json | jq '.[0].value')" = 6000 ] || fail "default mds.ha.lease"
! ps 1 set-config mds.ha.lease=10000 2>"$T/err" || fail "a 10 s lease with a 0.3 s drift margin accepted"
grep -q "unsafe HA lease timing" "$T/err" || fail "set-config refusal text: $(cat "$T/err")"
[ "$(ps 1 get-config mds.ha.lease --json | jq '.[0].value')" = 6000 ] || fail "mds.ha.lease changed by a refused set-config"
for n in a b c; do ps 1 ha enable-node --node $n >/dev/null || fail "enable-node $n"; done
agent a 1; agent b 2; agent c 3
wait_until 10 eval '[ "$(hal | jq "[.nodes[] | select(.lease==\"alive\")] | length")" = 3 ]' || fail "3 alive HA nodes"

# --- 1 ---------------------------------------------------------------------
ps 1 ha add web --start "$SVC start" --stop "$SVC stop" --node a >/dev/null || fail "ha add web"
wait_until 10 on web a || { hal; fail "web not running on a"; }
wait_until 5 writes web a || fail "web's service on a writes nothing"
wait_until 5 has_event "web started on a" || fail "no event 'web started on a'"
ps 1 ha list | grep -E '^web +a +running' >/dev/null || { ps 1 ha list; fail "ha list table"; }
ps 1 ha add web2 --start "$SVC start" --stop "$SVC stop" --node a >/dev/null || fail "ha add web2"
wait_until 10 on web2 a || { hal; fail "web2 not running on a"; }
wait_until 5 writes web2 a || fail "web2's service on a writes nothing"
pass "web and web2 run on a"

# --- 2 ---------------------------------------------------------------------
t0=$(now_ms)
kill -9 "$PID_agent_a"
wait_until 2 eval '! runs web a && ! runs web2 a' || fail "a's guard did not kill web's and web2's services"
t_dead=$(now_ms)
wait_until 15 writes web b || { hal; fail "web not running on b after a's agent was killed"; }
t1=$(now_ms)
failover=$((t1 - t0))
# Round-robin spread of the failed node's two resources: web2 goes to the
# node after b, not to b as well.
wait_until 5 writes web2 c || { hal; fail "web2 not running on c after a's agent was killed (round-robin spread)"; }
failover2=$(( $(now_ms) - t0 ))
echo "failover: services on a dead after $((t_dead - t0)) ms, web running on b after $failover ms, web2 on c after $failover2 ms"
[ $failover2 -lt 10000 ] || fail "web2's failover took $failover2 ms (bound 10 s)"
wait_until 5 on web b || { hal; fail "ha list does not show web running on b"; }
wait_until 5 on web2 c || { hal; fail "ha list does not show web2 running on c"; }
for n in a c; do ! runs web $n || fail "web also runs on $n"; done
for n in a b; do ! runs web2 $n || fail "web2 also runs on $n"; done
wait_until 5 has_event "Relocating web2 from a to c" || { events | grep Relocating; fail "no event 'Relocating web2 from a to c'"; }
[ $failover -lt 10000 ] || fail "failover took $failover ms (bound 10 s)"
# a's last grant was at most a renew period (1 s) before the kill; the master
# may reassign from that grant + 6.3 s (lease + drift margin).
[ $failover -ge 5300 ] || fail "web started on b $failover ms after the kill: before a's lease could have run out"
wait_until 5 has_event "Relocating web from a to b" || fail "no event 'Relocating web from a to b'"
wait_until 5 has_event "web started on b" || fail "no event 'web started on b'"
pass "kill -9 of a's agent: web on b after $failover ms, web2 on c after $failover2 ms (round-robin)"

# --- 3 ---------------------------------------------------------------------
agent a 1
wait_until 10 eval '[ "$(hal | jq -r ".nodes[] | select(.name==\"a\") | .lease")" = alive ]' || fail "a not alive again"
for r in r1 r2 r3; do ps 1 ha add $r --start "$SVC start" --stop "$SVC stop" >/dev/null || fail "ha add $r"; done
for r in r1 r2 r3; do wait_until 10 eval '[ "$(hal | jq -r ".resources[] | select(.name==\"'$r'\") | .state")" = running ]' || { hal; fail "$r not running"; }; done
nodes=$(for r in r1 r2 r3; do node_of $r; done | sort | tr '\n' ' ')
[ "$nodes" = "a b c " ] || fail "round-robin placed r1 r2 r3 on: $nodes"
pass "round-robin: r1 r2 r3 on $(for r in r1 r2 r3; do echo -n "$r=$(node_of $r) "; done)"

# --- 4 ---------------------------------------------------------------------
ps 1 ha add db --start "$SVC start" --stop "$SVC stop" --node c --backup-node a >/dev/null || fail "ha add db"
wait_until 10 on db c || { hal; fail "db not running on c"; }
t0=$(now_ms)
kill -9 "$PID_agent_c"
wait_until 15 writes db a || { hal; fail "db's service does not run on its backup node a"; }
echo "backup node: db running on a after $(( $(now_ms) - t0 )) ms"
wait_until 5 on db a || { hal; fail "ha list does not show db running on a"; }
wait_until 5 has_event "Relocating db from c to a" || fail "no event 'Relocating db from c to a'"
pass "backup-node policy: db moved from c to a"

# --- 5 ---------------------------------------------------------------------
out=$(ps 1 ha relocate web --to a) || fail "ha relocate web --to a: $out"
echo "$out" | grep -qF "Relocating web from b to a" || fail "relocate answered: $out"
wait_until 10 on web a || { hal; fail "web not running on a after ha relocate"; }
wait_until 5 writes web a || fail "web's service on a writes nothing"
! ps 1 ha relocate web --to c 2>"$T/err" || fail "relocate to a failed node accepted"
grep -q "cannot relocate web to c" "$T/err" || fail "refusal text: $(cat "$T/err")"
refused=$(cat "$T/err")
! ps 1 ha relocate nope --to a 2>"$T/err" || fail "relocate of an unknown resource accepted"
pass "ha relocate web --to a (refusals: '$refused', '$(cat "$T/err")')"

# --- 6 ---------------------------------------------------------------------
on_b=$(hal | jq -r '[.resources[] | select(.node=="b") | .name] | join(" ")')
[ -n "$on_b" ] || fail "nothing runs on b to park"
moved_off_b=$(events | grep -c "from b to" || true)
kill -TERM "$PID_agent_b"
wait_until 10 gone "$PID_agent_b" || fail "b's agent did not exit on SIGTERM"
for r in $on_b; do ! runs "$r" b || fail "$r still runs on b after its agent stopped"; done
wait_until 5 eval '[ "$(hal | jq -r ".nodes[] | select(.name==\"b\") | .parked")" = true ]' || fail "b not parked"
sleep 7.5  # past the lease and the drift margin: a failed node would have lost them
for r in $on_b; do [ "$(node_of "$r")" = b ] || fail "$r relocated off the parked node b"; done
[ "$(events | grep -c "from b to" || true)" = "$moved_off_b" ] || fail "a resource was relocated off the parked node b"
pass "SIGTERM of b's agent: $on_b stopped, b parked, nothing relocated"

# --- never two at once --------------------------------------------------------
# Per resource, time-ordered lines switch node exactly once per move.
switches() { awk -v r="$1" '$1==r {print $3, $2}' "$T/run.log" | sort -n | awk '{ if (NR > 1 && $2 != last) n++; last = $2 } END {print n+0}'; }
[ "$(switches web)" = 2 ] || fail "web's node changed $(switches web) times in run.log (2 moves): two copies at once?"
[ "$(switches web2)" = 2 ] || fail "web2's node changed $(switches web2) times in run.log (a to c, then off the killed c)"
[ "$(switches db)" = 1 ] || fail "db's node changed $(switches db) times in run.log (1 move)"
for r in r1 r2 r3; do s=$(switches $r); [ "$s" -le 1 ] || fail "$r's node changed $s times"; done
pass "no resource ran on two nodes at once"
