#!/usr/bin/env bash
# README's quick start followed word for word in a fresh Wine prefix: the files it shows
# (<!-- quickstart-file: PATH --> before a code block) are written where it says, and the commands
# it shows (<!-- quickstart-run --> before a code block, one command a line, cmd.exe quoting) are
# the commands run, in order; each must succeed. Before them, what the quick start takes as given:
# the three files in C:\Program Files\wsbkit and the application installed (its service LedgerSvc
# running, its data files). After them: the restore really stopped and restarted LedgerSvc, and
# nothing of the registration is left.
# Args: TEST_SERVICE_EXE
. "$(dirname "$0")/lib.sh"
test_service_exe=$1
readme="$WSBKIT_SOURCE_DIR/README.md"

fresh_prefix quickstart
c="$WINEPREFIX/drive_c"
mkdir -p "$c/Program Files/wsbkit" "$c/svc" "$c/Contoso/Ledger/data"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$c/Program Files/wsbkit/"
cp "$test_service_exe" "$c/svc/ledger-svc.exe"
printf 'ledger data' > "$c/Contoso/Ledger/data/accounts.ldb"
check "the application's service LedgerSvc (auto start)" wine sc create LedgerSvc binPath= 'C:\svc\ledger-svc.exe' start= auto
check "is running" wine sc start LedgerSvc

# The quick start's files and commands, as "file\tPATH\tBASE64" and "run\tARG\tARG..." lines.
steps=$(python3 "$WSBKIT_SOURCE_DIR/tests/readme_blocks.py" "$readme" "Quick start" quickstart --cmd-args)
[ -n "$steps" ] && pass "README has a quick start with files and commands" || fail "no quick start steps found in README.md"
runs=$(grep -c '^run' <<< "$steps")
echo "quick start: $(grep -c '^file' <<< "$steps") file(s), $runs command(s)"
for want in validate register doctor simulate repair unregister; do
  grep -q "^run	wsbkit	$want" <<< "$steps" && pass "the quick start runs wsbkit $want" || fail "the quick start has no 'wsbkit $want'"
done

while IFS=$'\t' read -r kind first rest; do
  case "$kind" in
    file)
      path=${first//\\//}
      unix="$c/${path#C:/}"
      mkdir -p "$(dirname "$unix")"
      base64 -d <<< "$rest" > "$unix"
      pass "wrote $first"
      ;;
    run)
      IFS=$'\t' read -r -a args <<< "$rest"
      [ "$first" = wsbkit ] || { fail "a quick start command that is not wsbkit: $first"; continue; }
      # Not the loop's standard input (the steps): a command reads nothing from it. Each command
      # takes seconds; one still running after 2 minutes is reported as a hang (wine_run).
      out=$(WINE_RUN_LIMIT=120 wine_run "$c/Program Files/wsbkit/wsbkit.exe" "${args[@]}" < /dev/null); rc=$?
      echo "> wsbkit ${args[*]}"
      printf '%s\n' "$out" | sed 's/^/  /' | head -n 40
      [ $rc -eq 0 ] && pass "wsbkit ${args[0]} ${args[1]:-} ... (exit 0)" || fail "wsbkit ${args[*]} (exit $rc)" "$out"
      if [ "${args[0]}" = simulate ]; then
        check_contains "simulate: the backup check passed" 'result S_OK' "$out"
        check_contains "simulate: PostRestore accepted" 'PostRestore(component="LedgerDB", logical_path=NULL, no_roll_forward=FALSE) -> S_OK' "$out"
        wait_service_state LedgerSvc RUNNING; state=$(service_state LedgerSvc)
        [ "$state" = RUNNING ] && pass "LedgerSvc is running again after the rehearsal" || fail "LedgerSvc after simulate: $state"
        wine_restart
      fi
      ;;
  esac
done <<< "$steps"
check_exit 1 "nothing of the registration is left" wine reg query \
  'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\WindowsServerBackup\Application Support\{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
check_no_records "no wsbkit record is left"
check "delete LedgerSvc" wine sc delete LedgerSvc

wine_down
finish
