#!/usr/bin/env bash
# Failures through the sample application (src/sample/: Contoso Ledger, its policy as shipped),
# with the real `wsbkit.exe simulate` against the registered add-in under Wine:
#  1. LedgerSvc fails to start (ledger-svc.exe --fail-start, set in its command line as `sc config`):
#     PostRestore fails with the reason in the timeline, exit 6, the session stays open naming
#     `wsbkit repair`, which gives both services back once the service can start again.
#  2. LedgerSvc's stop hangs (--hang-stop): the policy's 30 s timeout fires, PreRestore fails with
#     the reason in the timeline, exit 6, and nothing that was running is left stopped or disabled
#     (LedgerHelperSvc, stopped by the step before, is started again).
# Args: LEDGER_SVC_EXE LEDGER_POLICY SERVICE_CONFIG_EXE (`sc config binPath=`: Wine 8's sc has no config)
. "$(dirname "$0")/lib.sh"
ledger_svc=$1
policy=$2
service_config=$3

fresh_prefix sample-faults
c="$WINEPREFIX/drive_c"
install_dir="$c/wsbkit"
mkdir -p "$install_dir" "$c/Contoso" "$c/ProgramData/Contoso" "$c/Ledger/data" "$c/Ledger/journal"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
cp "$ledger_svc" "$c/Contoso/ledger-svc.exe"
cp "$policy" "$c/ProgramData/Contoso/ledger-policy.json"
wsbkit() { wine_run "$install_dir/wsbkit.exe" "$@"; }
field() { python3 -c "import json,sys; doc=json.loads(sys.stdin.read()); print($1)" <<< "$2" 2>&1; }
# simulate ARGS...: a restore of LedgerDB, its JSON timeline in $out, its exit code in $rc. (A run
# may leave a session, and so the add-in, alive: the output goes to a file, never to a pipe.)
simulate() {
  wine_watched wine "$install_dir/wsbkit.exe" simulate "Contoso Ledger" --yes --restore-only -c 'LedgerDB=Contoso\Ledger' --json "$@" \
    > "$WINEPREFIX/simulate.out" 2> "$WINEPREFIX/simulate.err"
  rc=$?
  out=$(tr -d '\r' < "$WINEPREFIX/simulate.out")
}
both_running() { [ "$(service_state LedgerSvc)" = RUNNING ] && [ "$(service_state LedgerHelperSvc)" = RUNNING ]; }
wait_both_running() { for _ in $(seq 1 100); do both_running && return 0; sleep 0.1; done; return 1; }
ledger_bin='C:\Contoso\ledger-svc.exe --listen 47110'

