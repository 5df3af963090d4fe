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

# Wine prints CRLF; tests compare plain lines.
wine_run() { wine "$@" 2>&1 | tr -d '\r'; return "${PIPESTATUS[0]}"; }

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
