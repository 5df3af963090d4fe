#!/usr/bin/env bash
# Runs one libFuzzer target: replays its regression inputs (tests/fuzz/regressions/<target>/, each
# a finding that was fixed), then fuzzes it for WSBKIT_FUZZ_SECONDS (default 10) from its seed
# corpus (tests/fuzz/corpus/<target>/) and the corpus it grew before (WSBKIT_FUZZ_WORK/corpus/<target>/).
# A crash, sanitizer report, leak, timeout (WSBKIT_FUZZ_TIMEOUT s per input, default 10) or memory
# over WSBKIT_FUZZ_RSS_MB (default 2048) fails it; the input that did so is kept in
# WSBKIT_FUZZ_WORK/findings/<target>/. Prints one summary line "<target>: passed|FAILED (...)";
# WSBKIT_REPORT, when set, receives "passed failed" (each regression input and the run count one).
# Usage: run_target.sh FUZZER_EXE TARGET
set -uo pipefail
exe=$1
target=$2
src=${WSBKIT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=${WSBKIT_FUZZ_WORK:-$(dirname "$exe")/../../fuzz}
seconds=${WSBKIT_FUZZ_SECONDS:-10}
per_input=${WSBKIT_FUZZ_TIMEOUT:-10}
rss_mb=${WSBKIT_FUZZ_RSS_MB:-2048}
seeds="$src/tests/fuzz/corpus/$target"
regressions="$src/tests/fuzz/regressions/$target"
corpus="$work/corpus/$target"
findings="$work/findings/$target"
logs="$work/logs"
mkdir -p "$corpus" "$findings" "$logs"
log="$logs/$target.log"
: > "$log"

passed=0
failed=0
# Regression inputs: each one replayed on its own, so a failure names its input.
if [ -d "$regressions" ]; then
  for input in "$regressions"/*; do
    [ -f "$input" ] || continue
    if "$exe" -timeout="$per_input" -rss_limit_mb="$rss_mb" "$input" >> "$log" 2>&1; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "$target: regression input $(basename "$input") fails again (log: $log)"
    fi
  done
fi

# The fuzzing run. New inputs go to the work corpus; the seeds are only read.
[ -d "$seeds" ] || { echo "$target: no seed corpus at $seeds"; exit 1; }
"$exe" -max_total_time="$seconds" -timeout="$per_input" -rss_limit_mb="$rss_mb" -print_final_stats=1 \
  -artifact_prefix="$findings/" "$corpus" "$seeds" >> "$log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$')
# cov, ft and the corpus (inputs/bytes) as libFuzzer's last status line gives them.
stats=$(grep -E '^#[0-9]+' "$log" | tail -n1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' || true)
details="${runs:-0} runs, ${stats:-no coverage line}"
if [ "$rc" -eq 0 ]; then
  passed=$((passed + 1))
  echo "$target: passed ($details; $passed regression/run checks)"
else
  failed=$((failed + 1))
  finding=$(grep -oE "(crash|leak|timeout|oom|slow-unit)-[0-9a-f]+" "$log" | tail -n1)
  echo "$target: FAILED (exit $rc; $details; input ${finding:+$findings/$finding}; log: $log)"
  grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz property broken)' "$log" | head -n 5
fi
[ -z "${WSBKIT_REPORT:-}" ] || echo "$passed $failed" > "$WSBKIT_REPORT"
[ "$failed" -eq 0 ]
