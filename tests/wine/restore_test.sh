#!/usr/bin/env bash
# Restore policy end to end under Wine, in a fresh prefix: a real service (the project's test
# service) stopped by PreRestore and started by PostRestore through real out-of-process COM
# activation of the add-in; then the add-in killed between the two, and the next PostRestore (a
# new add-in process) and `wsbkit repair` each bring the service back with its start type.
# Also: a `run` step whose child hangs (with a grandchild) is killed at its timeout, tree and all;
# and a `run` step printing bytes that are not UTF-8, UTF-16 and 1 MiB, passing in PreRestore and
# failing in PostRestore (then failing in PreRestore): the service comes back each time and the
# run log stays JSON, line by line.
# Args: TEST_SERVICE_EXE PROCESS_HELPER_EXE
. "$(dirname "$0")/lib.sh"
test_service_exe=$1
process_helper_exe=$2

fresh_prefix restore
install_dir="$WINEPREFIX/drive_c/wsbkit"
mkdir -p "$install_dir" "$WINEPREFIX/drive_c/svc" "$WINEPREFIX/drive_c/ProgramData/Ledger"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
cp "$test_service_exe" "$WINEPREFIX/drive_c/svc/ledger-svc.exe"
cp "$process_helper_exe" "$WINEPREFIX/drive_c/svc/ledgerctl.exe"
wsbkit() { wine_run "$install_dir/wsbkit.exe" "$@"; }
# A call that leaves a restore session open keeps the add-in's process alive (it holds the
# session's lock) and with it the output handles it inherited from the client that started it:
# such calls write to a file, never to a pipe (wine_run's, or $(...)'s) that would wait for it.
simulate_open() {
  wine_watched wine "$install_dir/wsbkit.exe" simulate --yes "$@" > "$WINEPREFIX/simulate.out" 2>&1
  local rc=$?
  tr -d '\r' < "$WINEPREFIX/simulate.out"
  return $rc
}
service_state() { wine_run sc query LedgerSvc | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' | head -n1; }
# Wine's sc has no `qc`: read the start type where the SCM keeps it (2 automatic, 3 manual, 4 disabled).
start_type() {
  case $(wine_run reg query 'HKLM\System\CurrentControlSet\Services\LedgerSvc' /v Start | sed -n 's/.*REG_DWORD *0x\([0-9a-f]*\).*/\1/p') in
    2) echo AUTO_START ;; 3) echo DEMAND_START ;; 4) echo DISABLED ;; *) echo unknown ;;
  esac
}
wait_state() {  # STATE: up to 10 s
  for _ in $(seq 1 100); do [ "$(service_state)" = "$1" ] && return 0; sleep 0.1; done
  return 1
}

writer='{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
check "create the Ledger service (auto start)" \
  wine sc create LedgerSvc binPath= 'C:\svc\ledger-svc.exe' start= auto
check "start it" wine sc start LedgerSvc
wait_state RUNNING && pass "LedgerSvc is RUNNING before the restore" || fail "LedgerSvc not RUNNING" "$(wine_run sc query LedgerSvc)"

cat > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json" <<'JSON'
{
  // Stop the Ledger service for the restore; nothing may restart it meanwhile.
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Ledger" },
  "components": { "db": { "name": "LedgerDB" }, "logs": { "name": "LedgerLogs" } },
  "restore": {
    "order": ["db", "logs"],
    "pre":  [{ "service.stop":  { "service": "LedgerSvc", "disable_during_restore": true }, "timeout": "20s" }],
    "post": [{ "service.start": { "service": "LedgerSvc" }, "timeout": "20s" }]
  }
}
JSON
policy='C:\ProgramData\Ledger\policy.json'
out=$(wsbkit validate "$policy")
check_contains "wsbkit validate accepts the policy" "valid (2 component(s), 1 pre-restore and 1 post-restore step(s)" "$out"
check "register the application with its add-in and policy" \
  wsbkit register --writer "$writer" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' --policy "$policy"

components=(--component LedgerLogs --component LedgerDB)

