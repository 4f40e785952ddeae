#!/usr/bin/env python3
"""HTTP counter for tests/integration/ha_netns.sh: an HA resource whose state
lives in a file on the cluster mount. GET /inc adds one, writes the value,
fsyncs and closes the file, then answers "VALUE NODE" (so every answered
value is durable); GET /peek answers the stored value. An open refused with
EBUSY (another mount's write lease, docs/data-path.md) is retried for 15 s.
Usage: ha_counter.py PORT FILE NODE"""
import errno
import http.server
import os
import sys
import time

PORT, PATH, NODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def read():
    try:
        with open(PATH) as f:
            return int(f.read().strip() or 0)
    except FileNotFoundError:
        return 0


def store(n):
    deadline = time.time() + 15
    while True:
        try:
            fd = os.open(PATH, os.O_WRONLY | os.O_CREAT, 0o644)
            break
        except OSError as e:
            if e.errno != errno.EBUSY or time.time() > deadline:
                raise
            time.sleep(0.1)
    try:
        os.pwrite(fd, b"%019d\n" % n, 0)
        os.fsync(fd)
    finally:
        os.close(fd)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/inc":
            n = read() + 1
            store(n)
        elif self.path == "/peek":
            n = read()
        else:
            self.send_error(404)
            return
        body = ("%d %s\n" % (n, NODE)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (NODE, fmt % args))


http.server.HTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
