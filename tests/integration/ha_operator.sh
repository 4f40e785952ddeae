#!/usr/bin/env bash
# HA operator commands with real agents (issue 18: `ha enable-node --limit`,
# `ha disable-node`, `ha remove`, the per-node limit; docs/ha.md "Placement
# rules"). 1 MDS, HA nodes a and b (pstorage-shamand each, own host
# configuration), loopback. Resources are shell services appending
# "RESOURCE NODE TIME_NS" to $T/run.log every 50 ms.
#  1. b has --limit 1: x --node b runs on b; y and z (no node) both go to a,
#     never to the full b.
#  2. ha disable-node --node b: x is stopped on b, then started on a
#     ("Relocating x from b to a"); ha list shows b disabled.
#  3. ha remove y: a's agent stops y; ha list no longer lists it; removing
#     it again is refused.
#  4. ha enable-node --node b: nothing moves back (no fail-back) for three
#     renew periods.
#  5. --check (agents run it every 0.5 s: --check-interval): chk --node a
#     keeps running while its check passes; once it fails on a, a's agent
#     stops chk and reports it ("chk failed to start on a: it ran but check
#     command exited with status 1"); healthy again, chk starts on a again.
# Throughout, run.log never shows a resource on two nodes at once. Needs jq.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "ha_operator needs jq"

C=hao
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "hao-pw" > "$T/pw"
ps() { local h=$1; shift; timeout 30 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" >/dev/null || fail "make-mds"
start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
mds_http_up "$PID_mds"
ps 1 auth-node --password-file "$T/pw" >/dev/null || fail "auth-node host1"
join_host 2

cat > "$T/svc.sh" <<SVC
#!/bin/bash
R=\$PSTORAGE_HA_RESOURCE N=\$PSTORAGE_HA_NODE
case \$1 in
start) ( while :; do echo "\$R \$N \$(date +%s%N)" >> "$T/run.log"; sleep 0.05; done ) &
       echo \$! > "$T/\$R.\$N.pid" ;;
stop)  kill "\$(cat "$T/\$R.\$N.pid")" ;;
esac
SVC
chmod +x "$T/svc.sh"
SVC="$T/svc.sh"

agent() { start "agent_$1" "$BIN/pstorage-shamand" --config-dir "$T/host$2" -c $C --node "$1" --state-dir "$T/state_$1" \
  --check-interval 0.5; }
hal() { ps 1 ha list --json; }
on() { [ "$(hal | jq -r --arg r "$1" '.resources[] | select(.name==$r) | "\(.node) \(.state)"')" = "$2 running" ]; }
node_of() { hal | jq -r --arg r "$1" '.resources[] | select(.name==$r) | .node'; }
runs() { local p; p=$(cat "$T/$1.$2.pid" 2>/dev/null) || return 1
  [ -r "/proc/$p/stat" ] && ! awk '{exit !($3 == "Z")}' "/proc/$p/stat" 2>/dev/null; }
has_event() { ps 1 get-event 2>/dev/null | grep -F "$1" >/dev/null; }
switches() { awk -v r="$1" '$1==r {print $3, $2}' "$T/run.log" | sort -n | awk '{ if (NR > 1 && $2 != last) n++; last = $2 } END {print n+0}'; }
add() { ps 1 ha add "$@" --start "$SVC start" --stop "$SVC stop" >/dev/null || fail "ha add $*"; }

# --- 1 ---------------------------------------------------------------------
ps 1 ha enable-node --node a >/dev/null || fail "enable-node a"
ps 1 ha enable-node --node b --limit 1 >/dev/null || fail "enable-node b --limit 1"
[ "$(hal | jq -r '.nodes[] | select(.name=="b") | .limit')" = 1 ] || { hal; fail "b's limit is not 1"; }
agent a 1; agent b 2
wait_until 10 eval '[ "$(hal | jq "[.nodes[] | select(.lease==\"alive\")] | length")" = 2 ]' || fail "2 alive HA nodes"
add x --node b
wait_until 10 on x b || { hal; fail "x not running on b"; }
add y; add z
for r in y z; do wait_until 10 on $r a || { hal; fail "$r not running on a (b is full: --limit 1)"; }; done
for r in y z; do ! runs $r b || fail "$r runs on b beyond its limit"; done
pass "per-node limit: x on b (limit 1), y and z on a"

# --- 2 ---------------------------------------------------------------------
out=$(ps 1 ha disable-node --node b) || fail "disable-node b: $out"
wait_until 10 on x a || { hal; fail "x not moved to a after disable-node b"; }
! runs x b || fail "x still runs on b"
[ "$(hal | jq -r '.nodes[] | select(.name=="b") | .enabled')" = false ] || { hal; fail "b not shown disabled"; }
wait_until 5 has_event "Relocating x from b to a" || fail "no event 'Relocating x from b to a'"
pass "disable-node b ($out): x stopped on b, running on a"

# --- 3 ---------------------------------------------------------------------
out=$(ps 1 ha remove y) || fail "ha remove y: $out"
wait_until 5 eval '! runs y a' || fail "y's service still runs on a after ha remove"
[ -z "$(hal | jq -r '.resources[] | select(.name=="y") | .name')" ] || { hal; fail "ha list still lists y"; }
! ps 1 ha remove y 2>"$T/err" || fail "a second ha remove y accepted"
grep -q "no HA resource y" "$T/err" || fail "second remove refusal: $(cat "$T/err")"
pass "ha remove y ($out): stopped on a, gone from ha list; again: '$(cat "$T/err")'"

# --- 4 ---------------------------------------------------------------------
ps 1 ha enable-node --node b >/dev/null || fail "enable-node b again"
end=$(( $(date +%s) + 3 ))
while [ "$(date +%s)" -lt "$end" ]; do
  for r in x z; do [ "$(node_of $r)" = a ] || { hal; fail "$r moved off a after b was enabled again"; }; done
  sleep 0.2
done
for r in x z; do ! runs $r b || fail "$r runs on b"; done
pass "b enabled again: x and z stay on a"

# --- 5 ---------------------------------------------------------------------
ps 1 ha add chk --node a --start "$SVC start" --stop "$SVC stop" --check 'test ! -e '"$T"'/sick.$PSTORAGE_HA_NODE' >/dev/null \
  || fail "ha add chk"
wait_until 10 on chk a || { hal; fail "chk not running on a"; }
end=$(( $(date +%s%N) + 2000000000 ))  # four check periods: a passing check keeps it running
while [ "$(date +%s%N)" -lt $end ]; do runs chk a || fail "chk stopped on a while its check passes"; sleep 0.1; done
t0=$(date +%s%N)
touch "$T/sick.a"
wait_until 5 eval '! runs chk a' || fail "chk still runs on a 5 s after its check began to fail"
echo "failing check: chk stopped on a $(( ($(date +%s%N) - t0) / 1000000 )) ms after its check began to fail"
wait_until 5 has_event "chk failed to start on a: it ran but check command exited with status 1" \
  || { ps 1 get-event | tail -5; fail "no event for chk's failed check"; }
rm -f "$T/sick.a"
wait_until 15 eval 'runs chk a' || { hal; fail "chk not started on a again once its check passes"; }
pass "--check: chk stopped on a when its check failed (event), started again when healthy"

[ "$(switches x)" = 1 ] || fail "x's node changed $(switches x) times in run.log (1 move): two copies at once?"
for r in y z chk; do [ "$(switches $r)" = 0 ] || fail "$r's node changed $(switches $r) times"; done
pass "no resource ran on two nodes at once"
