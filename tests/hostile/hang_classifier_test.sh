#!/usr/bin/env bash
# The hang classifier (tests/wine/lib.sh: wine_deadlock_signature, used by the soak and by every
# Wine test's hang report) on backtraces recorded in real hangs (tests/hostile/backtraces/, the
# add-in's, the client's and services.exe's threads of `winedbg bt all`): Wine's own deadlock is
# named with where it happened; anything else is not called Wine's. Then wine_run's watchdog, under
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
# cmd's `set /p` waits for a line on its standard input, a pipe that stays open for 8 s.
started=$SECONDS
out=$(sleep 8 | WINE_RUN_LIMIT=2 wine_run cmd /c "set /p line="); rc=$?
[ "$rc" -eq 124 ] && pass "a program still running past WINE_RUN_LIMIT ends wine_run with status 124" \
  || fail "wine_run of a program past its limit: exit $rc, want 124" "$out"
check_contains "the report names the program and its limit" "HANG - cmd ran over 2 s; backtraces of the prefix's processes:" "$out"
check_contains "the report's last line says the hang is not Wine's known deadlock" \
  "HANG - cmd ran over 2 s: not Wine's known RpcServerUnregisterIf deadlock" "$(tail -n1 <<< "$out")"
bt=$(sed -n "s/.*backtraces of the prefix's processes: \(.*\)/\1/p" <<< "$out" | head -n1)
grep -q "^Backtracing for thread" "$bt" 2>/dev/null && pass "the whole backtrace is kept ($bt)" \
  || fail "no backtrace kept at '$bt'"
[ -z "$(prefix_pids 'cmd\.exe')" ] && pass "the program that hung was killed" || fail "cmd.exe still runs: $(prefix_pids 'cmd\.exe')"
out=$(WINE_RUN_LIMIT=60 wine_run cmd /c "echo fine& exit 3"); rc=$?
[ "$rc" -eq 3 ] && [ "$out" = "fine" ] && pass "a program that ends in time: its output (CRs removed) and its own exit status" \
  || fail "wine_run of a quick program: exit $rc, output '$out'"
wine_down
finish
