"""`?watch=true`: changes as JSON lines, from a resourceVersion or from now."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from .conftest import Served


def configmaps(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def cm(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"v": "1"},
    }


def read_events(
    served: Served, path: str, params: dict[str, Any], count: int, timeout: float = 20
) -> list[dict[str, Any]]:
    """The first `count` lines of a watch (the stream is then dropped)."""
    events: list[dict[str, Any]] = []
    with (
        served.client() as c,
        c.stream("GET", path, params={"watch": "true", **params}, timeout=timeout) as r,
    ):
        assert r.status_code == 200
        for line in r.iter_lines():
            if line:
                events.append(json.loads(line))
            if len(events) >= count:
                break
    return events


def test_watch_from_a_resource_version_replays_added_modified_deleted(
    served: Served, http: httpx.Client, ns: str
) -> None:
    rv = http.get(configmaps(ns)).json()["metadata"]["resourceVersion"]
    http.post(configmaps(ns), json=cm("a"))
    http.patch(
        f"{configmaps(ns)}/a",
        json={"data": {"v": "2"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    http.delete(f"{configmaps(ns)}/a")
    events = read_events(served, configmaps(ns), {"resourceVersion": rv}, 3)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[1]["object"]["data"] == {"v": "2"}


def test_watch_without_resource_version_starts_with_what_exists(
    served: Served, http: httpx.Client, ns: str
) -> None:
    http.post(configmaps(ns), json=cm("old"))

    def later() -> None:
        time.sleep(0.5)
        with served.client() as c:
            c.post(configmaps(ns), json=cm("new"))

    threading.Thread(target=later).start()
    events = read_events(served, configmaps(ns), {}, 2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "old"),
        ("ADDED", "new"),
    ]


def test_watch_streams_changes_as_they_happen(served: Served, http: httpx.Client, ns: str) -> None:
    rv = http.get(configmaps(ns)).json()["metadata"]["resourceVersion"]

    def later() -> None:
        time.sleep(0.3)
        with served.client() as c:
            c.post(configmaps(ns), json=cm("live"))

    threading.Thread(target=later).start()
    started = time.monotonic()
    events = read_events(served, configmaps(ns), {"resourceVersion": rv}, 1)
    assert events[0]["object"]["metadata"]["name"] == "live"
    assert time.monotonic() - started < 5


def test_watch_applies_the_label_selector(served: Served, http: httpx.Client, ns: str) -> None:
    rv = http.get(configmaps(ns)).json()["metadata"]["resourceVersion"]
    http.post(configmaps(ns), json=cm("skip", team="b"))
    http.post(configmaps(ns), json=cm("keep", team="a"))
    events = read_events(
        served, configmaps(ns), {"resourceVersion": rv, "labelSelector": "team=a"}, 1
    )
    assert events[0]["object"]["metadata"]["name"] == "keep"


def test_watch_only_sees_its_namespace(served: Served, http: httpx.Client, ns: str) -> None:
    rv = http.get(configmaps(ns)).json()["metadata"]["resourceVersion"]
    http.post(configmaps(ns + "-other"), json=cm("elsewhere"))
    http.post(configmaps(ns), json=cm("here"))
    events = read_events(served, configmaps(ns), {"resourceVersion": rv}, 1)
    assert events[0]["object"]["metadata"]["name"] == "here"


def test_watch_ends_after_timeout_seconds(http: httpx.Client, ns: str) -> None:
    started = time.monotonic()
    r = http.get(configmaps(ns), params={"watch": "true", "timeoutSeconds": 1})
    assert r.status_code == 200 and r.text == ""
    assert 0.9 < time.monotonic() - started < 5


def test_watch_from_a_bad_resource_version_is_400(http: httpx.Client, ns: str) -> None:
    r = http.get(configmaps(ns), params={"watch": "true", "resourceVersion": "abc"})
    assert r.status_code == 400 and r.json()["kind"] == "Status"


def test_closed_watches_stop_reading(served: Served, http: httpx.Client, ns: str) -> None:
    rv = http.get(configmaps(ns)).json()["metadata"]["resourceVersion"]
    hub = served.state.hubs.hub("v1", "ConfigMap")
    for _ in range(5):
        with (
            served.client() as c,
            c.stream("GET", configmaps(ns), params={"watch": "true", "resourceVersion": rv}),
        ):
            pass
    deadline = time.monotonic() + 5
    while hub.readers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.readers() == 0


def test_many_watches_share_one_store_watch(served: Served, http: httpx.Client, ns: str) -> None:
    rv = http.get(configmaps(ns)).json()["metadata"]["resourceVersion"]
    http.post(configmaps(ns), json=cm("shared"))
    streams = [read_events(served, configmaps(ns), {"resourceVersion": rv}, 1) for _ in range(3)]
    assert all(s[0]["object"]["metadata"]["name"] == "shared" for s in streams)
    hubs = [t for t in threading.enumerate() if t.name == "treadle-api-hub-ConfigMap"]
    assert len(hubs) == 1


def test_watch_catches_up_from_before_what_the_hub_holds(
    served: Served, http: httpx.Client, ns: str
) -> None:
    pvcs = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    rv = http.get(pvcs).json()["metadata"]["resourceVersion"]
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "early"}}
    assert http.post(pvcs, json=claim).status_code == 201
    http.post(configmaps(ns), json=cm("later"))  # moves the store past the claim
    hub = served.state.hubs.hub("v1", "PersistentVolumeClaim")
    assert hub.floor > int(rv)  # the hub started after the claim was created
    events = read_events(served, pvcs, {"resourceVersion": rv}, 1)
    assert events[0]["object"]["metadata"]["name"] == "early"