check "create LedgerSvc" wine sc create LedgerSvc binPath= "$ledger_bin" start= auto
check "create LedgerHelperSvc" wine sc create LedgerHelperSvc binPath= 'C:\Contoso\ledger-svc.exe' start= auto depend= LedgerSvc
# Wine 8's `sc create depend=` drops the list's final NUL (scripts/demo.sh): written again as Windows keeps it.
wine reg add 'HKLM\System\CurrentControlSet\Services\LedgerHelperSvc' /v DependOnService /t REG_MULTI_SZ /d LedgerSvc /f >/dev/null 2>&1
wine sc start LedgerSvc >/dev/null 2>&1; wine sc start LedgerHelperSvc >/dev/null 2>&1
wait_both_running && pass "both services running" || fail "services: LedgerSvc $(service_state LedgerSvc), helper $(service_state LedgerHelperSvc)"
for i in 1 2 3; do printf 'ledger %s\n' "$i" > "$c/Ledger/data/ledger$i.ldb"; done
printf 'journal 1\n' > "$c/Ledger/journal/0001.jnl"
(cd "$c/Ledger" && xxhsum -H2 data/*.ldb > MANIFEST.xxh128)
check "register the sample with its policy" wsbkit register --writer '{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}' \
  --identifier "Contoso Ledger" --addin 'C:\wsbkit\wsbkit-addin.exe' --policy 'C:\ProgramData\Contoso\ledger-policy.json'

sc_config_binpath() { wine "$service_config" "$@"; }

# --- 1. LedgerSvc fails to start -----------------------------------------------------------------
# The running process keeps its command line; the next start (the restore's PostRestore) runs the new one.
check "sc config LedgerSvc binPath= ... --fail-start 42" sc_config_binpath LedgerSvc "$ledger_bin --fail-start 42"
simulate
[ "$rc" -eq 6 ] && pass "a start that fails: exit 6 (WSB rejects PostRestore)" || fail "fail-start exit $rc" "$out$(cat "$WINEPREFIX/simulate.err")"
[ "$(field '[(x["call"], x["hresult"]) for x in doc["calls"] if x["call"] in ("PreRestore", "PostRestore")]' "$out")" = \
  "[('PreRestore', 'S_OK'), ('PostRestore', 'WSBAPP_E_COMPONENT_POST_RESTORE_FAILED')]" ] \
  && pass "PreRestore S_OK, PostRestore WSBAPP_E_COMPONENT_POST_RESTORE_FAILED" || fail "calls" "$out"
step=$(field '[(s["step"], s["outcome"], s["reason"]) for x in doc["calls"] if x["call"] == "PostRestore" for s in x["steps"] if s["step"] == "restore.post[0]"]' "$out")
check_contains "restore.post[0] (start LedgerSvc) failed" "'restore.post[0]', 'failed'" "$step"
check_contains "the reason: the service stopped while starting" "the service stopped while starting" "$step"
check_contains "with the service's error (1066: service-specific)" "1066" "$step"
check_contains "and the service's own error code (42, from --fail-start 42)" "with its own error code 42" "$step"
check_contains "the session left open is named" "A restore session is still open" "$out"
check_contains "with the repair command" "wsbkit repair" "$out"
[ "$(service_state LedgerSvc)" = STOPPED ] && pass "LedgerSvc stopped (it cannot start)" || fail "LedgerSvc $(service_state LedgerSvc)"
[ "$(start_type_of LedgerSvc)" = AUTO_START ] && pass "LedgerSvc automatic again (not left disabled)" || fail "start type $(start_type_of LedgerSvc)"
# The administrator fixes the service (here: the command line that will now hang on stop, for
# part 2) and gives back what the session owes.
check "sc config LedgerSvc binPath= ... --hang-stop 35" sc_config_binpath LedgerSvc "$ledger_bin --hang-stop 35"
out=$(wsbkit repair)
check_contains "wsbkit repair gives LedgerSvc back" "gave back LedgerSvc" "$out"
wait_both_running && pass "both services running after repair" || fail "LedgerSvc $(service_state LedgerSvc), helper $(service_state LedgerHelperSvc)" "$out"

# --- 2. LedgerSvc's stop hangs -------------------------------------------------------------------
simulate
[ "$rc" -eq 6 ] && pass "a stop that hangs: exit 6 (WSB rejects PreRestore)" || fail "hang-stop exit $rc" "$out$(cat "$WINEPREFIX/simulate.err")"
[ "$(field '[(x["call"], x["hresult"]) for x in doc["calls"] if x["call"] == "PreRestore"]' "$out")" = \
  "[('PreRestore', 'WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED')]" ] && pass "PreRestore WSBAPP_E_COMPONENT_PRE_RESTORE_FAILED" || fail "calls" "$out"
steps=$(field '[(s["step"], s["outcome"], s["reason"]) for x in doc["calls"] if x["call"] == "PreRestore" for s in x["steps"]]' "$out")
check_contains "restore.pre[0] (stop LedgerHelperSvc) ran" "('restore.pre[0]', 'ok'" "$steps"
check_contains "restore.pre[1] (stop LedgerSvc) failed" "('restore.pre[1]', 'failed'" "$steps"
check_contains "the reason: the policy's timeout fired" "not STOPPED after 30s" "$steps"
check_contains "naming LedgerSvc" "LedgerSvc" "$steps"
[ "$(field '[(s["name"], s["state"], s["start_type"]) for s in doc["services_after"]]' "$out")" = \
  "[('LedgerHelperSvc', 'RUNNING', 'AUTO_START'), ('LedgerSvc', 'RUNNING', 'AUTO_START')]" ] \
  && pass "afterwards both running and automatic: nothing left stopped that was running" || fail "services after" "$out"
check_not_contains "no session left open" "A restore session is still open" "$out"

check "unregister" wsbkit unregister --writer '{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
finish   # (the wineserver, and the service whose stop hangs with it, ends with the prefix: wine_down)
