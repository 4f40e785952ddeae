#!/usr/bin/env python3
"""tls_hammer.py SRC_ADDR HOST:PORT SECONDS — a stranger that opens TLS
handshakes as fast as it can (tests/integration/tls_handshake_limit.sh).

Each round: a TCP connection from SRC_ADDR, a TLS ClientHello (no client
certificate), one read, close. A round is "served" when the peer answered
with TLS bytes (it did the key exchange and signed: the work the limit is
about), "closed" when it closed or reset the connection without a byte (the
limit refused it before any TLS work), "failed" when the connection could not
be made. Prints one JSON line of counts at the end: also the time of the
first "closed" round (seconds from the start) and how many rounds were served
after it. Bounded by SECONDS.
"""
import json
import socket
import ssl
import sys
import time


def main():
    src, target, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    host, port = target.rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    counts = {"served": 0, "closed": 0, "failed": 0, "first_closed_s": None, "served_after_first_closed": 0}
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2.0)
        try:
            s.bind((src, 0))
            s.connect((host, int(port)))
        except OSError:
            counts["failed"] += 1
            s.close()
            time.sleep(0.01)
            continue
        inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(inb, outb, server_side=False)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        got = b""
        try:
            s.sendall(outb.read())
            got = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            got = b""
        except socket.timeout:
            got = None
        finally:
            s.close()
        if got:
            counts["served"] += 1
            if counts["first_closed_s"] is not None:
                counts["served_after_first_closed"] += 1
        elif got is None:
            counts["failed"] += 1
        else:
            counts["closed"] += 1
            if counts["first_closed_s"] is None:
                counts["first_closed_s"] = round(time.monotonic() - start, 3)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
