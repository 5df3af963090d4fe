#!/usr/bin/env bash
# The hostile client (tests/hostile/hostile_client.cpp) against the real add-in under Wine, in a
# fresh prefix: the add-in registered (LocalServer32) with a policy that has a quick check (Quick:
# files.present on the snapshot), a long one (Slow: a manifest of 1,000 x 64 MiB to hash), a
# check on the writer metadata's file groups (Meta) and a restore order (DB before Logs).
# Args: HOSTILE_CLIENT_EXE MODE [OPTIONS...] [-- MODE [OPTIONS...]]...   (MODE: hostile | soak; see the client;
# or soak-batches: the full soak of scripts/soak.sh, see soak_batches.sh)
# After each client run: no add-in process is left (the server exits after the last Release).
. "$(dirname "$0")/../wine/lib.sh"
. "$(dirname "$0")/soak_batches.sh"
client_exe=$1; shift

fresh_prefix "hostile${WSBKIT_SOAK_FULL:+-soak-full}"
c="$WINEPREFIX/drive_c"
install_dir="$c/wsbkit"
mkdir -p "$install_dir" "$c/ProgramData/Ledger" "$c/snap/Quick" "$c/snap/Big" "$c/Quick" "$c/Big"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
cp "$client_exe" "$install_dir/hostile-client.exe"
printf 'quick' > "$c/snap/Quick/a.txt"
head -c $((64 << 20)) /dev/zero > "$c/snap/Big/big.bin"
for _ in $(seq 1 1000); do printf '00000000000000000000000000000000  big.bin\n'; done > "$c/snap/Big/MANIFEST.xxh128"
cat > "$c/ProgramData/Ledger/policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Ledger" },
  "components": { "quick": { "name": "Quick" }, "slow": { "name": "Slow" }, "meta": { "name": "Meta" },
                  "db": { "name": "DB" }, "logs": { "name": "Logs" } },
  "backup": { "check": [
    { "files.present": { "paths": "C:\\Quick\\*.txt" }, "when": { "component": "quick" } },
    { "manifest.verify": { "manifest": "C:\\Big\\MANIFEST.xxh128" }, "timeout": "10m", "when": { "component": "slow" } },
    { "files.present": {}, "when": { "component": "meta" } }
  ] },
  "restore": { "order": ["db", "logs"] }
}
JSON
clsid='{7A2B3C4D-5E6F-4A1B-8C9D-0E1F2A3B4C5D}'
check "register the add-in with the hostile policy" wine_run "$install_dir/wsbkit.exe" register \
  --writer '{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}' --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' \
  --clsid "$clsid" --policy 'C:\ProgramData\Ledger\policy.json'

# A client's output: its "ok - " and "FAIL - " lines count as checks of this test.
count_client_checks() {
  local line
  while IFS= read -r line; do
    case "$line" in
      'ok - '*) passed=$((passed + 1)) ;;
      'FAIL - '*) failed=$((failed + 1)) ;;
    esac
  done <<< "$1"
}

# One client run: its lines are checks of this test, then the add-in must be gone.
run_client() {
  local mode=$1 started out rc
  started=$(date +%s)
  # Output to a file: the add-in the client starts inherits the client's stdout.
  WINEDEBUG=-all wine "$install_dir/hostile-client.exe" --clsid "$clsid" --timeout-s 240 "$@" > "$c/client.out" 2>&1
  rc=$?
  out=$(tr -d '\r' < "$c/client.out")
  grep -v '^ok - ' <<< "$out" | head -n 200
  echo "[$mode] client exit $rc in $(( $(date +%s) - started )) s; $(grep -c '^ok - ' <<< "$out") client checks passed"
  count_client_checks "$out"
  [ $rc -eq 0 ] && pass "[$mode] the client ends with every check passed (exit 0)" || fail "[$mode] client exit $rc" "$(tail -n 5 <<< "$out")"
  check_contains "[$mode] the client ran to its end" " passed, 0 failed" "$out"
  check_not_contains "[$mode] no server died under a call (RPC_S_CALL_FAILED)" "0x800706BE" "$out"
  for _ in $(seq 1 150); do [ -z "$(prefix_pids wsbkit-addin.exe)" ] && break; sleep 0.1; done
  [ -z "$(prefix_pids wsbkit-addin.exe)" ] && pass "[$mode] no add-in process is left" \
    || fail "[$mode] an add-in process is left: $(prefix_pids wsbkit-addin.exe)"
}

# The client runs, separated by "--" on the command line.
args=()
for a in "$@" --; do
  if [ "$a" = -- ]; then
    if [ "${args[0]:-}" = soak-batches ]; then soak_batches "${args[@]:1}"
    elif [ ${#args[@]} -gt 0 ]; then run_client "${args[@]}"; fi
    args=()
  else
    args+=("$a")
  fi
done
finish
