#!/usr/bin/env bash
# Runs wsbkit's libFuzzer targets (tests/fuzz/) for a while each and ends with one line
# `N passed, N failed`; exit status non-zero when a target failed.
#   scripts/fuzz.sh [--seconds N] [TARGET...]      (default: every target, 60 s each)
# The targets are built with clang, ASan+UBSan and libFuzzer in their own build dir
# (WSBKIT_FUZZ_BUILD, default build-fuzz; configured here when missing). Each run first replays the
# target's regression inputs (tests/fuzz/regressions/<target>/), then fuzzes from its seed corpus
# (tests/fuzz/corpus/<target>/) plus what earlier runs found (<build>/fuzz/corpus/<target>/).
# A target passes with zero crashes, sanitizer reports, leaks, timeouts (per input:
# WSBKIT_FUZZ_TIMEOUT s, default 10) and out-of-memory (WSBKIT_FUZZ_RSS_MB, default 2048). An
# input that fails is kept in <build>/fuzz/findings/<target>/; once fixed, add it to the
# target's regressions folder. Runs under `nice -n 19`; WSBKIT_FUZZ_JOBS targets at once (default 1).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${WSBKIT_FUZZ_BUILD:-build-fuzz}
all_targets=(policy writer_metadata manifest reg_file command_line journal sddl)
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t (${all_targets[*]})" >&2; exit 2; }
done
case $seconds in ''|*[!0-9]*) echo "fuzz.sh: --seconds needs a whole number" >&2; exit 2 ;; esac

if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" --werror -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fno-sanitize-recover=all >/dev/null || { echo "fuzz build could not be configured"; echo "0 passed, ${#targets[@]} failed"; exit 1; }
fi
if ! nice -n 19 ninja -C "$build" fuzz >/dev/null; then
  echo "fuzz build failed"; echo "0 passed, ${#targets[@]} failed"; exit 1
fi

export WSBKIT_SOURCE_DIR=$root WSBKIT_FUZZ_WORK=$root/$build/fuzz WSBKIT_FUZZ_SECONDS=$seconds
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
jobs=${WSBKIT_FUZZ_JOBS:-1}
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  ( WSBKIT_REPORT="$results/$t.counts" nice -n 19 bash tests/fuzz/run_target.sh "$build/tests/fuzz/fuzz_$t" "$t" ) &
done
wait
passed=0
failed=0
for t in "${targets[@]}"; do
  read -r p f < "$results/$t.counts" 2>/dev/null || { p=0; f=1; }
  if [ "${f:-1}" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
