from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from treadle.core.cron import (
    MISSED_COUNT_LIMIT,
    TickPlan,
    concurrency_policy,
    describe_schedule,
    due_tick,
    fires_between,
    next_fire,
    plan_tick,
    validate_schedule,
)


def _at(hour: int, minute: int = 0, second: int = 0, day: int = 1) -> datetime:
    return datetime(2024, 3, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    "expr",
    [
        "* * * * *",
        "*/5 * * * *",
        "0 2 * * *",
        "0,30 8-18 * * 1-5",
        "15 10 1 * *",
        "0 0 1 jan *",
        "0 0 * JAN-MAR MON-FRI",
        "0 0 ? * ?",
        "0 0 * * 7",
        "5/15 * * * *",
        "0 9-17/2 * * *",
        "0 0 30 4 *",
        "  0   2 * * *  ",
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@HOURLY",
    ],
)
def test_valid_schedule_has_no_error(expr: str) -> None:
    assert validate_schedule(expr) is None


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("61 * * * *", 'minute "61" is out of range 0-59'),
        ("0 24 * * *", 'hour "24" is out of range 0-23'),
        ("0 0 0 * *", 'day-of-month "0" is out of range 1-31'),
        ("0 0 * 13 *", 'month "13" is out of range 1-12'),
        ("0 0 * * 8", 'day-of-week "8" is out of range 0-7'),
        ("1-61 * * * *", 'minute "61" is out of range 0-59'),
        ("0,61 * * * *", 'minute "61" is out of range 0-59'),
        ("x * * * *", 'minute "x" is not a number'),
        ("0 0 * foo *", 'month "foo" is not a number or a name'),
        ("0 0 * * funday", 'day-of-week "funday" is not a number or a name'),
        ("*/0 * * * *", 'minute step "0" in "*/0" must be a positive number'),
        ("*/x * * * *", 'minute step "x"'),
        ("5-1 * * * *", 'minute range "5-1" goes backwards'),
        ("1- * * * *", 'minute range "1-" is incomplete'),
        ("-5 * * * *", 'minute range "-5" is incomplete'),
        ("1,,2 * * * *", 'minute "1,,2" has an empty list item'),
        ("? * * * *", 'minute "?" is only allowed in the day fields'),
        ("0 0 L * *", 'day-of-month "L" is not a number'),
        ("0 0 31 2 *", 'day-of-month "31" never occurs in month "2"'),
        ("* * * *", "expected 5 fields"),
        ("0 * * * * *", "got 6"),
        ("", "empty schedule"),
        ("@every 5m", 'unknown macro "@every 5m"'),
    ],
)
def test_invalid_schedule_names_the_offending_token(expr: str, reason: str) -> None:
    error = validate_schedule(expr)
    assert error is not None
    assert reason in error


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        ("*/5 * * * *", _at(10, 2), _at(10, 5)),
        ("*/5 * * * *", _at(10, 5), _at(10, 10)),
        ("0 2 * * *", _at(1, 59, 59), _at(2)),
        ("0 2 * * *", _at(2), _at(2, day=2)),
        ("@hourly", _at(10, 0, 1), _at(11)),
        ("0 0 ? * ?", _at(10), _at(0, day=2)),
    ],
)
def test_next_fire_is_strictly_after(expr: str, after: datetime, expected: datetime) -> None:
    assert next_fire(expr, after) == expected


def test_next_fire_reads_other_timezones_as_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    after = datetime(2024, 3, 1, 12, 0, tzinfo=plus_two)  # 10:00 UTC
    assert next_fire("30 * * * *", after) == _at(10, 30)


def test_next_fire_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        next_fire("* * * * *", datetime(2024, 1, 1))


def test_next_fire_rejects_invalid_schedule() -> None:
    with pytest.raises(ValueError, match='minute "61"'):
        next_fire("61 * * * *", _at(0))


def test_fires_between_excludes_start_and_includes_end() -> None:
    assert fires_between("*/15 * * * *", _at(10), _at(11), limit=10) == [
        _at(10, 15),
        _at(10, 30),
        _at(10, 45),
        _at(11),
    ]


def test_fires_between_stops_at_limit() -> None:
    assert fires_between("* * * * *", _at(10), _at(12), limit=2) == [_at(10, 1), _at(10, 2)]


def test_fires_between_is_empty_when_nothing_fires() -> None:
    assert fires_between("0 2 * * *", _at(3), _at(4), limit=5) == []


