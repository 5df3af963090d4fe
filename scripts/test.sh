#!/usr/bin/env bash
# The test command: sets up the machine, builds natively and for Windows, runs every suite
# (native against fakes, then again under ASan+LSan+UBSan, the threaded ones under TSan; every fuzz target for 10 s;
# cross-built under Wine against the real Win32 backends, plus the Wine integration tests) and ends with one line
# `N passed, N failed`.
# Exit status non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh || exit 1
# shellcheck source=lib/wine.sh
. scripts/lib/wine.sh

native=${WSBKIT_NATIVE_BUILD:-build-native}
win=${WSBKIT_WIN_BUILD:-build-win}
jobs=$(nproc)

configure() {  # dir [extra meson args]
  local dir=$1; shift
  [ -f "$dir/build.ninja" ] || meson setup "$dir" --werror "$@" >/dev/null || return 1
}

asan=${WSBKIT_ASAN_BUILD:-build-asan}
# A sanitizer report is a failure: UBSan stops at the first (-fno-sanitize-recover), ASan and
# LeakSanitizer exit non-zero, and the summary counts any non-zero exit.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

tsan=${WSBKIT_TSAN_BUILD:-build-tsan}
# The suites whose code runs on several threads (concurrent COM calls on one engine, the server's
# lifetime racing activations, the check workers, cross-process locks) under ThreadSanitizer.
tsan_tests=(unit_server_lifetime unit_addin_core unit_restore_session unit_restore_engine unit_consistency_checks
            contract_file_locks_posix)
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

fuzz=${WSBKIT_FUZZ_BUILD:-build-fuzz}
# The libFuzzer targets (tests/fuzz/, clang + ASan + UBSan): each replays its regression inputs and
# fuzzes for WSBKIT_FUZZ_SECONDS (10 s here; scripts/fuzz.sh runs them longer).
export WSBKIT_FUZZ_SECONDS=${WSBKIT_FUZZ_SECONDS:-10}

for dir in "$native" "$asan" "$tsan" "$fuzz" "$win"; do
  rm -f "$dir"/tests/reports/* "$dir/meson-logs/testlog.json"
done
status=0
if configure "$native" && ninja -C "$native" >/dev/null; then
  meson test -C "$native" -q --print-errorlogs --num-processes "$jobs" || status=1
else
  echo "native build failed"; status=1
fi
# The native suites again with AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer.
if configure "$asan" -Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fno-sanitize-recover=all \
   && ninja -C "$asan" >/dev/null; then
  meson test -C "$asan" -q --print-errorlogs --num-processes "$jobs" || status=1
else
  echo "sanitizer (ASan+UBSan) build failed"; status=1
fi
# Only the threaded suites are built with TSan (the rest would double the build for nothing).
if configure "$tsan" -Db_sanitize=thread -Db_lundef=false \
   && ninja -C "$tsan" "${tsan_tests[@]/#/tests/test_}" >/dev/null; then
  meson test -C "$tsan" -q --print-errorlogs --no-rebuild --num-processes "$jobs" "${tsan_tests[@]}" || status=1
else
  echo "sanitizer (TSan) build failed"; status=1
fi
if CC=clang CXX=clang++ configure "$fuzz" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
     -Dcpp_args=-fno-sanitize-recover=all && ninja -C "$fuzz" fuzz >/dev/null; then
  meson test -C "$fuzz" -q --print-errorlogs --no-rebuild --suite fuzz --num-processes "$jobs" || status=1
else
  echo "fuzz build failed"; status=1
fi
if configure "$win" --cross-file scripts/cross/mingw-w64-x86_64.ini && ninja -C "$win" >/dev/null; then
  wine_up "$root/$win/wineprefix" || { echo "wine prefix could not be created"; status=1; }
  meson test -C "$win" -q --print-errorlogs --num-processes "$jobs" || status=1
  wine_down
else
  echo "windows build failed"; status=1
fi
python3 scripts/summarize.py "$native" "$asan" "$tsan" "$fuzz" "$win" || status=1
exit $status
