#!/usr/bin/env python3
"""Python's json module reads wsbkit's call log lines back to the exact UTF-16 of each string.

Runs json_text_samples (argument 1), which prints pairs of lines: the code units a string must
decode to, then a call log line holding it as "component". Every call log line must be strict
JSON (raw control characters refused) and its component, encoded as UTF-16 with lone surrogates
kept, must be exactly those code units.
"""
import json
import struct
import subprocess
import sys


def utf16_units(text):
    data = text.encode("utf-16-le", "surrogatepass")
    return list(struct.unpack("<%dH" % (len(data) // 2), data))


def main(samples_exe):
    output = subprocess.run([samples_exe], check=True, capture_output=True).stdout
    lines = output.split(b"\n")[:-1]
    if len(lines) < 2 or len(lines) % 2:
        print("unexpected output of %s: %d lines" % (samples_exe, len(lines)))
        return 1
    failures = 0
    for k in range(0, len(lines), 2):
        expected = json.loads(lines[k])["units"]
        try:
            text = lines[k + 1].decode("utf-8")  # strict: the line must be valid UTF-8
            entry = json.loads(text)             # strict: raw control characters refused
            got = utf16_units(entry["component"])
        except (UnicodeDecodeError, ValueError, KeyError) as e:
            failures += 1
            print("sample %d: not a valid call log line (%s): %r" % (k // 2, e, lines[k + 1][:200]))
            continue
        if got != expected:
            failures += 1
            print("sample %d: decoded to %r, expected %r" % (k // 2, got[:20], expected[:20]))
    print("%d samples, %d failures" % (len(lines) // 2, failures))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
