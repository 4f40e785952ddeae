#!/usr/bin/env bash
# Mutual TLS with the cluster CA (issue 14; docs/security.md): a cluster of
# 1 MDS + 2 CS on two "hosts" with encryption on (the default).
#  1. make-mds -I made the CA and host1's certificate; auth-node on host2 got
#     one by challenge-response: key files 0600, the CA key nowhere in the
#     host's configuration or any log, every connection of the MDS and the
#     CSs is TLS (the first bytes on the wire are a TLS record, not BASP).
#  2. auth-node with a wrong password: refused, nothing written on that host,
#     an event logged; after 5 failures from this address the next attempt
#     is refused without a challenge (rate limit), and says when to retry.
#  3. A host holding a valid certificate of another cluster of the same name
#     is refused by the MDS and by a CS (TLS handshake), and so is a plain
#     (non-TLS) CAF peer: the pstorage CLI with encryption off, and the
#     test-only hostile peer without credentials; neither reaches an actor.
#  4. A FUSE mount over TLS writes and reads back 24 MiB (needs root and
#     /dev/fuse; skipped as a part otherwise).
# Every step is bounded; the whole test takes well under a minute.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "tls_cluster: needs jq"
C=tlsc
PORT=$(free_port)
MDS="127.0.0.1:$PORT"
echo "secret-pw" > "$T/pw"
echo "wrong-pw" > "$T/badpw"
ps() { local h=$1; shift; timeout 30 "$BIN/pstorage" --config-dir "$T/host$h" -c $C "$@"; }
HP="$BIN/pstorage-hostile-peer"

# --- 1. cluster, certificates, files ---------------------------------------------------------
start_mds 1M
join_host 2
for h in 1 2; do start_cs $h; done
wait_until 20 active 2 || fail "2 CS did not become active: $(ps 1 stat 2>&1 | tail -5)"
for h in 1 2; do
  d="$T/host$h/clusters/$C"
  for f in node.key node.crt ca.crt auth_digest.key; do
    [ -s "$d/$f" ] || fail "host$h: $f missing"
    [ "$(stat -c %a "$d/$f")" = 600 ] || fail "host$h: $f has mode $(stat -c %a "$d/$f"), not 600"
  done
  cmp -s "$T/host1/clusters/$C/ca.crt" "$d/ca.crt" || fail "host$h trusts another CA"
  openssl verify -CAfile "$d/ca.crt" "$d/node.crt" >/dev/null || fail "host$h: node.crt does not verify"
