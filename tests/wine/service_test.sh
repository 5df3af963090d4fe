#!/usr/bin/env bash
# The project's test service (tests/contract/win32/test_service.cpp) under Wine, in a fresh prefix:
#  1. with Wine's own `sc`: create, start, query RUNNING, stop, query STOPPED, delete; its marker
#     file names the state, the service and the PID the SCM reports; a service told to fail its
#     start reports the service-specific exit code; one told to ignore STOP hangs in STOP_PENDING;
#  2. through the Win32 ServiceControl backend (tests/wine/service_probe.cpp): two services, one
#     depending on the other: dependencies() and list_services() as single requests; Wine 8's SCM
#     following no dependencies (start starts the dependent alone) and the backend adding nothing;
#     then ServiceOrchestrator on the real backend starting the dependency first and stopping the
#     dependent first; delete.
# Args: TEST_SERVICE_EXE SERVICE_PROBE_EXE
. "$(dirname "$0")/lib.sh"
service_exe=$1
probe_exe=$2

fresh_prefix service
dir="$WINEPREFIX/drive_c/svc"
mkdir -p "$dir"
cp "$service_exe" "$dir/wsbkit-test-service.exe"
cp "$probe_exe" "$dir/service-probe.exe"
svc='C:\svc\wsbkit-test-service.exe'
probe() { wine_run 'C:\svc\service-probe.exe' "$@"; }
sc_state() { wine_run sc query "$1" | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' | head -n1; }
wait_sc_state() {  # NAME STATE: up to 10 s
  for _ in $(seq 1 100); do [ "$(sc_state "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
marker() { tr -d '\r' < "$dir/$1.state" 2>/dev/null; }
marker_pid() { marker "$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p'; }
# marker_not_after A B "description": A's marker was last written no later than B's.
marker_not_after() {
  local a b
  a=$(stat -c %.9Y "$dir/$1.state") b=$(stat -c %.9Y "$dir/$2.state")
  awk -v a="$a" -v b="$b" 'BEGIN { exit !(a <= b) }' && pass "$3" || fail "$3" "$1 at $a, $2 at $b"
}

# --- 1. Wine's sc -------------------------------------------------------------------------------
check "sc create WsbkitAlpha (binPath with --marker)" \
  wine sc create WsbkitAlpha binPath= "$svc --marker C:\\svc\\alpha.state"
check_contains "sc query after create: STOPPED" "STOPPED" "$(wine_run sc query WsbkitAlpha)"
check "sc start WsbkitAlpha" wine sc start WsbkitAlpha
wait_sc_state WsbkitAlpha RUNNING && pass "sc query: RUNNING" || fail "not RUNNING" "$(wine_run sc query WsbkitAlpha)"
check_contains "marker: RUNNING, named after the service" "state=RUNNING" "$(marker alpha)"
check_contains "marker names the service" "service=WsbkitAlpha" "$(marker alpha)"
running_pid=$(marker_pid alpha)
check_contains "the backend reports RUNNING with the marker's PID" "RUNNING $running_pid" "$(probe state WsbkitAlpha)"
check "sc stop WsbkitAlpha" wine sc stop WsbkitAlpha
wait_sc_state WsbkitAlpha STOPPED && pass "sc query: STOPPED" || fail "not STOPPED" "$(wine_run sc query WsbkitAlpha)"
check_contains "marker: STOPPED by the same process" "state=STOPPED pid=$running_pid" "$(marker alpha)"
check "sc delete WsbkitAlpha" wine sc delete WsbkitAlpha
check_contains "the deleted service is gone (ERROR_SERVICE_DOES_NOT_EXIST)" "error 1060" "$(probe state WsbkitAlpha)"

# A start that fails: STOPPED, WIN32_EXIT_CODE 1066 (service-specific), SERVICE_EXIT_CODE 42.
check "sc create WsbkitFails (--fail-start 42)" \
  wine sc create WsbkitFails binPath= "$svc --fail-start 42 --marker C:\\svc\\fails.state"
wine sc start WsbkitFails >/dev/null 2>&1
wait_sc_state WsbkitFails STOPPED && pass "the failing service ends STOPPED" || fail "state" "$(wine_run sc query WsbkitFails)"
q=$(wine_run sc query WsbkitFails)
check_contains "sc query: WIN32_EXIT_CODE 1066" "1066" "$q"
check_contains "sc query: SERVICE_EXIT_CODE 42" "42" "$q"
check_contains "marker: FAILED" "state=FAILED" "$(marker fails)"
check "sc delete WsbkitFails" wine sc delete WsbkitFails

# A stop that hangs: STOP accepted, STOP_PENDING for good (the prefix's wineserver ends it).
check "sc create WsbkitHangs (--ignore-stop)" wine sc create WsbkitHangs binPath= "$svc --ignore-stop"
check "sc start WsbkitHangs" wine sc start WsbkitHangs
wait_sc_state WsbkitHangs RUNNING && pass "the hanging service runs" || fail "state" "$(wine_run sc query WsbkitHangs)"
check "stop requested through the backend" probe stop WsbkitHangs
check_contains "still STOP_PENDING 2 s later" "timeout: WsbkitHangs is STOP_PENDING" "$(probe wait WsbkitHangs STOPPED 2000)"

# --- 2. the Win32 ServiceControl backend: a dependency pair -------------------------------------
check "backend: create WsbkitBase" probe create WsbkitBase "\"$svc\" --marker C:\\svc\\base.state"
check "backend: create WsbkitDependent (depends on WsbkitBase)" \
  probe create WsbkitDependent "\"$svc\" --marker C:\\svc\\dependent.state --stop-delay-ms 200" WsbkitBase
# Wine 8's SCM returns no dependencies from QueryServiceConfigW (so `sc qc` shows none); it keeps
# them in the registry, where the backend reads them.
check_contains "the dependency is stored (DependOnService)" "WsbkitBase" \
  "$(wine_run reg query 'HKLM\System\CurrentControlSet\Services\WsbkitDependent' /v DependOnService)"
out=$(probe dependencies WsbkitDependent | tr -d '\r')
[ "$out" = "WsbkitBase" ] && pass "dependencies(WsbkitDependent) = WsbkitBase" || fail "dependencies(WsbkitDependent)" "$out"
out=$(probe dependencies WsbkitBase | tr -d '\r')
[ -z "$out" ] && pass "WsbkitBase has no dependencies" || fail "dependencies(WsbkitBase)" "$out"
out=$(probe listed WsbkitDependent | tr -d '\r')
[ "$out" = "listed" ] && pass "list_services() names WsbkitDependent" || fail "list_services()" "$out"
# One StartServiceW: Wine 8's SCM starts the dependent alone (Windows' would start WsbkitBase too);
# the backend adds nothing of its own.
check "backend: start WsbkitDependent (a single request)" probe start WsbkitDependent
check "WsbkitDependent RUNNING" probe wait WsbkitDependent RUNNING 10000
check_contains "WsbkitBase was not started by Wine's SCM (measured: it follows no dependencies)" "STOPPED" \
  "$(probe state WsbkitBase)"
check "backend: stop WsbkitDependent" probe stop WsbkitDependent
check "WsbkitDependent STOPPED" probe wait WsbkitDependent STOPPED 10000
# The orchestrator walks the graph itself, so the order holds on Wine's SCM as on Windows'.
check "orchestrator: start-all WsbkitDependent" probe start-all WsbkitDependent
check_contains "WsbkitBase RUNNING (started first, as a dependency)" "RUNNING" "$(probe state WsbkitBase)"
check_contains "WsbkitDependent RUNNING" "RUNNING" "$(probe state WsbkitDependent)"
marker_not_after base dependent "WsbkitBase was RUNNING before WsbkitDependent started (marker times)"
out=$(probe stop-all WsbkitBase | tr -d '\r')
[ "$out" = "$(printf 'WsbkitDependent\nWsbkitBase')" ] && pass "orchestrator: stop-all WsbkitBase takes its running dependent first" \
  || fail "stop-all WsbkitBase" "$out"
check_contains "base marker: STOPPED" "state=STOPPED" "$(marker base)"
check_contains "dependent marker: STOPPED" "state=STOPPED" "$(marker dependent)"
marker_not_after dependent base "WsbkitDependent was STOPPED before WsbkitBase stopped (marker times; its stop takes 200 ms)"
check "backend: delete WsbkitDependent" probe delete WsbkitDependent
check "backend: delete WsbkitBase" probe delete WsbkitBase
check_contains "WsbkitBase is gone" "error 1060" "$(probe state WsbkitBase)"

finish