@pytest.mark.parametrize(
    ("name", "last", "now", "deadline", "expected"),
    [
        ("nothing due yet", _at(10), _at(10, 4), None, (None, 0)),
        ("tick exactly now", _at(10), _at(10, 5), None, (_at(10, 5), 0)),
        ("tick a little ago", _at(10), _at(10, 6, 30), None, (_at(10, 5), 0)),
        ("already fired latest", _at(10, 5), _at(10, 7), None, (None, 0)),
        ("down for an hour fires once", _at(10), _at(11, 2), None, (_at(11), 11)),
        ("within deadline", _at(10), _at(11, 2), 180, (_at(11), 11)),
        ("deadline boundary", _at(10), _at(11, 2), 120, (_at(11), 11)),
        ("past deadline", _at(10), _at(11, 2), 60, (None, 12)),
        ("zero deadline, exact", _at(10), _at(10, 5), 0, (_at(10, 5), 0)),
        ("zero deadline, late", _at(10), _at(10, 5, 1), 0, (None, 1)),
    ],
)
def test_due_tick_catches_up_at_most_once(
    name: str,
    last: datetime,
    now: datetime,
    deadline: int | None,
    expected: tuple[datetime | None, int],
) -> None:
    assert due_tick("*/5 * * * *", last, _at(0), now, deadline) == expected


def test_due_tick_counts_from_creation_when_never_fired() -> None:
    assert due_tick("*/5 * * * *", None, _at(10, 1), _at(10, 11), None) == (_at(10, 10), 1)


def test_due_tick_ignores_tick_at_creation_time() -> None:
    assert due_tick("*/5 * * * *", None, _at(10), _at(10, 1), None) == (None, 0)


def test_due_tick_ignores_microseconds_of_now() -> None:
    now = _at(10, 5) + timedelta(microseconds=1)
    assert due_tick("*/5 * * * *", _at(10), _at(0), now, None) == (_at(10, 5), 0)


def test_due_tick_caps_missed_count() -> None:
    last = _at(0)
    now = last + timedelta(minutes=MISSED_COUNT_LIMIT + 50)
    tick, missed = due_tick("* * * * *", last, last, now, None)
    assert tick == now
    assert missed == MISSED_COUNT_LIMIT


def test_due_tick_returns_nothing_when_last_schedule_is_in_the_future() -> None:
    assert due_tick("* * * * *", _at(12), _at(0), _at(11), None) == (None, 0)


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 3),
    step=st.sampled_from([1, 5, 7, 15, 60]),
)
def test_due_tick_agrees_with_fires_between(minutes: int, step: int) -> None:
    expr = f"*/{step} * * * *" if step < 60 else "0 * * * *"
    last = _at(0, 3)
    now = last + timedelta(minutes=minutes, seconds=17)
    ticks = fires_between(expr, last, now, limit=10_000)
    tick, missed = due_tick(expr, last, last, now, None)
    assert tick == (ticks[-1] if ticks else None)
    assert missed == max(len(ticks) - 1, 0)


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        ("* * * * *", "every minute"),
        ("*/5 * * * *", "every 5 minutes"),
        ("0 * * * *", "every hour"),
        ("@hourly", "every hour"),
        ("0 */2 * * *", "every 2 hours"),
        ("0 2 * * *", "at 02:00 every day"),
        ("@daily", "at 00:00 every day"),
        ("30 9 * * 1-5", "at 09:30 on Monday through Friday"),
        ("not a schedule", "not a schedule"),
    ],
)
def test_describe_schedule_reads_as_english(expr: str, text: str) -> None:
    assert describe_schedule(expr) == text


# -- concurrencyPolicy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelled", "meaning"),
    [
        (None, "Allow"),
        ("Allow", "Allow"),
        ("AllowConcurrent", "Allow"),
        ("Forbid", "Forbid"),
        ("Replace", "Replace"),
    ],
)
def test_each_spelling_of_the_policy_has_its_meaning(spelled: str | None, meaning: str) -> None:
    assert concurrency_policy(spelled) == meaning


def test_an_unknown_policy_is_an_error() -> None:
    with pytest.raises(ValueError, match='unknown concurrencyPolicy "Sometimes"'):
        concurrency_policy("Sometimes")


@pytest.mark.parametrize("policy", [None, "Allow", "AllowConcurrent"])
def test_allow_starts_a_run_beside_the_running_ones(policy: str | None) -> None:
    assert plan_tick(policy, ["nightly-1700000000"]) == TickPlan(start=True)


@pytest.mark.parametrize("active", [[], ["nightly-1700000000"]])
def test_allow_concurrent_plans_every_tick_as_allow(active: list[str]) -> None:
    assert plan_tick("AllowConcurrent", active) == plan_tick("Allow", active)


def test_forbid_skips_a_tick_while_a_run_is_running() -> None:
    assert plan_tick("Forbid", ["nightly-1700000000"]) == TickPlan(start=False)


def test_forbid_starts_a_run_when_none_is_running() -> None:
    assert plan_tick("Forbid", []) == TickPlan(start=True)


def test_replace_stops_the_running_runs_and_starts_a_new_one() -> None:
    assert plan_tick("Replace", ["a", "b"]) == TickPlan(start=True, stop=("a", "b"))
