#!/usr/bin/env bash
# The registrar end to end under Wine, against the real registry, in two fresh prefixes:
#  A: a neighbour application written with `reg add`; register (dry run first, then for real),
#     read back with Wine's own `reg query` (permissions byte for byte); re-register with changes
#     (dry run, then for real: identifier, policy, CLSID, launch permission); the same again
#     (nothing changes); doctor; export, and the AppID block compared with what Wine's regedit
#     exports for that key; unregister (only wsbkit's keys go; neighbour and Application Support stay).
#  B: `reg import` of A's export into a clean prefix: `reg query` sees the registration, a second
#     export is byte-identical to the first, doctor is happy, unregister removes it all.
#  Then, still in B, the add-in hosted as a Windows service (LocalService, LocalSystem, demand
#  start): dry run, register (service config read back from the registry), COM activation through
#  the service by `simulate`, unregister refused while it runs, STOP while a client holds it and a
#  new activation after, doctor, export (with the sc.exe line), back to LocalServer32 (service
#  removed), unregister.
#  C: an add-in in a world-writable folder: register refuses it, --force warns, doctor flags it.
. "$(dirname "$0")/lib.sh"

writer='{76FE1AC4-15F7-4BCD-987E-8E1ACB462FB7}'
clsid='{E759F65B-9371-515A-8397-AB5B1CCD6E96}'   # derived from the writer id
moved='{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}'
app_support='HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\WindowsServerBackup\Application Support'
neighbour="$app_support\\{11111111-2222-3333-4444-555555555555}"
# The default permission O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)(A;;0x3;;;BO) and the changed one
# O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA), self-relative in Windows' layout (computed independently).
default_sd='010004806000000070000000000000001400000002004C0003000000000014001F000000010100000000000512000000000018001F000000010200000000000520000000200200000000180003000000010200000000000520000000270200000102000000000005200000002002000001020000000000052000000020020000'
changed_sd='01000480480000005800000000000000140000000200340002000000000014001F000000010100000000000512000000000018001F000000010200000000000520000000200200000102000000000005200000002002000001020000000000052000000020020000'

install() {  # copies the deliverables and an empty (valid) policy into the current prefix
  install_dir="$WINEPREFIX/drive_c/wsbkit"
  mkdir -p "$install_dir" "$WINEPREFIX/drive_c/Ledger"
  cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
     "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
  echo '{}' > "$WINEPREFIX/drive_c/Ledger/policy.json"
  echo '{}' > "$WINEPREFIX/drive_c/Ledger/policy-v2.json"
}
wsbkit() { wine_run 'C:\wsbkit\wsbkit.exe' "$@"; }
query() { wine_run reg query "$@"; }
# The data of one value as `reg query` prints it (type, then data).
value_of() { query "$1" /v "$2" | sed -n "s/^ *$2 *\(REG_[A-Z_]*\) *\(.*\)$/\1 \2/p"; }
utf8_of() { iconv -f UTF-16LE -t UTF-8 "$1" | sed '1s/^\xEF\xBB\xBF//'; }
# The block of one key ([key] line to the blank line after it) of a .reg file.
block_of() { utf8_of "$1" | tr -d '\r' | awk -v key="[$2]" '$0 == key {on=1} on {print} on && $0 == "" {exit}'; }

# ---------------------------------------------------------------------------------------------- A
fresh_prefix registrar-a
install
check "reg add: a neighbour application (not wsbkit's)" \
  wine reg add "$neighbour" /v 'Application Identifier' /t REG_SZ /d Exchange /f
check "reg add: the neighbour's add-in CLSID" \
  wine reg add "$neighbour" /v CLSID /t REG_SZ /d '{D8A2E312-3B17-4293-B71E-CD72A7C04BF3}' /f
neighbour_before=$(query "$neighbour")

register=(register --writer "${writer,,}" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe'
          --policy 'C:\Ledger\policy.json')
out=$(wsbkit "${register[@]}" --dry-run)
check_contains "register --dry-run prints the plan" "change(s) planned:" "$out"
check_contains "the plan shows the LaunchPermission value with its bytes" \
  "+ value   HKLM\\SOFTWARE\\Classes\\AppID\\$clsid \"LaunchPermission\": REG_BINARY (128 bytes) 01 00 04 80" "$out"
