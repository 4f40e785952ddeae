#!/usr/bin/env bash
# Fuzzes wire::decode of every message type (tests/fuzz/wire_fuzz.cpp) with
# libFuzzer + AddressSanitizer + UBSan for a bounded time (FUZZ_SECONDS,
# default 30), starting from tests/fuzz/corpus/wire (one empty and one filled
# message of each type, the first byte choosing the type). Fails on any
# crash, leak, sanitizer report or timeout of one input; exits 77 (skipped,
# with the reason) when clang++ or libFuzzer is missing.
#
# The fuzzer is compiled here with clang++ (the project builds with g++)
# into $BUILD/fuzz/, from wire_fuzz.cpp, protocol/wire.hpp and the generated
# Cap'n Proto code; it is rebuilt only when one of those changed. The
# committed corpus is never modified: libFuzzer works on a copy, and a
# crashing input is left in $BUILD/fuzz/ (named in the failure).
set -euo pipefail
SRC="${PSTORAGE_SRC:?PSTORAGE_SRC must point at the source tree}"
BUILD="${PSTORAGE_BUILD:?PSTORAGE_BUILD must point at the build tree}"
SECONDS_TO_RUN="${FUZZ_SECONDS:-30}"

CXX=$(command -v clang++ || command -v clang++-14 || true)
[ -n "$CXX" ] || { echo "skipped: clang++ is not installed (apt-get install clang libclang-rt-14-dev)"; exit 77; }
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "${TMPDIR:-/tmp}/fuzz-probe.$$.cpp"
if ! "$CXX" -fsanitize=fuzzer "${TMPDIR:-/tmp}/fuzz-probe.$$.cpp" -o "${TMPDIR:-/tmp}/fuzz-probe.$$" 2>/dev/null; then
  rm -f "${TMPDIR:-/tmp}/fuzz-probe.$$"*
  echo "skipped: $CXX cannot link libFuzzer (apt-get install libclang-rt-14-dev)"; exit 77
fi
rm -f "${TMPDIR:-/tmp}/fuzz-probe.$$"*

OUT="$BUILD/fuzz"
BIN="$OUT/wire_fuzz"
mkdir -p "$OUT"
GEN=("$BUILD"/protocol/*.capnp.c++)
[ -e "${GEN[0]}" ] || { echo "FAIL: no generated Cap'n Proto code in $BUILD/protocol (build pstorage_protocol first)"; exit 1; }
stale=1
if [ -x "$BIN" ]; then
  stale=0
  for f in "$SRC/tests/fuzz/wire_fuzz.cpp" "$SRC/protocol/wire.hpp" "$SRC/protocol/messages.hpp" "${GEN[@]}" "$BUILD"/protocol/*.capnp.h; do
    [ "$f" -nt "$BIN" ] && { stale=1; break; }
  done
fi
if [ $stale = 1 ]; then
  echo "building $BIN with $CXX"
  nice -n 10 "$CXX" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$SRC" -I"$BUILD" "$SRC/tests/fuzz/wire_fuzz.cpp" "${GEN[@]}" -lcapnp -lkj -o "$BIN.tmp"
  mv "$BIN.tmp" "$BIN"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wire-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp "$SRC"/tests/fuzz/corpus/wire/* "$WORK/"
# Each seed runs once on its own first (-runs=0): a seed that crashes is
# reported as such, not as something the fuzzer found.
"$BIN" -runs=0 "$WORK" >"$OUT/seeds.log" 2>&1 || { cat "$OUT/seeds.log"; echo "FAIL: a seed input crashed"; exit 1; }
echo "fuzzing wire::decode for ${SECONDS_TO_RUN}s"
if ! nice -n 10 "$BIN" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix="$OUT/" -print_final_stats=1 "$WORK" >"$OUT/fuzz.log" 2>&1; then
  tail -40 "$OUT/fuzz.log"
  echo "FAIL: wire::decode crashed or tripped a sanitizer; input saved as $(ls -t "$OUT"/crash-* "$OUT"/leak-* "$OUT"/timeout-* 2>/dev/null | head -1)"
  exit 1
fi
grep -E "stat::number_of_executed_units|stat::new_units_added" "$OUT/fuzz.log" | tr '\n' ' '; echo
echo "ok: no crash in ${SECONDS_TO_RUN}s"
