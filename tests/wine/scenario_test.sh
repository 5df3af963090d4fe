#!/usr/bin/env bash
# wsbkit.exe simulate --in-process --policy --scenario under Wine: the same code as the Linux
# `wsbkit` (the sample application's scenario holds; a damaged snapshot misses with exit 9; a
# malformed scenario exits 3 with its line and column), and the in-memory machine touches nothing
# of the real one (no C:\Ledger, no state written under C:\ProgramData\wsbkit\sessions).
# Args: LEDGER_POLICY
. "$(dirname "$0")/lib.sh"
policy=$1

fresh_prefix scenario
c="$WINEPREFIX/drive_c"
mkdir -p "$c/ci"
cp "$policy" "$c/ci/ledger-policy.json"
cp "$WSBKIT_SOURCE_DIR/src/sample/ledger-scenario.json" "$c/ci/ledger-scenario.json"
exe="$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe"
# One run of wsbkit.exe: its output in $out, its exit code in $rc. A crash (which Wine may report
# with exit code 0 once its debugger has run) fails the test on its own.
simulate() {
  out=$(wine_watched wine "$exe" simulate --in-process --policy 'C:\ci\ledger-policy.json' --scenario "$1" 2>&1); rc=$?
  check_not_contains "wsbkit.exe did not crash ($1)" "Unhandled" "$out"
}

simulate 'C:\ci\ledger-scenario.json'
[ "$rc" -eq 0 ] && pass "the sample scenario holds under Wine (exit 0)" || fail "the sample scenario exits $rc" "$out"
check_contains "every expectation held" "Expectations of C:\\ci\\ledger-scenario.json: 13 held, 0 missed" "$out"
check_contains "the restore order the policy asks for" 'restore OrderComponents(2 components) -> S_OK, order: "LedgerDB", "LedgerJournal"' "$out"
check_contains "LedgerSvc running again" "held    expect.services.LedgerSvc.state: RUNNING" "$out"

python3 "$WSBKIT_SOURCE_DIR"/tests/core/simulator/damage_snapshot.py "$c/ci/ledger-scenario.json" 'C:\Ledger\data\entries.ldb' damaged > "$c/ci/damaged.json"
simulate 'C:\ci\damaged.json'
[ "$rc" -eq 9 ] && pass "a damaged snapshot: exit code 9" || fail "a damaged snapshot exits $rc" "$out"
check_contains "a damaged snapshot: the miss names expected and actual" \
  "MISSED  expect.calls[1]: expected QueryStatus(LedgerDB) -> S_OK, result S_OK; actual call 2: QueryStatus(LedgerDB) -> S_OK, result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED" "$out"

printf '{\n  "machine": { "services": { "LedgerSvc": { "state": "paused" } } },\n  "expect": {}\n}\n' > "$c/ci/bad.json"
simulate 'C:\ci\bad.json'
[ "$rc" -eq 3 ] && pass "a malformed scenario: exit code 3" || fail "a malformed scenario exits $rc" "$out"
check_contains "a malformed scenario: FILE:LINE:COLUMN" "C:\\ci\\bad.json:2:45: machine.services.LedgerSvc.state: 'paused' is not one of running, stopped" "$out"
check_not_contains "a malformed scenario: nothing was run" "Simulating" "$out"

[ ! -e "$c/Ledger" ] && pass "the in-memory machine wrote nothing to the real C:\\Ledger" || fail "C:\\Ledger exists in the prefix"
[ ! -e "$c/ProgramData/wsbkit/sessions" ] && pass "no restore session on the real machine" || fail "a session folder exists in the prefix"
finish
