#!/usr/bin/env bash
# Fleet deployment under Wine: the binaries' version resources and message table, then the MSI
# (scripts/build-msi.sh, wixl) installed silently with Wine's msiexec in a fresh prefix:
#  - version resources of the four binaries (GetFileVersionInfoW/VerQueryValueW, pe_probe), and
#    every event id of src/core/steps/event_ids.hpp formatted by FormatMessageW from the add-in's
#    and wsbkit.exe's message table;
#  - reference: the same files copied by hand and `wsbkit register` with the same inputs (status
#    --json and doctor kept), then unregistered; again with the Application log's key present:
#    register writes the event source (formatted event read back), unregister removes it;
#  - `msiexec /i /qn` with WRITER_ID, APP_IDENTIFIER, POLICY: files, registry (`reg query`), the
#    event source and an event's text through its EventMessageFile, the protected state folder,
#    status --json and doctor identical to the reference, the sample policy valid, the add-in
#    activated by `simulate`, the registration's output in the installer log;
#  - upgrade to a second build with a higher version (the 'next' variant of src/resources/meson.build:
#    the same sources built as the next patch version): binaries replaced (file version, --version),
#    registration kept, one product installed, the new add-in activated;
#  - repair (a deleted add-in and registration come back);
#  - uninstall: nothing of wsbkit left, a neighbour application's registration untouched;
#  - bad properties (malformed WRITER_ID, missing POLICY, a taken identifier): the install fails,
#    the reason is in the installer log, nothing is left behind (a missing policy file too);
#  - uninstall after the application was unregistered by hand still succeeds;
#  - HOSTING=LocalService with LAUNCH_PERMISSION/ACCESS_PERMISSION: the same registration as
#    `wsbkit register --hosting LocalService` with those permissions, the add-in activated through its
#    service, and uninstalled with its service.
. "$(dirname "$0")/lib.sh"
probe=$1

writer='{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
clsid_key='HKLM\SOFTWARE\Classes\CLSID'
app_support='HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\WindowsServerBackup\Application Support'
neighbour="$app_support\\{11111111-2222-3333-4444-555555555555}"
event_source='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\wsbkit'
install_dir_win='C:\Program Files\wsbkit'
policy_win='C:\Contoso\policy.json'

version=$(sed -n "s/^ *version *: *'\([0-9.]*\)'.*/\1/p" "$WSBKIT_SOURCE_DIR/meson.build" | head -n1)
IFS=. read -r major minor patch <<< "$version"
newer="$major.$minor.$((patch + 1))"
msi_dir="$WSBKIT_BUILD_DIR/msi-test"
rm -rf "$msi_dir"; mkdir -p "$msi_dir"
# Signing as docs/deploying.md shows it, with a throwaway self-signed code-signing certificate: the
# first MSI (and every binary in it) is signed, then checked with `osslsigncode verify` against it.
check "openssl makes a throwaway code-signing certificate" \
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$msi_dir/key.pem" -out "$msi_dir/cert.pem" -days 2 \
    -subj "/CN=wsbkit test signing" -addext extendedKeyUsage=codeSigning
check "wixl builds the MSI (ProductVersion $version), binaries and MSI signed" \
  env WSBKIT_SIGN_CERT="$msi_dir/cert.pem" WSBKIT_SIGN_KEY="$msi_dir/key.pem" \
    bash "$WSBKIT_SOURCE_DIR/scripts/build-msi.sh" "$WSBKIT_BUILD_DIR" "$msi_dir/wsbkit-$version.msi"
check "osslsigncode verify: the MSI's signature against the certificate" \
  osslsigncode verify -CAfile "$msi_dir/cert.pem" -in "$msi_dir/wsbkit-$version.msi"
check_exit 1 "osslsigncode verify: refused against another CA" \
  osslsigncode verify -CAfile /etc/ssl/certs/ca-certificates.crt -in "$msi_dir/wsbkit-$version.msi"
check "wixl builds a newer MSI from the next build (ProductVersion $newer)" \
  bash "$WSBKIT_SOURCE_DIR/scripts/build-msi.sh" "$WSBKIT_BUILD_DIR" "$msi_dir/wsbkit-$newer.msi" --next

