#!/usr/bin/env bash
# The scenario through the built `wsbkit` binary, natively (no Wine):
#  1. README's "Testing your policy in CI" followed word for word: the files it shows
#     (<!-- ci-example-file: PATH --> before a code block) written where it says, the commands it
#     shows (<!-- ci-example-run -->, one command a line) run in order, each exiting 0 with every
#     expectation held; then the failure it describes (<!-- ci-example-output: ... -->: the policy
#     without "once": true) exits 9 and prints the lines it shows.
#  2. The sample application's scenario (src/sample/ledger-scenario.json) against its policy: exit
#     0, the calls in WSB's order, the services back.
#  3. The same scenario with a damaged snapshot: exit 9, the miss named (expected vs actual).
#  4. A malformed scenario: exit 3, FILE:LINE:COLUMN, and nothing run.
# Args: WSBKIT_BINARY SOURCE_DIR LEDGER_POLICY
set -u
wsbkit=$(readlink -f "$1") source_dir=$2 policy=$3
passed=0 failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }
expect_in() {  # DESCRIPTION TEXT NEEDLE
  if grep -qF -- "$3" <<< "$2"; then pass "$1"; else fail "$1 (no '$3' in the output)"; echo "$2"; fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$(readlink -f "$wsbkit")" "$work/bin/wsbkit"

# 1. README, word for word.
python3 "$source_dir/tests/readme_blocks.py" "$source_dir/README.md" "Testing your policy in CI" ci-example > "$work/blocks" \
  || fail "README's CI section could not be read"
while IFS=$'\t' read -r kind first second; do
  case "$kind" in
    file) mkdir -p "$(dirname "$work/$first")"; base64 -d <<< "$second" > "$work/$first"; printf 'file\t%s\n' "$first" ;;
    run) printf 'run\t%s\n' "$first" ;;
    output) base64 -d <<< "$first" > "$work/expected-output"; echo output ;;
  esac
done < "$work/blocks" > "$work/steps"
[ "$(grep -c '^file' "$work/steps")" -eq 2 ] && pass "README's CI example has its two files" || fail "README's CI example: $(grep -c '^file' "$work/steps") file(s)"
grep -q '^run	wsbkit simulate --in-process --policy' "$work/steps" && pass "README's CI example runs simulate --in-process --policy" \
  || fail "README's CI example has no 'wsbkit simulate --in-process --policy'"
while IFS=$'\t' read -r kind command; do
  [ "$kind" = run ] || continue
  out=$(cd "$work" && PATH="$work/bin:$PATH" bash -c "$command" 2>&1) && rc=0 || rc=$?
  [ "$rc" -eq 0 ] && pass "README: '$command' exits 0" || { fail "README: '$command' exits $rc"; echo "$out"; }
  case "$command" in *--scenario*) expect_in "README: every expectation holds" "$out" ", 0 missed" ;; esac
done < "$work/steps"
if [ -f "$work/expected-output" ]; then
  sed 's/, "once": true//' "$work/ci/ledger-policy.json" > "$work/ci/no-once.json"
  out=$(cd "$work" && "$wsbkit" simulate --in-process --policy ci/no-once.json --scenario ci/ledger-scenario.json 2>&1) && rc=0 || rc=$?
  [ "$rc" -eq 9 ] && pass "README: without \"once\": true the test fails with exit code 9" || { fail "README: without once, exit $rc"; echo "$out"; }
  while IFS= read -r line; do
    [ -n "$line" ] && expect_in "README: the failure prints the line it shows" "$out" "$line"
  done < "$work/expected-output"
else
  fail "README's CI section shows no failure output"
fi

# The schema (docs/scenario.schema.json) accepts both scenarios and refuses what the parser refuses.
schema_check() {  # SCENARIO_FILE -> "valid" or the schema's first complaint
  python3 - "$source_dir/docs/scenario.schema.json" "$1" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2], encoding="utf-8"))))
