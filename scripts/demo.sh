#!/usr/bin/env bash
# The main job: builds the Windows deliverables into dist/ and runs a full backup-and-restore
# cycle of a sample application under Wine: a sample service ("Contoso Ledger") with data files
# and an xxhsum manifest, a policy (consistency check at backup; stop the service for the
# restore, start it after), register, validate, status, then Windows Server Backup's calls made by
# `wsbkit simulate` against the add-in activated out of process (each call and its HRESULT),
# a corrupted snapshot caught by the check, and unregister.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
. scripts/lib/wine.sh

build=${WSBKIT_WIN_BUILD:-build-win}
step() { printf '\n== %s\n' "$*"; }

step "Building the Windows deliverables (MinGW-w64, static)"
[ -f "$build/build.ninja" ] || meson setup "$build" --cross-file scripts/cross/mingw-w64-x86_64.ini --werror >/dev/null
ninja -C "$build" src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll src/msi/wsbkit-msi.dll \
  tests/contract/wsbkit-test-service.exe | tail -n 1

mkdir -p dist
for f in src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll; do
  x86_64-w64-mingw32-strip -o "dist/$(basename "$f")" "$build/$f"
done
for f in dist/wsbkit.exe dist/wsbkit-addin.exe dist/wsbkit-ps.dll; do
  format=$(x86_64-w64-mingw32-objdump -f "$f" | sed -n 's/.*file format //p')
  imports=$(x86_64-w64-mingw32-objdump -p "$f" | sed -n 's/.*DLL Name: //p' | tr '\n' ' ')
  if printf '%s' "$imports" | grep -qiE 'libstdc|libgcc|libwinpthread'; then
    echo "error: $f imports a MinGW runtime DLL: $imports" >&2; exit 1
  fi
  printf '%-22s %-10s %6s KiB  imports: %s\n' "$f" "$format" "$(( $(stat -c %s "$f") / 1024 ))" "$imports"
done

step "The MSI (wixl) and SHA256SUMS (docs/deploying.md)"
bash scripts/build-msi.sh "$build" dist/wsbkit.msi >/dev/null
printf '%-22s %6s KiB  ProductVersion %s\n' dist/wsbkit.msi "$(( $(stat -c %s dist/wsbkit.msi) / 1024 ))" \
  "$(msiinfo export dist/wsbkit.msi Property | tr -d '\r' | sed -n 's/^ProductVersion\t//p')"
(cd dist && sha256sum wsbkit.exe wsbkit-addin.exe wsbkit-ps.dll wsbkit.msi > SHA256SUMS && cat SHA256SUMS)

step "Starting Wine (prefix $build/wineprefix-demo)"
wine_up "$root/$build/wineprefix-demo"
install_dir="$WINEPREFIX/drive_c/Program Files/wsbkit"
mkdir -p "$install_dir"
cp dist/wsbkit.exe dist/wsbkit-addin.exe dist/wsbkit-ps.dll "$install_dir/"
wsbkit() { wine "$install_dir/wsbkit.exe" "$@" 2>&1 | tr -d '\r'; return "${PIPESTATUS[0]}"; }

