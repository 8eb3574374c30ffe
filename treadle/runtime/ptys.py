"""Commands on a pseudo terminal of their own: how a terminal into a container is
run, by the server's console terminal and by the test node's `pods/exec`.

The command gets the terminal as its controlling terminal (job control, ^C) and a
session of its own, so hanging up reaches everything it started there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios

# Makes the pty the command's controlling terminal without a preexec_fn, which is
# unsafe in a process with threads.
_CONTROLLING_TTY = (
    "import fcntl, os, sys, termios; os.setsid(); "
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execvp(sys.argv[1], sys.argv[1:])"
)
HANG_UP_SECONDS = 2.0
"""How long a hung-up command may take to end before it is killed."""


def set_size(fd: int, cols: int, rows: int) -> None:
    """Resize the terminal of `fd` (either end); sizes are kept within 1..1000."""
    cols, rows = max(1, min(cols, 1000)), max(1, min(rows, 1000))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def spawn(argv: list[str], cols: int = 80, rows: int = 24) -> tuple[int, subprocess.Popen[bytes]]:
    """`argv` on a new pseudo terminal of that size; the terminal's master end (the
    caller's to close) and the process. Raises OSError when it cannot start."""
    master, slave = pty.openpty()
    try:
        set_size(master, cols, rows)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _CONTROLLING_TTY, *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    return master, proc


def hang_up(proc: subprocess.Popen[bytes], wait: float = HANG_UP_SECONDS) -> None:
    """SIGHUP to the command's process group, SIGKILL if it lingers; returns once it
    has ended. The command must lead its own session (`spawn`, or
    `start_new_session`)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGHUP)
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def exit_code(returncode: int) -> int:
    """A process's status as a shell reports it: 128 + N for death by signal N."""
    return 128 - returncode if returncode < 0 else returncode