check_exit 1 "register --dry-run wrote nothing (reg query: no entry)" wine reg query "$app_support\\$writer"
planned=$(printf '%s\n' "$out" | grep '^  ')

out=$(wsbkit "${register[@]}" --verbose)
rc=$?
[ $rc -eq 0 ] && pass "register succeeds" || fail "register (exit $rc)" "$out"
[ "$(printf '%s\n' "$out" | grep '^  ')" = "$planned" ] && pass "the real run made exactly the planned changes" \
  || fail "the real run's changes differ from the plan" "$(diff <(printf '%s\n' "$planned") <(printf '%s\n' "$out" | grep '^  '))"
check_contains "reg query: Application Identifier" "REG_SZ Ledger" "$(value_of "$app_support\\$writer" 'Application Identifier')"
check_contains "reg query: CLSID" "REG_SZ $clsid" "$(value_of "$app_support\\$writer" CLSID)"
check_contains "reg query: LocalServer32 = quoted exe, CLSID, policy" \
  "\"C:\\wsbkit\\wsbkit-addin.exe\" --clsid $clsid --policy \"C:\\Ledger\\policy.json\"" \
  "$(query "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid\\LocalServer32")"
check_contains "reg query: CLSID AppID value" "REG_SZ $clsid" "$(value_of "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid" AppID)"
lp=$(value_of "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid" LaunchPermission)
[ "${lp^^}" = "REG_BINARY $default_sd" ] && pass "reg query: LaunchPermission is the default SDDL's self-relative SD, byte for byte" \
  || fail "LaunchPermission differs" "$lp"
ap=$(value_of "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid" AccessPermission)
[ "${ap^^}" = "REG_BINARY $default_sd" ] && pass "reg query: AccessPermission likewise" || fail "AccessPermission differs" "$ap"
check_contains "reg query (HKCR view): proxy/stub for IWsbApplicationAsync" '{9ACE1B7D-982F-4F54-9A2A-8A69A3559516}' \
  "$(query 'HKCR\Interface\{0843F6F7-895C-44A6-B0C2-05A5022AA3A1}\ProxyStubClsid32')"
check_contains "reg query: wsbkit's record lists what it created" "CreatedKeys" "$(query "HKLM\\SOFTWARE\\wsbkit\\Registrations\\$writer")"
[ "$(query "$neighbour")" = "$neighbour_before" ] && pass "the neighbour is untouched by register" || fail "neighbour changed" "$(query "$neighbour")"

out=$(wsbkit "${register[@]}")
check_contains "registering the same thing again changes nothing" "already registered exactly so; nothing changed." "$out"

changed=(register --writer "$writer" --identifier 'Ledger 2' --addin 'C:\wsbkit\wsbkit-addin.exe'
         --policy 'C:\Ledger\policy-v2.json' --clsid "$moved" --launch-permission 'O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)')
out=$(wsbkit "${changed[@]}" --dry-run)
check_contains "re-register --dry-run shows old -> new" \
  "~ value   $app_support\\$writer \"Application Identifier\": REG_SZ \"Ledger\" -> REG_SZ \"Ledger 2\"" "$out"
check_contains "re-register --dry-run plans removing the old CLSID key" "- key     HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid" "$out"
check_contains "re-register --dry-run wrote nothing" "REG_SZ Ledger" "$(value_of "$app_support\\$writer" 'Application Identifier')"
planned=$(printf '%s\n' "$out" | grep '^  ')
out=$(wsbkit "${changed[@]}" --verbose)
rc=$?
[ $rc -eq 0 ] && pass "re-register with changes succeeds" || fail "re-register (exit $rc)" "$out"
[ "$(printf '%s\n' "$out" | grep '^  ')" = "$planned" ] && pass "re-register made exactly the planned changes" \
  || fail "re-register's changes differ from the plan" "$(diff <(printf '%s\n' "$planned") <(printf '%s\n' "$out" | grep '^  '))"
