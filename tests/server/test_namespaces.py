"""Namespaces: implicit ones, Namespace objects, and deletion with its safety check."""

from __future__ import annotations

import httpx

from .conftest import WF, start_run, step_running, wait_for

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}


def names(http: httpx.Client) -> list[str]:
    return [n["metadata"]["name"] for n in http.get("/api/v1/namespaces").json()["items"]]


def test_namespaces_holding_objects_are_listed(http: httpx.Client, ns: str) -> None:
    http.post(f"/api/v1/namespaces/{ns}/configmaps", json=CM)
    assert ns in names(http) and "default" in names(http)


def test_created_namespace_object_is_listed_and_readable(http: httpx.Client, ns: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": ns, "labels": {"team": "a"}},
    }
    assert http.post("/api/v1/namespaces", json=body).status_code == 201
    assert ns in names(http)
    got = http.get(f"/api/v1/namespaces/{ns}").json()
    assert got["metadata"]["labels"] == {"team": "a"} and got["status"]["phase"] == "Active"


def test_unknown_namespace_is_404(http: httpx.Client, ns: str) -> None:
    assert http.get(f"/api/v1/namespaces/{ns}").status_code == 404


def test_deleting_a_namespace_deletes_its_objects(http: httpx.Client, ns: str) -> None:
    http.post(f"/api/v1/namespaces/{ns}/configmaps", json=CM)
    assert http.delete(f"/api/v1/namespaces/{ns}").status_code == 200
    assert http.get(f"/api/v1/namespaces/{ns}/configmaps/cm").status_code == 404
    assert ns not in names(http)


def test_the_system_namespace_may_not_be_deleted(http: httpx.Client) -> None:
    """It holds every API token and the controller lease."""
    http.post("/api/v1/namespaces/treadle-system/configmaps", json=CM)
    for force in ("false", "true"):
        r = http.delete("/api/v1/namespaces/treadle-system", params={"force": force})
        assert r.status_code == 403 and "may not be deleted" in r.json()["message"]
    assert http.get("/api/v1/namespaces/treadle-system/configmaps/cm").status_code == 200


def test_deleting_a_namespace_with_running_runs_is_409(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["sleep", "60"])
    wait_for(http, ns, name, step_running)
    r = http.delete(f"/api/v1/namespaces/{ns}")
    assert r.status_code == 409 and name in r.json()["message"]
    assert http.get(f"{WF}/namespaces/{ns}/workflowruns/{name}").status_code == 200
    http.post(f"{WF}/namespaces/{ns}/workflowruns/{name}/stop")


def test_force_deletes_a_namespace_with_running_runs(http: httpx.Client, ns: str) -> None:
    name = start_run(http, ns, ["sleep", "60"])
    wait_for(http, ns, name, step_running)
    assert http.delete(f"/api/v1/namespaces/{ns}", params={"force": "true"}).status_code == 200
    assert http.get(f"{WF}/namespaces/{ns}/workflowruns/{name}").status_code == 404
    assert http.get(f"{WF}/namespaces/{ns}/workflowtemplates/{name}").status_code == 404
