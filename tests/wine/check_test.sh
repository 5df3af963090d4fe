#!/usr/bin/env bash
# Consistency checks end to end under Wine, in a fresh prefix, across processes: `wsbkit simulate`
# activates the registered add-in (out-of-process COM) and calls CheckConsistency with a source
# volume (C:\) and a "snapshot" directory (C:\snap\) that differs from the live files. A clean
# snapshot passes; a corrupted byte fails with the file named in the run log; an Abort during a long
# hash settles within the bound (measured from the run log); a hung checker with a grandchild is
# killed with its tree on Abort; a checker in a folder anyone may write is refused (never started)
# exactly like a restore `run` step, and a noisy one (not UTF-8, UTF-16, 1 MiB) keeps the run log JSON.
# Args: PROCESS_HELPER_EXE (plays the hung checker)
. "$(dirname "$0")/lib.sh"
helper_exe=$1

fresh_prefix checks
c="$WINEPREFIX/drive_c"
install_dir="$c/wsbkit"
mkdir -p "$install_dir" "$c/ProgramData/Ledger" "$c/Ledger/data" "$c/snap/Ledger/data" "$c/snap/Big" "$c/pids" "$c/loose"
cp "$WSBKIT_BUILD_DIR/src/cli/wsbkit.exe" "$WSBKIT_BUILD_DIR/src/addin/wsbkit-addin.exe" \
   "$WSBKIT_BUILD_DIR/src/ps/wsbkit-ps.dll" "$install_dir/"
cp "$helper_exe" "$install_dir/ledger-check.exe"
# Under Wine a file is untrusted exactly when it or a folder above it is world-writable.
cp "$helper_exe" "$c/loose/ledger-check.exe"
chmod 0777 "$c/loose"
wsbkit() { wine_run "$install_dir/wsbkit.exe" "$@"; }
logs="$c/ProgramData/wsbkit/logs"

# The live files and their snapshot differ: a check that read the live side would notice.
printf 'LIVE' > "$c/Ledger/data/a.ldb"
printf 'abc' > "$c/snap/Ledger/data/a.ldb"
printf 'hello world\n' > "$c/snap/Ledger/data/b c.ldb"
printf '06b05ab6733a618578af5f94892f3950  data/a.ldb\r\neefac9d87100cd1336b2e733a5484425  data/b c.ldb\r\n' \
  > "$c/snap/Ledger/MANIFEST.xxh128"
# A long hash: 256 MiB of zeros listed 200 times (50 GiB to hash, seconds even at memory speed).
head -c $((256 << 20)) /dev/zero > "$c/snap/Big/big.bin"
for _ in $(seq 1 200); do printf '00000000000000000000000000000000  big.bin\n'; done > "$c/snap/Big/MANIFEST.xxh128"

cat > "$c/ProgramData/Ledger/policy.json" <<'JSON'
{
  "application": { "writer_id": "{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}", "identifier": "Ledger" },
  "components": { "db": { "name": "LedgerDB" }, "big": { "name": "BigDB" }, "hung": { "name": "HungDB" },
                  "loose": { "name": "LooseDB" }, "noisy": { "name": "NoisyDB" },
                  "workdir": { "name": "WorkDirDB" }, "links": { "name": "LinkDB" },
                  "meta": { "name": "MetaDB", "logical_path": "Contoso\\Ledger" },
                  "ownpaths": { "name": "OwnPathsDB", "logical_path": "Contoso\\Ledger" } },
  "backup": { "check": [
    { "manifest.verify": { "manifest": "C:\\Ledger\\MANIFEST.xxh128", "extra_files": "fail" }, "when": { "component": "db" } },
    { "files.present": { "paths": "C:\\Ledger\\data\\*.ldb", "min_size": 3 }, "when": { "component": "db" } },
    { "manifest.verify": { "manifest": "C:\\Big\\MANIFEST.xxh128" }, "timeout": "10m", "when": { "component": "big" } },
    { "run": { "executable": "C:\\wsbkit\\ledger-check.exe", "arguments": ["spawn-sleeper", "600000", "C:\\pids\\hung.pid"] },
      "timeout": "1h", "when": { "component": "hung" } },
    { "run": { "executable": "C:\\loose\\ledger-check.exe", "arguments": ["spawn-sleeper", "1", "C:\\pids\\loose.pid"] },
      "when": { "component": "loose" } },
    { "run": { "executable": "C:\\wsbkit\\ledger-check.exe", "arguments": ["spawn-sleeper", "1", "C:\\pids\\workdir.pid"],
               "working_directory": "C:\\loose" }, "when": { "component": "workdir" } },
    { "run": { "executable": "C:\\wsbkit\\ledger-check.exe", "arguments": ["noise", "4294967295"], "success_exit_codes": [-1] },
      "when": { "component": "noisy" } },
    { "files.present": { "paths": ["C:\\Ledger\\live\\*.ldb", "C:\\Ledger\\bin\\*.*"] }, "when": { "component": "links" } },
    { "files.present": { "min_size": 3 }, "when": { "component": "meta" } },
    { "files.present": { "paths": "C:\\Ledger\\data\\a.ldb" }, "when": { "component": "ownpaths" } }
  ] }
}
JSON
policy='C:\ProgramData\Ledger\policy.json'
check "register the application with its add-in and policy" \
  wsbkit register --writer '{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}' --identifier Ledger \
  --addin 'C:\wsbkit\wsbkit-addin.exe' --policy "$policy"
