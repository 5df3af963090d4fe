#!/usr/bin/env bash
# `wsbkit simulate`'s timeline under Wine, against the add-in activated out of process: the calls
# in WSB's order with their HRESULTs, the checks and steps under them (read from the add-in's run
# logs; a check step whose `when` names another component listed as skipped), the service states
# before and after (--json), the exit code of WSB's verdict (8: a failed consistency check,
# recovery not allowed), --yes before a restore touches LedgerSvc, and --abort-after leaving a
# session open with the repair command named; --kill-addin-after terminating the add-in process
# after PreRestore, and the services given back.
# Args: TEST_SERVICE_EXE
. "$(dirname "$0")/lib.sh"
test_service_exe=$1

fresh_prefix timeline
c="$WINEPREFIX/drive_c"
install_dir="$c/wsbkit"
mkdir -p "$install_dir" "$c/svc" "$c/ProgramData/Ledger" "$c/Ledger/data"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
cp "$test_service_exe" "$c/svc/ledger-svc.exe"
wsbkit() { wine_run "$install_dir/wsbkit.exe" "$@"; }
service_state() { wine_run sc query LedgerSvc | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' | head -n1; }
# A field of the JSON timeline: python3 -c EXPRESSION over `doc`.
field() { python3 -c "import json,sys; doc=json.loads(sys.stdin.read()); print($1)" <<< "$2" 2>&1; }

check "create the Ledger service" wine sc create LedgerSvc binPath= 'C:\svc\ledger-svc.exe' start= auto
check "start it" wine sc start LedgerSvc
for i in 1 2; do printf 'ledger %s\n' "$i" > "$c/Ledger/data/ledger$i.ldb"; done
(cd "$c/Ledger" && xxhsum -H2 data/*.ldb > MANIFEST.xxh128)
rm -rf "$c/snap" && mkdir -p "$c/snap" && cp -r "$c/Ledger" "$c/snap/"
cat > "$c/ProgramData/Ledger/policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Ledger" },
  "components": { "db": { "name": "LedgerDB" }, "journal": { "name": "LedgerJournal" } },
  "backup": { "check": [
    { "files.present": { "paths": ["C:\\Ledger\\data\\*.ldb"], "non_empty": true } },
    { "manifest.verify": { "manifest": "C:\\Ledger\\MANIFEST.xxh128" } },
    { "files.present": { "paths": ["C:\\Ledger\\journal\\*"] }, "when": { "component": "journal" } }
  ] },
  "restore": {
    "pre":  [{ "service.stop":  { "service": "LedgerSvc", "disable_during_restore": true }, "timeout": "20s" }],
    "post": [{ "service.start": { "service": "LedgerSvc" }, "timeout": "20s" }]
  }
}
JSON
check "register the application with its add-in and policy" \
  wsbkit register --writer '{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}' --identifier Ledger \
  --addin 'C:\wsbkit\wsbkit-addin.exe' --policy 'C:\ProgramData\Ledger\policy.json'

# 1. Backup of a good snapshot: CheckConsistency then QueryStatus S_OK, both checks passed under it.
out=$(wine_watched wine "$install_dir/wsbkit.exe" simulate Ledger --backup-only -c LedgerDB --volume 'C:\=C:\snap\' --poll-ms 50 --json 2>/dev/null | tr -d '\r')
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && pass "backup of a good snapshot: exit 0" || fail "backup exit $rc" "$out"
[ "$(field '[x["call"] for x in doc["calls"]]' "$out")" = "['CheckConsistency', 'QueryStatus']" ] \
  && pass "backup calls: CheckConsistency, QueryStatus" || fail "backup calls" "$out"
[ "$(field '[(s["step"], s["kind"], s["outcome"]) for s in doc["calls"][1]["steps"]]' "$out")" = \
  "[('backup.check[0]', 'files.present', 'passed'), ('backup.check[1]', 'manifest.verify', 'passed'), ('backup.check[2]', 'files.present', 'skipped'), ('(check)', 'verdict', 'passed')]" ] \
  && pass "the check's steps, from the add-in's check log, under the QueryStatus that reports it" || fail "check steps" "$out"
[ "$(field '[s["reason"] for s in doc["calls"][1]["steps"] if s["outcome"] == "skipped"]' "$out")" = \
  "['when: does not apply to this component']" ] \
  && pass "the check step for another component (when) is listed as skipped, with the reason" || fail "skipped check step" "$out"
[ "$(field 'doc["verdict"]' "$out")" = ok ] && pass "verdict ok" || fail "verdict" "$out"

# 2. A damaged snapshot: the check fails, WSB would refuse recovery: exit 8, the file named.
printf 'X' | dd of="$c/snap/Ledger/data/ledger2.ldb" bs=1 seek=3 conv=notrunc status=none
out=$(wine_watched wine "$install_dir/wsbkit.exe" simulate Ledger --backup-only -c LedgerDB --volume 'C:\=C:\snap\' --poll-ms 50 \
      --junit 'C:\report.xml' 2>&1 | tr -d '\r')
rc=${PIPESTATUS[0]}
[ "$rc" -eq 8 ] && pass "damaged snapshot: exit 8 (recovery not allowed)" || fail "damaged snapshot exit $rc" "$out"
check_contains "the table marks the failed check" "recovery not allowed" "$out"
check_contains "the failed step names the damaged file" "ledger2.ldb" "$out"
grep -q 'failures="1"' "$c/report.xml" && pass "JUnit report: one failure" || fail "JUnit report" "$(cat "$c/report.xml")"

# 3. A restore against the registered add-in without --yes: says what it would do, changes nothing.
out=$(wsbkit simulate Ledger --restore-only -c LedgerDB < /dev/null); rc=$?
[ "$rc" -eq 2 ] && pass "restore without --yes: exit 2" || fail "restore without --yes: exit $rc" "$out"
check_contains "it names the live service it would stop" "restore.pre[0]: stops LedgerSvc and disables it" "$out"
[ "$(service_state)" = RUNNING ] && pass "LedgerSvc untouched" || fail "LedgerSvc $(service_state)"
# At an interactive terminal (a pseudo-terminal: Wine gives wsbkit.exe a console) the administrator
# is asked to type the application's name: a wrong one starts nothing, the right one goes ahead.
pty_wsbkit() { python3 "$WSBKIT_SOURCE_DIR/tests/wine/pty_run.py" "cancels:" "$1" wine "$install_dir/wsbkit.exe" \
  simulate Ledger --restore-only -c LedgerDB 2>&1 | tr -d '\r'; return "${PIPESTATUS[0]}"; }
out=$(pty_wsbkit "Ledgr"); rc=$?
[ "$rc" -eq 2 ] && pass "a wrong name typed at the terminal: exit 2" || fail "wrong name: exit $rc" "$out"
check_contains "it asks for the application's name" "type the application's name (Ledger)" "$out"
check_contains "and says nothing was started" "That is not 'Ledger': nothing was started." "$out"
[ "$(service_state)" = RUNNING ] && pass "LedgerSvc untouched" || fail "LedgerSvc $(service_state)"
out=$(pty_wsbkit "Ledger"); rc=$?
[ "$rc" -eq 0 ] && pass "the application's name typed at the terminal: the restore runs, exit 0" || fail "right name: exit $rc" "$out"
check_contains "confirmed" "Confirmed: the restore phase starts." "$out"
check_contains "the restore's calls were made" "PostRestore(" "$out"

# 4. The restore with --yes: WSB's calls in order, the steps under each, the services before/after.
out=$(wine_watched wine "$install_dir/wsbkit.exe" simulate Ledger --yes --restore-only -c LedgerDB --json 2>/dev/null | tr -d '\r')
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && pass "restore --yes: exit 0" || fail "restore exit $rc" "$out"
[ "$(field '[(x["call"], x["component"], x["hresult"]) for x in doc["calls"]]' "$out")" = \
  "[('OrderComponents', '', 'S_FALSE'), ('IsRollForwardSupported', '', 'S_OK'), ('PreRestore', 'LedgerDB', 'S_OK'), ('PostRestore', 'LedgerDB', 'S_OK')]" ] \
  && pass "restore calls in WSB's order with their HRESULTs" || fail "restore calls" "$out"
[ "$(field '[(s["step"], s["outcome"]) for s in doc["calls"][2]["steps"]] + [(s["step"], s["outcome"]) for s in doc["calls"][3]["steps"]]' "$out")" = \
  "[('restore.pre[0]', 'ok'), ('restore.post[0]', 'ok')]" ] \
  && pass "the stop step under PreRestore, the start step under PostRestore" || fail "restore steps" "$out"
[ "$(field '(doc["services_before"][0]["state"], doc["services_after"][0]["state"], doc["services_after"][0]["start_type"])' "$out")" = \
  "('RUNNING', 'RUNNING', 'AUTO_START')" ] && pass "LedgerSvc running before and after, automatic again" || fail "services" "$out"

# 5. WSB's job cancelled after the PreRestore: the session stays open and the repair command is named.
# (The add-in holds the open session, and with it the output handles it inherited: write to a file.)
wine_watched wine "$install_dir/wsbkit.exe" simulate Ledger --yes --restore-only -c LedgerDB --abort-after PreRestore:LedgerDB \
  > "$WINEPREFIX/abort.out" 2>&1
rc=$?
out=$(tr -d '\r' < "$WINEPREFIX/abort.out")
[ "$rc" -eq 0 ] && pass "abort-after PreRestore: exit 0 (every call accepted)" || fail "abort-after exit $rc" "$out"
check_not_contains "no PostRestore after the cancel" "PostRestore(" "$out"
check_contains "the open session is named" "A restore session is still open" "$out"
check_contains "and the repair command" "wsbkit repair" "$out"
[ "$(service_state)" = STOPPED ] && pass "LedgerSvc stopped while the session is open" || fail "LedgerSvc $(service_state)"
# The add-in still holds the open session (`wsbkit repair` leaves a live one alone): WSB's next
# call, PostRestore, gives LedgerSvc back.
wine_watched wine "$install_dir/wsbkit.exe" simulate Ledger --yes --restore-only -c LedgerDB --calls post > "$WINEPREFIX/post.out" 2>&1
out=$(tr -d '\r' < "$WINEPREFIX/post.out")
check_not_contains "after PostRestore no session is open" "A restore session is still open" "$out"
for _ in $(seq 1 100); do [ "$(service_state)" = RUNNING ] && break; sleep 0.1; done
[ "$(service_state)" = RUNNING ] && pass "the next PostRestore gave LedgerSvc back" || fail "LedgerSvc $(service_state)" "$out"

# 6. --kill-addin-after PreRestore: the add-in process that answered it is terminated (its id from
# the add-in's call log) and WSB carries on with a new activation.
[ "$(service_state)" = RUNNING ] || wine sc start LedgerSvc >/dev/null 2>&1
wine_watched wine "$install_dir/wsbkit.exe" simulate Ledger --yes --restore-only -c LedgerDB --kill-addin-after PreRestore:LedgerDB \
  > "$WINEPREFIX/kill.out" 2>&1
rc=$?
out=$(tr -d '\r' < "$WINEPREFIX/kill.out")
check_contains "the add-in process that answered PreRestore was terminated" "terminated; the next call activates a new add-in" "$out"
[ -z "$(prefix_pids 'wsbkit-addin.exe')" ] && pass "no add-in process left" || fail "add-in processes left: $(prefix_pids 'wsbkit-addin.exe')"
# Wine's rpcss keeps a dead local server's class registration (docs: toolchain), so WSB's next
# activation in this prefix fails: the timeline says so, exit 6, and the session stays open with
# LedgerSvc stopped and disabled. (On Windows the next call gets a new add-in process; natively the
# unit_simulator case shows the new add-in completing the undo.)
[ "$rc" -eq 6 ] && pass "the run goes on and reports the failed next call (exit 6)" || fail "kill run exit $rc" "$out"
check_contains "the timeline says why the next call failed" "The add-in could not be activated again" "$out"
check_contains "and that the session is still open" "A restore session is still open" "$out"
[ "$(service_state)" = STOPPED ] && pass "LedgerSvc stays stopped after the crash" || fail "LedgerSvc $(service_state)"
# The dead process holds no lock: `wsbkit repair` gives back from the journal alone (no COM).
out=$(wsbkit repair)
check_contains "wsbkit repair gives LedgerSvc back after the crash" "gave back LedgerSvc" "$out"
for _ in $(seq 1 100); do [ "$(service_state)" = RUNNING ] && break; sleep 0.1; done
[ "$(service_state)" = RUNNING ] && pass "LedgerSvc running again" || fail "LedgerSvc $(service_state)" "$out"
wine_restart   # the dead class registration goes with the wineserver

check "unregister" wsbkit unregister --writer '{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
wine sc stop LedgerSvc >/dev/null 2>&1; wine sc delete LedgerSvc >/dev/null 2>&1
finish