done
CAKEY=$(sqlite3 -readonly "$T/mds/mds.db" "SELECT value FROM meta WHERE key = 'cluster_ca_key'" 2>/dev/null || true)
[ -n "$CAKEY" ] || CAKEY=$(strings "$T/mds/mds.db" | grep -A1 "BEGIN PRIVATE KEY" | sed -n 2p)
[ -n "$CAKEY" ] || fail "no CA key in mds.db"
KEYLINE=$(printf '%s\n' "$CAKEY" | grep -v "PRIVATE KEY" | head -1)
if grep -rqF -- "$KEYLINE" "$T"/host1 "$T"/host2 "$T"/*.out "$T"/mds/logs 2>/dev/null; then
  fail "the CA key appears outside mds.db: $(grep -rlF -- "$KEYLINE" "$T"/host1 "$T"/host2 "$T"/*.out "$T"/mds/logs)"
fi
# What a CS's MDS connection and the CLI's start with: a TLS handshake record
# (0x16 0x03) where plain BASP would send its 32-byte header.
first=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$((PORT + 1)); printf '\x16\x03\x01\x00\x05hello' >&3; head -c 2 <&3 | od -An -tx1" 2>/dev/null | tr -d ' \n')
[ "$first" = 1503 ] || [ "$first" = 1603 ] || fail "the MDS port did not answer as TLS (first bytes '$first')"
ps 1 stat >/dev/null || fail "stat over TLS"
pass "CA and node certificates (0600, CA key only in mds.db), 2 CS active over TLS, stat over TLS"

# --- 2. wrong password: refused, nothing written, event, rate limit ------------------------------
mkdir -p "$T/host5/clusters/$C"; echo "$MDS" > "$T/host5/clusters/$C/bs.list"
out=$(ps 5 auth-node --password-file "$T/badpw" 2>&1) && fail "auth-node accepted a wrong password: $out"
grep -q "wrong password" <<<"$out" || fail "wrong password message: $out"
[ "$(ls "$T/host5/clusters/$C")" = bs.list ] || fail "files written after a wrong password: $(ls "$T/host5/clusters/$C")"
[ ! -e "$T/host5/host_id" ] || fail "host_id written after a wrong password"
wait_until 10 bash -c "'$BIN/pstorage' --config-dir '$T/host1' -c $C get-event 2>/dev/null | grep -q 'refused: wrong password'" \
  || fail "no event for the refused auth-node: $(ps 1 get-event 2>&1 | tail -5)"
for i in 2 3 4 5; do ps 5 auth-node --password-file "$T/badpw" >/dev/null 2>&1 && fail "wrong password accepted ($i)"; done
out=$(ps 5 auth-node --password-file "$T/pw" 2>&1) && fail "auth-node not rate-limited after 5 failures: $out"
grep -q "too many failed auth-node attempts from 127.0.0.1: 5 within 60 s; try again in" <<<"$out" \
  || fail "rate limit message: $out"
[ "$(ls "$T/host5/clusters/$C")" = bs.list ] || fail "files written while rate-limited"
pass "wrong password refused (nothing written, event), rate limit after 5 failures: ${out#pstorage: }"

# --- 3. a foreign CA of the same cluster name, and plain CAF peers ---------------------------------
FPORT=$(free_port)
timeout 30 "$BIN/pstorage" --config-dir "$T/host9" -c $C make-mds -I -a "127.0.0.1:$FPORT" -r "$T/mds9" \
  --password-file "$T/pw" >/dev/null || fail "make-mds of the other cluster"
cmp -s "$T/host9/clusters/$C/ca.crt" "$T/host1/clusters/$C/ca.crt" && fail "two clusters share a CA"
echo "$MDS" > "$T/host9/clusters/$C/bs.list"  # host9 now points at our cluster, with its own certificate
out=$(ps 9 stat 2>&1) && fail "a certificate of another cluster named $C was accepted by the MDS: $out"
echo "$out" | sed 's/^/  foreign stat: /' | head -3
CSADDR=$(ps 1 stat --json | jq -r '.cs[0].address')
[ -n "$CSADDR" ] && [ "$CSADDR" != null ] || fail "no CS address"
if [ -x "$HP" ]; then
  out=$(PSTORAGE_CONFIG_DIR="$T/host9" PSTORAGE_CLUSTER=$C timeout 30 "$HP" "$CSADDR" read 1 1 0 16 2>&1) \
    && fail "a certificate of another cluster reached the CS: $out"
  grep -q "cannot connect" <<<"$out" || fail "foreign peer at the CS: $out"
  out=$(timeout 30 "$HP" "$CSADDR" read 1 1 0 16 2>&1) && fail "a plain CAF peer reached the CS: $out"
  grep -q "cannot connect" <<<"$out" || fail "plain peer at the CS: $out"
else
  fail "missing $HP (build target pstorage-hostile-peer)"
fi
out=$(PSTORAGE_ENCRYPTION=off ps 1 stat 2>&1) && fail "a plain (non-TLS) CAF client reached the MDS: $out"
grep -q "cannot reach" <<<"$out" || fail "plain CLI message: $out"
# the honest cluster is unaffected
wait_until 20 active 2 || fail "CSs not active after the refused peers"
ps 2 stat >/dev/null || fail "host2 stat after the refused peers"
pass "foreign CA of the same name refused by the MDS and a CS; plain CAF peers reach no actor"

# --- 4. a mount over TLS ------------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
  mount_fuse m1 2
  head -c $((24 << 20)) /dev/urandom > "$T/data"
  timeout 60 cp "$T/data" "$T/m1/f" || fail "write through the TLS mount"
  timeout 60 sync "$T/m1/f" || true
  timeout 60 cmp "$T/data" "$T/m1/f" || fail "read back through the TLS mount differs"
  unmount_fuse m1
  pass "mount over TLS: 24 MiB written and read back"
else
  skip_part "mount over TLS (needs root, /dev/fuse, fusermount3)"
fi
