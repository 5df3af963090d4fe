# Helpers for the Wine integration tests (sourced). Each check prints one line and is counted;
# the counts go to $WSBKIT_REPORT ("passed failed") for scripts/summarize.py, and the script exits
# non-zero if any check failed.
set -uo pipefail
: "${WSBKIT_BUILD_DIR:?run through meson test}"
: "${WSBKIT_SOURCE_DIR:?run through meson test}"
# shellcheck source=../../scripts/lib/wine.sh
. "$WSBKIT_SOURCE_DIR/scripts/lib/wine.sh"

passed=0
failed=0

finish() {
  echo "$passed passed, $failed failed"
  [ -n "${WSBKIT_REPORT:-}" ] && echo "$passed $failed" > "$WSBKIT_REPORT"
  [ "$failed" -eq 0 ]
}

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /'; }

# check "description" command...: passes when the command succeeds.
check() {
  local what=$1; shift
  local output
  if output=$("$@" 2>&1); then pass "$what"; else fail "$what" "$output"; fi
}

# check_exit CODE "description" command...: passes when the command exits with CODE.
check_exit() {
  local want=$1 what=$2; shift 2
  local output rc
  output=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ]; then pass "$what"; else fail "$what (exit $rc, want $want)" "$output"; fi
}

# check_contains "description" "needle" "haystack". (A here-string, not `printf | grep -q`: grep -q
# exits at the first match and, under pipefail, printf's next write then fails with SIGPIPE, which
# turned a found needle into a failure (check_not_contains: into a pass) once the haystack was a few KB.)
check_contains() {
  if grep -qF -- "$2" <<< "$3"; then pass "$1"; else fail "$1: missing '$2'" "$3"; fi
}
check_not_contains() {
  if grep -qF -- "$2" <<< "$3"; then fail "$1: unexpected '$2'" "$3"; else pass "$1"; fi
}

# A fresh Wine prefix of this test's own (removed first), with a warm wineserver.
fresh_prefix() {
  local dir="$WSBKIT_BUILD_DIR/wineprefix-$1"
  WINEPREFIX="$dir" wineserver -k >/dev/null 2>&1 || true   # of a previous run of this prefix, if any
  rm -rf "$dir"
  wine_up "$dir" || { fail "Wine prefix $dir could not be created"; finish; exit 1; }
}

# PIDs of this prefix's processes whose command line matches PATTERN (other prefixes, e.g. other
# test runs on the machine, are left alone).
prefix_pids() {
  local pid
  for pid in $(pgrep -f "$1"); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "WINEPREFIX=$WINEPREFIX" && echo "$pid"
  done
}

# The hang watchdog. Every Windows program a test runs through wine_watched (or wine_run) gets a
# time limit: $WINE_RUN_LIMIT seconds (default 240, far past any command the tests run), cut so
# that a hang is reported before meson's own timeout (WSBKIT_TEST_TIMEOUT, set by tests/meson.build)
# would end the suite with nothing said. Past its limit the program is a hang: wine_hang_report
# writes what the prefix's wsbkit processes were doing to the test's log (the file descriptor
# below, whatever the caller redirected), the program and any add-in of the prefix are killed, the
# wineserver restarted (a hung add-in would hang the next activation too), and the status is 124.
exec {wine_log_fd}>&1
if [ -n "${WSBKIT_TEST_TIMEOUT:-}" ]; then wine_suite_deadline=$((SECONDS + WSBKIT_TEST_TIMEOUT - 90)); fi
wine_run_limit() {
  local limit=${WINE_RUN_LIMIT:-240} left
  if [ -n "${wine_suite_deadline:-}" ]; then
    left=$((wine_suite_deadline - SECONDS))
    [ "$left" -ge 10 ] || left=10
    [ "$left" -ge "$limit" ] || limit=$left
  fi
  echo "$limit"
}

# wine_watched COMMAND ARGS...: runs COMMAND (`wine PROGRAM ...`) with the caller's input, output
# and error output, under the watchdog above; its exit status, or 124 for a hang.
wine_watched() {
  local pid timer which rc limit
  limit=$(wine_run_limit)
  "$@" <&0 &
  pid=$!
  sleep "$limit" >/dev/null 2>&1 </dev/null &
  timer=$!
  wait -n -p which "$pid" "$timer"; rc=$?
  if [ "$which" != "$pid" ]; then
    wine_hang_report "${*:1:2} ran over $limit s" >&"$wine_log_fd" 2>&1
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    for pid in $(prefix_pids 'wsbkit-addin\.exe'); do kill -9 "$pid" 2>/dev/null; done
    wine_restart >/dev/null 2>&1 </dev/null
    rc=124
  fi
  kill "$timer" 2>/dev/null; wait "$timer" 2>/dev/null
  return "$rc"
}