# 1. A whole restore: stopped and disabled during, running and automatic after.
simulate_open Ledger --restore-only "${components[@]}" --calls order,pre > "$WINEPREFIX/step1.out"
out=$(cat "$WINEPREFIX/step1.out")
echo "$out"
check_contains "OrderComponents puts LedgerDB first (policy order)" 'OrderComponents(2 components) -> S_OK, order: "LedgerDB", "LedgerLogs"' "$out"
check_contains "PreRestore -> S_OK" 'PreRestore(component="LedgerDB"' "$out"
[ "$(service_state)" = STOPPED ] && pass "PreRestore stopped LedgerSvc" || fail "LedgerSvc not STOPPED after PreRestore: $(service_state)"
[ "$(start_type)" = DISABLED ] && pass "LedgerSvc disabled during the restore" || fail "start type during restore: $(start_type)"
out=$(wsbkit simulate --yes Ledger --restore-only "${components[@]}" --calls post)
echo "$out"
check_contains "PostRestore (a new add-in process) -> S_OK" "2 call(s), 0 rejected" "$out"
wait_state RUNNING && pass "PostRestore started LedgerSvc" || fail "LedgerSvc not RUNNING after PostRestore: $(service_state)"
[ "$(start_type)" = AUTO_START ] && pass "start type restored to automatic" || fail "start type after: $(start_type)"
check_exit 1 "the session journal is gone" test -e "$WINEPREFIX/drive_c/ProgramData/wsbkit/sessions/5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A.journal"

# 2. The add-in killed between PreRestore and PostRestore; the next PostRestore gives back.
kill_addin_during_hold() {
  wsbkit simulate --yes Ledger --restore-only "${components[@]}" --calls order,pre --hold-ms 8000 > /tmp/wsbkit-hold.$$ 2>&1 &
  local sim=$!
  # Both PreRestores are journaled once the add-in holds the session (output is buffered until exit).
  local journal="$WINEPREFIX/drive_c/ProgramData/wsbkit/sessions/5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A.journal"
  for _ in $(seq 1 100); do [ "$(grep -c '"t":"pre"' "$journal" 2>/dev/null)" = 2 ] && break; sleep 0.1; done
  local pids
  pids=$(prefix_pids 'wsbkit-addin.exe')
  [ -n "$pids" ] && kill -9 $pids && pass "killed the add-in process mid-session" || fail "no add-in process to kill"
  wait $sim
  rm -f /tmp/wsbkit-hold.$$
  # Wine keeps a dead local server's class registration: restart the wineserver (see lib).
  wine_restart
}
kill_addin_during_hold
[ "$(service_state)" = STOPPED ] && pass "LedgerSvc stays stopped after the crash" || fail "state after crash: $(service_state)"
out=$(wsbkit simulate --yes Ledger --restore-only "${components[@]}" --calls post)
check_contains "PostRestore in a new add-in process -> S_OK" "2 call(s), 0 rejected" "$out"
wait_state RUNNING && pass "the next PostRestore brought LedgerSvc back" || fail "not RUNNING after recovery: $(service_state)" "$out"
[ "$(start_type)" = AUTO_START ] && pass "and restored its start type" || fail "start type after recovery: $(start_type)"

# 3. Same crash, and then a power cut's damage (issue 10): one byte of the journal's last record
#    (written after LedgerSvc's) changed, as a bad sector would. `wsbkit repair` gives back what was
#    recorded before the damage (LedgerSvc, with its start type), says the journal was damaged, and
#    keeps the damaged journal beside it as evidence.
kill_addin_during_hold
[ "$(service_state)" = STOPPED ] && pass "LedgerSvc stopped again after the second crash" || fail "state: $(service_state)"
journal="$WINEPREFIX/drive_c/ProgramData/wsbkit/sessions/5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A.journal"
cp "$journal" "$WINEPREFIX/authentic.journal"  # signed by this machine's key: case 6 edits a copy
sed -i '$ s/"t":"/"T":"/' "$journal"
cp "$journal" "$WINEPREFIX/damaged.journal"
check_exit 1 "the journal's last record is damaged" cmp -s "$journal" "$WINEPREFIX/authentic.journal"
out=$(wsbkit repair 2>&1); rc=$?
echo "$out"
[ "$rc" -eq 0 ] && pass "repair of the damaged journal exits 0" || fail "repair exit $rc, want 0" "$out"
check_contains "repair says the journal was damaged after its valid part" "the journal was damaged (line $(wc -l < "$WINEPREFIX/authentic.journal") is not authenticated" "$out"
cmp -s "$journal.damaged" "$WINEPREFIX/damaged.journal" && pass "the damaged journal is kept beside it, byte for byte" \
  || fail "no byte-exact copy of the damaged journal at $journal.damaged"
