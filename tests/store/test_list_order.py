"""The console's list extensions, newest first and a name substring filter, as
client/listing.py serves them above a Store: through SQLite's own OrderedListing,
and in memory over a store that has only the Store interface. Both paths answer
every case alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from treadle.client.listing import list_objects
from treadle.errors import BadRequest
from treadle.store.base import Obj, OrderedListing, Page, Store, WatchEvent
from treadle.store.sqlite import SqliteStore

GV = "batch.tensorstack.dev/v1beta1"


class PlainStore:
    """A real SqliteStore seen through the Store interface alone, as a Kubernetes
    backend would be: no OrderedListing, so the extensions are served in memory."""

    def __init__(self, inner: SqliteStore) -> None:
        self._inner = inner

    def create(self, obj: Obj) -> Obj:
        return self._inner.create(obj)

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        return self._inner.get(api_version, kind, namespace, name)

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> Page:
        return self._inner.list(
            api_version,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_token,
        )

    def update(self, obj: Obj) -> Obj:
        return self._inner.update(obj)

    def update_status(self, obj: Obj) -> Obj:
        return self._inner.update_status(obj)

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        return self._inner.delete(api_version, kind, namespace, name)

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        since: str,
        timeout: float | None,
    ) -> Iterator[WatchEvent]:
        return self._inner.watch(api_version, kind, namespace, since=since, timeout=timeout)

    def close(self) -> None:
        self._inner.close()


class Ticking:
    """A clock a second further on at each reading: creation times differ, as they
    do between runs a person starts."""

    def __init__(self) -> None:
        self._now = datetime(2024, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


def _stopped() -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC)


PATHS = ["ordered-listing", "plain-store"]


def _open(tmp_path: Path, path: str, clock: Any = None) -> Iterator[Store]:
    with SqliteStore(tmp_path / "store.db", clock=clock or Ticking()) as inner:
        yield inner if path == "ordered-listing" else PlainStore(inner)


@pytest.fixture(params=PATHS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from _open(tmp_path, request.param)


def _run(name: str, namespace: str = "default", **labels: str) -> Obj:
    return {
        "apiVersion": GV,
        "kind": "WorkflowRun",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"workflowTemplateRef": "t"},
    }


def _names(page: Page) -> list[str]:
    return [o["metadata"]["name"] for o in page.items]


def _all_pages(store: Store, namespace: str | None, **options: Any) -> tuple[list[str], int]:
    """Every name the list answers, following continue tokens; and how many pages."""
    names: list[str] = []
    pages = 0
    token = None
    while True:
        page = list_objects(store, GV, "WorkflowRun", namespace, continue_token=token, **options)
        names += _names(page)
        pages += 1
        token = page.continue_token
        if not token:
            return names, pages


@dataclass(frozen=True)
class Case:
    id: str
    created: list[Obj]
    """In creation order, one second apart."""
    options: dict[str, Any]
    names: list[str]
    """Every name listed, over all pages."""
    pages: int = 1
    namespace: str | None = "default"


TRAINS = [_run(n) for n in ("train-1", "eval-1", "train-2", "xtrain.9")]
SEVEN = [_run(f"r{i}") for i in range(7)]

CASES = [
    Case(
        "newest first is the reverse of creation order",
        [_run(n) for n in ("b", "c", "a")],
        {"newest_first": True},
        ["a", "c", "b"],
    ),
    Case(
        "newest first pages on where the last page stopped",
        SEVEN,
        {"newest_first": True, "limit": 3},
        [f"r{i}" for i in reversed(range(7))],
        pages=3,
    ),
    Case(
        "a limit of the list's length needs one page",
        SEVEN,
        {"newest_first": True, "limit": 7},
        [f"r{i}" for i in reversed(range(7))],
    ),
    Case(
        "the name filter keeps names holding the text, by name",
        TRAINS,
        {"name_contains": "train"},
        ["train-1", "train-2", "xtrain.9"],
    ),
    Case(
        "the name filter pages by name",
        TRAINS,
        {"name_contains": "train", "limit": 2},
        ["train-1", "train-2", "xtrain.9"],
        pages=2,
    ),
    Case(
        "the name filter combines with newest first",
        TRAINS,
        {"name_contains": "train", "newest_first": True, "limit": 1},
        ["xtrain.9", "train-2", "train-1"],
        pages=3,
    ),
    Case(
        "a dot in the name filter is a dot",
        [_run(n) for n in ("a-b", "a.b", "axb")],
        {"name_contains": "a.b"},
        ["a.b"],
    ),
    Case(
        "SQL wildcards in the name filter are literal",
        [_run(n) for n in ("a-b", "a.b", "axb")],
        {"name_contains": "%"},
        [],
    ),
    Case(
        "the name filter is case-sensitive",
        TRAINS,
        {"name_contains": "Train"},
        [],
    ),
    Case(
        "an empty name filter keeps every name",
        TRAINS,
        {"name_contains": ""},
        ["eval-1", "train-1", "train-2", "xtrain.9"],
    ),
    Case(
        "newest first spans namespaces in a cluster-wide list",
        [_run("one", "b"), _run("two", "a"), _run("three", "b")],
        {"newest_first": True, "limit": 2},
        ["three", "two", "one"],
        pages=2,
        namespace=None,
    ),
    Case(
        "a namespace keeps other namespaces' objects out",
        [_run("one", "b"), _run("two", "a"), _run("three", "b")],
        {"newest_first": True},
        ["three", "one"],
        namespace="b",
    ),
    Case(
        "label and field selectors narrow the list first",
        [
            _run("train-1", team="x"),
            _run("train-2", team="y"),
            _run("train-3", team="x"),
            _run("train-4", team="x"),
        ],
        {
            "newest_first": True,
            "name_contains": "train",
            "label_selector": "team=x",
            "field_selector": "metadata.name!=train-3",
            "limit": 1,
        },
        ["train-4", "train-1"],
        pages=2,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_list_extensions(store: Store, case: Case) -> None:
    for obj in case.created:
        store.create(obj)
    assert _all_pages(store, case.namespace, **case.options) == (case.names, case.pages)


@pytest.mark.parametrize("options", [{"newest_first": True}, {"name_contains": "r"}])
def test_an_object_created_after_a_page_does_not_shift_the_next(
    store: Store, options: dict[str, Any]
) -> None:
    for name in ("r1", "r3", "r5"):
        store.create(_run(name))
    first = list_objects(store, GV, "WorkflowRun", "default", limit=1, **options)
    store.create(_run("r2"))  # newest, and by name between the first and the rest
    rest = list_objects(
        store, GV, "WorkflowRun", "default", continue_token=first.continue_token, **options
    )
    if options.get("newest_first"):
        assert (_names(first), _names(rest)) == (["r5"], ["r3", "r1"])
    else:
        # By name a page is no snapshot, as a plain list: what sorts ahead is seen.
        assert (_names(first), _names(rest)) == (["r1"], ["r2", "r3", "r5"])


@pytest.mark.parametrize("options", [{"newest_first": True}, {"name_contains": "r"}])
def test_an_object_deleted_after_a_page_does_not_shift_the_next(
    store: Store, options: dict[str, Any]
) -> None:
    for name in ("r1", "r2", "r3"):
        store.create(_run(name))
    first = list_objects(store, GV, "WorkflowRun", "default", limit=1, **options)
    store.delete(GV, "WorkflowRun", "default", _names(first)[0])
    rest = list_objects(
        store, GV, "WorkflowRun", "default", continue_token=first.continue_token, **options
    )
    expected = ["r2", "r1"] if options.get("newest_first") else ["r2", "r3"]
    assert _names(rest) == expected


def test_a_token_from_one_order_is_refused_in_the_other(store: Store) -> None:
    for i in range(3):
        store.create(_run(f"r{i}"))
    newest = list_objects(store, GV, "WorkflowRun", "default", newest_first=True, limit=1)
    by_name = list_objects(store, GV, "WorkflowRun", "default", name_contains="r", limit=1)
    with pytest.raises(BadRequest, match="another order"):
        list_objects(
            store,
            GV,
            "WorkflowRun",
            "default",
            name_contains="r",
            continue_token=newest.continue_token,
        )
    with pytest.raises(BadRequest, match="another order"):
        list_objects(
            store,
            GV,
            "WorkflowRun",
            "default",
            newest_first=True,
            continue_token=by_name.continue_token,
        )


@pytest.mark.parametrize("token", ["not-a-token", "e30", "eyJ2IjogMX0"])
def test_a_token_not_made_for_the_list_is_refused(store: Store, token: str) -> None:
    with pytest.raises(BadRequest, match="continue token"):
        list_objects(store, GV, "WorkflowRun", newest_first=True, continue_token=token)


def test_a_negative_limit_is_refused(store: Store) -> None:
    with pytest.raises(BadRequest, match="limit"):
        list_objects(store, GV, "WorkflowRun", newest_first=True, limit=-1)


def test_a_malformed_selector_is_refused(store: Store) -> None:
    with pytest.raises(BadRequest):
        list_objects(store, GV, "WorkflowRun", newest_first=True, label_selector="a in (")


def test_a_page_answers_with_the_resource_version_a_list_has(store: Store) -> None:
    """So a watch from it misses nothing, as after a plain list."""
    store.create(_run("r"))
    page = list_objects(store, GV, "WorkflowRun", newest_first=True)
    assert page.resource_version == store.list(GV, "WorkflowRun").resource_version


def test_without_extensions_the_store_lists_and_pages_itself(store: Store) -> None:
    for name in ("b", "a", "c"):
        store.create(_run(name))
    first = list_objects(store, GV, "WorkflowRun", "default", limit=2)
    assert first == store.list(GV, "WorkflowRun", "default", limit=2)
    rest = list_objects(store, GV, "WorkflowRun", "default", continue_token=first.continue_token)
    assert _names(first) + _names(rest) == ["a", "b", "c"]


def test_the_sqlite_store_orders_by_itself_and_a_plain_store_does_not(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "store.db") as sqlite:
        assert isinstance(sqlite, OrderedListing)
        assert not isinstance(PlainStore(sqlite), OrderedListing)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # SQLite still knows the order of creation within one second.
        ("ordered-listing", ["b", "c", "a"]),
        # Creation times have whole seconds: the name decides between them.
        ("plain-store", ["a", "b", "c"]),
    ],
)
def test_objects_created_within_one_second(tmp_path: Path, path: str, expected: list[str]) -> None:
    for store in _open(tmp_path, path, clock=_stopped):
        for name in ("a", "c", "b"):
            store.create(_run(name))
        page = list_objects(store, GV, "WorkflowRun", "default", newest_first=True)
        assert _names(page) == expected


def test_the_sqlite_store_list_refuses_a_newest_first_token(tmp_path: Path) -> None:
    """Store.list is in (namespace, name) order only: a newest-first position is no
    place in it."""
    with SqliteStore(tmp_path / "store.db") as store:
        for i in range(3):
            store.create(_run(f"r{i}"))
        newest = store.list_ordered(GV, "WorkflowRun", "default", newest_first=True, limit=1)
        with pytest.raises(BadRequest, match="another order"):
            store.list(GV, "WorkflowRun", "default", continue_token=newest.continue_token)
