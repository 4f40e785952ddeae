#!/usr/bin/env python3
"""tests/bench/lib/meta_bench.py DIR N — metadata benchmark for fs_bench.sh.

Creates N empty files in a fresh sub-directory of DIR (open O_CREAT|O_EXCL,
close), then stats each, then unlinks each, one thread, timing each phase.
Prints one JSON object: {"files": N, "create_per_s": .., "stat_per_s": ..,
"unlink_per_s": ..} (operations per second, higher is better)."""
import json
import os
import sys
import time


def main() -> int:
    base, n = sys.argv[1], int(sys.argv[2])
    d = os.path.join(base, "meta.%d" % os.getpid())
    os.mkdir(d)
    names = [os.path.join(d, "f%06d" % i) for i in range(n)]
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY

    t0 = time.monotonic()
    for p in names:
        os.close(os.open(p, flags, 0o644))
    t1 = time.monotonic()
    for p in names:
        os.stat(p)
    t2 = time.monotonic()
    for p in names:
        os.unlink(p)
    t3 = time.monotonic()
    os.rmdir(d)

    rate = lambda dt: round(n / dt, 1) if dt > 0 else None
    print(json.dumps({"files": n, "create_per_s": rate(t1 - t0),
                      "stat_per_s": rate(t2 - t1), "unlink_per_s": rate(t3 - t2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
