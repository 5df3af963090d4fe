#!/usr/bin/env bash
# Concurrent restore calls across processes on the real Win32 backends, under Wine, in a fresh
# prefix, for each hosting of the add-in (LocalServer32, then LocalService):
#  1. two client processes at once (tests/wine/concurrent_client.cpp), 8 threads each, 24 mixed
#     calls per thread (OrderComponents, PreRestore/PostRestore of DB and Logs) on one activated
#     add-in, under a policy whose steps always succeed (stop + disable the Ledger service, start
#     it again): every answer is S_OK and OrderComponents gives the policy's order, as the same
#     calls made one by one would; then a last PostRestore of DB and of Logs ends whatever session
#     is open (a session ends once every component that had a PreRestore had its PostRestore):
#     the service runs with its original start type, no journal owes anything, no "Access denied"
#     in the run logs or events, no server crash (0x800706BE / 0x800703E6) and no server left;
#  2. `wsbkit repair` during a live session (a client holds it between PreRestore and PostRestore):
#     exit 1, "Left alone", the service still stopped and disabled, the journal unchanged to the
#     byte; the client then finishes the restore, the service is back, and repair has nothing to do;
#  and after each storm the shutdown race: a client activating, calling and releasing in a loop
#  (activations landing on a server that is stopping): every call answered, no crash, no server left.
# Args: CONCURRENT_CLIENT_EXE TEST_SERVICE_EXE
. "$(dirname "$0")/lib.sh"
client_exe=$1
service_exe=$2

fresh_prefix concurrency
install_dir="$WINEPREFIX/drive_c/wsbkit"
work="$WINEPREFIX/drive_c/conc"   # C:\conc: the clients' output and the hold test's signal files
mkdir -p "$install_dir" "$work" "$WINEPREFIX/drive_c/svc" "$WINEPREFIX/drive_c/ProgramData/Ledger"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
cp "$client_exe" "$install_dir/concurrent-client.exe"
cp "$service_exe" "$WINEPREFIX/drive_c/svc/ledger-svc.exe"
wsbkit() { wine_run "$install_dir/wsbkit.exe" "$@"; }
writer='{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
clsid='{6E1F0A2B-3C4D-4E5F-8A9B-0C1D2E3F4A5B}'
# The add-in's events go nowhere under Wine unless its eventlog channel is on: then Wine prints
# them on the add-in's stderr, which (LocalServer32) is the client's that started it.
client() { WINEDEBUG=-all,+eventlog wine_watched wine "$install_dir/concurrent-client.exe" --clsid "$clsid" "$@" 2>&1 | tr -d '\r'; return "${PIPESTATUS[0]}"; }

