#!/usr/bin/env bash
# tests/run.sh — installs dependencies, builds, and runs the whole test suite
# through ctest (unit, actor, integration; simulator seeds once they exist).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/deploy/setup.sh"
cd "$ROOT/build"
ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