volume=(--volume 'C:\=C:\snap\')
newest_log() { ls -t "$logs"/check-*.jsonl 2>/dev/null | head -n1; }

# 1. A clean snapshot passes (the live a.ldb holds other bytes: only the snapshot was read).
out=$(wsbkit simulate Ledger --backup-only --component LedgerDB "${volume[@]}" --poll-ms 50)
echo "$out"
check_contains "CheckConsistency starts a check" 'CheckConsistency(component="LedgerDB", volumes=1) -> S_OK, check started' "$out"
check_contains "a clean snapshot passes" 'QueryStatus(component="LedgerDB") -> S_OK, result S_OK' "$out"

# 2. One corrupted byte on the snapshot fails the check, and the run log names the file.
printf 'hello world!' > "$c/snap/Ledger/data/b c.ldb"
out=$(wsbkit simulate Ledger --backup-only --component LedgerDB "${volume[@]}" --poll-ms 50)
echo "$out"
check_contains "a corrupted byte fails the check" 'result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED' "$out"
log=$(cat "$(newest_log)" 2>/dev/null)
check_contains "the run log names the corrupted file" '1 mismatched (data/b c.ldb)' "$log"
check_contains "the run log records progress" '"event":"progress"' "$log"
printf 'hello world\n' > "$c/snap/Ledger/data/b c.ldb"

# 3. A file that exists only on the live volume is missing on the snapshot.
printf 'x' > "$c/Ledger/data/live-only.ldb"
printf 'abc' > "$c/snap/Ledger/data/z.tmp"
out=$(wsbkit simulate Ledger --backup-only --component LedgerDB "${volume[@]}" --poll-ms 50)
log=$(cat "$(newest_log)" 2>/dev/null)
check_contains "a file the manifest does not list fails extra_files: fail" 'not in the manifest (data\\z.tmp)' "$log"
check_not_contains "the live-only file is not seen" 'live-only' "$log"
rm -f "$c/snap/Ledger/data/z.tmp"

# 4. Abort during a long hash: E_ABORT, settled within 100 ms of the Abort (run log times).
out=$(wsbkit simulate Ledger --backup-only --component BigDB "${volume[@]}" --poll-ms 20 --abort-after-ms 300)
echo "$out"
check_contains "Abort during a long hash -> E_ABORT" 'QueryStatus(component="BigDB") -> S_OK, result E_ABORT' "$out"
log=$(cat "$(newest_log)" 2>/dev/null)
latency=$(printf '%s\n' "$log" | python3 -c '
import json, sys, datetime
t = {}
for line in sys.stdin:
    e = json.loads(line)
    t.setdefault(e["event"], datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ"))
print(int((t["end"] - t["abort"]).total_seconds() * 1000) if "abort" in t and "end" in t else "none")')
echo "Abort -> end of the check (run log): ${latency} ms"
[ "$latency" != none ] && [ "$latency" -lt 100 ] && pass "the hash stopped within 100 ms of the Abort (${latency} ms)" \
  || fail "Abort -> end took ${latency} ms" "$log"

# 5. A hung checker (with a grandchild) is killed with its tree on Abort.
rm -f "$c/pids/hung.pid"
out=$(wsbkit simulate Ledger --backup-only --component HungDB "${volume[@]}" --poll-ms 20 --abort-after-ms 1500)
echo "$out"
check_contains "Abort of a hung checker -> E_ABORT" 'QueryStatus(component="HungDB") -> S_OK, result E_ABORT' "$out"
grandchild=$(tr -d '\r\n' < "$c/pids/hung.pid" 2>/dev/null)
if [ -n "$grandchild" ]; then
  check_exit 1 "the checker's grandchild ($grandchild) is gone" wine "$install_dir/ledger-check.exe" alive "$grandchild"
else
  fail "the hung checker never wrote its grandchild's PID"
fi
log=$(cat "$(newest_log)" 2>/dev/null)
latency=$(printf '%s\n' "$log" | python3 -c '
import json, sys, datetime
t = {}
for line in sys.stdin:
    e = json.loads(line)
    t.setdefault(e["event"], datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ"))
print(int((t["end"] - t["abort"]).total_seconds() * 1000) if "abort" in t and "end" in t else "none")')
echo "Abort -> end of the hung checker (run log): ${latency} ms"
[ "$latency" != none ] && [ "$latency" -lt 100 ] && pass "the checker tree was killed within 100 ms (${latency} ms)" \
  || fail "Abort -> end took ${latency} ms" "$log"

# 6. A checker in a folder anyone may write is refused like a restore `run` step: never started,
#    the check fails, the run log says why.
rm -f "$c/pids/loose.pid"
out=$(wsbkit simulate Ledger --backup-only --component LooseDB "${volume[@]}" --poll-ms 20)
echo "$out"
check_contains "an untrusted checker fails the check" 'QueryStatus(component="LooseDB") -> S_OK, result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED' "$out"
[ ! -e "$c/pids/loose.pid" ] && pass "the untrusted checker was never started" || fail "the untrusted checker ran"
check_contains "the run log gives the refusal" 'can be changed by principals other than SYSTEM and Administrators' "$(cat "$(newest_log)" 2>/dev/null)"

# 6b. A trusted checker whose working directory anyone may write (a planted DLL there would load
#     into SYSTEM's process) is refused the same way: never started, the run log names the folder.
rm -f "$c/pids/workdir.pid"
out=$(wsbkit simulate Ledger --backup-only --component WorkDirDB "${volume[@]}" --poll-ms 20)
echo "$out"
check_contains "a checker in a world-writable working directory fails the check" 'QueryStatus(component="WorkDirDB") -> S_OK, result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED' "$out"
[ ! -e "$c/pids/workdir.pid" ] && pass "the checker with a world-writable working directory was never started" || fail "it ran"
check_contains "the run log names the working directory" 'C:\\loose can be changed' "$(cat "$(newest_log)" 2>/dev/null)"

# 6c. A batch-file checker and a UNC checker are validation errors (exit 3): the batch message says
#     how to call cmd.exe explicitly; the add-in would refuse such a policy whole.
printf '@echo hi\r\n' > "$install_dir/check.cmd"
printf '{ "backup": { "check": [ { "run": { "executable": "C:\\\\wsbkit\\\\check.cmd" } },\n  { "run": { "executable": "\\\\\\\\srv\\\\share\\\\check.exe" } } ] } }' \
  > "$c/ProgramData/Ledger/bad-policy.json"
out=$(wsbkit validate 'C:\ProgramData\Ledger\bad-policy.json'; echo "exit $?")
echo "$out"
check_contains "validate refuses a batch-file checker" 'is a batch file, which Windows runs through cmd.exe' "$out"
check_contains "the refusal shows the cmd.exe spelling" '"arguments": ["/d", "/c", "C:\\wsbkit\\check.cmd"]' "$out"
check_contains "validate refuses a UNC checker" 'is a UNC or device path' "$out"
check_contains "validate exits 3" 'exit 3' "$out"

# 7. A checker printing bytes that are not UTF-8, UTF-16 and 1 MiB, exiting 0xFFFFFFFF (-1 in the
#    policy): passes, and every run log line is JSON.
out=$(wsbkit simulate Ledger --backup-only --component NoisyDB "${volume[@]}" --poll-ms 20)
echo "$out"
check_contains "a noisy checker exiting 0xFFFFFFFF passes with success_exit_codes [-1]" 'QueryStatus(component="NoisyDB") -> S_OK, result S_OK' "$out"
json_check=$(python3 -c '
import json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
out = [r for r in records if r["event"] == "output"][0]
assert "bytes cut" in out["stdout"] and "Fehler" in out["stderr"], out
print("%d lines, JSON" % len(records))' "$(newest_log)" 2>&1)
check_contains "the noisy checker's run log parses as JSON, output cut and decoded" "lines, JSON" "$json_check"

# 8. A link inside the snapshot stand-in (a Unix symlink: Wine shows it as a reparse point, where a
#    junction would be on Windows) to the live folder is not followed: what lies behind it is the
#    live volume's. It is no mount point (GetVolumeNameForVolumeMountPointW says so), so the walk
#    does not switch volumes either: the check fails naming the skipped reparse point. "*.*"
#    matches a file name without a dot (C:\snap\Ledger\bin\LEDGERD).
mkdir -p "$c/snap/Ledger/bin"
printf 'binary' > "$c/snap/Ledger/bin/LEDGERD"
ln -s "$c/Ledger/data" "$c/snap/Ledger/live"
out=$(wsbkit simulate Ledger --backup-only --component LinkDB "${volume[@]}" --poll-ms 20)
echo "$out"
check_contains "a link in the snapshot to the live side fails the check" 'QueryStatus(component="LinkDB") -> S_OK, result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED' "$out"
log=$(cat "$(newest_log)" 2>/dev/null)
check_contains "the run log names the link, skipped" 'skipped reparse point C:\\snap\\Ledger\\live' "$log"
check_contains "*.* matched the name without a dot: only the link's pattern failed" 'live\\*.ldb: nothing matches' "$log"
check_not_contains "*.* matched the name without a dot" 'bin\\*.*: nothing matches' "$log"
rm -f "$c/snap/Ledger/live"

# 9. Writer metadata in VSS's wrapped form (<root>, the inline XDR Schema, then WRITER_METADATA with
#    IDENTIFICATION and RESTORE_METHOD siblings) reaches the add-in out of process: files.present
#    without paths checks the writer's file group. Metadata the add-in cannot read fails only the
#    step that needs it, with the reason in the run log; a step with its own paths still passes.
cat > "$c/ProgramData/Ledger/wrapped.xml" <<'XML'
<?xml version="1.0"?>
<root><Schema name="VssWriterMetadataInfo" xmlns="urn:schemas-microsoft-com:xml-data" xmlns:dt="urn:schemas-microsoft-com:datatypes">
<ElementType name="WRITER_METADATA" content="eltOnly" model="closed" order="many"/></Schema>
<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.1">
<IDENTIFICATION writerId="{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}" friendlyName="Contoso Ledger" usage="USER_DATA" dataSource="TRANSACTION_DB"/>
<BACKUP_LOCATIONS><DATABASE logicalPath="Contoso\Ledger" componentName="MetaDB"><DATABASE_FILES path="C:\Ledger\data" filespec="*.ldb"/></DATABASE></BACKUP_LOCATIONS>
<RESTORE_METHOD method="RESTORE_IF_CAN_BE_REPLACED" writerRestore="never" rebootRequired="no"/>
</WRITER_METADATA></root>
XML
printf '<html/>' > "$c/ProgramData/Ledger/unreadable.xml"
out=$(wsbkit simulate Ledger --backup-only --component 'MetaDB=Contoso\Ledger' "${volume[@]}" --poll-ms 20 \
  --writer-metadata 'C:\ProgramData\Ledger\wrapped.xml')
echo "$out"
check_contains "wrapped writer metadata gives the check its file group" 'QueryStatus(component="MetaDB") -> S_OK, result S_OK' "$out"
check_contains "the run log counts the writer's files" '"message":"2 present"' "$(cat "$(newest_log)" 2>/dev/null)"
out=$(wsbkit simulate Ledger --backup-only --component 'MetaDB=Contoso\Ledger' "${volume[@]}" --poll-ms 20 \
  --writer-metadata 'C:\ProgramData\Ledger\unreadable.xml')
echo "$out"
check_contains "unreadable metadata fails the step that needs it" 'QueryStatus(component="MetaDB") -> S_OK, result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED' "$out"
check_contains "the run log gives the reason" 'the writer metadata cannot be read: the root element is <html>' "$(cat "$(newest_log)" 2>/dev/null)"
out=$(wsbkit simulate Ledger --backup-only --component 'OwnPathsDB=Contoso\Ledger' "${volume[@]}" --poll-ms 20 \
  --writer-metadata 'C:\ProgramData\Ledger\unreadable.xml')
echo "$out"
check_contains "unreadable metadata leaves a step with its own paths passing" 'QueryStatus(component="OwnPathsDB") -> S_OK, result S_OK' "$out"

# 10. The restore: between MetaDB's PreRestore and PostRestore, `simulate` copies the writer's files
#     from the backup (C:\snap\) into place through the Win32 file system, then compares them. A
#     live file that cannot be replaced (a folder in its place) fails the component, named.
printf 'DAMAGED' > "$c/Ledger/data/a.ldb"
out=$(wsbkit simulate Ledger --yes --restore-only --component 'MetaDB=Contoso\Ledger' "${volume[@]}" \
  --writer-metadata 'C:\ProgramData\Ledger\wrapped.xml')
echo "$out"
calls=$(printf '%s\n' "$out" | sed -nE 's/^  restore +(\([a-z ]+\)|[A-Za-z]+).*/\1/p' | tr '\n' ',')
check_contains "the file restore comes between PreRestore and PostRestore, the comparison after" \
  'OrderComponents,IsRollForwardSupported,PreRestore,(file restore),PostRestore,(file compare),' "$calls"
check_contains "the file restore says what it restored" '(file restore)(component="MetaDB") -> S_OK, 2 file(s), 15 bytes restored' "$out"
check_contains "the restored file is named with its size" 'ok   C:\Ledger\data\a.ldb (3 bytes)' "$out"
[ "$(cat "$c/Ledger/data/a.ldb")" = abc ] && pass "the damaged live file holds the backup's bytes" || fail "a.ldb: $(cat "$c/Ledger/data/a.ldb")"
check_contains "the restored files match the backup" '(file compare)(2 file(s)) -> S_OK, 2 file(s) match the backup' "$out"
rm -f "$c/Ledger/data/a.ldb"
mkdir "$c/Ledger/data/a.ldb"
out=$(wsbkit simulate Ledger --yes --restore-only --component 'MetaDB=Contoso\Ledger' "${volume[@]}" \
  --writer-metadata 'C:\ProgramData\Ledger\wrapped.xml')
echo "$out"
check_contains "a file that cannot be restored fails the component" '(file restore)(component="MetaDB") -> E_FAIL, 1 file(s), 12 bytes restored; 1 could not be' "$out"
check_contains "the file is named with the reason" 'FAIL C:\Ledger\data\a.ldb: writing:' "$out"
rmdir "$c/Ledger/data/a.ldb"

# 11. Without --component the simulator takes the registered policy's components and generates the
#     writer metadata from it (read through the Win32 file system), in the wrapped form when asked.
out=$(wsbkit simulate Ledger --metadata-form wrapped --print-metadata)
check_contains "the generated metadata is wrapped" '<root>' "$out"
check_contains "the registered policy's component is in it" 'componentName="LedgerDB"' "$out"
check_contains "the files its checks name are its file group" '<FILE_LIST path="C:\Ledger" filespec="MANIFEST.xxh128" recursive="no" />' "$out"

check "unregister" wsbkit unregister --writer '{5C4A1E3B-7D2F-4E8A-9B6C-1F0E2D3C4B5A}'
rm -f "$c/snap/Big/big.bin"
wine_down
finish
