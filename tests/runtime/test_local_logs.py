"""What logs() returns: order, partial lines, filters, following a running unit."""

from __future__ import annotations

import threading
import time

import pytest

from tests.runtime.runtime_helpers import pod, sh, wait_finished
from treadle.errors import BadRequest, NotFound
from treadle.runtime.base import LogLine
from treadle.runtime.local import LocalRuntime


def test_stdout_and_stderr_are_interleaved_in_order(rt: LocalRuntime) -> None:
    script = 'for i in $(seq 100); do echo "out $i"; echo "err $i" >&2; done'
    p = pod(init=[sh("mixed", script)])
    rt.start(p)
    wait_finished(rt, p.uid)
    expected = [f"{s} {i}" for i in range(1, 101) for s in ("out", "err")]
    assert [line.text for line in rt.logs(p.uid, "mixed")] == expected


def test_partial_final_line_is_kept(rt: LocalRuntime) -> None:
    p = pod(init=[sh("partial", "echo whole; printf 'no newline'")])
    rt.start(p)
    wait_finished(rt, p.uid)
    assert [line.text for line in rt.logs(p.uid)] == ["whole", "no newline"]


def test_lines_carry_container_and_time_in_order(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("first", "echo a"), sh("second", "echo b")])
    host_rt.start(p)
    wait_finished(host_rt, p.uid)
    lines = list(host_rt.logs(p.uid))
    assert [(line.container, line.text) for line in lines] == [("first", "a"), ("second", "b")]
    assert lines[0].time < lines[1].time


def test_tail_lines_keeps_the_last_lines(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("count", "seq 10")])
    host_rt.start(p)
    wait_finished(host_rt, p.uid)
    assert [line.text for line in host_rt.logs(p.uid, tail_lines=3)] == ["8", "9", "10"]
    assert list(host_rt.logs(p.uid, tail_lines=0)) == []


def test_since_time_keeps_lines_read_at_or_after_it(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("early", "echo early"), sh("late", "sleep 0.3; echo late")])
    host_rt.start(p)
    wait_finished(host_rt, p.uid)
    late = next(line for line in host_rt.logs(p.uid) if line.text == "late")
    assert [line.text for line in host_rt.logs(p.uid, since_time=late.time)] == ["late"]
    # Times without microseconds or in another zone mean the same instant.
    whole_second = late.time[:19] + "Z"
    texts = [line.text for line in host_rt.logs(p.uid, since_time=whole_second)]
    assert "late" in texts


def test_follow_yields_lines_as_they_come_until_the_unit_ends(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("ticker", "for i in 1 2 3; do echo $i; sleep 0.2; done; printf end")])
    host_rt.start(p)
    got: list[tuple[float, LogLine]] = []

    def follow() -> None:
        for line in host_rt.logs(p.uid, follow=True):
            got.append((time.monotonic(), line))

    reader = threading.Thread(target=follow)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert [line.text for _, line in got] == ["1", "2", "3", "end"]
    assert got[-1][0] - got[0][0] > 0.3  # streamed, not read at the end


def test_logs_of_unknown_unit_or_container_are_not_found(host_rt: LocalRuntime) -> None:
    with pytest.raises(NotFound):
        list(host_rt.logs("nope"))
    p = pod(init=[sh("x", "true")])
    host_rt.start(p)
    with pytest.raises(NotFound):
        list(host_rt.logs(p.uid, "y"))


def test_malformed_log_filters_are_bad_requests(host_rt: LocalRuntime) -> None:
    p = pod(init=[sh("x", "true")])
    host_rt.start(p)
    with pytest.raises(BadRequest, match="sinceTime"):
        host_rt.logs(p.uid, since_time="yesterday")
    with pytest.raises(BadRequest, match="tailLines"):
        host_rt.logs(p.uid, tail_lines=-1)
