#!/usr/bin/env bash
# The hang classifier (tests/wine/lib.sh: wine_deadlock_signature, used by the soak and by the Wine
# tests' hang report) on backtraces recorded in two real hangs of the soak (tests/hostile/backtraces/:
# the add-in's, the client's and services.exe's threads of `winedbg bt all`) and on variants made
# from them (the unregistration frame removed; the add-in's name changed; no backtrace at all):
# Wine's own deadlock is named with where it happened; anything else is not called Wine's. Then wine_run's watchdog, under
# Wine: a program that runs past its limit is reported (backtraces, classification) and killed.
. "$(dirname "$0")/../wine/lib.sh"
traces="$WSBKIT_SOURCE_DIR/tests/hostile/backtraces"

classify() { wine_deadlock_signature < "$traces/$1"; }
expect_signature() {
  local got; got=$(classify "$2")
  [ "$got" = "$3" ] && pass "$1" || fail "$1" "got: '${got}'"$'\n'"want: '$3'"
}

expect_signature "an add-in RPC worker stuck unregistering an interface from a RemRelease is Wine's deadlock (RPC worker)" \
  wine-deadlock-in-remrelease.txt "Wine deadlock: add-in thread waiting in RpcServerUnregisterIf (RPC worker)"
expect_signature "the add-in's main thread stuck unregistering from CoUninitialize is Wine's deadlock (CoUninitialize)" \
  wine-deadlock-in-couninitialize.txt "Wine deadlock: add-in thread waiting in RpcServerUnregisterIf from CoUninitialize"
expect_signature "an add-in whose threads wait anywhere else is not Wine's deadlock" addin-waiting-elsewhere.txt ""
expect_signature "the same frames in another program than the add-in are not the add-in's deadlock" \
  deadlock-in-another-program.txt ""
expect_signature "no backtrace at all (winedbg could not attach) is not Wine's deadlock" empty.txt ""

fresh_prefix hang-report
# cmd's `set /p` waits for a line on its standard input, a pipe that stays open for 8 s. The
# report goes to the test's log (wine_log_fd), here a file of its own to look at.
report=$(mktemp); log_fd=$wine_log_fd
exec {wine_log_fd}>"$report"
out=$(sleep 8 | WINE_RUN_LIMIT=2 wine_run cmd /c "set /p line="); rc=$?
exec {wine_log_fd}>&-; wine_log_fd=$log_fd
[ "$rc" -eq 124 ] && pass "a program still running past WINE_RUN_LIMIT ends wine_run with status 124" \
  || fail "wine_run of a program past its limit: exit $rc, want 124" "$out"
log=$(cat "$report"); rm -f "$report"
check_contains "the report in the test's log names the program and its limit" \
  "HANG - wine cmd ran over 2 s; backtraces of the prefix's processes:" "$log"
check_contains "the report's last line says the hang is not Wine's known deadlock" \
  "HANG - wine cmd ran over 2 s: not Wine's known RpcServerUnregisterIf deadlock" "$(tail -n1 <<< "$log")"
bt=$(sed -n "s/.*backtraces of the prefix's processes: \(.*\)/\1/p" <<< "$log" | head -n1)
grep -q "^Backtracing for thread" "$bt" 2>/dev/null && pass "the whole backtrace is kept ($bt)" \
  || fail "no backtrace kept at '$bt'"
[ -z "$(prefix_pids 'cmd\.exe')" ] && pass "the program that hung was killed" || fail "cmd.exe still runs: $(prefix_pids 'cmd\.exe')"
out=$(WINE_RUN_LIMIT=60 wine_run cmd /c "echo fine& exit 3"); rc=$?
[ "$rc" -eq 3 ] && [ "$out" = "fine" ] && pass "after a hang the prefix serves again: a program that ends in time gives its output (CRs removed) and its own exit status" \
  || fail "wine_run of a quick program: exit $rc, output '$out'"
# The suite's deadline (meson's timeout less a margin) cuts the limit, never below 10 s.
limits=$(WINE_RUN_LIMIT=240; wine_suite_deadline=$((SECONDS + 100)); wine_run_limit; wine_suite_deadline=$((SECONDS + 3)); wine_run_limit)
[ "$limits" = $'100\n10' ] && pass "the limit is cut to the suite's deadline, never below 10 s" || fail "limits: $limits"
wine_down
finish