rm -f "$journal.damaged"
check_contains "wsbkit repair reports the restart" "gave back LedgerSvc: start type restored, started again" "$out"
wait_state RUNNING && pass "wsbkit repair brought LedgerSvc back" || fail "not RUNNING after repair: $(service_state)"
[ "$(start_type)" = AUTO_START ] && pass "and restored its start type" || fail "start type after repair: $(start_type)"
out=$(wsbkit repair)
check_contains "repair again: nothing to do" "nothing to do" "$out"

# 4. A run step that hangs with a grandchild: killed at its 3 s timeout with the whole tree;
#    PreRestore fails and gives the stopped service back.
cat > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}" },
  "restore": {
    "pre": [
      { "service.stop": { "service": "LedgerSvc" } },
      { "run": { "executable": "C:\\svc\\ledgerctl.exe", "arguments": ["spawn-sleeper", "60000", "C:\\svc\\grandchild.pid"] },
        "timeout": "3s" }
    ]
  }
}
JSON
rm -f "$WINEPREFIX/drive_c/svc/grandchild.pid"
started=$(date +%s%N)
check_exit 6 "simulate: PreRestore fails when the run step times out" \
  wsbkit simulate --yes Ledger --restore-only --component LedgerDB --calls order,pre
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "PreRestore with a hung step took ${elapsed_ms} ms (3 s timeout + activation)"
wait_state RUNNING && pass "the stopped service was given back after the failed step" || fail "state: $(service_state)"
if [ -s "$WINEPREFIX/drive_c/svc/grandchild.pid" ]; then
  pass "the hung step had started its grandchild"
else
  fail "no grandchild pid file: the step never ran"
fi
[ -z "$(prefix_pids 'ledgerctl.exe')" ] && pass "child and grandchild were killed at the timeout" \
  || fail "processes left: $(prefix_pids 'ledgerctl.exe' | xargs -r ps -o pid,args -p)"
log_dir="$WINEPREFIX/drive_c/ProgramData/wsbkit/logs"
check_contains "the run log records the timeout" '"timed_out":true' "$(cat "$log_dir"/restore-*.jsonl 2>/dev/null)"

# 4b. A run step whose output no JSON encoder takes as is (not UTF-8, UTF-16LE, 1 MiB): it passes
#     in PreRestore and fails in PostRestore, then fails in PreRestore. Each time the method answers
#     (no E_UNEXPECTED), the service comes back, and every run log line parses as JSON.
cat > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}" },
  "restore": {
    "pre":  [{ "service.stop": { "service": "LedgerSvc" } },
             { "run": { "executable": "C:\\svc\\ledgerctl.exe", "arguments": ["noise", "0"] }, "when": { "no_roll_forward": false } },
             { "run": { "executable": "C:\\svc\\ledgerctl.exe", "arguments": ["noise", "1"] }, "when": { "no_roll_forward": true } }],
    "post": [{ "run": { "executable": "C:\\svc\\ledgerctl.exe", "arguments": ["noise", "3"] } },
             { "service.start": { "service": "LedgerSvc" } }]
  }
}
JSON
rm -f "$log_dir"/restore-*.jsonl
simulate_open Ledger --restore-only --component LedgerDB --calls order,pre > "$WINEPREFIX/step4b.out"
out=$(cat "$WINEPREFIX/step4b.out")
check_contains "PreRestore with a noisy step that passes -> S_OK" 'PreRestore(component="LedgerDB"' "$out"
check_not_contains "no E_UNEXPECTED from PreRestore" "E_UNEXPECTED" "$out"
[ "$(service_state)" = STOPPED ] && pass "PreRestore stopped LedgerSvc" || fail "state after the noisy PreRestore: $(service_state)" "$out"
out=$(wsbkit simulate --yes Ledger --restore-only --component LedgerDB --calls post 2>&1)
check_contains "PostRestore with a noisy step that fails -> WSBAPP_E_COMPONENT_POST_RESTORE_FAILED" \
  "WSBAPP_E_COMPONENT_POST_RESTORE_FAILED" "$out"