check_contains "reg query: identifier updated in place" "REG_SZ Ledger 2" "$(value_of "$app_support\\$writer" 'Application Identifier')"
check_contains "reg query: CLSID value moved" "REG_SZ $moved" "$(value_of "$app_support\\$writer" CLSID)"
check_exit 1 "reg query: the old CLSID key is gone" wine reg query "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid"
check_exit 1 "reg query: the old AppID key is gone" wine reg query "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid"
check_contains "reg query: the new LocalServer32 has the new policy" "--clsid $moved --policy \"C:\\Ledger\\policy-v2.json\"" \
  "$(query "HKLM\\SOFTWARE\\Classes\\CLSID\\$moved\\LocalServer32")"
lp=$(value_of "HKLM\\SOFTWARE\\Classes\\AppID\\$moved" LaunchPermission)
[ "${lp^^}" = "REG_BINARY $changed_sd" ] && pass "reg query: the changed LaunchPermission, byte for byte" || fail "LaunchPermission" "$lp"
out=$(wsbkit "${changed[@]}")
check_contains "registering the changed inputs again changes nothing" "nothing changed." "$out"
[ "$(query "$neighbour")" = "$neighbour_before" ] && pass "the neighbour is untouched by re-register" || fail "neighbour changed"

out=$(wsbkit doctor --writer "$writer")
rc=$?
[ $rc -eq 0 ] && pass "doctor --writer: every check of wsbkit's registration ok (exit 0)" || fail "doctor (exit $rc)" "$out"
check_contains "doctor checked the policy file's content" "policy file present and valid: C:\\Ledger\\policy-v2.json" "$out"
out=$(wsbkit doctor)
check_contains "doctor (all): the neighbour's add-in class is missing, a problem" \
  "PROBLEM  add-in CLSID registered and its server present: HKLM\\SOFTWARE\\Classes\\CLSID\\{D8A2E312" "$out"
check "reg add: Everyone may launch (a hand edit)" wine reg add "HKLM\\SOFTWARE\\Classes\\AppID\\$moved" /v LaunchPermission \
  /t REG_BINARY /d '010004800000000000000000000000001400000002001C000100000000001400FF000000010100000000000100000000' /f
check_exit 7 "doctor: a permission granting Everyone is a problem (exit 7)" wsbkit doctor --writer "$writer"
out=$(wsbkit doctor --writer "$writer")
check_contains "doctor names the problem and the fix" "PROBLEM  AppID LaunchPermission" "$out"
check_contains "doctor sees the drift from wsbkit's record" "PROBLEM  registry matches wsbkit's record" "$out"
out=$(wsbkit "${changed[@]}" --verbose)
check_contains "registering again puts the recorded permission back" "\"LaunchPermission\": REG_BINARY" "$out"
check_exit 0 "doctor: all ok again" wsbkit doctor --writer "$writer"

export_a="$WINEPREFIX/drive_c/ledger-a.reg"
out=$(wsbkit export --writer "$writer" --out 'C:\ledger-a.reg')
check_contains "export writes the file" "Exported " "$out"
[ "$(head -c 2 "$export_a" | od -An -tx1 | tr -d ' ')" = "fffe" ] && pass "export: UTF-16LE with BOM" || fail "no BOM"
check_contains "export: regedit's header" "Windows Registry Editor Version 5.00" "$(utf8_of "$export_a")"
appid_key="HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\AppID\\$moved"
check "regedit /e of the AppID key" wine regedit /e 'C:\appid-regedit.reg' "$appid_key"
ours=$(block_of "$export_a" "$appid_key")
theirs=$(block_of "$WINEPREFIX/drive_c/appid-regedit.reg" "$appid_key")
[ -n "$ours" ] && [ "$ours" = "$theirs" ] && pass "export's AppID block is what Wine's regedit writes, line for line (hex wrapping included)" \
  || fail "export's AppID block differs from regedit's" "$(diff <(printf '%s\n' "$theirs") <(printf '%s\n' "$ours"))"

