#!/usr/bin/env bash
# The main job: builds the Windows deliverables into dist/ and runs a full cycle of a sample
# application under Wine: register (application + add-in), status, simulate (Windows Server
# Backup's calls, each printed with its HRESULT, against the add-in activated out of process),
# unregister.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
. scripts/lib/wine.sh

build=${WSBKIT_WIN_BUILD:-build-win}
step() { printf '\n== %s\n' "$*"; }

step "Building the Windows deliverables (MinGW-w64, static)"
[ -f "$build/build.ninja" ] || meson setup "$build" --cross-file scripts/cross/mingw-w64-x86_64.ini --werror >/dev/null
ninja -C "$build" src/cli/wsbkit.exe src/addin/wsbkit-addin.exe src/ps/wsbkit-ps.dll | tail -n 1

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

step "Starting Wine (prefix $build/wineprefix-demo)"
wine_up "$root/$build/wineprefix-demo"
install_dir="$WINEPREFIX/drive_c/Program Files/wsbkit"
mkdir -p "$install_dir"
cp dist/wsbkit.exe dist/wsbkit-addin.exe dist/wsbkit-ps.dll "$install_dir/"
wsbkit() { wine "$install_dir/wsbkit.exe" "$@" 2>&1 | tr -d '\r'; return "${PIPESTATUS[0]}"; }

writer='{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
wsbkit unregister --writer "$writer" >/dev/null 2>&1 || true   # a previous interrupted run

step "wsbkit register (as an administrator would on the server)"
wsbkit register --writer "$writer" --identifier "Contoso Ledger" \
  --addin 'C:\Program Files\wsbkit\wsbkit-addin.exe' --policy 'C:\ProgramData\Contoso\ledger-policy.json'

step "wsbkit status"
wsbkit status

step "wsbkit simulate: Windows Server Backup's calls, the add-in in its own process"
wsbkit simulate "Contoso Ledger" --component 'LedgerDB=Contoso\Ledger' --component 'LedgerJournal=Contoso\Ledger' \
  --volume '\\?\Volume{0D5F2C1A-0000-0000-0000-100000000000}\=\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1\'

step "The add-in's own log of those calls (C:\\ProgramData\\wsbkit\\logs\\addin.jsonl)"
tail -n 8 "$WINEPREFIX/drive_c/ProgramData/wsbkit/logs/addin.jsonl"

step "wsbkit unregister"
wsbkit unregister --writer "$writer"
wsbkit status
printf '\nDone: dist/ holds wsbkit.exe, wsbkit-addin.exe and wsbkit-ps.dll.\n'