fresh_prefix msi
drive_c="$WINEPREFIX/drive_c"
install_dir="$drive_c/Program Files/wsbkit"
cp "$msi_dir"/*.msi "$probe" "$drive_c/"
probe_win='C:\'$(basename "$probe")
wsbkit() { wine_run "$install_dir_win\\wsbkit.exe" "$@"; }
query() { wine_run reg query "$@"; }
value_of() { query "$1" /v "$2" | sed -n "s/^ *$2 *\(REG_[A-Z_]*\) *\(.*\)$/\1 \2/p"; }
msiexec() { wine msiexec "$@" >/dev/null 2>&1; }
installer_log() { tr -d '\r' < "$drive_c/$1"; }
uninstall_key='HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
# The installed products named wsbkit: "KEY DisplayVersion", one per line.
products() {
  query "$uninstall_key" /s | awk '/^HKEY/ {key = $0} /^ *DisplayName +REG_SZ +wsbkit$/ {name[key] = 1}
    /^ *DisplayVersion +REG_SZ/ {version[key] = $3} END {for (k in name) print k, version[k]}'
}

# ---------------------------------------------------------------------- version resources, messages
for f in src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll src/msi/wsbkit-msi.dll; do
  name=$(basename "$f")
  cp "$WSBKIT_BUILD_DIR/$f" "$drive_c/$name"
  out=$(wine_run "$probe_win" version "C:\\$name")
  check_contains "$name: fixed file version $version.0" "Fixed: $version.0" "$out"
  check_contains "$name: FileVersion $version" "FileVersion: $version" "$out"
  check_contains "$name: ProductName wsbkit" "ProductName: wsbkit" "$out"
  check_contains "$name: CompanyName" "CompanyName: wsbkit project" "$out"
  check_contains "$name: OriginalFilename" "OriginalFilename: $name" "$out"
  check_contains "$name: a FileDescription" "FileDescription: wsbkit " "$out"
done
ids=$(sed -n 's/^inline constexpr std::uint32_t [a-z_]* = \([0-9]*\);$/\1/p' "$WSBKIT_SOURCE_DIR/src/core/steps/event_ids.hpp")
missing=""
for module in wsbkit-addin.exe wsbkit.exe; do
  for id in $ids; do
    out=$(wine_run "$probe_win" message "C:\\$module" "$id" "detail-$id") && grep -qF "detail-$id" <<< "$out" \
      || missing+="$module:$id ($out) "
  done
done
[ -n "$ids" ] && [ -z "$missing" ] && pass "every event id ($(wc -w <<< "$ids")) has a message with %1 in both EXEs" \
  || fail "event ids without a message: ${missing:-no ids found}"
check_exit 1 "an id that is not in the catalogue has no message" wine "$probe_win" message 'C:\wsbkit-addin.exe' 9999 x
rm -f "$drive_c"/wsbkit.exe "$drive_c"/wsbkit-addin.exe "$drive_c"/wsbkit-ps.dll "$drive_c"/wsbkit-msi.dll

# ---------------------------------------------------------------------- the application and its neighbour
mkdir -p "$drive_c/Contoso"
echo '{}' > "$drive_c/Contoso/policy.json"
check "reg add: a neighbour application (not wsbkit's)" \
  wine reg add "$neighbour" /v 'Application Identifier' /t REG_SZ /d Exchange /f
neighbour_before=$(query "$neighbour")

# ---------------------------------------------------------------------- reference: `wsbkit register` by hand
mkdir -p "$install_dir"
for f in src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll; do
  x86_64-w64-mingw32-strip -o "$install_dir/$(basename "$f")" "$WSBKIT_BUILD_DIR/$f"
done
check "reference: wsbkit repair creates the state folder" wsbkit repair
check "reference: wsbkit register" wsbkit register --writer "$writer" --identifier 'Contoso Ledger' \
  --addin "$install_dir_win\\wsbkit-addin.exe" --policy "$policy_win" --hosting LocalServer32
ref_status=$(wsbkit status --json)
ref_doctor=$(wsbkit doctor)
check "reference: unregister" wsbkit unregister --writer "$writer"
# Where no installer ran, `register` registers the event source itself, when the Application log's
# key exists (Windows always has it; Wine has not: made here as Windows has it) and no source
# "wsbkit" does; the last `unregister` removes exactly that.
check "reg add: the Application log's key, as Windows has it" \
  wine reg add 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application' /f
check "reference: register again, now with an event log" wsbkit register --writer "$writer" \
  --identifier 'Contoso Ledger' --addin "$install_dir_win\\wsbkit-addin.exe" --policy "$policy_win"
check_contains "register wrote the event source: EventMessageFile is the add-in" \
  "REG_EXPAND_SZ $install_dir_win\\wsbkit-addin.exe" "$(value_of "$event_source" EventMessageFile)"
check "register recorded the event source as its own" wine reg query 'HKLM\SOFTWARE\wsbkit\EventSource'
out=$(wine_run "$probe_win" event 31 'Consistency check of LedgerDB failed: data\ledger2.ldb')
check_contains "an event's text through the source register wrote" "A consistency check failed." "$out"
check_contains "...with its insertion string" 'Consistency check of LedgerDB failed: data\ledger2.ldb' "$out"
check "reference: unregister" wsbkit unregister --writer "$writer"
check_exit 1 "unregister removed the event source it wrote" wine reg query "$event_source"
check_exit 1 "...and its record" wine reg query 'HKLM\SOFTWARE\wsbkit\EventSource'
check "...and left the Application log's key" wine reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application'
# The reference of the LocalService install at the end: hosted as a service, with both permissions.
launch_sddl='O:BAG:BAD:(A;;0x1F;;;SY)(A;;0x1F;;;BA)'
access_sddl='O:BAG:BAD:(A;;0x3;;;SY)(A;;0x3;;;BA)'
check "reference: register --hosting LocalService with permissions" wsbkit register --writer "$writer" \
  --identifier 'Contoso Ledger' --addin "$install_dir_win\\wsbkit-addin.exe" --policy "$policy_win" \
  --hosting LocalService --launch-permission "$launch_sddl" --access-permission "$access_sddl"
ref_status_service=$(wsbkit status --json)
ref_doctor_service=$(wsbkit doctor)
check "reference: unregister the LocalService add-in" wsbkit unregister --writer "$writer"
rm -rf "$install_dir"

# ---------------------------------------------------------------------- silent install
started=$(date +%s%N)
check "msiexec /i /qn installs (WRITER_ID, APP_IDENTIFIER, POLICY)" \
  msiexec /i "C:\\wsbkit-$version.msi" /qn /l*v 'C:\install.log' \
    WRITER_ID="$writer" APP_IDENTIFIER='Contoso Ledger' POLICY="$policy_win"
echo "install took $(( ($(date +%s%N) - started) / 1000000 )) ms"
for f in wsbkit.exe wsbkit-addin.exe wsbkit-ps.dll docs/README.md docs/deploying.md schemas/policy.schema.json \
         samples/sample-policy.json; do
  [ -f "$install_dir/$f" ] && pass "installed: $f" || fail "not installed: $f"
done
for f in wsbkit.exe wsbkit-addin.exe wsbkit-ps.dll; do
  check "osslsigncode verify: installed $f is signed" osslsigncode verify -CAfile "$msi_dir/cert.pem" -in "$install_dir/$f"
done
[ ! -e "$install_dir/wsbkit-msi.dll" ] && pass "the custom action DLL is not installed" || fail "wsbkit-msi.dll installed"
check_contains "the installer log has register's output" "wsbkit: register exit code 0" "$(installer_log install.log)"
check_contains "Application Support entry written" "REG_SZ Contoso Ledger" "$(value_of "$app_support\\$writer" 'Application Identifier')"
clsid=$(value_of "$app_support\\$writer" CLSID | sed 's/^REG_SZ //')
check_contains "the add-in's LocalServer32 is the installed add-in" "$install_dir_win\\wsbkit-addin.exe" \
  "$(query "$clsid_key\\$clsid\\LocalServer32")"
check_contains "event source: EventMessageFile is the add-in" "$install_dir_win\\wsbkit-addin.exe" \
  "$(value_of "$event_source" EventMessageFile)"
check_contains "event source: TypesSupported 7" "REG_DWORD 0x7" "$(value_of "$event_source" TypesSupported)"
check_exit 1 "register left the MSI's event source to the MSI (no record of its own)" \
  wine reg query 'HKLM\SOFTWARE\wsbkit\EventSource'
out=$(wine_run "$probe_win" event 12 'PreRestore of LedgerDB: service.stop LedgerSvc failed')
check_contains "an event's text through the registered source: the message" \
  "PreRestore failed; what was changed has been given back." "$out"
check_contains "an event's text through the registered source: its insertion string" \
  "PreRestore of LedgerDB: service.stop LedgerSvc failed" "$out"
[ -d "$drive_c/ProgramData/wsbkit/sessions" ] && [ -d "$drive_c/ProgramData/wsbkit/logs" ] \
  && pass "the state folder exists (sessions, logs)" || fail "no state folder under C:\\ProgramData\\wsbkit"
msi_status=$(wsbkit status --json)
msi_doctor=$(wsbkit doctor)
[ "$msi_status" = "$ref_status" ] && pass "status --json after the MSI = after wsbkit register" \
  || fail "status --json differs from wsbkit register's" "$(diff <(echo "$ref_status") <(echo "$msi_status"))"
[ "$msi_doctor" = "$ref_doctor" ] && pass "doctor after the MSI = after wsbkit register" \
  || fail "doctor differs from wsbkit register's" "$(diff <(echo "$ref_doctor") <(echo "$msi_doctor"))"
check "doctor is clean" wsbkit doctor
# The sample names the example's LedgerSvc, which this prefix does not have: validate's on-target
# check must say exactly that and find nothing else wrong with it.
sample_out=$(wsbkit validate "$install_dir_win\\samples\\sample-policy.json" 2>&1); sample_rc=$?
if [ "$sample_rc" -eq 3 ] && [ "$(grep -c ': service .LedgerSvc. is not installed on this machine' <<< "$sample_out")" -eq 1 ] \
   && grep -q '^1 problem(s) in ' <<< "$sample_out"; then
  pass "the installed sample policy is valid but for its example service, which validate names"
else
  fail "the installed sample policy: validate exit $sample_rc" "$sample_out"
fi
out=$(wsbkit simulate --yes 'Contoso Ledger' --component LedgerDB)
check_contains "simulate activates the add-in the MSI registered" "0 rejected" "$out"
wait_gone() { for _ in $(seq 1 50); do [ -z "$(prefix_pids 'wsbkit-addin.exe')" ] && return 0; sleep 0.1; done; return 1; }
wait_gone || fail "the add-in still runs 5 s after simulate"
installed_versions() {  # what the installed binaries say they are
  for f in wsbkit.exe wsbkit-addin.exe wsbkit-ps.dll; do
    printf '%s %s\n' "$f" "$(wine_run "$probe_win" version "$install_dir_win\\$f" | sed -n 's/^Fixed: //p')"
  done
  wsbkit --version
  wine_run "$install_dir_win\\wsbkit-addin.exe" --version
}
before_upgrade=$(installed_versions)
[ "$before_upgrade" = "$(printf 'wsbkit.exe %s.0\nwsbkit-addin.exe %s.0\nwsbkit-ps.dll %s.0\nwsbkit %s\nwsbkit-addin %s' \
  "$version" "$version" "$version" "$version" "$version")" ] && pass "installed binaries are version $version" \
  || fail "installed binaries before the upgrade" "$before_upgrade"

# ---------------------------------------------------------------------- upgrade
check "msiexec /i of a newer version upgrades in place (no properties)" \
  msiexec /i "C:\\wsbkit-$newer.msi" /qn /l*v 'C:\upgrade.log'
out=$(products)
[ "$(grep -c . <<< "$out")" -eq 1 ] && pass "one wsbkit product installed after the upgrade" \
  || fail "installed wsbkit products after the upgrade" "$out"
check_contains "the installed product is the newer version" " $newer" "$out"
check_contains "the upgrade registered with the remembered inputs" "wsbkit: register exit code 0" "$(installer_log upgrade.log)"
[ "$(wsbkit status --json)" = "$ref_status" ] && pass "status --json unchanged by the upgrade" \
  || fail "status --json changed by the upgrade" "$(wsbkit status --json)"
[ -f "$install_dir/wsbkit-addin.exe" ] && pass "the add-in is in place after the upgrade" || fail "add-in gone after the upgrade"
after_upgrade=$(installed_versions)
[ "$after_upgrade" = "$(printf 'wsbkit.exe %s.0\nwsbkit-addin.exe %s.0\nwsbkit-ps.dll %s.0\nwsbkit %s\nwsbkit-addin %s' \
  "$newer" "$newer" "$newer" "$newer" "$newer")" ] && pass "the upgrade replaced every binary with the $newer build" \
  || fail "installed binaries after the upgrade" "$after_upgrade"
out=$(wsbkit simulate 'Contoso Ledger' --yes --component LedgerDB)
check_contains "simulate activates the upgraded add-in" "0 rejected" "$out"
wait_gone || fail "the upgraded add-in still runs 5 s after simulate"

# ---------------------------------------------------------------------- repair
rm -f "$install_dir/wsbkit-addin.exe"
wine reg delete "$app_support\\$writer" /f >/dev/null 2>&1
# (Wine's `msiexec /fa` returns 1 without doing anything: the equivalent properties are used.)
check "msiexec REINSTALL=ALL repairs" \
  msiexec /i "C:\\wsbkit-$newer.msi" REINSTALL=ALL REINSTALLMODE=vomus /qn /l*v 'C:\repair.log'
[ -f "$install_dir/wsbkit-addin.exe" ] && pass "repair put the add-in back" || fail "repair did not put the add-in back"
check_contains "repair put the registration back" "REG_SZ Contoso Ledger" \
  "$(value_of "$app_support\\$writer" 'Application Identifier')"
[ "$(wsbkit status --json)" = "$ref_status" ] && pass "status --json after the repair = after wsbkit register" \
  || fail "status --json after the repair differs" "$(wsbkit status --json)"
check "doctor is clean after the repair" wsbkit doctor

# ---------------------------------------------------------------------- uninstall
check "msiexec /x /qn uninstalls" msiexec /x "C:\\wsbkit-$newer.msi" /qn /l*v 'C:\uninstall.log'
check_contains "the installer log has unregister's output" "wsbkit: unregister exit code 0" "$(installer_log uninstall.log)"
nothing_left() {  # what an install that ended (uninstalled, or failed) must not leave
  [ ! -e "$install_dir" ] && pass "$1: no Program Files\\wsbkit" || fail "$1: left" "$(find "$install_dir")"
  check_exit 1 "$1: no Application Support entry" wine reg query "$app_support\\$writer"
  check_exit 1 "$1: no event source" wine reg query "$event_source"
  check_exit 1 "$1: no remembered installer properties" wine reg query 'HKLM\SOFTWARE\wsbkit\Installer'
  [ -n "${clsid:-}" ] && check_exit 1 "$1: no add-in CLSID" wine reg query "$clsid_key\\$clsid"
  check_no_records "$1: no wsbkit registration record"
  [ -z "$(products)" ] && pass "$1: no wsbkit product installed" || fail "$1: wsbkit products" "$(products)"
  [ "$(query "$neighbour")" = "$neighbour_before" ] && pass "$1: the neighbour's registration is untouched" \
    || fail "$1: the neighbour changed" "$(query "$neighbour")"
}
nothing_left "uninstall"

# ---------------------------------------------------------------------- bad properties
bad_install() {  # bad_install NAME "regex of the reason's log line" PROPERTY=VALUE...
  local name=$1 reason=$2; shift 2
  check_exit_nonzero() { if msiexec "$@"; then fail "$name: the install succeeded"; else pass "$name: the install fails"; fi; }
  check_exit_nonzero /i "C:\\wsbkit-$version.msi" /qn /l*v "C:\\$name.log" "$@"
  if grep -qE -- "$reason" <<< "$(installer_log "$name.log")"; then pass "$name: the reason is in the installer log"
  else fail "$name: no line matching '$reason' in the installer log" "$(grep 'wsbkit:' <<< "$(installer_log "$name.log")")"; fi
  nothing_left "$name"
}
bad_install malformed-writer "^wsbkit: stderr: .*not-a-guid" WRITER_ID='not-a-guid' APP_IDENTIFIER='Contoso Ledger' POLICY="$policy_win"
bad_install missing-policy "^wsbkit: POLICY is required" WRITER_ID="$writer" APP_IDENTIFIER='Contoso Ledger'
bad_install missing-policy-file "^wsbkit: stderr: .*missing\.json" WRITER_ID="$writer" \
  APP_IDENTIFIER='Contoso Ledger' POLICY='C:\Contoso\missing.json'
bad_install taken-identifier "^wsbkit: stderr: .*Exchange" WRITER_ID="$writer" APP_IDENTIFIER=Exchange POLICY="$policy_win"

# ---------------------------------------------------------------------- uninstall after unregistering by hand
check "msiexec /i /qn installs again" msiexec /i "C:\\wsbkit-$version.msi" /qn \
  WRITER_ID="$writer" APP_IDENTIFIER='Contoso Ledger' POLICY="$policy_win"
check "wsbkit unregister by hand" wsbkit unregister --writer "$writer"
check "msiexec /x still uninstalls" msiexec /x "C:\\wsbkit-$version.msi" /qn /l*v 'C:\uninstall-2.log'
check_contains "the log says there was nothing left to unregister" "nothing registered for this writer" \
  "$(installer_log uninstall-2.log)"
nothing_left "uninstall after unregister"

# ---------------------------------------------------------------------- HOSTING=LocalService, permissions
check "msiexec /i /qn HOSTING=LocalService LAUNCH_PERMISSION ACCESS_PERMISSION" \
  msiexec /i "C:\\wsbkit-$version.msi" /qn /l*v 'C:\install-service.log' WRITER_ID="$writer" \
    APP_IDENTIFIER='Contoso Ledger' POLICY="$policy_win" HOSTING=LocalService \
    LAUNCH_PERMISSION="$launch_sddl" ACCESS_PERMISSION="$access_sddl"
out=$(wsbkit status --json)
[ "$out" = "$ref_status_service" ] && pass "LocalService: status --json after the MSI = after wsbkit register" \
  || fail "LocalService: status --json differs from wsbkit register's" "$(diff <(echo "$ref_status_service") <(echo "$out"))"
out=$(wsbkit doctor)
[ "$out" = "$ref_doctor_service" ] && pass "LocalService: doctor after the MSI = after wsbkit register" \
  || fail "LocalService: doctor differs from wsbkit register's" "$(diff <(echo "$ref_doctor_service") <(echo "$out"))"
out=$(wsbkit doctor --json | tr -d ' ')
check_contains "LocalService: the AppID's launch permission is LAUNCH_PERMISSION" "$launch_sddl" "$out"
check_contains "LocalService: the AppID's access permission is ACCESS_PERMISSION" "$access_sddl" "$out"
clsid=$(value_of "$app_support\\$writer" CLSID | sed 's/^REG_SZ //')
service=$(value_of "HKLM\\SOFTWARE\\Classes\\AppID\\$clsid" LocalService | sed 's/^REG_SZ //')
check_contains "LocalService: the AppID names the add-in's service" "wsbkit-addin-" "$service"
check_contains "LocalService: the service runs the installed add-in" "\"$install_dir_win\\wsbkit-addin.exe\" --service" \
  "$(value_of "HKLM\\SYSTEM\\CurrentControlSet\\Services\\$service" ImagePath)"
out=$(wsbkit simulate 'Contoso Ledger' --yes --component LedgerDB)
check_contains "LocalService: simulate activates the add-in through its service" "0 rejected" "$out"
check "msiexec /x /qn uninstalls the LocalService install" msiexec /x "C:\\wsbkit-$version.msi" /qn /l*v 'C:\uninstall-service.log'
check_exit 1 "LocalService: the add-in's service is gone" wine reg query "HKLM\\SYSTEM\\CurrentControlSet\\Services\\$service"
nothing_left "LocalService uninstall"
finish
