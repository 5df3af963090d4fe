#!/usr/bin/env bash
# The administrator's 2 a.m. mistakes, under Wine in a fresh prefix, against a real service:
#  1. a policy naming a service that is not installed ("LedgerSv") is refused by validate and
#     register (with the closest installed name), and flagged by doctor once the file is edited;
#  2. a policy naming another writer than the registration (the README's example copied): doctor
#     flags it, the add-in refuses it (event, WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED, the service
#     untouched), and `repair --writer` of the real writer finds a session left under the writer id
#     the policy names;
#  3. doctor reports an open restore session and the service it holds stopped and disabled, with
#     the repair command;
#  4. the Application Support entry deleted by hand while wsbkit's record remains: doctor reports
#     the orphaned registration, unregister removes the rest.
# Args: TEST_SERVICE_EXE
. "$(dirname "$0")/lib.sh"
test_service_exe=$1

fresh_prefix admin
install_dir="$WINEPREFIX/drive_c/wsbkit"
mkdir -p "$install_dir" "$WINEPREFIX/drive_c/svc" "$WINEPREFIX/drive_c/ProgramData/Ledger"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
cp "$test_service_exe" "$WINEPREFIX/drive_c/svc/ledger-svc.exe"
wsbkit() { wine_run "$install_dir/wsbkit.exe" "$@"; }
real='{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
example='{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}'
app_support='HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\WindowsServerBackup\Application Support'
policies="$WINEPREFIX/drive_c/ProgramData/Ledger"
# policy FILE WRITER SERVICE: stop SERVICE (disabled meanwhile) before the restore, start it after.
policy() {
  cat > "$policies/$1" <<JSON
{
  "application": { "writer_id": "$2" },
  "components": { "db": { "name": "LedgerDB" } },
  "restore": {
    "pre":  [{ "service.stop":  { "service": "$3", "disable_during_restore": true }, "timeout": "20s" }],
    "post": [{ "service.start": { "service": "$3" }, "timeout": "20s" }]
  }
}
JSON
}

check "create the Ledger service (auto start)" wine sc create LedgerSvc binPath= 'C:\svc\ledger-svc.exe' start= auto
check "start it" wine sc start LedgerSvc
wait_service_state LedgerSvc RUNNING && pass "LedgerSvc is RUNNING" || fail "LedgerSvc not RUNNING" "$(wine_run sc query LedgerSvc)"

# 1. A service that does not exist.
policy typo.json "$real" LedgerSv
out=$(wsbkit validate 'C:\ProgramData\Ledger\typo.json'); rc=$?
[ $rc -eq 3 ] && pass "validate on the target refuses a policy naming a missing service (exit 3)" || fail "validate (exit $rc)" "$out"
check_contains "validate names the service and the closest installed one" \
  "service 'LedgerSv' is not installed on this machine; did you mean 'LedgerSvc'?" "$out"
