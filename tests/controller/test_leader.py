"""The controller lease: a coordination.k8s.io/v1 Lease in the Store, held by one
contender at a time, taken over once it expires, guarded by resourceVersions."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from treadle.api.validate import check
from treadle.controller.leader import (
    CONTROLLER_LEASE,
    LEASE_API_VERSION,
    LEASE_KIND,
    LEASE_NAMESPACE,
    LeaderLease,
    lease_holder,
    micro_time,
)
from treadle.errors import StorageError
from treadle.store.base import Obj
from treadle.store.sqlite import SqliteStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TTL = 15
Leases = dict[str, LeaderLease]


class Clock:
    """Wall-clock seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "store.db") as opened:
        yield opened


@pytest.fixture
def leases(store: SqliteStore, clock: Clock) -> Leases:
    return {who: LeaderLease(store, CONTROLLER_LEASE, who, TTL, clock=clock) for who in "ab"}


def stored(store: SqliteStore, name: str = CONTROLLER_LEASE) -> Obj:
    return store.get(LEASE_API_VERSION, LEASE_KIND, LEASE_NAMESPACE, name)


# -- who may take it ----------------------------------------------------------------


def nothing(leases: Leases, clock: Clock) -> None:
    pass


def a_took_it(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()


def b_took_it(leases: Leases, clock: Clock) -> None:
    leases["b"].acquire()


def a_took_and_released_it(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    leases["a"].release()


def a_took_it_a_ttl_ago(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += TTL


def a_took_it_a_second_less_than_a_ttl_ago(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += TTL - 1


def a_renewed_it_every_ten_seconds_for_forty(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    for _ in range(4):
        clock.now += 10
        leases["a"].renew()


@dataclass(frozen=True)
class Case:
    before: Callable[[Leases, Clock], None]
    """What happened before "b" tries to acquire."""
    b_acquires: bool
    holder_after: str


CASES = [
    Case(nothing, True, "b"),
    Case(a_took_it, False, "a"),
    Case(b_took_it, True, "b"),
    Case(a_took_and_released_it, True, "b"),
    Case(a_took_it_a_ttl_ago, True, "b"),
    Case(a_took_it_a_second_less_than_a_ttl_ago, False, "a"),
    Case(a_renewed_it_every_ten_seconds_for_forty, False, "a"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.before.__name__ for c in CASES])
def test_who_may_acquire(leases: Leases, clock: Clock, case: Case) -> None:
    case.before(leases, clock)
    assert leases["b"].acquire() is case.b_acquires
    assert leases["b"].held() is case.b_acquires
    assert leases["a"].holder() == case.holder_after


def test_nobody_holds_a_lease_never_acquired(leases: Leases) -> None:
    assert leases["a"].holder() is None


def test_an_expired_lease_has_no_holder(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += TTL
    assert leases["b"].holder() is None


def test_the_holders_ttl_decides_expiry_not_the_askers(store: SqliteStore, clock: Clock) -> None:
    long = LeaderLease(store, CONTROLLER_LEASE, "a", 60, clock=clock)
    short = LeaderLease(store, CONTROLLER_LEASE, "b", 5, clock=clock)
    long.acquire()
    clock.now += 30
    assert not short.acquire()


def test_leases_of_different_names_are_independent(store: SqliteStore, clock: Clock) -> None:
    one = LeaderLease(store, CONTROLLER_LEASE, "a", TTL, clock=clock)
    other = LeaderLease(store, "scheduler", "b", TTL, clock=clock)
    assert one.acquire() and other.acquire()


# -- keeping it ---------------------------------------------------------------------


def test_renewing_fails_once_another_holder_took_over(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += 20
    leases["b"].acquire()
    assert not leases["a"].renew()
    assert leases["b"].holder() == "b"


def test_renewing_after_release_fails(leases: Leases) -> None:
    leases["a"].acquire()
    leases["a"].release()
    assert not leases["a"].renew()


def test_a_lease_nobody_took_is_renewed_even_past_its_expiry(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += TTL + 5
    assert leases["a"].renew()
    assert leases["b"].holder() == "a"


def test_a_renewal_of_a_deleted_lease_fails(leases: Leases, store: SqliteStore) -> None:
    leases["a"].acquire()
    store.delete(LEASE_API_VERSION, LEASE_KIND, LEASE_NAMESPACE, CONTROLLER_LEASE)
    assert not leases["a"].renew()
    assert not leases["a"].held()


# -- being sure of it, without asking the store ---------------------------------------


def test_the_holder_stops_being_sure_two_thirds_of_a_ttl_after_its_last_renewal(
    leases: Leases, clock: Clock
) -> None:
    leases["a"].acquire()
    clock.now += 9.9
    assert leases["a"].held()
    clock.now += 0.1
    assert not leases["a"].held()
    assert leases["b"].holder() == "a"  # while others still see the lease alive


def test_renewing_keeps_the_holder_sure(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    for _ in range(4):
        clock.now += 9
        assert leases["a"].renew()
        assert leases["a"].held()


def test_a_renewal_that_finds_another_holder_ends_being_sure(leases: Leases, clock: Clock) -> None:
    leases["a"].acquire()
    clock.now += 20
    leases["b"].acquire()
    clock.now -= 15  # a's own clock is behind: the lease would still look fresh
    assert not leases["a"].renew()
    assert not leases["a"].held()


def test_releasing_ends_being_sure(leases: Leases) -> None:
    leases["a"].acquire()
    leases["a"].release()
    assert not leases["a"].held()


def test_a_fractional_ttl_is_trusted_as_given_and_stored_rounded_up(
    store: SqliteStore, clock: Clock
) -> None:
    lease = LeaderLease(store, CONTROLLER_LEASE, "a", 0.6, clock=clock)
    lease.acquire()
    assert stored(store)["spec"]["leaseDurationSeconds"] == 1
    clock.now += 0.4
    assert not lease.held()
    assert lease.holder() == "a"


def test_a_failed_write_means_not_held(tmp_path: Path, clock: Clock) -> None:
    """A renewal that cannot be written (another writer holds the database) raises
    and leaves the lease unsure; the next one, once it can write, is sure again."""
    with SqliteStore(tmp_path / "store.db", busy_timeout=0.05) as store:
        lease = LeaderLease(store, CONTROLLER_LEASE, "a", TTL, clock=clock)
        assert lease.acquire()
        with closing(sqlite3.connect(tmp_path / "store.db", isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(StorageError):
                lease.renew()
            assert not lease.held()
            other.execute("ROLLBACK")
        assert lease.renew()
        assert lease.held()


# -- giving it up -------------------------------------------------------------------


def test_releasing_lets_another_take_it_at_once(leases: Leases) -> None:
    leases["a"].acquire()
    leases["a"].release()
    assert leases["a"].holder() is None
    assert leases["b"].acquire()


def test_releasing_a_lease_held_by_another_changes_nothing(
    leases: Leases, store: SqliteStore
) -> None:
    leases["a"].acquire()
    before = stored(store)
    leases["b"].release()
    assert stored(store) == before


def test_a_gone_holders_lease_is_released_on_its_behalf(leases: Leases) -> None:
    leases["a"].acquire()
    assert leases["b"].release_on_behalf_of("a")
    assert leases["a"].holder() is None
    assert leases["b"].acquire()


def test_releasing_on_behalf_of_a_holder_that_no_longer_holds_changes_nothing(
    leases: Leases, clock: Clock
) -> None:
    leases["a"].acquire()
    clock.now += TTL
    leases["b"].acquire()  # a successor came first
    assert not leases["b"].release_on_behalf_of("a")
    assert leases["b"].holder() == "b"


# -- contenders at the same time ----------------------------------------------------


def race(racers: list[LeaderLease]) -> dict[str, bool]:
    """Each racer's acquire, all started at once from threads of their own."""
    start = threading.Barrier(len(racers))
    won: dict[str, bool] = {}

    def run(lease: LeaderLease) -> None:
        start.wait()
        won[lease.holder_id] = lease.acquire()

    threads = [threading.Thread(target=run, args=(lease,)) for lease in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won


@pytest.mark.parametrize("lease_was", ["absent", "expired"])
def test_of_two_holders_racing_exactly_one_wins(
    tmp_path: Path, clock: Clock, lease_was: str
) -> None:
    """Two stores over one file, acquiring at once: the create (or the update at the
    resourceVersion both may have read) lets exactly one through."""
    with SqliteStore(tmp_path / "store.db") as one, SqliteStore(tmp_path / "store.db") as two:
        for round_ in range(20):
            name = f"race-{round_}"
            if lease_was == "expired":
                LeaderLease(one, name, "old", TTL, clock=clock).acquire()
            later = Clock()
            later.now = clock.now + TTL
            racers = [
                LeaderLease(s, name, who, TTL, clock=later) for s, who in ((one, "a"), (two, "b"))
            ]
            won = race(racers)
            assert sorted(won.values()) == [False, True], won
            assert racers[0].holder() == next(who for who, w in won.items() if w)


def test_another_process_cannot_take_a_live_lease(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    with SqliteStore(db) as store:
        assert LeaderLease(store, CONTROLLER_LEASE, "parent", 60).acquire()
        code = (
            "from treadle.controller.leader import LeaderLease\n"
            "from treadle.store.sqlite import SqliteStore\n"
            f"with SqliteStore({str(db)!r}) as store:\n"
            "    print(LeaderLease(store, 'controller', 'child', 60).acquire())\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == "False"


# -- the object in the store ---------------------------------------------------------


def test_the_lease_is_a_kubernetes_lease_in_its_own_namespace(
    leases: Leases, store: SqliteStore, clock: Clock
) -> None:
    leases["a"].acquire()
    obj = stored(store)
    assert obj["metadata"]["namespace"] == "treadle-system"
    assert obj["spec"] == {
        "holderIdentity": "a",
        "leaseDurationSeconds": TTL,
        "acquireTime": micro_time(clock.now),
        "renewTime": micro_time(clock.now),
        "leaseTransitions": 0,
    }
    assert check(obj).warnings == []  # what is written passes the API's own checks


def test_a_renewal_moves_only_renew_time(leases: Leases, store: SqliteStore, clock: Clock) -> None:
    leases["a"].acquire()
    acquired = stored(store)["spec"]
    clock.now += 5.25
    leases["a"].renew()
    assert stored(store)["spec"] == {**acquired, "renewTime": micro_time(clock.now)}
    assert micro_time(clock.now).endswith(".250000Z")


def test_each_change_of_holder_is_a_transition(
    leases: Leases, store: SqliteStore, clock: Clock
) -> None:
    leases["a"].acquire()
    leases["a"].acquire()  # the holder again: no transition
    clock.now += TTL
    leases["b"].acquire()
    leases["b"].release()
    leases["a"].acquire()
    assert stored(store)["spec"]["leaseTransitions"] == 2
    assert stored(store)["spec"]["acquireTime"] == micro_time(clock.now)


def test_a_renewal_is_one_modified_event(leases: Leases, store: SqliteStore, clock: Clock) -> None:
    leases["a"].acquire()
    since = store.head()
    clock.now += 5
    leases["a"].renew()
    events = list(store.watch_all(since=since, timeout=0.2))  # every kind's changes
    assert [(e.type, e.object["kind"]) for e in events] == [("MODIFIED", "Lease")]


def test_a_lease_that_does_not_say_until_when_is_free(store: SqliteStore, clock: Clock) -> None:
    store.create(
        {
            "apiVersion": LEASE_API_VERSION,
            "kind": LEASE_KIND,
            "metadata": {"name": CONTROLLER_LEASE, "namespace": LEASE_NAMESPACE},
            "spec": {"holderIdentity": "someone"},
        }
    )
    assert lease_holder(store, clock=clock) is None
    assert LeaderLease(store, CONTROLLER_LEASE, "b", TTL, clock=clock).acquire()


def test_an_observer_reads_the_holder_without_a_lease_of_its_own(
    leases: Leases, store: SqliteStore, clock: Clock
) -> None:
    leases["a"].acquire()
    assert lease_holder(store, clock=clock) == "a"


@pytest.mark.parametrize(("ttl", "holder"), [(0, "a"), (-1, "a"), (TTL, "")])
def test_a_lease_needs_a_positive_ttl_and_a_holder(
    store: SqliteStore, ttl: float, holder: str
) -> None:
    with pytest.raises(ValueError):
        LeaderLease(store, CONTROLLER_LEASE, holder, ttl)