check_not_contains "no E_UNEXPECTED from PostRestore" "E_UNEXPECTED" "$out"
wait_state RUNNING && pass "the failed PostRestore gave LedgerSvc back" || fail "not RUNNING after the noisy PostRestore: $(service_state)" "$out"
out=$(wsbkit simulate --yes Ledger --restore-only --component LedgerDB --calls order,pre --no-roll-forward 2>&1)
check_contains "PreRestore with a noisy step that fails -> WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED" \
  "WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED" "$out"
wait_state RUNNING && pass "the failed PreRestore gave LedgerSvc back" || fail "not RUNNING after the noisy PreRestore: $(service_state)" "$out"
json_check=$(python3 - "$log_dir" <<'PY' 2>&1
import glob, json, sys
lines = outputs = 0
for path in sorted(glob.glob(sys.argv[1] + "/restore-*.jsonl")):
    for line in open(path, encoding="utf-8"):
        record = json.loads(line)
        lines += 1
        if "output" in record:
            outputs += 1
            assert len(line) < 20000, "an output of %d characters" % len(line)
            assert "bytes cut" in record["output"], "1 MiB kept whole"
            assert "Fehler: Gr\u00f6\u00dfe falsch" in record["output"], "UTF-16 not shown as text"
print("%d lines, %d with output" % (lines, outputs))
PY
)
echo "run log: $json_check"
check_contains "every restore run log line is JSON (python json.loads), outputs cut and decoded" "3 with output" "$json_check"

# 5. An invalid policy: PreRestore refuses (nothing stopped), exit 6 from simulate.
printf '{ "restore": { "pre": [ { "service.stop": { "service": "LedgerSvc" }, "timeout": 30 } ] } }' \
  > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json"
check_exit 3 "wsbkit validate refuses a bare-number timeout" wsbkit validate "$policy"
check_exit 6 "simulate: PreRestore refused with the unusable policy" \
  wsbkit simulate --yes Ledger --restore-only "${components[@]}" --calls order,pre
[ "$(service_state)" = RUNNING ] && pass "nothing was stopped under the unusable policy" || fail "state: $(service_state)"

# 6. Planted journals naming a real, unrelated service (OtherSvc: stopped, demand start). A user who
#    can write the state folder (not on Windows: the folder's DACL; Wine enforces none) forges one
#    with CRC-only lines, or edits an authentic one to owe OtherSvc. Activation (a new add-in
#    process), PreRestore and `wsbkit repair` each refuse the forged one (CRC-only or CRC-valid lines
#    were accepted before the journal was authenticated); the edited one is used only up to its first
#    edited record. Either way OtherSvc is never started nor its start type changed, PreRestore stops
#    nothing, and the journal is kept as evidence, byte for byte.
check "create an unrelated service (OtherSvc, demand start, stopped)" \
  wine sc create OtherSvc binPath= 'C:\svc\ledger-svc.exe' start= demand
