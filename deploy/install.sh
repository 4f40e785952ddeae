#!/usr/bin/env bash
# deploy/install.sh — installs the built binaries and systemd units on this
# host (run deploy/setup.sh first). After it, the guide's commands work:
#   service pstorage-mdsd start ; service pstorage-csd start
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
install -m 0755 "$ROOT"/build/bin/pstorage "$ROOT"/build/bin/pstorage-mdsd "$ROOT"/build/bin/pstorage-csd /usr/bin/
[ -x "$ROOT/build/bin/pstorage-mount" ] && install -m 0755 "$ROOT/build/bin/pstorage-mount" /usr/bin/
[ -x "$ROOT/build/bin/pstorage-shamand" ] && install -m 0755 "$ROOT/build/bin/pstorage-shamand" /usr/bin/  # HA agent (docs/ha.md)
install -d /usr/lib/pstorage
install -m 0755 "$ROOT/deploy/pstorage-services" /usr/lib/pstorage/
install -m 0644 "$ROOT"/deploy/systemd/*.service "$ROOT"/deploy/systemd/*.target /etc/systemd/system/
systemctl daemon-reload 2>/dev/null || echo "systemd not running: units installed, not loaded"
