#!/usr/bin/env python3
"""tests/bench/lib/meta_bench.py DIR N [THREADS [shared|per-thread]] — metadata benchmark for fs_bench.sh.

Creates N empty files in a fresh sub-directory of DIR (open O_CREAT|O_EXCL,
close), then stats each, then unlinks each, timing each phase. THREADS
(default 1) threads share each phase, each on its own slice of the files
(several requests in flight: what group commit is for). With `per-thread`
each thread works in its own sub-directory: Linux serialises creates and
unlinks in one directory (the parent's inode lock), so threads sharing one
directory never have two of them in flight; applications (or mounts) that
work in different directories do.
Prints one JSON object: {"files": N, "threads": T, "create_per_s": ..,
"stat_per_s": .., "unlink_per_s": ..} (operations per second, higher is better)."""
import json
import os
import sys
import threading
import time


def run_phase(fn, names, threads):
    """Runs fn over names split in `threads` slices at once; returns seconds."""
    slices = [names[i::threads] for i in range(threads)]
    errors = []

    def work(part):
        try:
            for p in part:
                fn(p)
        except OSError as e:  # reported, the phase still ends
            errors.append(e)

    t0 = time.monotonic()
    ts = [threading.Thread(target=work, args=(s,)) for s in slices]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.monotonic() - t0
    if errors:
        raise errors[0]
    return dt


def main() -> int:
    base, n = sys.argv[1], int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    layout = sys.argv[4] if len(sys.argv) > 4 else "shared"
    if layout not in ("shared", "per-thread"):
        print("meta_bench.py: layout is shared or per-thread, not %r" % layout, file=sys.stderr)
        return 2
    d = os.path.join(base, "meta.%d" % os.getpid())
    os.mkdir(d)
    subdirs = [os.path.join(d, "t%d" % t) for t in range(threads)] if layout == "per-thread" else [d]
    if layout == "per-thread":
        for sub in subdirs:
            os.mkdir(sub)
    # file i goes to thread i % threads (run_phase's slices) and to its directory
    names = [os.path.join(subdirs[i % len(subdirs)], "f%06d" % i) for i in range(n)]
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY

    dc = run_phase(lambda p: os.close(os.open(p, flags, 0o644)), names, threads)
    ds = run_phase(os.stat, names, threads)
    du = run_phase(os.unlink, names, threads)
    if layout == "per-thread":
        for sub in subdirs:
            os.rmdir(sub)
    os.rmdir(d)

    rate = lambda dt: round(n / dt, 1) if dt > 0 else None
    print(json.dumps({"files": n, "threads": threads, "dirs": layout, "create_per_s": rate(dc),
                      "stat_per_s": rate(ds), "unlink_per_s": rate(du)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
