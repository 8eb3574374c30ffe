"""What only the SQLite store promises, beyond the contract suite."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from treadle.errors import AlreadyExists, BadRequest
from treadle.store.base import ChangeFeed, Obj
from treadle.store.sqlite import SqliteStore

API = "batch.tensorstack.dev/v1beta1"
RUN = (API, "WorkflowRun")


def wr(
    name: str | None = None,
    generate_name: str | None = None,
    *,
    namespace: str | None = None,
    owner: Obj | None = None,
) -> Obj:
    meta: Obj = {"name": name} if name else {"generateName": generate_name}
    if namespace:
        meta["namespace"] = namespace
    if owner is not None:
        meta["ownerReferences"] = [owner_ref(owner)]
    return {"apiVersion": API, "kind": "WorkflowRun", "metadata": meta, "spec": {}}


def pod(name: str, owner: Obj) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "ownerReferences": [owner_ref(owner)]},
    }


def owner_ref(obj: Obj) -> Obj:
    meta = obj["metadata"]
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
    }


def suffixes(*values: str) -> Iterator[str]:
    yield from values


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "store.db"


def test_the_database_file_and_its_directory_are_created(path: Path) -> None:
    with SqliteStore(path):
        assert path.exists()


def test_the_database_is_in_wal_mode_with_full_sync(path: Path) -> None:
    with SqliteStore(path) as store:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
        with store._connection() as own:
            assert own.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_generate_name_draws_again_when_the_name_is_taken(path: Path) -> None:
    draws = suffixes("aaaaa", "aaaaa", "bbbbb")
    with SqliteStore(path, random_suffix=lambda: next(draws)) as store:
        assert store.create(wr(generate_name="x-"))["metadata"]["name"] == "x-aaaaa"
        assert store.create(wr(generate_name="x-"))["metadata"]["name"] == "x-bbbbb"


def test_generate_name_gives_up_after_repeated_collisions(path: Path) -> None:
    with SqliteStore(path, random_suffix=lambda: "aaaaa") as store:
        store.create(wr(generate_name="x-"))
        with pytest.raises(AlreadyExists, match="keep colliding"):
            store.create(wr(generate_name="x-"))


def test_generate_name_cuts_a_long_prefix_to_fit_63_characters(path: Path) -> None:
    with SqliteStore(path) as store:
        name = store.create(wr(generate_name="p" * 80))["metadata"]["name"]
        assert len(name) == 63 and name.startswith("p" * 58)


def test_creation_timestamp_comes_from_the_clock_in_rfc3339_utc(path: Path) -> None:
    clock = lambda: datetime(2026, 11, 25, 14, 26, 29, 123456, tzinfo=UTC)  # noqa: E731
    with SqliteStore(path, clock=clock) as store:
        meta = store.create(wr("a"))["metadata"]
        assert meta["creationTimestamp"] == "2026-11-25T14:26:29Z"


def test_history_keeps_only_the_newest_changes(path: Path) -> None:
    with SqliteStore(path, history=3) as store:
        for i in range(10):
            store.create(wr(f"r{i}"))
        with store._connection() as conn:
            kept = [r[0] for r in conn.execute("SELECT rv FROM changes ORDER BY rv")]
        assert kept == [8, 9, 10]


def test_a_watch_that_falls_behind_the_history_raises_gone(path: Path) -> None:
    from treadle.errors import Gone

    with SqliteStore(path, history=3) as store:
        events = iter(store.watch_all(since="0", timeout=1))
        for i in range(10):
            store.create(wr(f"r{i}"))
        with pytest.raises(Gone):
            next(events)


def test_a_resource_version_that_is_not_a_number_is_a_bad_request(path: Path) -> None:
    with SqliteStore(path) as store, pytest.raises(BadRequest):
        store.watch(*RUN, since="abc")


def test_two_stores_of_one_process_see_each_others_writes(path: Path) -> None:
    with SqliteStore(path) as one, SqliteStore(path) as two:
        events = iter(two.watch(*RUN, since=two.head(), timeout=5))
        one.create(wr("a"))
        assert two.get(API, "WorkflowRun", None, "a")["metadata"]["name"] == "a"
        assert next(events).object["metadata"]["name"] == "a"


def test_closing_the_store_ends_its_watches(path: Path) -> None:
    store = SqliteStore(path)
    events = iter(store.watch(*RUN))
    threading.Timer(0.1, store.close).start()
    assert list(events) == []


def test_a_database_from_a_newer_treadle_is_refused(path: Path) -> None:
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        SqliteStore(path)


def test_list_by_label_does_not_read_every_body(path: Path) -> None:
    """The label index answers selectors; a scan would be far slower at 10,000 runs."""
    with SqliteStore(path) as store, store._connection() as conn:
        plan = " ".join(
            row[3]
            for row in conn.execute(
                "EXPLAIN QUERY PLAN SELECT object_id FROM labels WHERE key = ? AND value = ?",
                ("a", "b"),
            )
        )
        assert "labels_key_value" in plan


def test_a_dry_run_create_answers_as_a_create_and_leaves_no_trace(path: Path) -> None:
    with SqliteStore(path) as store:
        before = store.head()
        answer = store.create(wr(generate_name="x-"), dry_run=True)
        assert answer["metadata"]["name"].startswith("x-") and answer["metadata"]["uid"]
        assert "resourceVersion" not in answer["metadata"]
        assert store.head() == before
        assert store.list(API, "WorkflowRun").items == []
        assert list(store.watch(API, "WorkflowRun", since=before, timeout=0.2)) == []


def test_a_dry_run_create_of_a_name_taken_is_already_exists(path: Path) -> None:
    with SqliteStore(path) as store:
        store.create(wr("a"))
        with pytest.raises(AlreadyExists):
            store.create(wr("a"), dry_run=True)


def test_a_dry_run_update_answers_the_change_and_keeps_the_stored_version(path: Path) -> None:
    with SqliteStore(path) as store:
        stored = store.create(wr("a"))
        answer = store.update({**stored, "spec": {"timeout": "1m"}}, dry_run=True)
        assert answer["spec"] == {"timeout": "1m"} and answer["metadata"]["generation"] == 2
        assert answer["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
        assert store.get(API, "WorkflowRun", None, "a") == stored
        assert store.head() == stored["metadata"]["resourceVersion"]


# --- beyond the contract: one history of every kind ------------------------------------


def test_the_store_is_a_change_feed(path: Path) -> None:
    with SqliteStore(path) as store:
        assert isinstance(store, ChangeFeed)


def test_resource_versions_are_one_counter_across_kinds(path: Path) -> None:
    with SqliteStore(path) as store:
        run = store.create(wr("a"))
        child = store.create(pod("p", run))
        updated = store.update({**run, "spec": {"x": 1}})
        deleted = store.delete("v1", "Pod", None, "p")
        versions = [int(o["metadata"]["resourceVersion"]) for o in (run, child, updated, deleted)]
        assert versions == [1, 2, 3, 4]
        assert store.head() == "4"


def test_a_list_of_any_kind_is_taken_at_the_head(path: Path) -> None:
    with SqliteStore(path) as store:
        run = store.create(wr("a"))
        store.create(pod("p", run))
        assert store.list("v1", "ConfigMap").resource_version == store.head() == "2"


def test_an_empty_store_is_at_zero(path: Path) -> None:
    with SqliteStore(path) as store:
        assert store.head() == "0"


def test_watch_all_follows_every_kind_in_order(path: Path) -> None:
    with SqliteStore(path) as store:
        since = store.head()
        run = store.create(wr("a"))
        store.create(pod("p", run))
        store.create(wr("b", namespace="other"))
        events = list(store.watch_all(since=since, timeout=0.2))
        assert [(e.object["kind"], e.object["metadata"]["name"]) for e in events] == [
            ("WorkflowRun", "a"),
            ("Pod", "p"),
            ("WorkflowRun", "b"),
        ]
        assert [e.resource_version for e in events] == ["1", "2", "3"]


def test_watch_all_of_a_namespace_keeps_only_its_objects(path: Path) -> None:
    with SqliteStore(path) as store:
        store.create(wr("a"))
        store.create(wr("b", namespace="other"))
        events = list(store.watch_all("other", since="0", timeout=0.2))
        assert [e.object["metadata"]["name"] for e in events] == ["b"]


def test_watch_without_since_starts_from_now(path: Path) -> None:
    with SqliteStore(path) as store:
        store.create(wr("before"))
        events = store.watch(*RUN, timeout=2)
        store.create(wr("after"))
        assert next(iter(events)).object["metadata"]["name"] == "after"


def test_delete_has_cascaded_by_the_time_it_returns(path: Path) -> None:
    """The contract lets garbage collection finish later; here it is one transaction."""
    with SqliteStore(path) as store:
        parent = store.create(wr("parent"))
        child = store.create(wr("child", owner=parent))
        store.create(pod("grandchild", child))
        since = store.head()
        store.delete(*RUN, None, "parent")
        assert store.list(*RUN).items == [] and store.list("v1", "Pod").items == []
        events = list(store.watch_all(since=since, timeout=0.2))
        assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
            ("DELETED", "parent"),
            ("DELETED", "child"),
            ("DELETED", "grandchild"),
        ]
        assert len({e.resource_version for e in events}) == 3
