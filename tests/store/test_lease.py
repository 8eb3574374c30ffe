"""The controller lease: one holder per data directory, taken over when it expires."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from treadle.store.lease import Lease
from treadle.store.sqlite import SqliteStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def leases(db: Path, clock: Clock) -> Iterator[dict[str, Lease]]:
    made = {who: Lease(db, "controller", who, ttl_seconds=15, clock=clock) for who in ("a", "b")}
    yield made
    for lease in made.values():
        lease.close()


def test_a_free_lease_can_be_acquired(leases: dict[str, Lease]) -> None:
    assert leases["a"].acquire()
    assert leases["a"].holder() == "a"


def test_a_live_lease_cannot_be_acquired_by_another_holder(leases: dict[str, Lease]) -> None:
    leases["a"].acquire()
    assert not leases["b"].acquire()
    assert leases["b"].holder() == "a"


def test_the_holder_may_acquire_again(leases: dict[str, Lease]) -> None:
    leases["a"].acquire()
    assert leases["a"].acquire()


def test_nobody_holds_a_lease_never_acquired(leases: dict[str, Lease]) -> None:
    assert leases["a"].holder() is None


def test_an_expired_lease_has_no_holder(leases: dict[str, Lease], clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += 15
    assert leases["b"].holder() is None


def test_an_expired_lease_can_be_taken_over(leases: dict[str, Lease], clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += 16
    assert leases["b"].acquire()
    assert leases["a"].holder() == "b"


def test_renewing_keeps_the_lease_alive(leases: dict[str, Lease], clock: Clock) -> None:
    leases["a"].acquire()
    for _ in range(4):
        clock.now += 10
        assert leases["a"].renew()
    assert not leases["b"].acquire()


def test_renewing_fails_once_another_holder_took_over(
    leases: dict[str, Lease], clock: Clock
) -> None:
    leases["a"].acquire()
    clock.now += 20
    leases["b"].acquire()
    assert not leases["a"].renew()
    assert leases["b"].holder() == "b"


def test_releasing_frees_the_lease_at_once(leases: dict[str, Lease]) -> None:
    leases["a"].acquire()
    leases["a"].release()
    assert leases["a"].holder() is None
    assert leases["b"].acquire()


def test_releasing_a_lease_held_by_another_changes_nothing(leases: dict[str, Lease]) -> None:
    leases["a"].acquire()
    leases["b"].release()
    assert leases["b"].holder() == "a"


def test_renewing_after_release_fails(leases: dict[str, Lease]) -> None:
    leases["a"].acquire()
    leases["a"].release()
    assert not leases["a"].renew()


def test_the_holder_is_sure_of_a_lease_it_just_acquired(leases: dict[str, Lease]) -> None:
    assert leases["a"].acquire()
    assert leases["a"].held()


def test_nobody_is_sure_of_a_lease_before_acquiring_it(leases: dict[str, Lease]) -> None:
    leases["a"].acquire()
    assert not leases["b"].held()
    assert not leases["b"].acquire()
    assert not leases["b"].held()


def test_the_holder_stops_being_sure_two_thirds_of_a_ttl_after_its_last_renewal(
    leases: dict[str, Lease], clock: Clock
) -> None:
    leases["a"].acquire()
    clock.now += 9.9
    assert leases["a"].held()
    clock.now += 0.1
    assert not leases["a"].held()
    assert leases["b"].holder() == "a"  # while others still see the lease alive


def test_renewing_keeps_the_holder_sure(leases: dict[str, Lease], clock: Clock) -> None:
    leases["a"].acquire()
    for _ in range(4):
        clock.now += 9
        assert leases["a"].renew()
        assert leases["a"].held()


def test_a_renewal_that_finds_another_holder_ends_being_sure(
    leases: dict[str, Lease], clock: Clock
) -> None:
    leases["a"].acquire()
    clock.now += 20
    leases["b"].acquire()
    clock.now -= 15  # a's own clock is behind: the lease would still look fresh
    assert not leases["a"].renew()
    assert not leases["a"].held()


def test_releasing_ends_being_sure(leases: dict[str, Lease]) -> None:
    leases["a"].acquire()
    leases["a"].release()
    assert not leases["a"].held()


def test_leases_of_different_names_are_independent(db: Path, clock: Clock) -> None:
    one = Lease(db, "controller", "a", 15, clock=clock)
    other = Lease(db, "scheduler", "b", 15, clock=clock)
    assert one.acquire() and other.acquire()
    one.close()
    other.close()


def test_the_holders_ttl_decides_expiry_not_the_askers(db: Path, clock: Clock) -> None:
    long = Lease(db, "controller", "a", 60, clock=clock)
    short = Lease(db, "controller", "b", 5, clock=clock)
    long.acquire()
    clock.now += 30
    assert not short.acquire()
    long.close()
    short.close()


def test_a_lease_lives_in_the_stores_database(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "store.db") as store:
        mine = Lease(store, "controller", "a", 15)
        assert mine.acquire()
        from_path = Lease(tmp_path / "store.db", "controller", "b", 15)
        assert from_path.holder() == "a"
        mine.close()
        from_path.close()


def test_another_process_cannot_take_a_live_lease(db: Path) -> None:
    mine = Lease(db, "controller", "parent", 60)
    assert mine.acquire()
    code = (
        "import sys\nfrom treadle.store.lease import Lease\n"
        f"print(Lease({str(db)!r}, 'controller', 'child', 60).acquire())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
    mine.close()


def test_a_ttl_must_be_positive(db: Path) -> None:
    with pytest.raises(ValueError, match="ttl"):
        Lease(db, "controller", "a", 0)