# wine_run PROGRAM ARGS...: wine_watched with what the program printed on both outputs given back
# (Wine prints CRLF: the CRs removed, tests compare plain lines), and its exit status.
wine_run() {
  local out rc
  out=$(mktemp)
  wine_watched wine "$@" > "$out" 2>&1; rc=$?
  tr -d '\r' < "$out"; rm -f "$out"
  return "$rc"
}

# wine_hang_report WHAT: every process of the prefix backtraced once (`winedbg bt all`, at most
# 60 s, kept whole in $WSBKIT_BUILD_DIR/hangs/), the threads of wsbkit's own programs printed (their
# top frames), and a last line naming the hang: Wine's known deadlock (wine_deadlock_signature) or
# not. (One backtrace, where the soak takes two 20 s apart: here the program already ran minutes
# past its limit.)
wine_hang_report() {
  local dir="$WSBKIT_BUILD_DIR/hangs" bt signature
  mkdir -p "$dir"
  bt="$dir/$(basename "$0" .sh)-$(date +%s).txt"
  wine_backtrace_all "$bt" 60
  echo "HANG - $1; backtraces of the prefix's processes: $bt"
  awk '/^Backtracing for thread/ { keep = (tolower($0) ~ /wsbkit|ledger-svc|hostile-client/); frames = 0; if (keep) print "  " $0; next }
       keep && /^(=>| ) *[0-9]+ 0x/ && frames++ < 12 { sub(/\(.*\) \[/, " ["); print "    " substr($0, 1, 160) }' "$bt"
  signature=$(wine_deadlock_signature < "$bt")
  [ -n "$signature" ] || signature="not Wine's known RpcServerUnregisterIf deadlock (see the backtraces)"
  echo "HANG - $1: $signature"
}

# wine_backtrace_all FILE SECONDS: every thread of every process of the prefix backtraced into
# FILE (`winedbg --command "bt all"`, CRs removed), giving up after SECONDS.
wine_backtrace_all() { timeout "$2" winedbg --command "bt all" < /dev/null 2>&1 | tr -d '\r' > "$1"; }

# Reads `winedbg bt all` and prints the Wine deadlock it shows, or nothing: a thread of
# wsbkit-addin.exe whose backtrace holds rpcrt4's RpcServerUnregisterIf (and whether CoUninitialize
# called it). Wine 8's rpcrt4 can lose the wake-up of a call finishing while its interface is
# unregistered (docs/testing.md); the add-in pins its interfaces against it (local_server.cpp).
wine_deadlock_signature() {
  awk '
    function done_thread() {
      if (addin && unregister) { found = uninit ? "Wine deadlock: add-in thread waiting in RpcServerUnregisterIf from CoUninitialize" \
                                                : "Wine deadlock: add-in thread waiting in RpcServerUnregisterIf (RPC worker)" }
      unregister = 0; uninit = 0
    }
    /^Backtracing for thread/ { done_thread(); addin = (tolower($0) ~ /wsbkit-addin\.exe/) ; next }
    /RpcServerUnregisterIf/ { unregister = 1 }
    /CoUninitialize/ { uninit = 1 }
    END { done_thread(); if (found) print found }'
}

# check_no_records "description": no registration of wsbkit's is left under HKLM\SOFTWARE\wsbkit.
# The key is gone, or holds only the machine's journal key (HKLM\SOFTWARE\wsbkit\JournalKey, made by
# the add-in at its first start and kept for `repair`; no registration's, so unregister leaves it,
# like the state folder).
check_no_records() {
  local out key="" line bad=""
  if ! out=$(wine_run reg query 'HKLM\SOFTWARE\wsbkit' /s); then pass "$1"; return; fi
  while IFS= read -r line; do
    case "$line" in
      '') ;;
      'HKEY_LOCAL_MACHINE\SOFTWARE\wsbkit') key=root ;;
      'HKEY_LOCAL_MACHINE\SOFTWARE\wsbkit\JournalKey') key=journal ;;
      HKEY_*) bad+="$line"$'\n' ;;
      *) [ "$key" = journal ] || bad+="$line"$'\n' ;;
    esac
  done <<< "$out"
  if [ -z "$bad" ]; then pass "$1"; else fail "$1" "$out"; fi
}

# service_state NAME: RUNNING, STOPPED, ... as Wine's sc reports it; start_type_of NAME: AUTO_START,
# DEMAND_START, DISABLED (Wine's sc has no `qc`: read where the SCM keeps it); wait_service_state
# NAME STATE: up to 10 s.
service_state() { wine_run sc query "$1" | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' | head -n1; }
start_type_of() {
  case $(wine_run reg query "HKLM\\System\\CurrentControlSet\\Services\\$1" /v Start | sed -n 's/.*REG_DWORD *0x\([0-9a-f]*\).*/\1/p') in
    2) echo AUTO_START ;; 3) echo DEMAND_START ;; 4) echo DISABLED ;; *) echo unknown ;;
  esac
}
wait_service_state() { for _ in $(seq 1 100); do [ "$(service_state "$1")" = "$2" ] && return 0; sleep 0.1; done; return 1; }
