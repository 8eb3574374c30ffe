"""The Store contract: what every backend (SQLite today, Kubernetes later) must do.

Each test takes the `store` (or `backend`) fixture from conftest.py and states one
behaviour. Objects are plain dicts in wire form.

Only what a kube-apiserver does is asked for: a watch follows one kind, from a
resourceVersion the store gave (a list's, an event's, an object's);
resourceVersions are compared for equality only; and a delete's cascade is awaited
on the watch, since garbage collection may finish after `delete` returns. What
only SQLite promises beyond this is in test_sqlite_store.py.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from treadle.errors import AlreadyExists, BadRequest, Conflict, Gone, NotFound, ValidationError
from treadle.store.base import Obj, Page, Store, WatchEvent

API = "batch.tensorstack.dev/v1beta1"
RUN = (API, "WorkflowRun")


def wr(
    name: str | None = None,
    *,
    namespace: str | None = None,
    labels: dict[str, str] | None = None,
    owners: Iterable[Obj] = (),
    spec: dict[str, Any] | None = None,
    generate_name: str | None = None,
    kind: str = "WorkflowRun",
    api_version: str = API,
) -> Obj:
    meta: dict[str, Any] = {}
    if name:
        meta["name"] = name
    if generate_name:
        meta["generateName"] = generate_name
    if namespace:
        meta["namespace"] = namespace
    if labels is not None:
        meta["labels"] = labels
    refs = [owner_ref(o) for o in owners]
    if refs:
        meta["ownerReferences"] = refs
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": meta,
        "spec": spec if spec is not None else {"workflowTemplateRef": "t"},
    }


def owner_ref(obj: Obj) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
    }


def names(page: Page | list[Obj]) -> list[str]:
    items = page.items if isinstance(page, Page) else page
    return [o["metadata"]["name"] for o in items]


def with_status(store: Store, obj: Obj, **status: Any) -> Obj:
    return store.update_status({**obj, "status": status})


def get_run(store: Store, name: str, namespace: str = "default") -> Obj:
    return store.get(*RUN, namespace, name)


def rv_of(obj: Obj) -> str:
    return str(obj["metadata"]["resourceVersion"])


def now_at(store: Store, api_version: str = API, kind: str = "WorkflowRun") -> str:
    """Where a watch of the kind starts to see the changes made from here on."""
    return store.list(api_version, kind, limit=1).resource_version


GC_SECONDS = 10.0
"""How long garbage collection may take to finish a cascade."""


def changes(
    store: Store, api_version: str, kind: str, *, since: str, count: int
) -> list[WatchEvent]:
    """The next `count` changes of a kind after `since`, waiting up to GC_SECONDS
    for them (fewer if they do not come)."""
    got: list[WatchEvent] = []
    events = store.watch(api_version, kind, since=since, timeout=GC_SECONDS)
    try:
        for event in events:
            got.append(event)
            if len(got) == count:
                break
    finally:
        _close(events)
    return got


def listed_when(
    store: Store, api_version: str, kind: str, done: Callable[[list[Obj]], bool]
) -> list[Obj]:
    """The kind's objects once `done` holds for them: listed again on each of its
    changes, until GC_SECONDS pass."""
    deadline = time.monotonic() + GC_SECONDS
    page = store.list(api_version, kind)
    while not done(page.items):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"still {names(page)} after {GC_SECONDS} s"
        events = store.watch(api_version, kind, since=page.resource_version, timeout=remaining)
        try:
            next(iter(events), None)  # something changed, or the time is up
        finally:
            _close(events)
        page = store.list(api_version, kind)
    return page.items


def _close(events: object) -> None:
    close = getattr(events, "close", None)  # a generator: frees what it holds now
    if close is not None:
        close()


# --- create ----------------------------------------------------------------------


def test_create_fills_uid_resource_version_generation_and_timestamp(store: Store) -> None:
    meta = store.create(wr("a"))["metadata"]
    assert re.fullmatch(r"[0-9a-f-]{36}", meta["uid"])
    assert isinstance(meta["resourceVersion"], str) and meta["resourceVersion"]
    assert meta["generation"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])


def test_create_puts_objects_without_namespace_in_default(store: Store) -> None:
    assert store.create(wr("a"))["metadata"]["namespace"] == "default"
    assert get_run(store, "a", "default")["metadata"]["name"] == "a"


def test_cluster_scoped_objects_have_no_namespace(store: Store) -> None:
    created = store.create(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a", "namespace": "ignored"},
        }
    )
    assert "namespace" not in created["metadata"]
    assert (
        store.get("v1", "Namespace", None, "team-a")["metadata"]["uid"]
        == created["metadata"]["uid"]
    )


def test_create_ignores_status_which_only_update_status_writes(store: Store) -> None:
    created = store.create({**wr("a"), "status": {"phase": "Succeeded"}})
    assert "status" not in created
    assert "status" not in get_run(store, "a")


def test_create_ignores_system_fields_sent_by_the_client(store: Store) -> None:
    obj = wr("a")
    obj["metadata"].update(
        uid="mine", resourceVersion="999", generation=7, creationTimestamp="2000-01-01T00:00:00Z"
    )
    meta = store.create(obj)["metadata"]
    assert meta["uid"] != "mine"
    assert meta["generation"] == 1
    assert meta["creationTimestamp"] != "2000-01-01T00:00:00Z"


def test_create_does_not_modify_the_object_passed_in(store: Store) -> None:
    obj = wr(generate_name="a-")
    store.create(obj)
    assert obj == wr(generate_name="a-")


def test_creating_an_existing_name_raises_already_exists(store: Store) -> None:
    store.create(wr("a"))
    with pytest.raises(AlreadyExists, match='"default/a"'):
        store.create(wr("a", spec={"other": True}))


def test_the_same_name_in_another_namespace_or_kind_is_another_object(store: Store) -> None:
    store.create(wr("a"))
    store.create(wr("a", namespace="other"))
    store.create(wr("a", kind="WorkflowTemplate"))
    assert len(store.list(*RUN).items) == 2


@pytest.mark.parametrize(
    ("meta", "path"),
    [
        ({"name": "Upper"}, "metadata.name"),
        ({"name": "under_score"}, "metadata.name"),
        ({"name": "-leading"}, "metadata.name"),
        ({"name": "a" * 254}, "metadata.name"),
        ({"generateName": "Bad_"}, "metadata.generateName"),
        ({}, "metadata.name"),
        ({"name": "a", "namespace": "Bad.Namespace"}, "metadata.namespace"),
        ({"name": "a", "labels": {"-bad": "x"}}, "metadata.labels"),
        ({"name": "a", "labels": {"ok": "bad value"}}, "metadata.labels"),
        (
            {"name": "a", "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "x"}]},
            "metadata.ownerReferences[0].uid",
        ),
    ],
)
def test_create_rejects_bad_metadata_naming_the_field(
    store: Store, meta: dict[str, Any], path: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        store.create({"apiVersion": API, "kind": "WorkflowRun", "metadata": meta})
    assert path in [c.path for c in caught.value.causes]
    assert store.list(*RUN).items == []


def test_an_object_has_at_most_one_controller(store: Store) -> None:
    first, second = store.create(wr("first")), store.create(wr("second"))
    with pytest.raises(ValidationError) as caught:
        store.create(wr("shared", owners=[first, second]))
    assert [c.path for c in caught.value.causes] == ["metadata.ownerReferences[1].controller"]


def test_create_rejects_an_object_without_api_version_or_kind(store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        store.create({"metadata": {"name": "a"}})
    assert {c.path for c in caught.value.causes} == {"apiVersion", "kind"}


def test_generate_name_appends_five_random_lower_case_alphanumerics(store: Store) -> None:
    made = {store.create(wr(generate_name="train-"))["metadata"]["name"] for _ in range(20)}
    assert len(made) == 20
    assert all(re.fullmatch(r"train-[a-z0-9]{5}", name) for name in made)


def test_every_write_takes_a_new_resource_version(store: Store) -> None:
    a = store.create(wr("a"))
    b = store.create(wr("b"))
    a2 = store.update({**a, "spec": {"x": 1}})
    b2 = with_status(store, b, phase="Running")
    deleted = store.delete(*RUN, "default", "a")
    assert len({rv_of(o) for o in (a, b, a2, b2, deleted)}) == 5


# --- get ---------------------------------------------------------------------------


def test_get_returns_the_object_as_create_returned_it(store: Store) -> None:
    created = store.create(wr("a", labels={"app": "x"}))
    assert get_run(store, "a") == created


def test_get_of_a_missing_object_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match='WorkflowRun "default/nope" not found'):
        get_run(store, "nope")


def test_changing_a_returned_object_does_not_change_the_store(store: Store) -> None:
    created = store.create(wr("a", labels={"app": "x"}))
    created["metadata"]["labels"]["app"] = "changed"
    got = get_run(store, "a")
    got["spec"]["mutated"] = True
    assert get_run(store, "a")["metadata"]["labels"] == {"app": "x"}
    assert "mutated" not in get_run(store, "a")["spec"]


# --- list --------------------------------------------------------------------------


@pytest.fixture
def spread(store: Store) -> Store:
    """Runs b, a in default, c in team-a, a in team-b; and one template."""
    for name, ns in (("b", None), ("a", None), ("c", "team-a"), ("a", "team-b")):
        store.create(wr(name, namespace=ns))
    store.create(wr("t", kind="WorkflowTemplate"))
    return store


def test_list_orders_by_namespace_then_name(spread: Store) -> None:
    items = spread.list(*RUN).items
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in items] == [
        ("default", "a"),
        ("default", "b"),
        ("team-a", "c"),
        ("team-b", "a"),
    ]


def test_list_of_one_namespace_returns_only_its_objects(spread: Store) -> None:
    assert names(spread.list(*RUN, "team-a")) == ["c"]


def test_list_returns_only_the_requested_kind(spread: Store) -> None:
    assert names(spread.list(API, "WorkflowTemplate")) == ["t"]


def test_list_of_an_empty_namespace_is_empty(spread: Store) -> None:
    assert spread.list(*RUN, "nobody").items == []


def test_a_watch_from_a_lists_resource_version_replays_nothing_listed(spread: Store) -> None:
    page = spread.list(*RUN)
    assert list(spread.watch(*RUN, since=page.resource_version, timeout=0.3)) == []


def test_paged_list_returns_every_object_once_in_order(store: Store) -> None:
    for i in range(23):
        store.create(wr(f"r{i:02}", namespace=("ns1", "ns2")[i % 2]))
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = store.list(*RUN, limit=5, continue_token=token)
        assert len(page.items) <= 5
        seen += [f"{o['metadata']['namespace']}/{o['metadata']['name']}" for o in page.items]
        pages += 1
        token = page.continue_token
        if token is None:
            break
    assert pages == 5
    assert seen == sorted(seen) and len(seen) == 23


@pytest.mark.parametrize(
    ("namespace", "field_selector"), [("ns2", None), (None, "metadata.namespace=ns2")]
)
def test_paged_list_of_one_namespace_stays_in_it(
    store: Store, namespace: str | None, field_selector: str | None
) -> None:
    for i in range(12):
        store.create(wr(f"r{i:02}", namespace=("ns1", "ns2", "ns3")[i % 3]))
    seen: list[str] = []
    token = None
    while True:
        page = store.list(
            *RUN, namespace, field_selector=field_selector, limit=3, continue_token=token
        )
        seen += names(page)
        token = page.continue_token
        if not token:
            break
    assert seen == ["r01", "r04", "r07", "r10"]


def test_a_page_that_reaches_the_end_has_no_continue_token(spread: Store) -> None:
    assert spread.list(*RUN, limit=4).continue_token is None
    assert spread.list(*RUN, limit=3).continue_token is not None


def test_paging_continues_after_the_last_object_even_if_it_was_deleted(store: Store) -> None:
    for name in "abcd":
        store.create(wr(name))
    first = store.list(*RUN, limit=2)
    store.delete(*RUN, "default", "b")
    rest = store.list(*RUN, limit=2, continue_token=first.continue_token)
    assert names(first) == ["a", "b"] and names(rest) == ["c", "d"]


def test_list_rejects_a_continue_token_it_did_not_make(store: Store) -> None:
    with pytest.raises(BadRequest, match="continue token"):
        store.list(*RUN, continue_token="not-a-token")


@pytest.fixture
def labelled(store: Store) -> Store:
    store.create(wr("web", labels={"app": "web", "tier": "front"}))
    store.create(wr("api", labels={"app": "api", "tier": "back"}))
    store.create(wr("db", labels={"app": "db", "tier": "back", "legacy": ""}))
    store.create(wr("bare"))
    return store


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", ["api", "bare", "db", "web"]),
        ("app=web", ["web"]),
        ("app==web", ["web"]),
        ("app!=web", ["api", "bare", "db"]),
        ("tier in (front, back)", ["api", "db", "web"]),
        ("tier notin (back)", ["bare", "web"]),
        ("legacy", ["db"]),
        ("!legacy", ["api", "bare", "web"]),
        ("legacy=", ["db"]),
        ("tier=back,app!=db", ["api"]),
        ("app=nothing", []),
    ],
)
def test_list_filters_by_label_selector(
    labelled: Store, selector: str, expected: list[str]
) -> None:
    assert names(labelled.list(*RUN, label_selector=selector)) == expected


def test_list_follows_label_changes(labelled: Store) -> None:
    web = get_run(labelled, "web")
    labelled.update({**web, "metadata": {**web["metadata"], "labels": {"app": "site"}}})
    assert names(labelled.list(*RUN, label_selector="app=web")) == []
    assert names(labelled.list(*RUN, label_selector="app=site")) == ["web"]
    assert names(labelled.list(*RUN, label_selector="tier")) == ["api", "db"]


def test_list_rejects_a_malformed_label_selector_saying_where(store: Store) -> None:
    with pytest.raises(BadRequest, match="column"):
        store.list(*RUN, label_selector="app in (web")


@pytest.fixture
def phased(store: Store) -> Store:
    for name, phase in (("a", "Running"), ("b", "Succeeded"), ("c", "Running"), ("d", None)):
        obj = store.create(wr(name, namespace="x" if name == "c" else None))
        if phase:
            with_status(store, obj, phase=phase)
    return store


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("status.phase=Running", ["a", "c"]),
        ("status.phase==Succeeded", ["b"]),
        ("status.phase!=Running", ["b", "d"]),
        ("status.phase=", ["d"]),
        ("metadata.name=b", ["b"]),
        ("metadata.name!=b", ["a", "d", "c"]),
        ("metadata.namespace=x", ["c"]),
        ("metadata.namespace!=x,status.phase=Running", ["a"]),
        (" status.phase = Running ", ["a", "c"]),
    ],
)
def test_list_filters_by_field_selector(phased: Store, selector: str, expected: list[str]) -> None:
    assert names(phased.list(*RUN, field_selector=selector)) == expected


def test_list_follows_phase_changes(phased: Store) -> None:
    with_status(phased, get_run(phased, "a"), phase="Failed")
    assert names(phased.list(*RUN, field_selector="status.phase=Running")) == ["c"]


@pytest.mark.parametrize("selector", ["spec.x=1", "status.phase", "status.phase>1"])
def test_list_rejects_a_field_selector_it_cannot_answer(store: Store, selector: str) -> None:
    with pytest.raises(BadRequest, match="field selector"):
        store.list(*RUN, field_selector=selector)


def test_paging_through_a_filtered_list_returns_exactly_the_matches(store: Store) -> None:
    for i in range(30):
        store.create(wr(f"r{i:02}", labels={"even": str(i % 2 == 0).lower()}))
    seen: list[str] = []
    token = None
    while True:
        page = store.list(*RUN, label_selector="even=true", limit=4, continue_token=token)
        seen += names(page)
        token = page.continue_token
        if not token:
            break
    assert seen == [f"r{i:02}" for i in range(0, 30, 2)]


def test_event_lists_filter_by_involved_object(store: Store) -> None:
    for name, uid in (("e1", "u1"), ("e2", "u2"), ("e3", "u1")):
        store.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name},
                "involvedObject": {"kind": "WorkflowRun", "name": "r", "uid": uid},
                "reason": "Created",
                "message": "m",
                "type": "Normal",
            }
        )
    page = store.list("v1", "Event", "default", field_selector="involvedObject.uid=u1")
    assert names(page) == ["e1", "e3"]
    page = store.list("v1", "Event", "default", field_selector="involvedObject.uid!=u1")
    assert names(page) == ["e2"]


# --- update ------------------------------------------------------------------------


def test_update_replaces_labels_annotations_and_spec(store: Store) -> None:
    created = store.create(wr("a", labels={"old": "1"}))
    meta = {**created["metadata"], "labels": {"new": "2"}, "annotations": {"note": "hi"}}
    updated = store.update({**created, "metadata": meta, "spec": {"changed": True}})
    got = get_run(store, "a")
    assert got == updated
    assert got["metadata"]["labels"] == {"new": "2"}
    assert got["metadata"]["annotations"] == {"note": "hi"}
    assert got["spec"] == {"changed": True}


def test_update_with_a_stale_resource_version_raises_conflict(store: Store) -> None:
    created = store.create(wr("a"))
    store.update({**created, "spec": {"first": True}})
    with pytest.raises(Conflict):
        store.update({**created, "spec": {"second": True}})
    assert get_run(store, "a")["spec"] == {"first": True}


def test_update_without_a_resource_version_is_unconditional(store: Store) -> None:
    created = store.create(wr("a"))
    store.update({**created, "spec": {"first": True}})
    meta = {k: v for k, v in created["metadata"].items() if k != "resourceVersion"}
    assert store.update({**created, "metadata": meta, "spec": {"second": True}})["spec"] == {
        "second": True
    }


def test_update_keeps_the_stored_status(store: Store) -> None:
    created = store.create(wr("a"))
    running = with_status(store, created, phase="Running")
    updated = store.update({**running, "spec": {"x": 1}, "status": {"phase": "Hacked"}})
    assert updated["status"] == {"phase": "Running"}
    assert get_run(store, "a")["status"] == {"phase": "Running"}


def test_update_bumps_generation_only_when_the_spec_changes(store: Store) -> None:
    created = store.create(wr("a"))
    relabelled = store.update(
        {**created, "metadata": {**created["metadata"], "labels": {"x": "y"}}}
    )
    assert relabelled["metadata"]["generation"] == 1
    respecced = store.update({**relabelled, "spec": {"x": 1}})
    assert respecced["metadata"]["generation"] == 2


def test_update_cannot_change_identity_or_system_fields(store: Store) -> None:
    created = store.create(wr("a"))
    meta = {**created["metadata"], "creationTimestamp": "2000-01-01T00:00:00Z", "generation": 40}
    updated = store.update({**created, "metadata": meta, "spec": {"x": 1}})
    for field in ("uid", "creationTimestamp", "namespace", "name"):
        assert updated["metadata"][field] == created["metadata"][field]
    assert updated["metadata"]["generation"] == 2


def test_update_that_changes_nothing_keeps_the_resource_version(store: Store) -> None:
    created = store.create(wr("a"))
    assert rv_of(store.update(created)) == rv_of(created)
    assert list(store.watch(*RUN, since=rv_of(created), timeout=0.3)) == []


def test_update_of_a_missing_object_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.update(wr("ghost"))


def test_update_of_a_recreated_object_with_the_old_uid_raises_conflict(store: Store) -> None:
    old = store.create(wr("a"))
    store.delete(*RUN, "default", "a")
    store.create(wr("a"))
    meta = {k: v for k, v in old["metadata"].items() if k != "resourceVersion"}
    with pytest.raises(Conflict):
        store.update({**old, "metadata": meta})


def test_concurrent_read_modify_write_loses_no_update(backend: Any) -> None:
    """Each thread retries on Conflict; optimistic concurrency makes that safe."""
    store = backend.open()
    store.create(wr("counter", spec={"n": 0}))

    def bump(times: int) -> None:
        own = backend.open()
        for _ in range(times):
            while True:
                obj = get_run(own, "counter")
                try:
                    own.update({**obj, "spec": {"n": obj["spec"]["n"] + 1}})
                    break
                except Conflict:
                    continue

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert get_run(store, "counter")["spec"]["n"] == 100


def test_concurrent_creates_from_threads_get_distinct_resource_versions(store: Store) -> None:
    made: list[Obj] = []

    def create(prefix: str) -> None:
        for i in range(20):
            made.append(store.create(wr(f"{prefix}-{i}")))

    threads = [threading.Thread(target=create, args=(f"t{n}",)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    versions = {o["metadata"]["resourceVersion"] for o in made}
    assert len(versions) == 100
    assert len(store.list(*RUN).items) == 100


# --- status ------------------------------------------------------------------------


def test_update_status_changes_only_the_status(store: Store) -> None:
    created = store.create(wr("a", labels={"keep": "me"}))
    sent = {
        **created,
        "metadata": {**created["metadata"], "labels": {}},
        "spec": {"ignored": True},
        "status": {"phase": "Running"},
    }
    updated = store.update_status(sent)
    assert updated["status"] == {"phase": "Running"}
    assert updated["spec"] == created["spec"]
    assert updated["metadata"]["labels"] == {"keep": "me"}
    assert get_run(store, "a") == updated


def test_update_status_keeps_the_generation(store: Store) -> None:
    created = store.create(wr("a"))
    assert with_status(store, created, phase="Running")["metadata"]["generation"] == 1


def test_update_status_with_a_stale_resource_version_raises_conflict(store: Store) -> None:
    created = store.create(wr("a"))
    with_status(store, created, phase="Running")
    with pytest.raises(Conflict):
        with_status(store, created, phase="Failed")


def test_update_status_of_a_missing_object_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.update_status({**wr("ghost"), "status": {"phase": "Running"}})


# --- delete ------------------------------------------------------------------------


def test_delete_removes_the_object_and_returns_it(store: Store) -> None:
    created = store.create(wr("a"))
    deleted = store.delete(*RUN, "default", "a")
    assert deleted["metadata"]["uid"] == created["metadata"]["uid"]
    with pytest.raises(NotFound):
        get_run(store, "a")


def test_delete_of_a_missing_object_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.delete(*RUN, "default", "nope")


def test_delete_cascades_to_owned_objects_recursively(store: Store) -> None:
    parent = store.create(wr("parent"))
    child = store.create(wr("child", owners=[parent]))
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "grandchild", "ownerReferences": [owner_ref(child)]},
            "spec": {"containers": [{"name": "main", "image": "busybox"}]},
        }
    )
    store.create(wr("bystander"))
    store.delete(*RUN, "default", "parent")
    assert names(listed_when(store, *RUN, lambda runs: len(runs) == 1)) == ["bystander"]
    assert listed_when(store, "v1", "Pod", lambda pods: not pods) == []


def test_cascade_emits_one_deleted_event_per_object_owner_first(store: Store) -> None:
    parent = store.create(wr("parent"))
    child = store.create(wr("child", owners=[parent]))
    grandchild = store.create(wr("grandchild", owners=[child]))
    store.delete(*RUN, "default", "parent")
    events = changes(store, *RUN, since=rv_of(grandchild), count=3)
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
        ("DELETED", "parent"),
        ("DELETED", "child"),
        ("DELETED", "grandchild"),
    ]


def test_delete_keeps_a_dependant_that_has_another_living_owner(store: Store) -> None:
    first = store.create(wr("first"))
    second = store.create(wr("second"))
    refs = [owner_ref(first), {**owner_ref(second), "controller": False}]
    shared = wr("shared")
    shared["metadata"]["ownerReferences"] = refs
    store.create(shared)
    store.delete(*RUN, "default", "first")

    def shared_owners(runs: list[Obj]) -> list[str]:
        shared = [o for o in runs if o["metadata"]["name"] == "shared"]
        return [r["name"] for o in shared for r in o["metadata"].get("ownerReferences") or []]

    after = listed_when(store, *RUN, lambda runs: len(shared_owners(runs)) < 2)
    assert shared_owners(after) == ["second"]
    store.delete(*RUN, "default", "second")
    assert listed_when(store, *RUN, lambda runs: not runs) == []


def test_a_deleted_name_can_be_created_again_as_a_new_object(store: Store) -> None:
    old = store.create(wr("a"))
    store.delete(*RUN, "default", "a")
    new = store.create(wr("a"))
    assert new["metadata"]["uid"] != old["metadata"]["uid"]


# --- watch -------------------------------------------------------------------------


def test_watch_from_a_resource_version_replays_later_changes_in_order(store: Store) -> None:
    a = store.create(wr("a"))
    since = a["metadata"]["resourceVersion"]
    b = store.create(wr("b"))
    with_status(store, a, phase="Running")
    store.delete(*RUN, "default", "b")
    events = list(store.watch(*RUN, since=since, timeout=0.3))
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"),
        ("MODIFIED", "a"),
        ("DELETED", "b"),
    ]
    assert events[0].object == b
    assert events[1].object["status"] == {"phase": "Running"}


def test_watch_events_carry_the_resource_version_of_their_change(store: Store) -> None:
    since = now_at(store)
    created = store.create(wr("a"))
    event = next(iter(store.watch(*RUN, since=since, timeout=1)))
    assert event.resource_version == created["metadata"]["resourceVersion"]
    assert event.object["metadata"]["resourceVersion"] == event.resource_version


def test_watch_filters_by_kind_and_namespace(store: Store) -> None:
    since = now_at(store)
    store.create(wr("other-ns", namespace="x"))
    store.create(wr("template", kind="WorkflowTemplate"))
    store.create(wr("wanted"))
    events = list(store.watch(*RUN, "default", since=since, timeout=0.3))
    assert [e.object["metadata"]["name"] for e in events] == ["wanted"]


def test_watch_ends_after_timeout_seconds_without_events(store: Store) -> None:
    started = time.monotonic()
    assert list(store.watch(*RUN, since=now_at(store), timeout=0.2)) == []
    assert 0.2 <= time.monotonic() - started < 1.5


def test_list_then_watch_from_its_resource_version_misses_nothing(store: Store) -> None:
    store.create(wr("a"))
    page = store.list(*RUN)
    store.create(wr("b"))
    events = list(store.watch(*RUN, since=page.resource_version, timeout=0.3))
    assert names(page) == ["a"]
    assert [e.object["metadata"]["name"] for e in events] == ["b"]


def test_watch_wakes_promptly_on_a_write_from_another_thread(store: Store) -> None:
    events = iter(store.watch(*RUN, since=now_at(store), timeout=5))
    timer = threading.Timer(0.2, lambda: store.create(wr("a")))
    timer.start()
    started = time.monotonic()
    event = next(events)
    assert event.object["metadata"]["name"] == "a"
    assert time.monotonic() - started < 0.2 + 0.2
    timer.join()


def test_watch_sees_writes_from_another_process(backend: Any, store: Store) -> None:
    events = iter(store.watch(*RUN, since=now_at(store), timeout=10))
    child = backend.run_child(
        f"store.create({{'apiVersion': {API!r}, 'kind': 'WorkflowRun',"
        " 'metadata': {'name': 'from-child'}, 'spec': {}})"
    )
    assert child.wait(timeout=30) == 0
    event = next(events)
    assert (event.type, event.object["metadata"]["name"]) == ("ADDED", "from-child")


def test_watch_from_before_the_history_kept_raises_gone(backend: Any) -> None:
    if not backend.can_shorten_history:
        pytest.skip(f"{backend.name} cannot be made to forget history quickly")
    store = backend.open(history=5)
    first = store.create(wr("first"))
    made = [store.create(wr(f"r{i}")) for i in range(10)]
    with pytest.raises(Gone):
        store.watch(*RUN, since=rv_of(first), timeout=0.2)
    events = list(store.watch(*RUN, since=rv_of(made[-4]), timeout=0.2))
    assert names([e.object for e in events]) == ["r7", "r8", "r9"]


# --- durability --------------------------------------------------------------------

_WRITE_UNTIL_KILLED = f"""
i = 0
while True:
    obj = store.create({{'apiVersion': {API!r}, 'kind': 'WorkflowRun',
                        'metadata': {{'name': f'acked-{{i}}'}}, 'spec': {{'i': i}}}})
    print(obj['metadata']['name'], flush=True)
    i += 1
"""


def test_acknowledged_writes_survive_kill_9(backend: Any) -> None:
    child = backend.run_child(_WRITE_UNTIL_KILLED)
    assert child.stdout is not None
    acknowledged = [child.stdout.readline().strip() for _ in range(30)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    reopened = backend.open()
    for name in acknowledged:
        assert get_run(reopened, name)["metadata"]["name"] == name


def test_a_reopened_store_continues_resource_versions(backend: Any) -> None:
    first = backend.open()
    created = first.create(wr("a"))
    first.close()
    again = backend.open()
    assert get_run(again, "a") == created
    later = again.create(wr("b"))
    events = list(again.watch(*RUN, since=rv_of(created), timeout=0.3))
    assert [(e.type, e.object) for e in events] == [("ADDED", later)]