writer='{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
wsbkit unregister --writer "$writer" >/dev/null 2>&1 || true   # a previous interrupted run
wine sc stop LedgerSvc >/dev/null 2>&1 || true
wine sc delete LedgerSvc >/dev/null 2>&1 || true
drive_c="$WINEPREFIX/drive_c"
state() { wine sc query LedgerSvc 2>/dev/null | tr -d '\r' | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p'; }

step "The sample application: the Contoso Ledger service and its data"
mkdir -p "$drive_c/Contoso" "$drive_c/Ledger/data" "$drive_c/ProgramData/Contoso"
cp "$build/tests/contract/wsbkit-test-service.exe" "$drive_c/Contoso/ledger-svc.exe"
wine sc create LedgerSvc binPath= 'C:\Contoso\ledger-svc.exe' start= auto >/dev/null 2>&1
wine sc start LedgerSvc >/dev/null 2>&1
for i in 1 2 3; do head -c $((i * 300000)) /dev/urandom > "$drive_c/Ledger/data/ledger$i.ldb"; done
(cd "$drive_c/Ledger" && xxhsum -H2 data/*.ldb > MANIFEST.xxh128)
echo "LedgerSvc: $(state); data: $(ls "$drive_c/Ledger/data" | tr '\n' ' ')+ MANIFEST.xxh128 (xxhsum -H2)"

cat > "$drive_c/ProgramData/Contoso/ledger-policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Contoso Ledger" },
  "components": { "db": { "name": "LedgerDB" }, "journal": { "name": "LedgerJournal" } },
  "backup": { "check": [
    { "files.present": { "paths": ["C:\\Ledger\\data\\*.ldb"], "non_empty": true } },
    { "manifest.verify": { "manifest": "C:\\Ledger\\MANIFEST.xxh128" }, "when": { "component": "db" } }
  ] },
  "restore": {
    "order": ["db", "journal"],
    "pre":  [{ "service.stop":  { "service": "LedgerSvc", "disable_during_restore": true }, "timeout": "30s" }],
    "post": [{ "service.start": { "service": "LedgerSvc" }, "timeout": "30s" }]
  }
}
JSON
policy='C:\ProgramData\Contoso\ledger-policy.json'

step "wsbkit validate (the policy, as an administrator would check it)"
wsbkit validate "$policy"

step "wsbkit register (as an administrator would on the server)"
wsbkit register --writer "$writer" --identifier "Contoso Ledger" \
  --addin 'C:\Program Files\wsbkit\wsbkit-addin.exe' --policy "$policy"

step "wsbkit status"
wsbkit status

# The backup's snapshot of C: is stood in for by a copy under C:\snap.
rm -rf "$drive_c/snap" && mkdir -p "$drive_c/snap" && cp -r "$drive_c/Ledger" "$drive_c/snap/"
components=(--component 'LedgerJournal=Contoso\Ledger' --component 'LedgerDB=Contoso\Ledger')

step "Backup: WSB's CheckConsistency against the snapshot (C:\ -> C:\snap\)"
wsbkit simulate "Contoso Ledger" --backup-only "${components[@]}" --volume 'C:\=C:\snap\' --poll-ms 100

step "Backup of a damaged snapshot: one byte changed in ledger2.ldb"
printf 'X' | dd of="$drive_c/snap/Ledger/data/ledger2.ldb" bs=1 seek=1000 conv=notrunc status=none
wsbkit simulate "Contoso Ledger" --backup-only --component 'LedgerDB=Contoso\Ledger' --volume 'C:\=C:\snap\' \
  --poll-ms 100
echo "The check failed, so WSB would not allow recovery of LedgerDB from this backup. The run log says why:"
grep -h '"end"' "$drive_c"/ProgramData/wsbkit/logs/check-*.jsonl | tail -n 1 || true

step "Restore: WSB's calls up to the file restore; LedgerSvc must be stopped and disabled"
# The add-in process keeps running while its restore session is open (it holds the session's lock
# until PostRestore), so this call writes to a file, not to a pipe that process would inherit.
wine "$install_dir/wsbkit.exe" simulate "Contoso Ledger" --restore-only "${components[@]}" --calls order,rollforward,pre \
  > "$drive_c/demo-pre.txt" 2>&1
tr -d '\r' < "$drive_c/demo-pre.txt"
echo "LedgerSvc during the restore: $(state), start type $(wine reg query 'HKLM\System\CurrentControlSet\Services\LedgerSvc' /v Start 2>/dev/null | tr -d '\r' | sed -n 's/.*REG_DWORD *//p') (4 = disabled)"

step "Restore: the files are back; WSB's PostRestore calls (a new add-in process)"
wsbkit simulate "Contoso Ledger" --restore-only "${components[@]}" --calls post
for _ in $(seq 1 50); do [ "$(state)" = RUNNING ] && break; sleep 0.1; done
echo "LedgerSvc after the restore: $(state), start type $(wine reg query 'HKLM\System\CurrentControlSet\Services\LedgerSvc' /v Start 2>/dev/null | tr -d '\r' | sed -n 's/.*REG_DWORD *//p') (2 = automatic)"

step "The add-in's own log of those calls (C:\\ProgramData\\wsbkit\\logs\\addin.jsonl, last 4)"
tail -n 4 "$drive_c/ProgramData/wsbkit/logs/addin.jsonl"

step "wsbkit unregister"
wsbkit unregister --writer "$writer"
wsbkit status
wine sc stop LedgerSvc >/dev/null 2>&1 || true
wine sc delete LedgerSvc >/dev/null 2>&1 || true
printf '\nDone: dist/ holds wsbkit.exe, wsbkit-addin.exe, wsbkit-ps.dll, wsbkit.msi and SHA256SUMS.\n'
