#!/usr/bin/env bash
# The main job (issue 11, "The demo"): builds the Windows deliverables into dist/, then under Wine
# tells the story of the sample application Contoso Ledger (src/sample/: LedgerSvc listening on
# 127.0.0.1:47110, LedgerHelperSvc depending on it, data files and the xxhsum manifest, its policy
# src/sample/ledger-policy.json): register; a backup whose check passes; a damaged snapshot whose
# check fails (WSB would not allow recovery: exit 8); a restore (services stopped once, files
# restored, services and port back); a restore whose add-in is killed after PreRestore (services
# given back from the journal); a restore whose LedgerSvc stop hangs (the policy's timeout fires,
# PreRestore fails, nothing is left stopped); unregister. Each `wsbkit simulate` prints its timeline.
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
  src/sample/ledger-svc.exe | tail -n 1

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
# A run that leaves a restore session open keeps the add-in alive, and with it the output handles it
# inherited: such runs write to a file, never to a pipe.
wsbkit_to_file() { wine "$install_dir/wsbkit.exe" "$@" > "$drive_c/demo.out" 2>&1; local rc=$?; tr -d '\r' < "$drive_c/demo.out"; return $rc; }

writer='{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
drive_c="$WINEPREFIX/drive_c"
wsbkit unregister --writer "$writer" >/dev/null 2>&1 || true   # a previous interrupted run
for s in LedgerHelperSvc LedgerSvc; do wine sc stop $s >/dev/null 2>&1 || true; wine sc delete $s >/dev/null 2>&1 || true; done
state() { wine sc query "$1" 2>/dev/null | tr -d '\r' | sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p'; }
services() { echo "LedgerSvc $(state LedgerSvc), LedgerHelperSvc $(state LedgerHelperSvc)"; }

step "The sample application: Contoso Ledger (src/sample/)"
mkdir -p "$drive_c/Contoso" "$drive_c/Ledger/data" "$drive_c/Ledger/journal" "$drive_c/ProgramData/Contoso"
cp "$build/src/sample/ledger-svc.exe" "$drive_c/Contoso/ledger-svc.exe"
wine sc create LedgerSvc binPath= 'C:\Contoso\ledger-svc.exe --listen 47110' start= auto >/dev/null 2>&1
wine sc create LedgerHelperSvc binPath= 'C:\Contoso\ledger-svc.exe' start= auto depend= LedgerSvc >/dev/null 2>&1
# Wine 8's `sc create depend=` stores the list without its final NUL (bytes of whatever followed
# end up in DependOnService): write it again as the REG_MULTI_SZ Windows keeps.
wine reg add 'HKLM\System\CurrentControlSet\Services\LedgerHelperSvc' /v DependOnService /t REG_MULTI_SZ /d LedgerSvc /f >/dev/null 2>&1
wine sc start LedgerSvc >/dev/null 2>&1; wine sc start LedgerHelperSvc >/dev/null 2>&1
for i in 1 2 3; do head -c $((i * 300000)) /dev/urandom > "$drive_c/Ledger/data/ledger$i.ldb"; done
printf 'journal 1\n' > "$drive_c/Ledger/journal/0001.jnl"
(cd "$drive_c/Ledger" && xxhsum -H2 data/*.ldb > MANIFEST.xxh128)
cp src/sample/ledger-policy.json "$drive_c/ProgramData/Contoso/ledger-policy.json"
policy='C:\ProgramData\Contoso\ledger-policy.json'
echo "$(services); data: $(ls "$drive_c/Ledger/data" | tr '\n' ' ')+ MANIFEST.xxh128 (xxhsum -H2)"

step "wsbkit validate and register (as an administrator would on the server)"
wsbkit validate "$policy"
wsbkit register --writer "$writer" --identifier "Contoso Ledger" \
  --addin 'C:\Program Files\wsbkit\wsbkit-addin.exe' --policy "$policy"

# The backup's snapshot of C: is stood in for by a copy under C:\snap.
rm -rf "$drive_c/snap" && mkdir -p "$drive_c/snap" && cp -r "$drive_c/Ledger" "$drive_c/snap/"
components=(--component 'LedgerDB=Contoso\Ledger' --component 'LedgerJournal=Contoso\Ledger')
volume=(--volume 'C:\=C:\snap\')

step "Backup: WSB's CheckConsistency against the snapshot (C:\ -> C:\snap\): the checks pass"
wsbkit simulate "Contoso Ledger" --backup-only "${components[@]}" "${volume[@]}" --poll-ms 100

step "Backup of a damaged snapshot (one byte of ledger2.ldb changed): recovery not allowed"
printf 'X' | dd of="$drive_c/snap/Ledger/data/ledger2.ldb" bs=1 seek=1000 conv=notrunc status=none
rc=0; wsbkit simulate "Contoso Ledger" --backup-only "${components[@]}" "${volume[@]}" --poll-ms 100 || rc=$?
echo "exit code $rc (8: WSB would not allow recovery of LedgerDB from this backup)"
rm -rf "$drive_c/snap" && mkdir -p "$drive_c/snap" && cp -r "$drive_c/Ledger" "$drive_c/snap/"

step "Restore: without --yes simulate only says what it would do to the live services"
# (Input not a terminal: at one, simulate would ask for the application's name instead.)
rc=0; wsbkit simulate "Contoso Ledger" --restore-only "${components[@]}" "${volume[@]}" < /dev/null || rc=$?
echo "exit code $rc; $(services)"

step "Restore: services stopped once, the files restored and verified, services and port back"
# Without --component simulate takes the registered policy's components and generates the writer
# metadata from it (docs/simulator.md): between each PreRestore and PostRestore the component's
# files are copied from the backup (C:\snap\) into place, then compared with it. A live data file
# is damaged first, so the restore has something to put right.
printf 'torn' | dd of="$drive_c/Ledger/data/ledger1.ldb" bs=1 seek=0 conv=notrunc status=none
wsbkit simulate "Contoso Ledger" --yes --restore-only "${volume[@]}"
cmp -s "$drive_c/Ledger/data/ledger1.ldb" "$drive_c/snap/Ledger/data/ledger1.ldb" \
  && echo "ledger1.ldb is the backup's again" || { echo "ledger1.ldb was not restored" >&2; exit 1; }
port=closed; (exec 3<>/dev/tcp/127.0.0.1/47110) 2>/dev/null && port=open
echo "$(services); port 47110 $port"

step "Restore again; the add-in process is killed right after PreRestore (--kill-addin-after)"
wsbkit_to_file simulate "Contoso Ledger" --yes --restore-only "${components[@]}" "${volume[@]}" \
  --kill-addin-after 'PreRestore:LedgerDB' || true
echo "after the crash: $(services)"

step "The services given back from the session's journal"
# On Windows WSB's next call activates a new add-in, which completes the undo in the run above.
# Under Wine that activation fails (rpcss keeps the dead add-in's class registration until the
# wineserver restarts: the timeline above says so); `wsbkit repair` gives back from the journal.
wsbkit repair
for _ in $(seq 1 50); do [ "$(state LedgerHelperSvc)" = RUNNING ] && break; sleep 0.1; done
echo "after repair: $(services)"
wine_restart   # the dead class registration goes with the wineserver
for _ in $(seq 1 50); do [ "$(state LedgerHelperSvc)" = RUNNING ] && break; sleep 0.1; done

step "Restore of LedgerDB while LedgerSvc's stop hangs (ledger-svc.exe --hang-stop 35): the policy's 30 s timeout fires"
# The fault is in the service's own command line (only administrators may change it): LedgerSvc
# is made again with --hang-stop, so its stops hang for 35 s before it gives up and runs on.
wine sc stop LedgerHelperSvc >/dev/null 2>&1; wine sc stop LedgerSvc >/dev/null 2>&1
for _ in $(seq 1 50); do [ "$(state LedgerSvc)" = STOPPED ] && break; sleep 0.1; done
wine sc delete LedgerSvc >/dev/null 2>&1
wine sc create LedgerSvc binPath= 'C:\Contoso\ledger-svc.exe --listen 47110 --hang-stop 35' start= auto >/dev/null 2>&1
wine sc start LedgerSvc >/dev/null 2>&1; wine sc start LedgerHelperSvc >/dev/null 2>&1
rc=0; wsbkit simulate "Contoso Ledger" --yes --restore-only --component 'LedgerDB=Contoso\Ledger' || rc=$?
echo "exit code $rc (6: WSB would report the failed PreRestore); $(services)"

step "wsbkit unregister"
wsbkit unregister --writer "$writer"
for s in LedgerHelperSvc LedgerSvc; do wine sc stop $s >/dev/null 2>&1 || true; wine sc delete $s >/dev/null 2>&1 || true; done

step "The same story natively (Linux, no Wine): the policy on an in-memory machine (--scenario)"
# What a team runs in its own CI (README, "Testing your policy in CI"): the real policy engine on
# the machine src/sample/ledger-scenario.json declares; every expectation held or missed.
native=${WSBKIT_NATIVE_BUILD:-build-native}
[ -f "$native/build.ninja" ] || meson setup "$native" --werror >/dev/null
ninja -C "$native" src/cli/wsbkit | tail -n 1
"$native/src/cli/wsbkit" simulate --in-process --policy src/sample/ledger-policy.json \
  --scenario src/sample/ledger-scenario.json
printf '\nDone: dist/ holds wsbkit.exe, wsbkit-addin.exe, wsbkit-ps.dll, wsbkit.msi and SHA256SUMS.\n'
