#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal (its standard input, output and error), as an administrator
at a terminal would: once the terminal shows PROMPT, types ANSWER and Enter. Prints the text the
terminal showed (without control sequences) and exits with the command's exit code (125 if PROMPT never came, after the
command ended or 120 s).

Usage: pty_run.py PROMPT ANSWER COMMAND [ARG...]"""
import os
import pty
import re
import select
import signal
import sys
import termios
import time


CSI = re.compile(rb"\x1b\[([0-9;?]*)([A-Za-z])")


def visible(shown):
    """The text a terminal shows: control sequences dropped, cursor-forward moves as spaces (Wine's
    console draws the spaces between words that way)."""
    def replace(match):
        if match.group(2) != b"C":
            return b""
        return b" " * int(match.group(1) or b"1")
    return CSI.sub(replace, shown)


def main():
    prompt, answer, command = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        # Enter arrives as CR, as from a keyboard (a terminal's ICRNL would make it LF, which
        # Wine's console echoes as ^J and does not take as the end of the line).
        attributes = termios.tcgetattr(0)
        attributes[0] &= ~termios.ICRNL
        termios.tcsetattr(0, termios.TCSANOW, attributes)
        os.execvp(command[0], command)
    shown, answered, status, deadline = b"", False, None, time.monotonic() + 120
    # Until the command ends (a process it started may keep the terminal open longer), then what
    # is left to read.
    while status is None and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        data = b""
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # the terminal is gone
                pass
            shown += data
        if not answered and prompt in visible(shown):
            os.write(fd, answer + b"\r")
            answered = True
        ended, code = os.waitpid(pid, os.WNOHANG)
        if ended:
            status = code
    if status is None:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    while select.select([fd], [], [], 0.2)[0]:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        shown += data
    sys.stdout.write(visible(shown).decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if answered else 125)


main()
