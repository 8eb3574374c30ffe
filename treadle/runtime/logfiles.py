"""Reading the log files the supervisor writes: one line per output line,
``<RFC 3339 µs UTC> <text>`` (see `runtime/supervisor.py`)."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from treadle.runtime.base import LogLine

STAMP_LEN = len("2024-01-01T00:00:00.000000Z")
FOLLOW_POLL_SECONDS = 0.05


class _Tail:
    """One container's log file, read on from where the last read stopped."""

    def __init__(self, container: str, path: Path) -> None:
        self.container = container
        self.path = path
        self.offset = 0
        self.rest = b""

    def read(self, since_time: str | None) -> list[LogLine]:
        """The complete lines written since the last read (a line being written is
        left for the next read), those at or after `since_time`."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.rest + data
        end = data.rfind(b"\n") + 1
        self.rest = data[end:]
        out = []
        for raw in data[:end].split(b"\n")[:-1]:
            stamp = raw[:STAMP_LEN].decode("ascii", "replace")
            if since_time is None or stamp >= since_time:
                text = raw[STAMP_LEN + 1 :].decode("utf-8", "replace")
                out.append(LogLine(self.container, stamp, text))
        return out


def read_logs(
    files: dict[str, Path],
    *,
    finished: Callable[[], bool] | None = None,
    tail_lines: int | None = None,
    since_time: str | None = None,
) -> Iterator[LogLine]:
    """The lines of `files` (container name -> log file), merged in time order.

    `since_time` must be in the files' own format (it is compared as a string).
    With `finished`, keeps polling for new lines until `finished()` is true and
    every line written before that is out."""
    tails = [_Tail(name, path) for name, path in files.items()]

    def by_time(line: LogLine) -> str:
        return line.time

    lines = list(heapq.merge(*(t.read(since_time) for t in tails), key=by_time))
    if tail_lines is not None:
        lines = lines[-tail_lines:] if tail_lines > 0 else []
    yield from lines
    if finished is None:
        return
    while True:
        # Checked before reading: the supervisor writes every line before it records
        # the end, so a read after seeing the end drains everything.
        done = finished()
        yield from sorted((line for t in tails for line in t.read(since_time)), key=by_time)
        if done:
            return
        time.sleep(FOLLOW_POLL_SECONDS)