check_contains "validate locates it" 'C:\ProgramData\Ledger\typo.json:5:35:' "$out"
out=$(wsbkit register --writer "$real" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' \
        --policy 'C:\ProgramData\Ledger\typo.json'); rc=$?
[ $rc -eq 3 ] && pass "register refuses it (exit 3)" || fail "register with a missing service (exit $rc)" "$out"
check_contains "register prints the located problem" "did you mean 'LedgerSvc'?" "$out"
check_exit 1 "nothing was registered" wine reg query "$app_support\\$real"
check_exit 3 "register refuses wsbkit.exe as the add-in" \
  wsbkit register --writer "$real" --identifier Ledger --addin 'C:\wsbkit\wsbkit.exe' --policy 'C:\ProgramData\Ledger\typo.json'
check_exit 3 "register refuses an add-in without a policy" \
  wsbkit register --writer "$real" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe'
check_exit 3 "register refuses a policy that does not exist" \
  wsbkit register --writer "$real" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' --policy 'C:\ProgramData\Ledger\none.json'

policy ledger.json "$real" LedgerSvc
out=$(wsbkit register --writer "$real" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' \
        --policy 'C:\ProgramData\Ledger\ledger.json'); rc=$?
[ $rc -eq 0 ] && pass "register with a valid policy" || fail "register (exit $rc)" "$out"
check_contains "register's summary says what WSB shows" "Windows Server Backup shows the application 'Ledger'" "$out"
check_not_contains "register lists no change without --verbose" "+ key" "$out"
out=$(wsbkit doctor); rc=$?
[ $rc -eq 0 ] && pass "doctor: all ok" || fail "doctor (exit $rc)" "$out"
policy ledger.json "$real" LedgerSv
out=$(wsbkit doctor); rc=$?
[ $rc -eq 7 ] && pass "doctor flags the policy edited to name a missing service (exit 7)" || fail "doctor (exit $rc)" "$out"
check_contains "doctor names it and the closest" "service 'LedgerSv' is not installed on this machine; did you mean 'LedgerSvc'?" "$out"

# 2. The writer id of the README's example, copied unchanged.
policy ledger.json "$example" LedgerSvc
out=$(wsbkit doctor --json); rc=$?
[ $rc -eq 7 ] && pass "doctor flags a policy naming another writer (exit 7)" || fail "doctor (exit $rc)" "$out"
check_contains "doctor --json: the policy check by its stable id" '"id": "policy-file-present-and-valid"' "$out"
check_contains "doctor --json: the mismatch and its fix" "application.writer_id: the policy names writer $example" "$out"
out=$(WINEDEBUG=-all,+eventlog wine_watched wine "$install_dir/wsbkit.exe" simulate --yes Ledger --restore-only --component LedgerDB \
        --calls order,pre 2>&1 | tr -d '\r'); rc=$?
[ $rc -eq 6 ] && pass "simulate: the add-in refuses PreRestore (exit 6)" || fail "simulate (exit $rc)" "$out"
check_contains "PreRestore -> WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED" "WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED" "$out"
check_contains "the add-in's event says why" "application.writer_id: the policy names writer $example" "$out"
[ "$(service_state LedgerSvc)" = RUNNING ] && pass "LedgerSvc was not touched" || fail "LedgerSvc: $(service_state LedgerSvc)"
wine_restart

# A session left under the example's writer id (as an add-in without the check left it): an
# application registered for that writer, its add-in killed between PreRestore and PostRestore.
policy example.json "$example" LedgerSvc
check "register the example's writer" wsbkit register --writer "$example" --identifier Example \
  --addin 'C:\wsbkit\wsbkit-addin.exe' --policy 'C:\ProgramData\Ledger\example.json'
journal="$WINEPREFIX/drive_c/ProgramData/wsbkit/sessions/76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7.journal"
wine "$install_dir/wsbkit.exe" simulate --yes Example --restore-only --component LedgerDB --calls order,pre --hold-ms 8000 \
  > "$WINEPREFIX/hold.out" 2>&1 &
sim=$!
for _ in $(seq 1 100); do grep -q '"t":"pre"' "$journal" 2>/dev/null && break; sleep 0.1; done
pids=$(prefix_pids 'wsbkit-addin.exe')
[ -n "$pids" ] && kill -9 $pids && pass "killed the add-in mid-session" || fail "no add-in process to kill" "$(cat "$WINEPREFIX/hold.out")"
wait $sim
wine_restart
[ "$(service_state LedgerSvc)" = STOPPED ] && pass "LedgerSvc stays stopped" || fail "LedgerSvc: $(service_state LedgerSvc)"
[ "$(start_type_of LedgerSvc)" = DISABLED ] && pass "and disabled" || fail "start type: $(start_type_of LedgerSvc)"
check "unregister the example's writer (the session stays)" wsbkit unregister --writer "$example"

# 3. doctor reports the open session and what it holds.
out=$(wsbkit doctor); rc=$?
[ $rc -eq 7 ] && pass "doctor: problems (exit 7)" || fail "doctor (exit $rc)" "$out"
check_contains "doctor reports the open session" "PROBLEM  no restore session left open" "$out"
check_contains "doctor names the service it holds stopped and disabled" \
  "holds LedgerSvc: now STOPPED, DISABLED; before the restore RUNNING, AUTO_START (wsbkit disabled it)" "$out"
check_contains "doctor gives the repair command" "wsbkit repair --writer $example" "$out"

# repair --writer of the real writer finds the session under the writer id its policy names.
check_exit 5 "repair of an unknown application: exit 5" wsbkit repair --writer '{00000000-1111-2222-3333-444444444444}'
out=$(wsbkit repair --writer "$real"); rc=$?
[ $rc -eq 0 ] && pass "repair --writer (the real writer) succeeds" || fail "repair (exit $rc)" "$out"
check_contains "repair prints the service it gave back" "gave back LedgerSvc: start type restored, started again" "$out"
wait_service_state LedgerSvc RUNNING && pass "LedgerSvc is RUNNING again" || fail "LedgerSvc: $(service_state LedgerSvc)"
[ "$(start_type_of LedgerSvc)" = AUTO_START ] && pass "with its start type" || fail "start type: $(start_type_of LedgerSvc)"
check_exit 1 "the journal is gone" test -e "$journal"

# 4. The Application Support entry deleted by hand.
policy ledger.json "$real" LedgerSvc
check "delete the Application Support entry by hand" wine reg delete "$app_support\\$real" /f
out=$(wsbkit doctor); rc=$?
[ $rc -eq 7 ] && pass "doctor: the orphaned registration is a problem (exit 7)" || fail "doctor (exit $rc)" "$out"
check_not_contains "doctor does not say there is nothing to check" "nothing to check" "$out"
check_contains "doctor names the orphan" "PROBLEM  registration not orphaned" "$out"
check_contains "doctor gives both fixes" "wsbkit unregister --writer $real" "$out"
check "unregister removes the rest" wsbkit unregister --writer "$real"
check_no_records "no registration record is left"
check "delete the Ledger service" wine sc delete LedgerSvc

wine_down
finish