other_state() { wine_run sc query OtherSvc | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' | head -n1; }
other_start() { wine_run reg query 'HKLM\System\CurrentControlSet\Services\OtherSvc' /v Start | sed -n 's/.*REG_DWORD *0x\([0-9a-f]*\).*/\1/p'; }
printf '%s\n' '1484a392	{"t":"session","id":"x","started_ms":0,"components":null}' \
  '1b16cc24	{"disabled":true,"service":"OtherSvc","start_type":"automatic","state":"running","t":"owe","with":"OtherSvc"}' \
  > "$WINEPREFIX/forged.journal"
sed 's/LedgerSvc/OtherSvc/g' "$WINEPREFIX/authentic.journal" > "$WINEPREFIX/edited.journal"
if cmp -s "$WINEPREFIX/authentic.journal" "$WINEPREFIX/edited.journal"; then
  fail "the captured authentic journal names no LedgerSvc to edit" "$(cat "$WINEPREFIX/authentic.journal")"
fi
cat > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}" },
  "restore": {
    "pre":  [{ "service.stop":  { "service": "LedgerSvc" }, "timeout": "20s" }],
    "post": [{ "service.start": { "service": "LedgerSvc" }, "timeout": "20s" }]
  }
}
JSON
# The forged journal (no line authenticated) is refused whole:
for kind in forged; do
  cp "$WINEPREFIX/$kind.journal" "$journal"
  out=$(wsbkit simulate --yes Ledger --restore-only --component LedgerDB --calls order,pre 2>&1)
  check_contains "[$kind] PreRestore in a new add-in process refuses the journal" \
    "WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED" "$out"
  [ "$(service_state)" = RUNNING ] && pass "[$kind] PreRestore stopped nothing (LedgerSvc RUNNING)" \
    || fail "[$kind] LedgerSvc after the refused PreRestore: $(service_state)" "$out"
  out=$(wsbkit repair 2>&1); rc=$?
  [ "$rc" -eq 1 ] && pass "[$kind] repair exits 1" || fail "[$kind] repair exit $rc, want 1" "$out"
  check_contains "[$kind] repair says why: not authenticated" "not authenticated" "$out"
  check_contains "[$kind] repair says the session was not completed" "NOT completed" "$out"
  [ "$(other_state)" = STOPPED ] && pass "[$kind] OtherSvc was never started" || fail "[$kind] OtherSvc: $(other_state)"
  [ "$(other_start)" = 3 ] && pass "[$kind] OtherSvc keeps its demand start type" || fail "[$kind] OtherSvc start: $(other_start)"
  cmp -s "$WINEPREFIX/$kind.journal" "$journal" && pass "[$kind] the journal is kept as it was, byte for byte" \
    || fail "[$kind] the planted journal was rewritten or removed"
done
rm -f "$journal"
out=$(wsbkit repair 2>&1)
check_contains "with the planted journal removed, repair has nothing to do" "nothing to do" "$out"
# The edited one (authenticated up to the first record naming OtherSvc) is used up to that record
# only (issue 10): repair acts on nothing past it, OtherSvc is never started nor its start type
# changed, and the edited journal is kept beside it as evidence.
cp "$WINEPREFIX/edited.journal" "$journal"
out=$(wsbkit repair 2>&1)
check_contains "[edited] repair says the journal was damaged" "the journal was damaged (line " "$out"
[ "$(other_state)" = STOPPED ] && pass "[edited] OtherSvc was never started" || fail "[edited] OtherSvc: $(other_state)" "$out"
[ "$(other_start)" = 3 ] && pass "[edited] OtherSvc keeps its demand start type" || fail "[edited] OtherSvc start: $(other_start)"
[ "$(service_state)" = RUNNING ] && pass "[edited] LedgerSvc untouched (RUNNING)" || fail "[edited] LedgerSvc: $(service_state)"
cmp -s "$WINEPREFIX/edited.journal" "$journal.damaged" && pass "[edited] the edited journal is kept beside it, byte for byte" \
  || fail "[edited] no byte-exact copy at $journal.damaged"
rm -f "$journal" "$journal.damaged"
wine sc delete OtherSvc >/dev/null 2>&1

