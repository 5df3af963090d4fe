#!/usr/bin/env bash
# The full soak (issue 10), under Wine against the real add-in, in a prefix of its own:
# 1,000 activation/Release cycles (the add-in must exit after every last Release) and 1,000
# CheckConsistency/Abort cycles on one activation, with the add-in's handle count and private bytes
# sampled and required flat (see tests/hostile/hostile_client.cpp for the tolerances). Wine's cold
# activation costs ~1.1-2 s, so this takes ~20-40 min; the test command runs 8 activations and 20 check/Abort cycles.
# The activations run in batches of 50 client runs' worth, each under a timeout; Wine 8's own
# deadlock (RpcServerUnregisterIf) is told from a failure by backtrace, counted apart as a "Wine
# hang", and the soak carries on after a wineserver restart (tests/hostile/soak_batches.sh).
# Prints the figures (cycles completed, Wine hangs with batch and cycle, handle count and private
# bytes first/last/max, time); logs and backtraces in build-win/soak/.
# Ends with `N passed, N failed`; exit non-zero on any failure.
#   scripts/soak.sh [--activations N] [--checks M]   (defaults 1000 and 1000)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
win=${WSBKIT_WIN_BUILD:-build-win}
activations=1000
checks=1000
while [ $# -gt 0 ]; do
  case $1 in
    --activations) activations=$2; shift 2 ;;
    --checks) checks=$2; shift 2 ;;
    *) echo "usage: scripts/soak.sh [--activations N] [--checks M]" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh || exit 1
[ -f "$win/build.ninja" ] || meson setup "$win" --werror --cross-file scripts/cross/mingw-w64-x86_64.ini >/dev/null || exit 1
ninja -C "$win" src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll \
  tests/hostile/wsbkit-hostile-client.exe >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
export WSBKIT_BUILD_DIR="$root/$win" WSBKIT_SOURCE_DIR="$root" WSBKIT_SOAK_FULL=1
bash tests/hostile/hostile_test.sh "$root/$win/tests/hostile/wsbkit-hostile-client.exe" soak-batches \
  --activations "$activations" --checks "$checks"
exit $?
