#!/usr/bin/env bash
# tests/run.sh — installs dependencies, builds, and runs the whole test suite
# through ctest (unit, actor, integration; simulator seeds once they exist).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/deploy/setup.sh"
cd "$ROOT/build"
log=$(mktemp)
set +e
ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# Tests that could not run here (exit 77: no root, no /dev/fuse, a tool
# missing) are reported as skipped, never as passed.
# Each is listed with its reason: the "skipped: WHY" line it printed
# (lib.sh skip), which ctest keeps in Testing/Temporary/LastTest.log.
skipped=$(grep -c '\*\*\*Skipped' "$log" || true)
echo "tests skipped (could not run here): $skipped"
{ grep '\*\*\*Skipped' "$log" || true; } | sed -E 's/.*Test +#[0-9]+: ([^ ]+) .*/\1/' | while read -r name; do
  why=$(awk -v n="$name" '/^[0-9]+\/[0-9]+ Testing: / { cur = $3 }
                          cur == n && /^skipped: / { sub(/^skipped: /, ""); print; exit }' \
          Testing/Temporary/LastTest.log 2>/dev/null || true)
  echo "  $name: ${why:-(no reason printed)}"
done
rm -f "$log"
exit "$rc"
