#!/usr/bin/env bash
# The test command: sets up the machine, builds natively and for Windows, runs every suite
# (native against fakes; cross-built under Wine against the real Win32 backends, plus the Wine
# integration tests) and ends with one line `N passed, N failed`. Exit status non-zero on any failure.
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

rm -f "$native"/tests/reports/* "$win"/tests/reports/* "$native/meson-logs/testlog.json" "$win/meson-logs/testlog.json"
status=0
if configure "$native" && ninja -C "$native" >/dev/null; then
  meson test -C "$native" -q --print-errorlogs --num-processes "$jobs" || status=1
else
  echo "native build failed"; status=1
fi
if configure "$win" --cross-file scripts/cross/mingw-w64-x86_64.ini && ninja -C "$win" >/dev/null; then
  wine_up "$root/$win/wineprefix"
  meson test -C "$win" -q --print-errorlogs --num-processes "$jobs" || status=1
  wine_down
else
  echo "windows build failed"; status=1
fi
python3 scripts/summarize.py "$native" "$win" || status=1
exit $status