# 7. WSB's undocumented restore variations, through the simulator out of process (README, "WSB's
#    restore sequence: documented and assumed"): LedgerSvc stays stopped while any component is
#    between its PreRestore and its PostRestore, whatever the order; "" and NULL logical paths are
#    the same component; a repeated OrderComponents gives nothing back mid-restore; a session WSB
#    never finishes is given back by the add-in process itself at restore.max_duration, which then exits.
ledger_policy() {  # MAX_DURATION
  cat > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json" <<JSON
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Ledger" },
  "components": { "db": { "name": "LedgerDB" }, "logs": { "name": "LedgerLogs" } },
  "restore": {
    "order": ["db", "logs"], "max_duration": "$1",
    "pre":  [{ "service.stop":  { "service": "LedgerSvc", "disable_during_restore": true }, "timeout": "20s" }],
    "post": [{ "service.start": { "service": "LedgerSvc" }, "timeout": "20s" }]
  }
}
JSON
}
ended() {  # LABEL: the session is over: LedgerSvc running and automatic, no journal
  wait_state RUNNING && pass "$1: LedgerSvc RUNNING" || fail "$1: LedgerSvc $(service_state)"
  [ "$(start_type)" = AUTO_START ] && pass "$1: start type automatic" || fail "$1: start type $(start_type)"
  [ ! -e "$journal" ] && pass "$1: no journal left" || fail "$1: the journal is still there" "$(cut -f2 "$journal")"
}
held() {  # LABEL: mid-restore: LedgerSvc stopped and disabled
  [ "$(service_state)" = STOPPED ] && pass "$1: LedgerSvc still STOPPED" || fail "$1: LedgerSvc $(service_state)"
  [ "$(start_type)" = DISABLED ] && pass "$1: still disabled" || fail "$1: start type $(start_type)"
}
wait_no_addin() {  # up to 10 s
  for _ in $(seq 1 100); do [ -z "$(prefix_pids 'wsbkit-addin.exe')" ] && return 0; sleep 0.1; done
  return 1
}
ledger_policy 2m
wait_no_addin || fail "an add-in process from an earlier case is still running"

# 7a. Input order (LedgerLogs, LedgerDB) although the add-in returned LedgerDB first, every
#     PreRestore first: LedgerLogs' PostRestore (the last of the returned order) gives nothing back.
out=$(simulate_open Ledger --restore-only "${components[@]}" --calls order,pre --restore-order input --pre-all-first)
echo "$out"
check_contains "[input order] OrderComponents returned LedgerDB first" '"LedgerDB", "LedgerLogs" (restoring in the input order)' "$out"
check_contains "[input order] PreRestore of LedgerLogs first" 'PreRestore(component="LedgerLogs", logical_path=NULL, no_roll_forward=FALSE) -> S_OK' "$out"
held "[input order] after both PreRestores"
out=$(simulate_open Ledger --restore-only --component LedgerLogs --calls post)
check_contains "[input order] PostRestore of LedgerLogs -> S_OK" 'PostRestore(component="LedgerLogs"' "$out"
held "[input order] after LedgerLogs' PostRestore (LedgerDB still restoring)"
out=$(simulate_open Ledger --restore-only --component LedgerDB --calls post)
check_contains "[input order] PostRestore of LedgerDB -> S_OK" "1 call(s), 0 rejected" "$out"
ended "[input order] after LedgerDB's PostRestore"
wait_no_addin && pass "[input order] the add-in process exited" || fail "[input order] the add-in process is still running"

# 7b. "" for the missing logical paths in Pre/PostRestore, NULL in OrderComponents (and the other
#     way round): one whole restore ends the session.
for where in restore order; do
  out=$(simulate_open Ledger --restore-only "${components[@]}" --empty-logical-path-in $where --pre-all-first)
  echo "$out"
  check_contains "[\"\" in $where] 6 calls, none rejected" "6 call(s), 0 rejected" "$out"
  [ $where = restore ] && check_contains '["" in restore] PreRestore passes ""' 'logical_path="", no_roll_forward=FALSE) -> S_OK' "$out"
  ended "[\"\" in $where] after the last PostRestore"
  wait_no_addin && pass "[\"\" in $where] the add-in process exited" || fail "[\"\" in $where] the add-in process is still running"
