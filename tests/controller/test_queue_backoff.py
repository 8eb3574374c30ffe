"""The work queue's backoff: a key whose reconcile keeps failing waits longer each time."""

from __future__ import annotations

from treadle.controller.queue import BACKOFF_BASE, BACKOFF_MAX, WorkQueue, backoff_seconds


def test_each_failure_in_a_row_doubles_the_wait() -> None:
    q = WorkQueue()
    waits = [q.failed("k") for _ in range(4)]
    assert waits == [BACKOFF_BASE, 2 * BACKOFF_BASE, 4 * BACKOFF_BASE, 8 * BACKOFF_BASE]


def test_the_wait_never_exceeds_the_maximum() -> None:
    assert backoff_seconds(10_000) == BACKOFF_MAX


def test_a_success_starts_the_count_again() -> None:
    q = WorkQueue()
    q.failed("k")
    q.failed("k")
    q.succeeded("k")
    assert q.failed("k") == BACKOFF_BASE


def test_keys_are_counted_apart() -> None:
    q = WorkQueue()
    q.failed("a")
    q.failed("a")
    assert q.failed("b") == BACKOFF_BASE