print("valid" if not errors else errors[0].message)
PY
}
[ "$(schema_check "$source_dir/src/sample/ledger-scenario.json")" = valid ] && pass "the schema accepts the sample scenario" || fail "the schema refuses the sample scenario: $(schema_check "$source_dir/src/sample/ledger-scenario.json")"
[ "$(schema_check "$work/ci/ledger-scenario.json")" = valid ] && pass "the schema accepts README's scenario" || fail "the schema refuses README's scenario: $(schema_check "$work/ci/ledger-scenario.json")"
printf '{"machine": {"services": {"A": {"on_stop": "sleeps"}}}, "expect": {}}' > "$work/bad-schema.json"
[ "$(schema_check "$work/bad-schema.json")" != valid ] && pass "the schema refuses an unknown service behaviour" || fail "the schema accepts on_stop: sleeps"

# 2. The sample application's scenario.
out=$("$wsbkit" simulate --in-process --policy "$policy" --scenario "$source_dir/src/sample/ledger-scenario.json" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 0 ] && pass "the sample scenario: every expectation holds (exit 0)" || { fail "the sample scenario exits $rc"; echo "$out"; }
order=$(grep -oE '^  (backup|restore) +[A-Za-z]+\(component="[A-Za-z]+"' <<< "$out" | sed -E 's/^  (backup|restore) +//; s/\(component="/ /; s/"$//' | tr '\n' ',')
want='CheckConsistency LedgerDB,QueryStatus LedgerDB,CheckConsistency LedgerJournal,QueryStatus LedgerJournal,PreRestore LedgerDB,PostRestore LedgerDB,PreRestore LedgerJournal,PostRestore LedgerJournal,'
[ "$order" = "$want" ] && pass "the sample scenario: the calls in WSB's order" || fail "the calls: $order"
expect_in "the sample scenario: LedgerSvc running again" "$out" "held    expect.services.LedgerSvc.state: RUNNING"
expect_in "the sample scenario: the journal session completed" "$out" "completed"

# 3. A damaged snapshot: the check fails and the expectation names it.
python3 "$source_dir/tests/core/simulator/damage_snapshot.py" "$source_dir/src/sample/ledger-scenario.json" 'C:\Ledger\data\entries.ldb' damaged \
  > "$work/damaged.json"
out=$("$wsbkit" simulate --in-process --policy "$policy" --scenario "$work/damaged.json" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 9 ] && pass "a damaged snapshot: exit code 9" || { fail "a damaged snapshot exits $rc"; echo "$out"; }
expect_in "a damaged snapshot: the miss names expected and actual" "$out" \
  "MISSED  expect.calls[1]: expected QueryStatus(LedgerDB) -> S_OK, result S_OK; actual call 2: QueryStatus(LedgerDB) -> S_OK, result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED"
expect_in "a damaged snapshot: the check's result" "$out" "result WSBAPP_E_COMPONENT_CONSISTENCY_CHECK_FAILED"
expect_in "a damaged snapshot: the reason names the file" "$out" "entries.ldb"

# 4. Bad input: a clear error with line and column, nothing run.
printf '{\n  "machine": { "services": { "LedgerSvc": { "state": "paused" } } },\n  "expect": {}\n}\n' > "$work/bad.json"
out=$("$wsbkit" simulate --in-process --policy "$policy" --scenario "$work/bad.json" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 3 ] && pass "a malformed scenario: exit code 3" || fail "a malformed scenario exits $rc"
expect_in "a malformed scenario: FILE:LINE:COLUMN: PATH: MESSAGE" "$out" \
  "$work/bad.json:2:45: machine.services.LedgerSvc.state: 'paused' is not one of running, stopped"
grep -q "Simulating" <<< "$out" && fail "a malformed scenario was run" || pass "a malformed scenario: nothing was run"
head -c 5000000 /dev/zero | tr '\0' ' ' > "$work/big.json"
out=$("$wsbkit" simulate --in-process --policy "$policy" --scenario "$work/big.json" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 3 ] && pass "a scenario over 4 MiB: exit code 3" || fail "a scenario over 4 MiB exits $rc"
expect_in "a scenario over 4 MiB: refused unread, saying so" "$out" "scenario is 5000000 bytes, more than the 4 MiB limit"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
