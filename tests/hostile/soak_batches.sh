# The full soak in batches (scripts/soak.sh), sourced by hostile_test.sh, which made the prefix,
# registered the add-in and defines $install_dir, $clsid, $c and the checks (tests/wine/lib.sh).
#   hostile_test.sh CLIENT soak-batches [--activations N] [--checks M] [--batch B] [--stall-s S]
# The activation/Release cycles run B at a time (default 50), one client run per batch
# (`soak --batch`), each under a timeout: the client's own watchdog (no cycle completed for S s,
# default 90; or the whole batch over B x 20 s + 60 s) and `timeout -s KILL` a minute later.
# Wine 8 deadlocks now and then inside its own RpcServerUnregisterIf (from CoUninitialize, or from
# the RemRelease of a stub, with no call running): the add-in never exits, or the client waits for
# it forever. When a batch hangs or leaves an add-in after its last Release, every process of the
# prefix is backtraced twice, 20 s apart (`winedbg --command "bt all"`, kept in
# $WSBKIT_BUILD_DIR/soak-full/, or soak/ for the test command's short soak) and:
#  - a thread of the add-in waiting inside rpcrt4's RpcServerUnregisterIf in both: a "Wine hang",
#    counted apart (listed with its batch and cycle), not a failure;
#  - anything else (no such frame, no add-in to backtrace, winedbg unable to attach): a failure.
# Either way the client and the add-in are killed (by PID), the prefix's wineserver is restarted,
# and the soak carries on from the cycle that did not complete, until N cycles completed (or more
# than 10 + N/100 Wine hangs, a failure). The samples of every completed cycle (the client's
# sampler) are judged together at the end by the client's `flat` (the tolerances it states).
# The M CheckConsistency/Abort cycles run in one client run (one add-in process, so its samples
# say whether that process leaks), under the same timeouts; after a Wine hang (it happens there
# too: the RemRelease of an async object's stub) the remaining cycles run in a new one.

soak_batches() {
  local activations=1000 checks=1000 size=50 stall=90
  while [ $# -gt 0 ]; do
    case $1 in
      --activations) activations=$2; shift 2 ;;
      --checks) checks=$2; shift 2 ;;
      --batch) size=$2; shift 2 ;;
      --stall-s) stall=$2; shift 2 ;;
      *) fail "soak-batches: unknown option $1"; return ;;
    esac
  done
  soak_dir="$WSBKIT_BUILD_DIR/soak${WSBKIT_SOAK_FULL:+-full}"
  rm -rf "$soak_dir"
  mkdir -p "$soak_dir"
  soak_stall=$stall
  soak_wine_hangs=()
  local started=$SECONDS stage_started
  if [ "$activations" -gt 0 ]; then
    soak_stage activation "$activations" "$size" "activation/Release cycles (one process each, sampled after its call)"
    echo "# soak figures: activation/Release cycles: $soak_done of $activations completed in $((SECONDS - started)) s," \
      "$soak_runs client runs; $soak_figures" >> "$soak_dir/figures.txt"
  fi
  if [ "$checks" -gt 0 ]; then
    stage_started=$SECONDS
    soak_stage check "$checks" "$checks" "CheckConsistency/Abort cycles (one add-in process a run)"
    echo "# soak figures: check/Abort cycles: $soak_done of $checks completed in $((SECONDS - stage_started)) s," \
      "$soak_runs client runs (add-in processes); $soak_figures" >> "$soak_dir/figures.txt"
  fi
  cat "$soak_dir/figures.txt" 2>/dev/null
  echo "# soak figures: Wine hangs: ${#soak_wine_hangs[@]}"
  local h
  for h in "${soak_wine_hangs[@]}"; do echo "#   $h"; done
  echo "# soak figures: time: $((SECONDS - started)) s; logs and backtraces: $soak_dir"
}

# soak_run LABEL LIMIT_S CLIENT_ARGS...: one client run under the timeouts; its output in
# $soak_out (also appended to $soak_dir/client.log), its exit status in $soak_rc (137: killed).
soak_run() {
  local label=$1 limit=$2; shift 2
  timeout -s KILL $((limit + 60)) env WINEDEBUG=-all wine "$install_dir/hostile-client.exe" --clsid "$clsid" \
    --timeout-s "$limit" --stall-s "$soak_stall" "$@" > "$c/soak.out" 2>&1 < /dev/null
  soak_rc=$?
  soak_out=$(tr -d '\r' < "$c/soak.out")
  { echo "=== $label (exit $soak_rc)"; printf '%s\n' "$soak_out"; } >> "$soak_dir/client.log"
  grep -E '^(FAIL - |TIMEOUT|HANG|STUCK|# )' <<< "$soak_out" | head -n 40
  count_client_checks "$soak_out"
}

