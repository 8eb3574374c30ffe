"""Cron schedules for CronWorkflowRun (SPEC §7).

Schedules have five fields (minute, hour, day-of-month, month, day-of-week)
with `*`, `*/n`, lists, ranges, `a-b/n`, month and weekday names, `?` for "any"
in the day fields, and the macros `@yearly`, `@annually`, `@monthly`, `@weekly`,
`@daily`, `@midnight`, `@hourly` — what a Kubernetes CronJob accepts. Every
time is a timezone-aware datetime and schedules are read in UTC.

Tick times come from the `cronsim` library; this module adds field-level error
messages, the catch-up rule and a short English description.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from cronsim import CronSim, CronSimError

__all__ = [
    "CONCURRENCY_POLICIES",
    "MISSED_COUNT_LIMIT",
    "TickPlan",
    "concurrency_policy",
    "describe_schedule",
    "due_tick",
    "fires_between",
    "next_fire",
    "plan_tick",
    "validate_schedule",
]

MISSED_COUNT_LIMIT = 10_000
"""`due_tick` stops counting missed ticks here, so a long outage stays cheap."""

ConcurrencyPolicy = Literal["Allow", "Forbid", "Replace"]

CONCURRENCY_POLICIES: dict[str, ConcurrencyPolicy] = {
    "Allow": "Allow",
    # The platform's API reference names its default so; its field text says Allow.
    "AllowConcurrent": "Allow",
    "Forbid": "Forbid",
    "Replace": "Replace",
}
"""Every spelling of `concurrencyPolicy` accepted, and what it means."""


def concurrency_policy(spelled: str | None) -> ConcurrencyPolicy:
    """What a `concurrencyPolicy` as written means; unset is Allow.

    Raises ValueError for a spelling that is not a policy (validation refuses
    those before anything is stored)."""
    if spelled is None:
        return "Allow"
    try:
        return CONCURRENCY_POLICIES[spelled]
    except KeyError:
        raise ValueError(f'unknown concurrencyPolicy "{spelled}"') from None


@dataclass(frozen=True)
class TickPlan:
    """What a due tick does: stop these running runs, then start one or not."""

    start: bool
    stop: tuple[str, ...] = ()


def plan_tick(policy: str | None, active: Sequence[str]) -> TickPlan:
    """A due tick under `policy`, with the cron's runs `active` still running:
    Allow starts one more beside them, Forbid skips the tick while any runs,
    Replace stops them all and starts a new one."""
    meaning = concurrency_policy(policy)
    if meaning == "Forbid":
        return TickPlan(start=not active)
    if meaning == "Replace":
        return TickPlan(start=True, stop=tuple(active))
    return TickPlan(start=True)


_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    first_name_value: int = 0
    allows_any: bool = False  # `?`, only in the day fields


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31, allows_any=True),
    _Field("month", 1, 12, _MONTHS, first_name_value=1),
    _Field("day-of-week", 0, 7, _DAYS, allows_any=True),
)


class _ScheduleError(ValueError):
    pass


def validate_schedule(expr: str) -> str | None:
    """None if `expr` is a valid schedule, else why not, naming the bad token,
    e.g. `minute "61" is out of range 0-59`."""
    try:
        _compile(expr)
    except _ScheduleError as err:
        return str(err)
    return None


def next_fire(expr: str, after: datetime) -> datetime:
    """The first tick strictly after `after`, in UTC.

    Raises ValueError for an invalid schedule or a naive datetime.
    """
    iterator = CronSim(_compile(expr), _utc(after))
    try:
        return next(iterator)
    except StopIteration as err:  # pragma: no cover - _compile rejects such schedules
        raise ValueError(f'schedule "{expr}" never fires') from err


def fires_between(expr: str, start: datetime, end: datetime, limit: int) -> list[datetime]:
    """Ticks `t` with `start < t <= end`, earliest first, at most `limit` of them."""
    ticks: list[datetime] = []
    end = _utc(end)
    for tick in CronSim(_compile(expr), _utc(start)):
        if tick > end or len(ticks) >= limit:
            break
        ticks.append(tick)
    return ticks


def due_tick(
    expr: str,
    last_schedule: datetime | None,
    created: datetime,
    now: datetime,
    starting_deadline_seconds: int | None,
) -> tuple[datetime | None, int]:
    """The tick to fire now, and how many ticks will never fire.

    Ticks are counted after `last_schedule` (or after `created` when nothing
    fired yet) up to and including `now`. Only the latest of them may fire: a
    controller that was down starts at most one catch-up run. It fires only if
    `now` is within `starting_deadline_seconds` of it (no deadline: always).

    The count is of ticks that are given up: all but the returned one, or all of
    them when the latest is past its deadline. It is capped at MISSED_COUNT_LIMIT.
    Returns (None, 0) when no tick is due.
    """
    schedule = _compile(expr)
    now = _utc(now)
    since = _utc(last_schedule if last_schedule is not None else created)
    latest = _latest_at_or_before(schedule, now)
    if latest is None or latest <= since:
        return None, 0
    earlier = _count_ticks(schedule, since, latest)
    late = (
        starting_deadline_seconds is not None
        and (now - latest).total_seconds() > starting_deadline_seconds
    )
    if late:
        return None, min(earlier + 1, MISSED_COUNT_LIMIT)
    return latest, earlier


def describe_schedule(expr: str) -> str:
    """A short English reading: `every 5 minutes`, `at 02:00 every day`.

    Falls back to the expression itself when it is invalid or has no reading.
    """
    try:
        schedule = _compile(expr)
    except _ScheduleError:
        return expr
    minute, hour, dom, month, dow = schedule.split()
    rest_any = dom == month == dow == "*"
    if rest_any and hour == "*":
        if minute == "*":
            return "every minute"
        step = _every(minute)
        if step:
            return f"every {step} minutes"
        if minute == "0":
            return "every hour"
    if rest_any and minute == "0" and _every(hour):
        return f"every {_every(hour)} hours"
    if rest_any and _DIGITS.fullmatch(minute) and _DIGITS.fullmatch(hour):
        return f"at {int(hour):02d}:{int(minute):02d} every day"
    try:
        text = CronSim(schedule, datetime(2000, 1, 1, tzinfo=UTC)).explain()
    except Exception:  # a description must never break a page
        return expr
    return text[:1].lower() + text[1:] if text else expr


def _every(field: str) -> int | None:
    """n for a `*/n` field with n > 1."""
    base, _, step = field.partition("/")
    if base == "*" and _DIGITS.fullmatch(step) and int(step) > 1:
        return int(step)
    return None


def _compile(expr: str) -> str:
    """The schedule as five cronsim-ready fields; raises _ScheduleError."""
    text = expr.strip()
    if not text:
        raise _ScheduleError("empty schedule")
    if text.startswith("@"):
        if text.lower() not in _MACROS:
            raise _ScheduleError(f'unknown macro "{text}" (use one of {", ".join(_MACROS)})')
        text = _MACROS[text.lower()]
    fields = text.split()
    if len(fields) != len(_FIELDS):
        raise _ScheduleError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), "
            f'got {len(fields)} in "{expr}"'
        )
    for spec, field in zip(_FIELDS, fields, strict=True):
        _check_field(spec, field)
    normalized = " ".join("*" if f == "?" else f for f in fields)
    try:
        # cronsim still refuses a day-of-month no chosen month has (`30 2`).
        CronSim(normalized, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as err:
        raise _ScheduleError(
            f'day-of-month "{fields[2]}" never occurs in month "{fields[3]}"'
        ) from err
    return normalized


def _check_field(spec: _Field, field: str) -> None:
    if field == "?":
        if not spec.allows_any:
            raise _ScheduleError(f'{spec.name} "?" is only allowed in the day fields')
        return
    for term in field.split(","):
        if term == "":
            raise _ScheduleError(f'{spec.name} "{field}" has an empty list item')
        _check_term(spec, term)


def _check_term(spec: _Field, term: str) -> None:
    base, slash, step = term.partition("/")
    if slash and not (_DIGITS.fullmatch(step) and int(step) > 0):
        raise _ScheduleError(f'{spec.name} step "{step}" in "{term}" must be a positive number')
    if base == "*":
        return
    low_text, dash, high_text = base.partition("-")
    if dash and (low_text == "" or high_text == ""):
        raise _ScheduleError(f'{spec.name} range "{base}" is incomplete')
    low = _value(spec, low_text)
    if dash and low > _value(spec, high_text):
        raise _ScheduleError(f'{spec.name} range "{base}" goes backwards')


def _value(spec: _Field, token: str) -> int:
    if _DIGITS.fullmatch(token):
        value = int(token)
        if not spec.low <= value <= spec.high:
            raise _ScheduleError(f'{spec.name} "{token}" is out of range {spec.low}-{spec.high}')
        return value
    if token.upper() in spec.names:
        return spec.names.index(token.upper()) + spec.first_name_value
    kind = "a number or a name" if spec.names else "a number"
    raise _ScheduleError(f'{spec.name} "{token}" is not {kind}')


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"datetime {moment.isoformat()} has no timezone; pass an aware UTC time")
    return moment.astimezone(UTC)


def _latest_at_or_before(schedule: str, moment: datetime) -> datetime | None:
    # Reverse iteration steps back one second before matching, so start one
    # second after the (whole-second) moment to include a tick exactly at it.
    start = moment.replace(microsecond=0) + timedelta(seconds=1)
    try:
        return next(CronSim(schedule, start, reverse=True))
    except StopIteration:  # pragma: no cover - every valid schedule fires within 50 years
        return None


def _count_ticks(schedule: str, after: datetime, before: datetime) -> int:
    """Ticks strictly between the two, up to MISSED_COUNT_LIMIT."""
    count = 0
    for tick in CronSim(schedule, after):
        if tick >= before or count >= MISSED_COUNT_LIMIT:
            break
        count += 1
    return count