service_state() { wine_run sc query LedgerSvc | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' | head -n1; }
# Wine's sc has no `qc`: read the start type where the SCM keeps it (2 automatic, 3 manual, 4 disabled).
start_type() {
  case $(wine_run reg query 'HKLM\System\CurrentControlSet\Services\LedgerSvc' /v Start | sed -n 's/.*REG_DWORD *0x\([0-9a-f]*\).*/\1/p') in
    2) echo AUTO_START ;; 3) echo DEMAND_START ;; 4) echo DISABLED ;; *) echo unknown ;;
  esac
}
wait_state() { for _ in $(seq 1 100); do [ "$(service_state)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
# Journals and logs wherever the add-in's %ProgramData% is (a service's is not the user's under Wine).
journals() { find "$WINEPREFIX/drive_c" -path '*wsbkit/sessions/*.journal' 2>/dev/null; }
run_logs() { find "$WINEPREFIX/drive_c" -path '*wsbkit/logs/restore-*.jsonl' -exec cat {} + 2>/dev/null; }
addin_pids() { prefix_pids 'wsbkit-addin.exe'; }
wait_no_addin() {  # [SECONDS]: up to 10 s unless told
  for _ in $(seq 1 $(( ${1:-10} * 10 ))); do [ -z "$(addin_pids)" ] && return 0; sleep 0.1; done
  return 1
}

check "create the Ledger service (auto start)" wine sc create LedgerSvc binPath= 'C:\svc\ledger-svc.exe' start= auto
check "start it" wine sc start LedgerSvc
wait_state RUNNING && pass "LedgerSvc is RUNNING" || fail "LedgerSvc not RUNNING" "$(wine_run sc query LedgerSvc)"
cat > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Ledger" },
  "components": { "db": { "name": "DB" }, "logs": { "name": "Logs" } },
  "restore": {
    "order": ["db", "logs"],
    "pre":  [{ "service.stop":  { "service": "LedgerSvc", "disable_during_restore": true }, "timeout": "20s" }],
    "post": [{ "service.start": { "service": "LedgerSvc" }, "timeout": "20s", "retries": 2, "retry_delay": "250ms" }]
  }
}
JSON
# The start step retries: under load Wine's services.exe has answered StartServiceW with 1359
# (ERROR_INTERNAL_ERROR), twice in full runs; retries are what an administrator gives a start that
# can fail transiently, and this test is about concurrent calls, not about Wine's SCM. A failed
# attempt for that reason alone is allowed in the run logs below; any other is a failure.
register=(register --writer "$writer" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' --clsid "$clsid"
          --policy 'C:\ProgramData\Ledger\policy.json')

# The shutdown race: a client activates, makes a whole restore (OrderComponents opens the session,
# the last PostRestore ends it, and with it the add-in's hold on itself) and releases, in a loop:
# each release is the server's last, so the next activation lands on a server that is shutting
# down (or on a new one). Every object the client gets answers as one by one (an activation told
# CO_E_SERVER_STOPPING while the server stops is tried again, as Windows' COM does); the server
# never dies under a call; servers really stopped and started during the loop; none is left.
# (Output to a file: an add-in the client started inherits it.)
churn() {
  local hosting=$1 rounds=$2 out rc started
  started=$(date +%s%N)
  WINEDEBUG=-all wine "$install_dir/concurrent-client.exe" --clsid "$clsid" --threads 0 --rounds "$rounds" \
    order pre:DB post:DB pre:Logs post:Logs > "$work/churn.out" 2>&1 & local c=$!
  # Every add-in process seen during the loop: more than one means servers stopped and new ones
  # were activated while the loop went on (the race was run, not only the calls).
  : > "$work/churn.pids"
  while kill -0 $c 2>/dev/null; do addin_pids >> "$work/churn.pids"; sleep 0.05; done &
  local sampler=$!
  wait $c; rc=$?
  wait $sampler
  out=$(tr -d '\r' < "$work/churn.out")
  local servers
  servers=$(sort -u "$work/churn.pids" | wc -l)
  echo "[$hosting] churn: $rounds activations in $(( ($(date +%s%N) - started) / 1000000 )) ms, $servers add-in processes"
  grep '^rounds ' <<< "$out" | sed "s/^/  [$hosting churn] /"
  [ $rc -eq 0 ] && pass "[$hosting] churn: every activation and call answered as one by one (exit 0)" \
    || fail "[$hosting] churn client exit $rc" "$(tail -n 20 <<< "$out")"
  check_contains "[$hosting] churn: $(( rounds * 5 )) calls, 0 failures" "calls $(( rounds * 5 )) failures 0" "$out"
  [ "$servers" -ge 2 ] && pass "[$hosting] churn: servers stopped and were activated again during the loop" \
    || fail "[$hosting] churn: only $servers add-in process(es) seen: no shutdown was raced"
  check_not_contains "[$hosting] churn: no call failed on a dying server (RPC_S_CALL_FAILED)" "0x800706BE" "$out"
  check_not_contains "[$hosting] churn: nor on a vanished one (0x800703E6)" "0x800703E6" "$out"
  check_not_contains "[$hosting] churn: no unhandled exception" "Unhandled exception" "$out"
  wait_state RUNNING && pass "[$hosting] churn: LedgerSvc RUNNING at the end" || fail "[$hosting] churn: LedgerSvc $(service_state)"
  local left
  left=$(journals)
  [ -z "$left" ] && pass "[$hosting] churn: no session left open" || fail "[$hosting] churn: journal left" "$(for j in $left; do echo "$j:"; cat "$j"; done)"
}

# 1. Two clients x 8 threads x 24 calls at once, then the last PostRestores.
storm() {
  local hosting=$1
  find "$WINEPREFIX/drive_c" -path '*wsbkit/logs/restore-*.jsonl' -delete 2>/dev/null
  local started out1 out2 rc1 rc2 out rc
  # One add-in process serves every client, as on Windows, where the SCM starts a local server
  # once and makes later activations wait for its class object. Wine's COM has each client that
  # finds no server start one of its own: a third client holds the add-in first, and makes the
  # last PostRestores once both are done. (It started the add-in, so under LocalServer32 the
  # add-in's stderr, where its events go, is this client's: it ends when the add-in does.)
  rm -f "$work/warm" "$work/release"
  client --threads 0 'signal:C:\conc\warm' 'wait:C:\conc\release' post:DB post:Logs > "$work/warm.out" & local warm=$!
  for _ in $(seq 1 300); do [ -e "$work/warm" ] && break; sleep 0.1; done
  [ -e "$work/warm" ] && pass "[$hosting] the add-in is activated and held" || fail "[$hosting] no activation" "$(cat "$work/warm.out")"
  started=$(date +%s%N)
  client --seed 1 > "$work/client1.out" & local c1=$!
  client --seed 2 > "$work/client2.out" & local c2=$!
  sleep 2
  local servers
  servers=$(addin_pids | wc -l)
  [ "$servers" -eq 1 ] && pass "[$hosting] one add-in process serves both clients" || fail "[$hosting] $servers add-in processes"
  wait $c1; rc1=$?
  wait $c2; rc2=$?
  touch "$work/release"
  wait $warm; rc=$?
  echo "[$hosting] two clients took $(( ($(date +%s%N) - started) / 1000000 )) ms"
  out1=$(cat "$work/client1.out"); out2=$(cat "$work/client2.out")
  printf '%s\n' "$out1" | sed "s/^/  [$hosting client 1] /" | grep -v ':eventlog:' | tail -n 5
  printf '%s\n' "$out2" | sed "s/^/  [$hosting client 2] /" | grep -v ':eventlog:' | tail -n 5
  [ $rc1 -eq 0 ] && pass "[$hosting] client 1: every answer as one by one (exit 0)" || fail "[$hosting] client 1 exit $rc1" "$(grep -v ':eventlog:' <<< "$out1" | tail -n 20)"
  [ $rc2 -eq 0 ] && pass "[$hosting] client 2: every answer as one by one (exit 0)" || fail "[$hosting] client 2 exit $rc2" "$(grep -v ':eventlog:' <<< "$out2" | tail -n 20)"
  check_contains "[$hosting] client 1 made 192 calls, 0 failures" "calls 192 failures 0" "$out1"
  check_contains "[$hosting] client 2 made 192 calls, 0 failures" "calls 192 failures 0" "$out2"
  out=$(cat "$work/warm.out")
  [ $rc -eq 0 ] && pass "[$hosting] the last PostRestore(DB), PostRestore(Logs) -> S_OK" || fail "[$hosting] last PostRestores (exit $rc)" "$(grep -v ':eventlog:' <<< "$out")"
  check_contains "[$hosting] (2 calls, 0 failures)" "calls 2 failures 0" "$out"
  wait_state RUNNING && pass "[$hosting] LedgerSvc RUNNING after the restore" || fail "[$hosting] LedgerSvc $(service_state)"
  [ "$(start_type)" = AUTO_START ] && pass "[$hosting] with its start type (automatic)" || fail "[$hosting] start type $(start_type)"
  local left
  left=$(journals)
  [ -z "$left" ] && pass "[$hosting] no journal left" || fail "[$hosting] journal left" "$(for j in $left; do echo "$j:"; cat "$j"; done)"
  local all
  all="$out1
$out2
$out"
  local events
  events=$(grep -c ':eventlog:' <<< "$all")
  if [ "$events" -gt 0 ]; then
    pass "[$hosting] the add-in's events are visible ($events)"
    check_not_contains "[$hosting] no 'Access denied' in the events" "Access denied" "$all"
    check_not_contains "[$hosting] no 'Access is denied' in the events" "Access is denied" "$all"
    # One error is Wine's, not wsbkit's: under a loaded machine Wine's SCM has answered StartServiceW
    # with 1359 (ERROR_INTERNAL_ERROR, seen once in a full run). The add-in's answer to it is the
    # one this test wants (the owe is kept by the new session and settled later: the checks on the
    # service and the journals above and below prove it), so that event alone is allowed.
    local errors
    errors=$(grep -F ':err:eventlog:' <<< "$all" | grep -vF 'it stays owed by the new session: StartServiceW(LedgerSvc): error 1359')
    [ -z "$errors" ] && pass "[$hosting] no error event (but Wine's StartServiceW 1359, kept owed)" \
      || fail "[$hosting] error events" "$errors"
    check_not_contains "[$hosting] no warning event" ":warn:eventlog:" "$all"
  elif [ "$hosting" = LocalServer32 ]; then
    fail "[$hosting] the add-in's events did not reach its client's stderr"
  else  # a service's stderr is services.exe's, which the test does not see
    echo "[$hosting] note: the add-in's events are not visible to the test (the service's stderr)"
  fi
  check_not_contains "[$hosting] no 'Access is denied' in the run logs" "Access is denied" "$(run_logs)"
  local failed_steps
  failed_steps=$(grep -F '"result":"failed"' <<< "$(run_logs)" | grep -vF 'StartServiceW(LedgerSvc): error 1359')
  [ -z "$failed_steps" ] && pass "[$hosting] no failed step in the run logs (but Wine's StartServiceW 1359, retried)" \
    || fail "[$hosting] failed steps in the run logs" "$failed_steps"
  check_not_contains "[$hosting] the server never died under a call (RPC_S_CALL_FAILED)" "0x800706BE" "$all"
  check_not_contains "[$hosting] nor vanished (0x800703E6)" "0x800703E6" "$all"
  check_not_contains "[$hosting] no unhandled exception" "Unhandled exception" "$all"
  echo "[$hosting] steps run: $(run_logs | grep -c '"result":"ok"') ok"
}

check "register the add-in (LocalServer32)" wsbkit "${register[@]}"
storm LocalServer32
wait_no_addin && pass "[LocalServer32] the add-in exits once released" || fail "[LocalServer32] add-in still running: $(addin_pids)"
churn LocalServer32 12
wait_no_addin && pass "[LocalServer32] no add-in process left after the churn" || fail "[LocalServer32] add-in still running: $(addin_pids)"

# 2. repair during a live session (LocalServer32).
rm -f "$work/held" "$work/go"
client --threads 0 order pre:DB 'signal:C:\conc\held' 'wait:C:\conc\go' post:DB post:Logs > "$work/hold.out" &
holder=$!
for _ in $(seq 1 300); do [ -e "$work/held" ] && break; sleep 0.1; done
[ -e "$work/held" ] && pass "a client holds a session between PreRestore(DB) and PostRestore" || fail "the holding client never got there" "$(cat "$work/hold.out")"
[ "$(service_state)" = STOPPED ] && pass "LedgerSvc STOPPED during the session" || fail "LedgerSvc $(service_state) during the session"
[ "$(start_type)" = DISABLED ] && pass "and DISABLED" || fail "start type $(start_type) during the session"
journal=$(journals)
[ -n "$journal" ] && cp "$journal" "$work/journal.before"
out=$(wsbkit repair); rc=$?
echo "$out"
[ $rc -eq 1 ] && pass "repair during the live session exits 1" || fail "repair during the live session exit $rc" "$out"
check_contains "repair says it left the session alone" "Left alone" "$out"
[ "$(service_state)" = STOPPED ] && pass "LedgerSvc still STOPPED after repair" || fail "LedgerSvc $(service_state) after repair"
[ "$(start_type)" = DISABLED ] && pass "and still DISABLED" || fail "start type $(start_type) after repair"
if [ -n "$journal" ] && cmp -s "$journal" "$work/journal.before"; then pass "the journal is unchanged to the byte"
else fail "the journal changed (or was never there)" "$(cat "$journal" 2>/dev/null)"; fi
touch "$work/go"
wait $holder; rc=$?
out=$(cat "$work/hold.out")
[ $rc -eq 0 ] && pass "the client finished the restore: every answer S_OK" || fail "holding client exit $rc" "$out"
check_contains "the holding client made its 4 calls, 0 failures" "calls 4 failures 0" "$out"
wait_state RUNNING && pass "LedgerSvc RUNNING after the last PostRestore" || fail "LedgerSvc $(service_state)"
[ "$(start_type)" = AUTO_START ] && pass "with its start type (automatic)" || fail "start type $(start_type)"
out=$(wsbkit repair); rc=$?
[ $rc -eq 0 ] && pass "repair after the session exits 0" || fail "repair after the session exit $rc" "$out"
check_contains "and has nothing to do" "nothing to do" "$out"
wait_no_addin || true

# 3. The same storm with the add-in hosted as a Windows service.
check "register the add-in (LocalService)" wsbkit "${register[@]}" --hosting LocalService
storm LocalService
wait_no_addin && pass "[LocalService] the add-in service stops once released" || fail "[LocalService] add-in still running: $(addin_pids)"
churn LocalService 8
wait_no_addin && pass "[LocalService] the add-in service stopped after the churn" || fail "[LocalService] add-in still running: $(addin_pids)"

check "unregister" wsbkit unregister --writer "$writer"
wine sc stop LedgerSvc >/dev/null 2>&1; wine sc delete LedgerSvc >/dev/null 2>&1
finish
