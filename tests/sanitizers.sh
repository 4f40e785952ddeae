#!/usr/bin/env bash
# tests/sanitizers.sh — the unit, actor and simulator tests built with
# AddressSanitizer + UndefinedBehaviorSanitizer (issue 15, "The test suite
# itself") in their own build directory, run through ctest, and every
# sanitizer finding listed. Exit 0 only when every test passed and no report
# was printed; 1 when any test failed or a sanitizer reported.
#
#   tests/sanitizers.sh                 # unit + actor tests + simulator sweep tests
#   tests/sanitizers.sh -R 'unit/'      # extra arguments go to ctest
#   JOBS=1 tests/sanitizers.sh          # build/test parallelism (default 2)
#   PARTS=unit tests/sanitizers.sh      # only the pure unit tests (no CAF actors:
#                                       # the cheapest build); default unit,actors,sim
#
# Build directory: build-asan/ next to build/ (configured once, then
# incremental). Everything runs under `nice -n 10`: a full sanitizer build
# of the CAF-heavy sources takes long on a small machine, and other work
# should keep the CPU. Integration tests are not run (they need root and
# FUSE; their daemons would need the sanitizer runtime too).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$ROOT/build-asan"
JOBS=${JOBS:-2}
FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

if [ ! -f "$B/CMakeCache.txt" ]; then
  nice -n 10 cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_C_FLAGS="$FLAGS" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
# Test executables only: every tests/unit/*_test.cpp and
# tests/unit/actors/*_test.cpp (one target each) and pstorage-sim.
PARTS=${PARTS:-unit,actors,sim}
targets="" regex=""
case ",$PARTS," in *,unit,*) targets+=" $(cd "$ROOT/tests/unit" && ls *_test.cpp | sed 's/\.cpp$//')"; regex+="|unit" ;; esac
case ",$PARTS," in *,actors,*) targets+=" $(cd "$ROOT/tests/unit/actors" && ls *_test.cpp | sed 's/\.cpp$//')"; regex+="|actors" ;; esac
case ",$PARTS," in *,sim,*) targets+=" pstorage-sim"; regex+="|sim" ;; esac
[ -n "$targets" ] || { echo "PARTS must name unit, actors and/or sim" >&2; exit 2; }
nice -n 10 cmake --build "$B" -j"$JOBS" --target $targets

# halt_on_error=0 for ASan keeps a test running after a report so one run
# lists every finding; UBSan stops at its first (-fno-sanitize-recover).
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=0:abort_on_error=0:print_summary=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$ROOT/tests/lsan.supp"
log="$B/sanitizers.log"
cd "$B"
set +e
nice -n 10 ctest -j"$JOBS" --timeout 1800 --output-on-failure -R "^(${regex#|})/" "$@" >"$log" 2>&1
rc=$?
set -e
tail -5 "$log"
findings=$(grep -E '^(==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer))|runtime error:' "$log" | sort | uniq -c | sort -rn || true)
if [ -n "$findings" ]; then
  echo "sanitizer findings (count, first line; details in $log):"
  echo "$findings"
  exit 1
fi
echo "sanitizer findings: none"
exit "$rc"
