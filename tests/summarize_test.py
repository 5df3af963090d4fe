#!/usr/bin/env python3
"""scripts/summarize.py adds every suite up and says, under each failed one, why and where it stopped.

Run as: summarize_test.py SOURCE_DIR (meson test). Exit 0 when every behaviour below holds."""
import json
import os
import subprocess
import sys
import tempfile

source = sys.argv[1]
failures = []
checked = 0


def expect(what, condition):
    global checked
    checked += 1
    print(("ok - " if condition else "FAIL - ") + what)
    if not condition:
        failures.append(what)


def build_dir(root, name, entries, reports):
    os.makedirs(os.path.join(root, name, "meson-logs"))
    os.makedirs(os.path.join(root, name, "tests", "reports"))
    with open(os.path.join(root, name, "meson-logs", "testlog.json"), "w") as log:
        for entry in entries:
            log.write(json.dumps(entry) + "\n")
    for file_name, text in reports.items():
        with open(os.path.join(root, name, "tests", "reports", file_name), "w") as report:
            report.write(text)
    return os.path.join(root, name)


with tempfile.TemporaryDirectory() as root:
    hung_output = "".join(f"ok - step {i}\n" for i in range(20)) + "> wsbkit simulate Contoso\n  PreRestore ...\n"
    native = build_dir(root, "build-a", [
        {"name": "wsbkit:unit / unit_ok", "result": "OK", "stdout": "all fine\n"},
        {"name": "wsbkit:wine / wine_checks", "result": "FAIL",
         "stdout": "ok - one\nFAIL - the service is running: STOPPED\n    detail line\nok - two\n3 passed, 1 failed\n"},
        {"name": "wsbkit:wine / wine_hung", "result": "TIMEOUT", "stdout": hung_output},
    ], {"unit_ok.xml": '<TestResult><TestSuite test_cases_passed="7" test_cases_failed="0"/></TestResult>',
        "wine_checks.counts": "3 1\n"})
    run = subprocess.run([sys.executable, os.path.join(source, "scripts", "summarize.py"), native],
                         capture_output=True, text=True)
    lines = run.stdout.splitlines()
    print(run.stdout)
    expect("it exits non-zero when a suite failed", run.returncode != 0)
    expect("its last line adds every suite up (7 + 3 + 0 passed; 1 + 1 failed)", lines[-1] == "10 passed, 2 failed")
    expect("a passing suite gets its one line and nothing under it",
           sum("unit_ok" in line for line in lines) == 1)
    expect("a failed check is named under its suite",
           "build-a: wine_checks:   | FAIL - the service is running: STOPPED" in lines)
    expect("a test that timed out shows where it stopped (its last line printed)",
           "build-a: wine_hung:   | > wsbkit simulate Contoso" in lines and
           "build-a: wine_hung:   |   PreRestore ..." in lines)
    expect("only the last lines of a long output are shown",
           not any(line.endswith("| ok - step 0") for line in lines))

    odd = build_dir(root, "build-c", [
        {"name": "wsbkit:wine / wine_no_output", "result": "TIMEOUT"},
        {"name": "wsbkit:wine / wine_null_output", "result": "FAIL", "stdout": None},
        {"name": "wsbkit:wine / wine_hang", "result": "FAIL",
         "stdout": "ok - one\nHANG - wine C:\\wsbkit.exe ran over 120 s: Wine deadlock \u2192 here\n" + "ok - x\n" * 20},
    ], {})
    run = subprocess.run([sys.executable, os.path.join(source, "scripts", "summarize.py"), odd],
                         capture_output=True, env=dict(os.environ, PYTHONIOENCODING="ascii"))
    lines = run.stdout.decode("ascii", "replace").splitlines()
    print("\n".join(lines))
    expect("a test with no output, or null output, is counted failed without a crash",
           run.returncode == 1 and lines[-1] == "0 passed, 3 failed")
    expect("a hang report line is named under its suite, even past the last lines",
           any(line.startswith("build-c: wine_hang:   | HANG - wine C:\\wsbkit.exe ran over 120 s") for line in lines))
    expect("output the console cannot print does not stop the count (replaced, not raised)",
           b"Traceback" not in run.stderr)

    passing = build_dir(root, "build-b", [{"name": "wsbkit:unit / unit_ok", "result": "OK", "stdout": ""}],
                        {"unit_ok.xml": '<TestResult><TestSuite test_cases_passed="2" test_cases_failed="0"/></TestResult>'})
    run = subprocess.run([sys.executable, os.path.join(source, "scripts", "summarize.py"), passing],
                         capture_output=True, text=True)
    expect("all passing: exit 0 and `2 passed, 0 failed`",
           run.returncode == 0 and run.stdout.splitlines()[-1] == "2 passed, 0 failed")

print(f"{checked - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
