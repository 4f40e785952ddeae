#!/usr/bin/env bash
# Cluster discovery through DNS (guide "Configuring Cluster Discovery", "Using
# DNS Records", "Discovering Cluster Names"; docs/discovery.md) against a real
# DNS server: a private dnsmasq on a random loopback address serves the zone
# pcs.test with SRV records _pstorage._tcp.NAME.pcs.test and TXT records
# pstorage_clusters.pcs.test. A test-owned resolv.conf (search pcs.test) is
# given through PSTORAGE_RESOLV_CONF; the machine's /etc/resolv.conf is never
# touched. Host 2 has no bs.list: auth-node, a CS (make-cs + pstorage-csd),
# stat and a FUSE mount (when /dev/fuse exists) find the MDS through SRV only;
# `pstorage discover` lists the TXT names; with the DNS server stopped, stat on
# host 2 fails within 10 s naming DNS SRV and bs.list.
source "$(dirname "$0")/lib.sh"

command -v dnsmasq >/dev/null || skip "dns_discovery: dnsmasq not installed (Debian package dnsmasq-base)"
[ "$(id -u)" = 0 ] || skip "dns_discovery: dnsmasq must bind port 53: needs root"

C=dns1
PORT=$(free_port)
DEAD=$(free_port)   # a second, lower-priority SRV target where nothing runs
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
ps() { local h=$1; shift; "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }

# --- a private DNS server ------------------------------------------------------------
DNS_IP=127.$((RANDOM % 200 + 10)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
# Quoted TXT strings keep their commas: one string "dns1,pcs2", another "pcs3".
cat > "$T/dnsmasq.conf" <<CONF
local=/pcs.test/
srv-host=_pstorage._tcp.$C.pcs.test,s1.pcs.test,$PORT,0,1
srv-host=_pstorage._tcp.$C.pcs.test,s2.pcs.test,$DEAD,10,1
host-record=s1.pcs.test,127.0.0.1
host-record=s2.pcs.test,127.0.0.1
txt-record=pstorage_clusters.pcs.test,"$C,pcs2","pcs3"
txt-record=pstorage_clusters.pcs.test,"pcs4"
txt-record=pstorage_clusters.pcs.test,"pcs2, pcs5"
CONF
start dns dnsmasq --keep-in-foreground --user=root --bind-interfaces --listen-address="$DNS_IP" --port=53 \
  --no-resolv --no-hosts --domain-needed --conf-file="$T/dnsmasq.conf" --pid-file="$T/dnsmasq.pid" --log-facility=-
dns_up() { kill -0 "$PID_dns" && ss -lunH "src $DNS_IP:53" | grep -q .; }
if ! wait_until 5 dns_up; then
  kill -0 "$PID_dns" 2>/dev/null || skip "dns_discovery: dnsmasq cannot serve on $DNS_IP:53: $(tail -3 "$T/dns.out" | tr '\n' ' ')"
  fail "dnsmasq not listening on $DNS_IP:53"
fi
printf 'nameserver %s\nsearch pcs.test\noptions timeout:1 attempts:2\n' "$DNS_IP" > "$T/resolv.conf"
export PSTORAGE_RESOLV_CONF="$T/resolv.conf"
pass "dnsmasq (PID $PID_dns) serves pcs.test on $DNS_IP:53"

# --- discover: TXT records -------------------------------------------------------------
out=$("$BIN/pstorage" --config-dir "$T/host2" discover 2>"$T/discover.err") || fail "discover: $out $(cat "$T/discover.err")"
expected=$(printf 'Discovering using DNS TXT records: OK\n%s\npcs2\npcs3\npcs4\npcs5' "$C")
[ "$out" = "$expected" ] || fail "discover output:
$out
expected:
$expected"
js=$("$BIN/pstorage" discover --json) || fail "discover --json"
[ "$(jq -c . <<<"$js")" = "{\"clusters\":[\"$C\",\"pcs2\",\"pcs3\",\"pcs4\",\"pcs5\"],\"sources\":[{\"method\":\"dns-txt\",\"ok\":true}]}" ] \
  || fail "discover --json: $js"
pass "discover: TXT records (several strings, comma lists, several records) -> sorted unique names; --json"

# --- the cluster: MDS on host 1 (which has bs.list) ---------------------------------------
ps 1 make-mds -I -a "$MDS" -r "$T/mds" --password-file "$T/pw" --chunk-size 1M >/dev/null || fail "make-mds"
start mds "$BIN/pstorage-mdsd" --config-dir "$T/host1" -r "$T/mds"
mds_http_up "$PID_mds"
ps 1 -v stat >/dev/null 2>"$T/v1.err" || fail "stat host1: $(cat "$T/v1.err")"
grep -q "MDS addresses of cluster '$C' from bs.list ($T/host1/clusters/$C/bs.list): $MDS" "$T/v1.err" \
  || fail "host1 -v does not name bs.list: $(cat "$T/v1.err")"
pass "host 1 finds the MDS through its bs.list (bs.list comes first)"

# --- host 2: no bs.list, everything through DNS SRV ----------------------------------------
ps 2 -v auth-node --password-file "$T/pw" >/dev/null 2>"$T/v2.err" || fail "auth-node through SRV: $(cat "$T/v2.err")"
grep -q "MDS addresses of cluster '$C' from DNS SRV _pstorage._tcp.$C: $MDS, 127.0.0.1:$DEAD" "$T/v2.err" \
  || fail "host2 -v does not show the SRV answer in priority order: $(cat "$T/v2.err")"
[ -e "$T/host2/clusters/$C/bs.list" ] && fail "auth-node wrote a bs.list"
pass "auth-node on a host without bs.list: MDSs from DNS SRV, ordered by priority"

ps 2 make-cs -r "$T/cs2" >/dev/null || fail "make-cs host2"
start cs2 "$BIN/pstorage-csd" --config-dir "$T/host2" -r "$T/cs2"
active() { [ "$(ps 2 stat --json | jq '[.cs[] | select(.status=="active")] | length')" = "$1" ]; }
wait_until 20 active 1 || fail "CS started with only the cluster name did not become active: $(tail -5 "$T/cs2.out")"
grep -q "from DNS SRV _pstorage._tcp.$C" "$T/cs2.out" "$T/cs2/logs/csd.log" 2>/dev/null || fail "csd log does not name DNS SRV"
[ -e "$T/host2/clusters/$C/bs.list" ] && fail "a bs.list appeared on host2"
pass "CS on host 2 registered and is active; stat on host 2 through SRV"

# --- a mount with only the cluster name ------------------------------------------------------
if [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
  mount_fuse m 2   # fails with the mount's log if it does not mount through SRV
  head -c 300000 /dev/urandom > "$T/data"
  timeout 60 cp "$T/data" "$T/m/f" || fail "write through the mount"
  timeout 60 cmp "$T/data" "$T/m/f" || fail "read back differs"
  unmount_fuse m
  pass "mount with only the cluster name (DNS SRV): file written and read back"
else
  skip_part "mount through DNS SRV: needs /dev/fuse and fusermount3"
fi

# --- DNS server gone --------------------------------------------------------------------------
kill "$PID_dns"
wait_until 5 bash -c "! kill -0 $PID_dns" || fail "dnsmasq did not stop"
t0=$(date +%s%N)
if timeout 30 "$BIN/pstorage" --config-dir "$T/host2" -c $C stat >"$T/dead.out" 2>&1; then
  fail "stat succeeded with no DNS server and no bs.list"
fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 10000 ] || fail "stat with a dead DNS server took $ms ms"
grep -q "DNS SRV _pstorage._tcp.$C" "$T/dead.out" && grep -q "bs.list" "$T/dead.out" \
  || fail "dead-DNS error does not name DNS SRV and bs.list: $(cat "$T/dead.out")"
out=$("$BIN/pstorage" discover 2>"$T/discover2.err") && fail "discover succeeded with no DNS server"
[ "$(head -1 <<<"$out")" = "Discovering using DNS TXT records: FAIL" ] || fail "discover FAIL line: $out"
grep -q "pstorage_clusters" "$T/discover2.err" || fail "discover failure message: $(cat "$T/discover2.err")"
pass "DNS server stopped: stat fails in $ms ms naming DNS SRV and bs.list; discover reports FAIL"

# --- a DNS server that never answers (a silent UDP socket on the same address) -------------------
start silent python3 -c "import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('$DNS_IP',53)); time.sleep(120)"
wait_until 5 bash -c "ss -lunH 'src $DNS_IP:53' | grep -q ." || fail "silent UDP socket not bound"
t0=$(date +%s%N)
if timeout 30 "$BIN/pstorage" --config-dir "$T/host2" -c $C stat >"$T/silent.out" 2>&1; then
  fail "stat succeeded with a silent DNS server and no bs.list"
fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 10000 ] || fail "stat with a silent DNS server took $ms ms"
grep -q "DNS SRV _pstorage._tcp.$C: no answer" "$T/silent.out" && grep -q "bs.list" "$T/silent.out" \
  || fail "silent-DNS error: $(cat "$T/silent.out")"
pass "DNS server silent: stat fails in $ms ms (bounded), naming DNS SRV and bs.list"
