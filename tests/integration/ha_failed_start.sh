#!/usr/bin/env bash
# HA failed starts with real agents (issue 18; docs/ha.md "Failed starts";
# actors/ha/start_failures.hpp): 1 MDS, HA nodes a and b (pstorage-shamand
# each, loopback). The resources' start command fails where told to:
#  1. flaky --node a fails to start on a only: exactly 3 events "flaky failed
#     to start on a: ...", then "Relocating flaky from a to b", and it runs
#     on b ("flaky started on b").
#  2. never fails everywhere: 3 failed starts on a, moved to b, 3 there,
#     then "no node can take never": it is assigned to no node, and no
#     further start is tried while its backoff (30 s) lasts (checked for 6 s,
#     longer than the agent's 5 s retry).
# Needs jq. No root, FUSE or namespaces.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "ha_failed_start needs jq"
T_START_MS=$(( ${EPOCHREALTIME/./} / 1000 ))

C=haf
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "ha-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 30 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
start_mds 64M
ps 1 auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host1"
join_host 2

# svc.sh start|stop FAIL_ON...: fails to start on the listed nodes ("all": everywhere).
cat > "$T/svc.sh" <<SVC
#!/bin/bash
R=\$PSTORAGE_HA_RESOURCE N=\$PSTORAGE_HA_NODE op=\$1; shift
case \$op in
start) for f in "\$@"; do [ "\$f" = all ] || [ "\$f" = "\$N" ] && { echo "refusing to start on \$N"; exit 3; }; done
       ( while :; do sleep 0.1; done ) & echo \$! > "$T/\$R.\$N.pid" ;;
stop)  kill "\$(cat "$T/\$R.\$N.pid")" ;;
esac
SVC
chmod +x "$T/svc.sh"
agent() { start "agent_$1" "$BIN/pstorage-shamand" --config-dir "$T/host$2" -c $C --node "$1" --state-dir "$T/state_$1"; }
hal() { ps 1 ha list --json; }
state_of() { hal | jq -r --arg r "$1" '.resources[] | select(.name==$r) | "\(.node) \(.state)"'; }
events() { ps 1 get-event 2>/dev/null; }
# grep reads all of it: with -q it would exit at the first match and the
# writer's SIGPIPE fails the pipeline (pipefail).
has_event() { events | grep -F "$1" >/dev/null; }
count_events() { events | grep -cF "$1" || true; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

for n in a b; do ps 1 ha enable-node --node $n >/dev/null || fail "enable-node $n"; done
agent a 1; agent b 2
wait_until 10 eval '[ "$(hal | jq "[.nodes[] | select(.lease==\"alive\")] | length")" = 2 ]' || fail "2 alive HA nodes"

# --- 1 and 2 run side by side ---------------------------------------------------
t0=$(now_ms)
ps 1 ha add flaky --start "$T/svc.sh start a" --stop "$T/svc.sh stop" --node a >/dev/null || fail "ha add flaky"
ps 1 ha add never --start "$T/svc.sh start all" --stop "$T/svc.sh stop" --node a >/dev/null || fail "ha add never"

wait_until 25 has_event "flaky started on b" || { hal; events | tail -20; fail "flaky not started on b"; }
echo "flaky: running on b $(( $(now_ms) - t0 )) ms after it was added"
[ "$(count_events "flaky failed to start on a: start command exited with status 3")" = 3 ] \
  || { events | grep flaky; fail "flaky: not exactly 3 failed starts on a"; }
has_event "Relocating flaky from a to b" || fail "no event 'Relocating flaky from a to b'"
wait_until 5 eval '[ "$(state_of flaky)" = "b running" ]' || { hal; fail "ha list: flaky not running on b"; }
pass "flaky: 3 failed starts on a, then relocated to b and running there"

wait_until 30 has_event "no node can take never" || { hal; events | tail -20; fail "no 'no node can take never'"; }
t_gave_up=$(now_ms)
echo "never: 'no node can take never' $(( t_gave_up - t0 )) ms after it was added"
[ "$(count_events "never failed to start on a")" = 3 ] || { events | grep never; fail "never: not 3 failed starts on a"; }
[ "$(count_events "never failed to start on b")" = 3 ] || { events | grep never; fail "never: not 3 failed starts on b"; }
has_event "Relocating never from a to b" || { events | grep -E "never|flaky"; fail "no event 'Relocating never from a to b'"; }
wait_until 5 eval '[ "$(hal | jq -r ".resources[] | select(.name==\"never\") | .node")" = "" ]' \
  || { hal; fail "never still assigned to a node"; }
# Its backoff (30 s) lasts: 6 s (more than the agent's 5 s retry) without a new attempt.
end=$(( t_gave_up + 6000 ))
while [ "$(now_ms)" -lt $end ]; do
  [ "$(count_events "never failed to start on")" = 6 ] || { events | grep never; fail "never retried during its backoff"; }
  sleep 0.5
done
[ "$(state_of flaky)" = "b running" ] || { hal; fail "flaky no longer running on b"; }
pass "never: 3 failed starts on a, 3 on b, 'no node can take never', unassigned, no retry during the backoff"
echo "test time: $(( $(now_ms) - T_START_MS )) ms"
