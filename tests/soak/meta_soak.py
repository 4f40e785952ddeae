#!/usr/bin/env python3
"""Metadata workload of the soak (tests/soak/soak.sh): in DIR on a mount,
until DEADLINE (epoch seconds), creates small files whose content names them,
renames some, unlinks some, appends to some; keeps the expected state and
counts every failed operation. On SIGTERM or at the deadline it writes
STATE (JSON: expected name -> content, ops, errors) and exits 0.

Usage: meta_soak.py DIR DEADLINE STATE SEED
"""
import json, os, random, signal, sys, time

d, deadline, state_path, seed = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
rnd = random.Random(seed)
os.makedirs(d, exist_ok=True)
files = {}          # name -> content (str)
uncertain = set()   # names an operation that failed may or may not have changed
ops = errors = 0
first_errors = []
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)


def note(e, what):
    global errors
    errors += 1
    if len(first_errors) < 20:
        first_errors.append(f"{time.strftime('%H:%M:%S')} {what}: {e}")


n = 0
while not stop and time.time() < deadline:
    n += 1
    r = rnd.random()
    involved = []
    try:
        if r < 0.5 or len(files) < 50:
            name = f"f{seed}-{n}"
            involved = [name]
            body = f"{name}\n" * rnd.randint(1, 64)
            with open(os.path.join(d, name), "x") as f:
                f.write(body)
            files[name] = body
        elif r < 0.65:
            old = rnd.choice(list(files))
            new = f"r{seed}-{n}"
            involved = [old, new]
            os.rename(os.path.join(d, old), os.path.join(d, new))
            files[new] = files.pop(old)
        elif r < 0.85:
            name = rnd.choice(list(files))
            involved = [name]
            os.unlink(os.path.join(d, name))
            del files[name]
        elif r < 0.95:
            name = rnd.choice(list(files))
            extra = f"+{n}\n"
            involved = [name]
            with open(os.path.join(d, name), "a") as f:
                f.write(extra)
            files[name] += extra
        else:
            name = rnd.choice(list(files))
            with open(os.path.join(d, name)) as f:
                got = f.read()
            if got != files[name]:
                note(f"{len(got)} bytes, expected {len(files[name])}", f"read {name}")
        ops += 1
    except OSError as e:
        # The outcome of a failed operation is unknown: the final check skips
        # the names it involved (the error itself already fails the soak).
        note(e, f"op {n} on {involved}")
        for nm in involved:
            files.pop(nm, None)
            uncertain.add(nm)
        if errors > 100:
            break
    time.sleep(0.002)

with open(state_path, "w") as f:
    json.dump({"files": files, "uncertain": sorted(uncertain), "ops": ops, "errors": errors, "first_errors": first_errors}, f)
