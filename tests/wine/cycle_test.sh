#!/usr/bin/env bash
# End to end under Wine, in a fresh prefix: register an application and its add-in with the real
# registry, read it back with Wine's own `reg query`, activate the add-in out of process with
# `wsbkit simulate` (every WSB call and its HRESULT), unregister, and prove nothing is left.
. "$(dirname "$0")/lib.sh"

fresh_prefix cycle
install_dir="$WINEPREFIX/drive_c/wsbkit"
mkdir -p "$install_dir"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
wsbkit() { wine_run "$install_dir/wsbkit.exe" "$@"; }

writer='{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}'
clsid='{E759F65B-9371-515A-8397-AB5B1CCD6E96}'   # derived from the writer id (RFC 4122 v5)
app_key='HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\WindowsServerBackup\Application Support'
log="$WINEPREFIX/drive_c/ProgramData/wsbkit/logs/addin.jsonl"

out=$(wsbkit status)
check_contains "status on a fresh machine lists no application" "No application is registered" "$out"

# Bad input changes nothing.
check_exit 3 "register with a malformed writer id is refused (exit 3)" \
  wsbkit register --writer 'not-a-guid' --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe'
check_exit 3 "register with a missing add-in exe is refused (exit 3)" \
  wsbkit register --writer "$writer" --identifier Ledger --addin 'C:\nowhere\wsbkit-addin.exe'
check_exit 1 "nothing was written by the refused registrations" wine reg query "$app_key\\$writer"

# The policy the add-in will read (register checks who may change it, so it must exist first): an
# empty policy, so every call gets the documented "nothing to do" answer.
mkdir -p "$WINEPREFIX/drive_c/ProgramData/Ledger"
echo '{}' > "$WINEPREFIX/drive_c/ProgramData/Ledger/policy.json"
out=$(wsbkit register --writer "${writer,,}" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' \
        --policy 'C:\ProgramData\Ledger\policy.json')
rc=$?
[ $rc -eq 0 ] && pass "register with add-in succeeds" || fail "register with add-in (exit $rc)" "$out"
check_contains "register reports the derived CLSID" "$clsid" "$out"
check_contains "register registers the proxy/stub (none in a fresh prefix)" "Registered the proxy/stub" "$out"

q=$(wine_run reg query "$app_key\\$writer")
check_contains "reg query: Application Identifier" "Application Identifier    REG_SZ    Ledger" "$q"
check_contains "reg query: CLSID" "CLSID    REG_SZ    $clsid" "$q"
q=$(wine_run reg query "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid\\LocalServer32")
check_contains "reg query: LocalServer32 is the quoted exe path with CLSID and policy" \
  "\"C:\\wsbkit\\wsbkit-addin.exe\" --clsid $clsid --policy \"C:\\ProgramData\\Ledger\\policy.json\"" "$q"
q=$(wine_run reg query "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid")
check_contains "reg query: CLSID AppID value" "AppID    REG_SZ    $clsid" "$q"
check "reg query: AppID key" wine reg query "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid"
for iid in '{1EFF3510-4A27-46AD-B9E0-08332F0F4F6D}' '{8D3BDB38-4EE8-4718-85F9-C7DBC4AB77AA}' '{0843F6F7-895C-44A6-B0C2-05A5022AA3A1}'; do
  q=$(wine_run reg query "HKCR\\Interface\\$iid\\ProxyStubClsid32")
  check_contains "reg query: HKCR\\Interface\\$iid\\ProxyStubClsid32 (seen through HKCR)" \
    '{9ACE1B7D-982F-4F54-9A2A-8A69A3559516}' "$q"
done

out=$(wsbkit register --writer "$writer" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' \
        --policy 'C:\ProgramData\Ledger\policy.json')
check_contains "registering the same thing again changes nothing" "nothing changed" "$out"

out=$(wsbkit status)
check_contains "status lists the application as wsbkit's" "Ledger" "$out"
check_contains "status shows the add-in server command" 'C:\wsbkit\wsbkit-addin.exe' "$out"

# The simulation: wsbkit.exe acts as WSB, the add-in runs in its own process. An empty policy:
# every call gets the documented "nothing to do" answer.
rm -f "$log"
started=$(date +%s%N)
out=$(wsbkit simulate --yes Ledger --component 'LedgerDB=Ledger\Databases' --component 'LedgerLogs' \
        --volume '\\?\Volume{11111111-0000-0000-0000-000000000001}\=\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1\')
rc=$?
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "$out"
echo "simulate took ${elapsed_ms} ms (cold out-of-process activation included)"
[ $rc -eq 0 ] && pass "simulate exits 0 (no call rejected)" || fail "simulate (exit $rc)" "$out"
check_contains "CheckConsistency LedgerDB -> S_FALSE, no check" 'CheckConsistency(component="LedgerDB", volumes=1) -> S_FALSE, no check needed' "$out"
check_contains "CheckConsistency LedgerLogs -> S_FALSE" 'CheckConsistency(component="LedgerLogs", volumes=1) -> S_FALSE' "$out"
check_contains "OrderComponents -> S_FALSE, NULL outs" 'OrderComponents(2 components) -> S_FALSE, no particular order' "$out"
check_contains "IsRollForwardSupported -> S_OK, FALSE" 'IsRollForwardSupported() -> S_OK, FALSE' "$out"
check_contains "PreRestore LedgerDB -> S_OK" 'PreRestore(component="LedgerDB", logical_path="Ledger\\Databases", no_roll_forward=FALSE) -> S_OK' "$out"
check_contains "PostRestore LedgerLogs -> S_OK" 'PostRestore(component="LedgerLogs", logical_path=NULL, no_roll_forward=FALSE) -> S_OK' "$out"
check_contains "all 8 calls accepted" "8 call(s), 0 rejected" "$out"

# Proof the calls ran in the add-in's own process: its log (written only by wsbkit-addin.exe).
if [ -f "$log" ]; then
  lines=$(wc -l < "$log")
  [ "$lines" -eq 8 ] && pass "the add-in process logged all 8 calls" || fail "add-in log has $lines lines, want 8" "$(cat "$log")"
  check_contains "add-in log records NULL logical path as null" '"logical_path":null' "$(cat "$log")"
else
  fail "the add-in process wrote no log at $log"
fi
# Lifetime: the server exits after the last Release.
gone=no
for _ in $(seq 1 50); do
  [ -z "$(prefix_pids 'wsbkit-addin.exe')" ] && { gone=yes; break; }
  sleep 0.1
done
[ "$gone" = yes ] && pass "the add-in process exited after the last Release" || fail "wsbkit-addin.exe still running 5 s after the simulation"

out=$(wsbkit unregister --writer "$writer")
rc=$?
[ $rc -eq 0 ] && pass "unregister succeeds" || fail "unregister (exit $rc)" "$out"
check_exit 1 "reg query: application entry gone" wine reg query "$app_key\\$writer"
check_exit 1 "reg query: CLSID gone" wine reg query "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid"
check_exit 1 "reg query: AppID gone" wine reg query "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid"
check_exit 1 "reg query: proxy/stub interface registration gone" wine reg query 'HKCR\Interface\{1EFF3510-4A27-46AD-B9E0-08332F0F4F6D}'
check_exit 1 "reg query: proxy/stub CLSID gone" wine reg query 'HKLM\SOFTWARE\Classes\CLSID\{9ACE1B7D-982F-4F54-9A2A-8A69A3559516}'
check_no_records "reg query: wsbkit's own record gone (the journal key may stay)"
check_exit 5 "unregister again: nothing registered (exit 5)" wsbkit unregister --writer "$writer"

finish