out=$(wsbkit unregister --writer "$writer" --dry-run)
check_contains "unregister --dry-run plans the record's removal" "- key     HKLM\\SOFTWARE\\wsbkit\\Registrations\\$writer" "$out"
check_contains "unregister --dry-run wrote nothing" "REG_SZ Ledger 2" "$(value_of "$app_support\\$writer" 'Application Identifier')"
out=$(wsbkit unregister --writer "$writer")
rc=$?
[ $rc -eq 0 ] && pass "unregister succeeds" || fail "unregister (exit $rc)" "$out"
check_exit 1 "reg query: application entry gone" wine reg query "$app_support\\$writer"
check_exit 1 "reg query: CLSID gone" wine reg query "HKLM\\SOFTWARE\\Classes\\CLSID\\$moved"
check_exit 1 "reg query: AppID gone" wine reg query "HKLM\\SOFTWARE\\Classes\\AppID\\$moved"
check_exit 1 "reg query: proxy/stub interface gone" wine reg query 'HKCR\Interface\{1EFF3510-4A27-46AD-B9E0-08332F0F4F6D}'
check_no_records "reg query: wsbkit's records gone (the journal key may stay)"
check "reg query: Application Support itself stays" wine reg query "$app_support"
[ "$(query "$neighbour")" = "$neighbour_before" ] && pass "the neighbour is untouched by unregister" || fail "neighbour changed"
wine_down

# ---------------------------------------------------------------------------------------------- B
fresh_prefix registrar-b
install
cp "$export_a" "$WINEPREFIX/drive_c/ledger-a.reg"
check "reg import of the export into a clean prefix" wine reg import 'C:\ledger-a.reg'
check_contains "reg query after import: identifier" "REG_SZ Ledger 2" "$(value_of "$app_support\\$writer" 'Application Identifier')"
check_contains "reg query after import: LocalServer32" "--clsid $moved --policy \"C:\\Ledger\\policy-v2.json\"" \
  "$(query "HKLM\\SOFTWARE\\Classes\\CLSID\\$moved\\LocalServer32")"
lp=$(value_of "HKLM\\SOFTWARE\\Classes\\AppID\\$moved" LaunchPermission)
[ "${lp^^}" = "REG_BINARY $changed_sd" ] && pass "reg query after import: LaunchPermission byte for byte" || fail "LaunchPermission" "$lp"
check_contains "reg query after import: proxy/stub" '{9ACE1B7D-982F-4F54-9A2A-8A69A3559516}' \
  "$(query 'HKCR\Interface\{8D3BDB38-4EE8-4718-85F9-C7DBC4AB77AA}\ProxyStubClsid32')"
out=$(wsbkit export --writer "$writer" --out 'C:\ledger-b.reg')
check_contains "export in the second prefix" "Exported " "$out"
cmp -s "$export_a" "$WINEPREFIX/drive_c/ledger-b.reg" && pass "exporting again after import gives the same file, byte for byte" \
  || fail "the second export differs" "$(diff <(utf8_of "$export_a") <(utf8_of "$WINEPREFIX/drive_c/ledger-b.reg"))"
out=$(wsbkit doctor)
rc=$?
[ $rc -eq 0 ] && pass "doctor after import: every check ok" || fail "doctor after import (exit $rc)" "$out"
out=$(wsbkit "${changed[@]}")
check_contains "registering the same inputs over the import changes nothing" "nothing changed." "$out"
out=$(wsbkit unregister --writer "$writer")
rc=$?
[ $rc -eq 0 ] && pass "unregister after import succeeds" || fail "unregister after import (exit $rc)" "$out"
check_exit 1 "reg query: imported entry gone" wine reg query "$app_support\\$writer"
check_exit 1 "reg query: imported CLSID gone" wine reg query "HKLM\\SOFTWARE\\Classes\\CLSID\\$moved"
check_no_records "reg query: imported records gone (the journal key may stay)"

