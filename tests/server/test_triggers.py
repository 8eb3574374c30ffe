"""The EventListener endpoint: events are stored durably before `success`."""

from __future__ import annotations

from typing import Any

import httpx

from treadle.server.triggers import EVENT_API_VERSION, EVENT_KIND, LISTENER_LABEL

from .conftest import Served


def listener(http: httpx.Client, ns: str, name: str = "hook") -> None:
    body = {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "EventListener",
        "metadata": {"name": name},
        "spec": {},
    }
    r = http.post(f"/apis/tensorstack.dev/v1beta1/namespaces/{ns}/eventlisteners", json=body)
    assert r.status_code == 201, r.text


def stored_events(served: Served, ns: str) -> list[dict[str, Any]]:
    return served.state.store.list(EVENT_API_VERSION, EVENT_KIND, ns).items


def test_event_is_answered_success_and_stored(http: httpx.Client, ns: str, served: Served) -> None:
    listener(http, ns)
    r = http.post(
        f"/t9k/workflow/triggers/{ns}/hook",
        json={"ref": "main", "n": 1},
        headers={"X-Github-Event": "push"},
    )
    assert r.status_code == 200 and r.text == "success"
    [event] = stored_events(served, ns)
    cloud = event["spec"]["cloudEvent"]
    assert cloud["data"]["body"] == {"ref": "main", "n": 1}
    assert cloud["data"]["header"]["X-Github-Event"] == ["push"]
    assert cloud["specversion"] == "1.0" and cloud["id"]
    assert event["metadata"]["labels"][LISTENER_LABEL] == "hook"


def test_events_go_when_their_listener_is_deleted(
    http: httpx.Client, ns: str, served: Served
) -> None:
    listener(http, ns)
    http.post(f"/t9k/workflow/triggers/{ns}/hook", json={})
    http.delete(f"/apis/tensorstack.dev/v1beta1/namespaces/{ns}/eventlisteners/hook")
    assert stored_events(served, ns) == []


def test_bad_json_is_400_and_stores_nothing(http: httpx.Client, ns: str, served: Served) -> None:
    listener(http, ns)
    r = http.post(
        f"/t9k/workflow/triggers/{ns}/hook",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "JSON" in r.json()["message"]
    assert stored_events(served, ns) == []


def test_empty_body_is_400(http: httpx.Client, ns: str) -> None:
    listener(http, ns)
    assert http.post(f"/t9k/workflow/triggers/{ns}/hook").status_code == 400


def test_get_is_405(http: httpx.Client, ns: str, served: Served) -> None:
    listener(http, ns)
    r = http.get(f"/t9k/workflow/triggers/{ns}/hook")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert stored_events(served, ns) == []


def test_unknown_listener_is_404(http: httpx.Client, ns: str) -> None:
    r = http.post(f"/t9k/workflow/triggers/{ns}/nobody", json={})
    assert r.status_code == 404