done

# 7c. OrderComponents again after LedgerDB's PreRestore: nothing given back; the restore goes on.
out=$(simulate_open Ledger --restore-only "${components[@]}" --calls order,pre --cancel-after-pre 1)
check_contains "[repeated order] PreRestore of LedgerDB only" "(cancel)(after 1 PreRestore(s))" "$out"
held "[repeated order] after LedgerDB's PreRestore"
out=$(simulate_open Ledger --restore-only "${components[@]}" --calls order)
check_contains "[repeated order] OrderComponents again -> S_OK" 'OrderComponents(2 components) -> S_OK' "$out"
held "[repeated order] after the second OrderComponents"
out=$(simulate_open Ledger --restore-only --component LedgerLogs --calls pre)
out=$(simulate_open Ledger --restore-only "${components[@]}" --calls post)
check_contains "[repeated order] both PostRestores -> S_OK" "2 call(s), 0 rejected" "$out"
ended "[repeated order] after the last PostRestore"
wait_no_addin && pass "[repeated order] the add-in process exited" || fail "[repeated order] the add-in process is still running"

# 7d. Cancelled after LedgerDB's PreRestore (its PostRestore made): nothing given back while
#     LedgerLogs is still due; the restore going on with it ends the session.
out=$(simulate_open Ledger --restore-only "${components[@]}" --cancel-after-pre 1)
echo "$out"
check_contains "[cancel] PreRestore and PostRestore of LedgerDB, then the cancel" "(cancel)(after 1 PreRestore(s))" "$out"
check_not_contains "[cancel] no call rejected" "<-- WSB would reject" "$out"
held "[cancel] after the cancel"
out=$(simulate_open Ledger --restore-only --component LedgerLogs --calls pre,post)
check_contains "[cancel] LedgerLogs restored after all -> S_OK" "2 call(s), 0 rejected" "$out"
ended "[cancel] after LedgerLogs' PostRestore"
wait_no_addin && pass "[cancel] the add-in process exited" || fail "[cancel] the add-in process is still running"

# 7e. LedgerDB's file restore fails and its PostRestore is skipped: WSB never finishes the session.
#     The add-in process holding it gives back at max_duration (1 m, the least a policy may say;
#     the periodic check alone would come up to a minute later) and exits.
ledger_policy 1m
started=$(date +%s)
out=$(simulate_open Ledger --restore-only "${components[@]}" --pre-all-first --fail-restore LedgerDB --skip-post-after-failure)
echo "$out"
check_contains "[skipped PostRestore] LedgerDB's file restore failed" '(file restore)(component="LedgerDB") -> E_FAIL, failed; its PostRestore is skipped' "$out"
check_not_contains "[skipped PostRestore] no call rejected" "<-- WSB would reject" "$out"
check_not_contains "[skipped PostRestore] no PostRestore of LedgerDB" 'PostRestore(component="LedgerDB"' "$out"
held "[skipped PostRestore] after LedgerLogs' PostRestore"
for _ in $(seq 1 900); do [ "$(service_state)" = RUNNING ] && break; sleep 0.1; done
given=$(( $(date +%s) - started ))
echo "[skipped PostRestore] given back ${given} s after OrderComponents (max_duration 60 s)"
[ "$given" -ge 58 ] && [ "$given" -le 85 ] && pass "[skipped PostRestore] given back by the add-in at max_duration" \
  || fail "[skipped PostRestore] given back after ${given} s, not at max_duration (60 s)"
ended "[skipped PostRestore] after max_duration"
wait_no_addin && pass "[skipped PostRestore] the add-in process exited after giving back" \
  || fail "[skipped PostRestore] the add-in process is still running"

check "unregister" wsbkit unregister --writer "$writer"
wine sc stop LedgerSvc >/dev/null 2>&1; wine sc delete LedgerSvc >/dev/null 2>&1
finish
