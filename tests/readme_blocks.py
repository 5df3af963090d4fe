#!/usr/bin/env python3
"""The README's marked code blocks, for the tests that follow it word for word.

    readme_blocks.py README SECTION PREFIX [--cmd-args]

In the section titled "## SECTION", every code block right after <!-- PREFIX-file: PATH -->,
<!-- PREFIX-run --> or <!-- PREFIX-output: NOTE --> gives, in order, tab-separated lines:
    file    PATH    BASE64 of the block
    run     COMMAND         one line per command (non-blank line) of the block; with --cmd-args,
                            run ARG ARG ... split as cmd.exe splits (blanks outside double
                            quotes separate arguments; the quotes are removed)
    output  BASE64 of the block
Exits 1 when the section is missing.
"""
import base64
import re
import sys


def cmd_args(line):
    args, current, quoted, seen = [], "", False, False
    for ch in line:
        if ch == '"':
            quoted, seen = not quoted, True
        elif ch == " " and not quoted:
            if current or seen:
                args.append(current)
            current, seen = "", False
        else:
            current += ch
    if current or seen:
        args.append(current)
    return args


def main():
    readme, title, prefix = sys.argv[1:4]
    split = "--cmd-args" in sys.argv[4:]
    text = open(readme, encoding="utf-8").read()
    start = text.find("## " + title)
    if start < 0:
        sys.exit("no section '## %s' in %s" % (title, readme))
    end = text.find("\n## ", start + 1)
    section = text[start:end if end >= 0 else len(text)]
    marker = r"<!-- %s-(file: (?P<path>[^>]*?)|run|output: [^>]*?) -->\n```[a-z]*\n(?P<body>.*?)```" % re.escape(prefix)
    encode = lambda body: base64.b64encode(body.encode("utf-8")).decode()
    for m in re.finditer(marker, section, re.S):
        body = m.group("body")
        if m.group("path"):
            print("file\t%s\t%s" % (m.group("path"), encode(body)))
        elif m.group(1) == "run":
            for line in body.splitlines():
                if line.strip():
                    print("run\t" + ("\t".join(cmd_args(line)) if split else line))
        else:
            print("output\t" + encode(body))


if __name__ == "__main__":
    main()