# ------------------------------------------------------------------------ B: LocalService hosting
service='wsbkit-addin-E759F65B'
services_key="HKLM\\SYSTEM\\CurrentControlSet\\Services\\$service"
sc_state() { wine_run sc query "$service" | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' | head -n1; }
wait_state() { for _ in $(seq 1 100); do [ "$(sc_state)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
hosted=(register --writer "$writer" --identifier Ledger --addin 'C:\wsbkit\wsbkit-addin.exe' --policy 'C:\Ledger\policy.json'
        --hosting LocalService)
out=$(wsbkit "${hosted[@]}" --dry-run)
check_contains "LocalService --dry-run plans the service" \
  "+ service $service (\"wsbkit add-in for Ledger\", DEMAND_START, LocalSystem): \"C:\\wsbkit\\wsbkit-addin.exe\" --service \"$service\"" "$out"
check_exit 1 "LocalService --dry-run created no service" wine reg query "$services_key"
out=$(wsbkit "${hosted[@]}" --verbose)
rc=$?
[ $rc -eq 0 ] && pass "register --hosting LocalService succeeds" || fail "register LocalService (exit $rc)" "$out"
check_contains "service ImagePath: the add-in in service mode, CLSID, policy" \
  "REG_SZ \"C:\\wsbkit\\wsbkit-addin.exe\" --service \"$service\" --clsid $clsid --policy \"C:\\Ledger\\policy.json\"" \
  "$(value_of "$services_key" ImagePath)"
check_contains "service runs as LocalSystem" "REG_SZ LocalSystem" "$(value_of "$services_key" ObjectName)"
check_contains "service is demand start (3)" "REG_DWORD 0x3" "$(value_of "$services_key" Start)"
check_contains "service is its own process (0x10)" "REG_DWORD 0x10" "$(value_of "$services_key" Type)"
check_contains "reg query: AppID LocalService names the service" "REG_SZ $service" \
  "$(value_of "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid" LocalService)"
check_exit 1 "reg query: no LocalServer32 for a LocalService add-in" wine reg query "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid\\LocalServer32"
check_contains "sc query: the service is installed and STOPPED" "STOPPED" "$(sc_state)"
out=$(wsbkit "${hosted[@]}")
check_contains "registering LocalService again changes nothing" "nothing changed." "$out"

# The service's %ProgramData% is not the user's under Wine (C:\users\Public): look for the log anywhere.
find "$WINEPREFIX/drive_c" -name addin.jsonl -delete 2>/dev/null
out=$(wsbkit simulate --yes Ledger --component 'LedgerDB=Ledger\Databases')
rc=$?
[ $rc -eq 0 ] && pass "simulate through the LocalService add-in: exit 0" || fail "simulate LocalService (exit $rc)" "$out"
check_contains "COM activated the add-in through the service: all calls accepted" "5 call(s), 0 rejected" "$out"
check_contains "the service process logged the calls" '"method":"PostRestore"' \
  "$(find "$WINEPREFIX/drive_c" -name addin.jsonl -exec cat {} + 2>/dev/null)"
wait_state STOPPED && pass "the service stops by itself after the last Release" || fail "service still $(sc_state)"

wsbkit simulate --yes Ledger --component 'LedgerDB' --hold-ms 6000 > "$WINEPREFIX/held.out" 2>&1 &
held=$!
wait_state RUNNING && pass "while a client holds the add-in, the service is RUNNING" || fail "service $(sc_state) while held"
check_exit 1 "unregister while the add-in service runs: refused (exit 1)" wsbkit unregister --writer "$writer"
check_contains "the refusal says why and that nothing changed" "is RUNNING" "$(wsbkit unregister --writer "$writer")"
check_contains "nothing changed: AppID still names the service" "REG_SZ $service" \
  "$(value_of "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid" LocalService)"
check "sc stop while a client holds the add-in" wine sc stop "$service"
wait_state STOPPED && pass "STOP: the service revokes its class and stops" || fail "service $(sc_state) after STOP"
out=$(wsbkit simulate --yes Ledger --component 'LedgerDB')
check_contains "a new activation after STOP starts the service again" "5 call(s), 0 rejected" "$out"
wait "$held"
wait_state STOPPED || true

out=$(wsbkit doctor --writer "$writer")
rc=$?
[ $rc -eq 0 ] && pass "doctor: LocalService registration ok" || fail "doctor LocalService (exit $rc)" "$out"
check_contains "doctor checked the service" "LocalService $service" "$out"
out=$(wsbkit export --writer "$writer" --out 'C:\ledger-service.reg')
check_contains "export of a LocalService registration names the service to create" "sc.exe create $service binPath=" \
  "$(utf8_of "$WINEPREFIX/drive_c/ledger-service.reg")"

out=$(wsbkit "${register[@]}" --verbose)
check_contains "back to LocalServer32: the service is deleted" "- service $service" "$out"
check_exit 1 "the service is gone from the registry" wine reg query "$services_key"
check_contains "back to LocalServer32: LocalServer32 is there again" "--clsid $clsid" \
  "$(query "HKLM\\SOFTWARE\\Classes\\CLSID\\$clsid\\LocalServer32")"
out=$(wsbkit "${hosted[@]}")
out=$(wsbkit unregister --writer "$writer" --verbose)
check_contains "unregister deletes the add-in's service" "- service $service" "$out"
check_exit 1 "reg query: service gone after unregister" wine reg query "$services_key"
check_no_records "reg query: nothing of wsbkit's left (the journal key may stay)"

# ---------------------------------------------------------------------------------------------- C
# An add-in in a folder anyone may write (DLL planting beside the EXE SYSTEM runs): chmod 0777, which
# Wine turns into a DACL granting Everyone write (it reads it back; it enforces no ACLs). register
# refuses it (exit 3, the icacls fix named, nothing written); --force registers with a WARNING;
# doctor flags it (exit 7); unregister removes it.
mkdir -p "$WINEPREFIX/drive_c/loose"
cp "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" "$WINEPREFIX/drive_c/loose/"
chmod 0777 "$WINEPREFIX/drive_c/loose"
loose=(register --writer "$writer" --identifier Ledger --addin 'C:\loose\wsbkit-addin.exe' --policy 'C:\Ledger\policy.json'
       --proxy-stub-dll 'C:\wsbkit\wsbkit-ps.dll')
out=$(wsbkit "${loose[@]}"); rc=$?
[ $rc -eq 3 ] && pass "register refuses an add-in in a world-writable folder (exit 3)" || fail "register (exit $rc, want 3)" "$out"
check_contains "the refusal says who may change it" 'C:\loose\wsbkit-addin.exe can be changed by' "$out"
check_contains "the refusal names the icacls fix" 'icacls "C:\loose"' "$out"
check_contains "the refusal says nothing was changed" "Nothing was changed." "$out"
check_exit 1 "reg query: no entry after the refusal" wine reg query "$app_support\\$writer"
out=$(wsbkit "${loose[@]}" --force); rc=$?
[ $rc -eq 0 ] && pass "register --force registers it" || fail "register --force (exit $rc)" "$out"
check_contains "with a WARNING naming the folder's problem" 'WARNING: C:\loose\wsbkit-addin.exe can be changed by' "$out"
out=$(wsbkit doctor --writer "$writer"); rc=$?
[ $rc -eq 7 ] && pass "doctor flags the forced registration (exit 7)" || fail "doctor (exit $rc, want 7)" "$out"
check_contains "doctor names the problem" "PROBLEM  add-in and its folder changeable by administrators only" "$out"
# The add-in applies its AppID's AccessPermission itself (CoInitializeSecurity, EOAC_APPID) and
# never serves with the machine's default: with the value deleted it refuses, so no call is answered.
out=$(wsbkit simulate --yes Ledger --component LedgerDB 2>&1)
check_contains "with its AccessPermission the add-in serves" "0 rejected" "$out"
check "reg delete: the registration's AccessPermission" \
  wine reg delete "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid" /v AccessPermission /f
started=$(date +%s%N)
out=$(WINEDEBUG=+eventlog wine_run 'C:\wsbkit\wsbkit.exe' simulate --yes Ledger --component LedgerDB); rc=$?
echo "activation without AccessPermission: exit $rc after $(( ($(date +%s%N) - started) / 1000000 )) ms"; printf "%s\n" "$out" | grep -v "^$" | tail -n 4
[ $rc -ne 0 ] && pass "without AccessPermission the add-in refuses to serve (simulate exit $rc)" \
  || fail "the add-in served without its AccessPermission" "$out"
check_not_contains "no call was answered S_OK" "-> S_OK" "$out"
check_contains "the add-in's own error event says why" "could not serve $clsid: AccessPermission" "$out"
check "unregister the forced registration" wsbkit unregister --writer "$writer"
check_no_records "reg query: nothing of wsbkit's left after C"

finish
