#!/usr/bin/env python3
"""Adds up every test of every suite of the given Meson build dirs into `N passed, N failed`.

A Boost.Test executable counts its test cases (tests/reports/<name>.xml); a Wine script test its
checks (tests/reports/<name>.counts: "passed failed"); any other test counts as one. A test whose
run failed (crash, timeout) without a failure in its report adds one failure, and a skipped test
counts as failed: nothing is allowed to go green by not running.

Under each test that failed, the lines of its output that say why: its FAIL lines (Wine script
tests), Boost.Test's error lines, and the last lines it printed (where a test that timed out or
crashed stopped), so that a CI log holding only this summary still tells where to look.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET


def report_counts(report_dir, name):
    xml_path = os.path.join(report_dir, name + ".xml")
    counts_path = os.path.join(report_dir, name + ".counts")
    try:
        if os.path.exists(xml_path):
            root = ET.parse(xml_path).getroot()
            suite = root.find("TestSuite")
            if suite is None:
                return None
            passed = int(suite.get("test_cases_passed", 0))
            failed = sum(int(suite.get(k, 0)) for k in
                         ("test_cases_failed", "test_cases_aborted", "test_cases_skipped",
                          "test_cases_timed_out"))
            return passed, failed
        if os.path.exists(counts_path):
            passed, failed = open(counts_path).read().split()[:2]
            return int(passed), int(failed)
    except (ET.ParseError, ValueError, OSError):
        return None
    return None


def failure_details(output, most_reasons=8, last_lines=8):
    """The lines of a failed test's output that say why: its failure lines, then its last lines."""
    lines = [line.rstrip() for line in output.replace("\r", "").splitlines() if line.strip()]
    reasons = [line for line in lines if line.startswith(("FAIL", "HANG")) or ": error:" in line
               or ": fatal error:" in line or "ERROR:" in line]
    shown = reasons[:most_reasons]
    if len(reasons) > most_reasons:
        shown.append(f"... and {len(reasons) - most_reasons} more failure line(s)")
    tail = [line for line in lines[-last_lines:] if line not in shown]
    if tail:
        shown.append("last lines printed:")
        shown += tail
    return [line[:300] for line in shown]


def main(build_dirs):
    total_passed = total_failed = 0
    for build in build_dirs:
        log = os.path.join(build, "meson-logs", "testlog.json")
        label = os.path.basename(os.path.normpath(build))
        if not os.path.exists(log):
            print(f"{label}: no test log (build or test run did not happen)")
            total_failed += 1
            continue
        for line in open(log):
            entry = json.loads(line)
            # Meson names a test "project:suite / name" once suites are in use.
            name, result = entry["name"].split(" / ")[-1], entry["result"]
            counts = report_counts(os.path.join(build, "tests", "reports"), name)
            passed, failed = counts if counts else ((1, 0) if result == "OK" else (0, 1))
            if result != "OK" and failed == 0:
                failed = 1
            total_passed += passed
            total_failed += failed
            print(f"{label}: {name}: {passed} passed, {failed} failed ({result})")
            if failed:
                for detail in failure_details(entry.get("stdout") or ""):
                    print(f"{label}: {name}:   | {detail}")
    print(f"{total_passed} passed, {total_failed} failed")
    return 0 if total_failed == 0 else 1


if __name__ == "__main__":
    # Test output is bytes from many programs: never let one character stop the count.
    sys.stdout.reconfigure(errors="replace")
    sys.exit(main(sys.argv[1:]))