# soak_hung LABEL: after a client run that hung (exit 4 or killed) or left an add-in (exit 5).
# Backtraces every process of the prefix, tells Wine's deadlock from a failure (see the top),
# kills the client and the add-in, restarts the prefix's wineserver. Returns 0 for a Wine hang.
soak_hung() {
  local label=$1 bt="$soak_dir/backtraces-${1// /-}.txt" signature pid
  # Twice, 20 s apart: a deadlock stays where it is; an add-in merely slow to unregister moves on.
  wine_backtrace_all "$bt" 180
  sleep 20
  wine_backtrace_all "$bt.again" 180
  signature=$(wine_deadlock_signature < "$bt")
  [ -n "$signature" ] && [ "$(wine_deadlock_signature < "$bt.again")" = "$signature" ] || signature=
  for pid in $(prefix_pids hostile-client.exe) $(prefix_pids wsbkit-addin.exe); do kill -9 "$pid" 2>/dev/null; done
  wine_restart
  if [ -n "$signature" ]; then
    soak_wine_hangs+=("$label: $signature")
    echo "# Wine hang, $label: $signature (backtraces: $bt); wineserver restarted"
    return 0
  fi
  fail "$label: hung or left the add-in running without Wine's deadlock signature (no add-in thread in RpcServerUnregisterIf)" \
    "backtraces: $bt"$'\n'"$(grep -E 'STUCK|HANG|TIMEOUT' <<< "$soak_out")"
  return 1
}

# soak_stage KIND TOTAL SIZE WHAT: TOTAL cycles of KIND (activation: `cycle` lines, answered and
# exited; check: `check` lines, aborted), SIZE per client run, resumed after a Wine hang from the
# cycle that did not complete; then the samples of all of them judged by the client's `flat`.
# Sets soak_done, soak_runs, soak_figures.
soak_stage() {
  local kind=$1 total=$2 size=$3 what=$4 n first cycles good=0 hung=0 cap=$((10 + $2 / 100))
  local samples="$c/soak-samples-$kind.txt" tag args limit line
  [ "$kind" = activation ] && tag=cycle || tag=check
  : > "$samples"
  soak_done=0
  soak_runs=0
  while [ "$soak_done" -lt "$total" ]; do
    soak_runs=$((soak_runs + 1))
    first=$((soak_done + 1))
    n=$((total - soak_done < size ? total - soak_done : size))
    if [ "$kind" = activation ]; then args=(--activations "$n" --checks 0); limit=$((n * 20 + 60))
    else args=(--activations 0 --checks "$n"); limit=$((n / 5 + 300)); fi
    soak_run "$kind run $soak_runs ($tag $first-$((first + n - 1)))" "$limit" soak "${args[@]}" --batch --first-cycle "$first"
    cycles=0
    while IFS= read -r line; do
      cycles=$((cycles + 1))
      case "$line" in *' answered 1 exited 1 '*|*' aborted 1 '*) good=$((good + 1)) ;; esac
      case "$line" in *' sample none') ;; *) echo "${line##* sample }" >> "$samples" ;; esac
    done < <(grep "^$tag [0-9]*: " <<< "$soak_out")
    soak_done=$((soak_done + cycles))
    case $soak_rc in
      0|1) [ "$cycles" -gt 0 ] || { fail "$kind run $soak_runs completed no cycle (exit $soak_rc)"; break; } ;;
      4|5|137)
        soak_hung "$kind run $soak_runs, $tag $((first + cycles))" || hung=$((hung + 1))
        if [ ${#soak_wine_hangs[@]} -gt "$cap" ]; then fail "more than $cap Wine hangs: the soak stops"; break; fi
        ;;
      *) fail "$kind run $soak_runs: client exit $soak_rc" "$(tail -n 5 <<< "$soak_out")"
         [ "$cycles" -gt 0 ] || break ;;
    esac
  done
  [ "$soak_done" -eq "$total" ] && pass "$total $what completed" || fail "$total $what completed" "only $soak_done"
  if [ "$kind" = activation ]; then
    [ "$good" -eq "$soak_done" ] && [ "$hung" -eq 0 ] \
      && pass "every activation answered a call and the add-in exited after every last Release ($good)" \
      || fail "every activation answered a call and the add-in exited after every last Release" \
              "$good of $soak_done completed cycles; $hung hung without Wine's signature"
  else
    [ "$good" -eq "$soak_done" ] && [ "$hung" -eq 0 ] && pass "every check aborted ended E_ABORT ($good)" \
      || fail "every check aborted ended E_ABORT" "$good of $soak_done completed cycles; $hung hung without Wine's signature"
  fi
  soak_run "flatness of the $kind samples" 300 flat --samples "C:\\soak-samples-$kind.txt" --what "$what (all runs)"
  [ "$soak_rc" -eq 0 ] || fail "the $kind samples are judged (exit $soak_rc)"
  soak_figures="$(grep -c . "$samples") samples; $(sed -n 's/^# figures: //p' <<< "$soak_out")"
}
