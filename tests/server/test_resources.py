"""The Kubernetes-style REST API over real HTTP: CRUD, errors, patch, pages, selectors."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import GV, WF, template


def templates(ns: str) -> str:
    return f"{WF}/namespaces/{ns}/workflowtemplates"


def configmaps(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def configmap(name: str, labels: dict[str, str] | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": name}}


def test_create_answers_201_with_the_stored_object(http: httpx.Client, ns: str) -> None:
    r = http.post(templates(ns), json=template("hello", ["true"]))
    assert r.status_code == 201
    meta = r.json()["metadata"]
    assert meta["name"] == "hello" and meta["namespace"] == ns
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"]


def test_read_returns_what_was_created(http: httpx.Client, ns: str) -> None:
    created = http.post(templates(ns), json=template("hello", ["true"])).json()
    assert http.get(f"{templates(ns)}/hello").json() == created


def test_create_fills_kind_and_api_version_from_the_path(http: httpx.Client, ns: str) -> None:
    r = http.post(configmaps(ns), json={"metadata": {"name": "bare"}, "data": {"a": "b"}})
    assert r.status_code == 201
    assert (r.json()["apiVersion"], r.json()["kind"]) == ("v1", "ConfigMap")


def test_generate_name_makes_a_name(http: httpx.Client, ns: str) -> None:
    r = http.post(configmaps(ns), json={"metadata": {"generateName": "cm-"}})
    assert r.status_code == 201
    assert r.json()["metadata"]["name"].startswith("cm-")


def test_invalid_object_is_422_with_causes_and_not_stored(http: httpx.Client, ns: str) -> None:
    bad = template("typo", ["true"])
    bad["spec"] = {
        "dag": {
            "templates": [
                {"name": "a", "workflowTemplateRef": "x"},
                {"name": "b", "workflowTemplateRef": "x", "dependencies": ["trian"]},
            ]
        }
    }
    r = http.post(templates(ns), json=bad)
    assert r.status_code == 422
    status = r.json()
    assert status["kind"] == "Status" and status["reason"] == "Invalid"
    assert status["details"]["name"] == "typo"
    causes = status["details"]["causes"]
    assert any(
        c["field"] == "spec.dag.templates[1].dependencies[0]" and "trian" in c["message"]
        for c in causes
    )
    assert http.get(f"{templates(ns)}/typo").status_code == 404


def test_duplicate_create_is_409_already_exists(http: httpx.Client, ns: str) -> None:
    http.post(templates(ns), json=template("hello", ["true"]))
    r = http.post(templates(ns), json=template("hello", ["true"]))
    assert r.status_code == 409 and r.json()["reason"] == "AlreadyExists"


def test_kind_in_body_must_match_the_path(http: httpx.Client, ns: str) -> None:
    r = http.post(configmaps(ns), json=template("hello", ["true"]))
    assert r.status_code == 400


def test_body_that_is_not_json_is_400(http: httpx.Client, ns: str) -> None:
    r = http.post(configmaps(ns), content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["kind"] == "Status"


def test_unknown_resource_is_404_status(http: httpx.Client, ns: str) -> None:
    r = http.get(f"{WF}/namespaces/{ns}/nonsense")
    assert r.status_code == 404 and r.json()["kind"] == "Status"


def test_put_replaces_the_object(http: httpx.Client, ns: str) -> None:
    obj = http.post(templates(ns), json=template("hello", ["true"])).json()
    obj["spec"]["description"] = "now described"
    r = http.put(f"{templates(ns)}/hello", json=obj)
    assert r.status_code == 200
    assert r.json()["spec"]["description"] == "now described"
    assert r.json()["metadata"]["generation"] == 2


def test_put_with_a_stale_resource_version_is_409(http: httpx.Client, ns: str) -> None:
    obj = http.post(templates(ns), json=template("hello", ["true"])).json()
    first = dict(obj, spec={**obj["spec"], "description": "one"})
    assert http.put(f"{templates(ns)}/hello", json=first).status_code == 200
    second = dict(obj, spec={**obj["spec"], "description": "two"})
    r = http.put(f"{templates(ns)}/hello", json=second)
    assert r.status_code == 409 and r.json()["reason"] == "Conflict"
    assert http.get(f"{templates(ns)}/hello").json()["spec"]["description"] == "one"


def test_put_validates_like_create(http: httpx.Client, ns: str) -> None:
    obj = http.post(templates(ns), json=template("hello", ["true"])).json()
    obj["spec"]["type"] = "Nope"
    r = http.put(f"{templates(ns)}/hello", json=obj)
    assert r.status_code == 422
    assert r.json()["details"]["causes"][0]["field"].startswith("spec")


def test_merge_patch_changes_only_what_it_names(http: httpx.Client, ns: str) -> None:
    http.post(configmaps(ns), json=configmap("cm", {"a": "1", "b": "2"}))
    r = http.patch(
        f"{configmaps(ns)}/cm",
        json={"metadata": {"labels": {"a": None, "c": "3"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200
    assert r.json()["metadata"]["labels"] == {"b": "2", "c": "3"}
    assert r.json()["data"] == {"k": "cm"}


def test_merge_patch_with_a_stale_resource_version_is_409(http: httpx.Client, ns: str) -> None:
    obj = http.post(configmaps(ns), json=configmap("cm")).json()
    http.patch(
        f"{configmaps(ns)}/cm",
        json={"data": {"k": "new"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    r = http.patch(
        f"{configmaps(ns)}/cm",
        json={
            "metadata": {"resourceVersion": obj["metadata"]["resourceVersion"]},
            "data": {"k": "late"},
        },
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 409


def test_json_patch_is_415(http: httpx.Client, ns: str) -> None:
    http.post(configmaps(ns), json=configmap("cm"))
    r = http.patch(
        f"{configmaps(ns)}/cm",
        json=[{"op": "remove", "path": "/data"}],
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert r.status_code == 415


def test_status_is_readable_but_not_writable(http: httpx.Client, ns: str) -> None:
    obj = http.post(templates(ns), json=template("hello", ["true"])).json()
    assert http.get(f"{templates(ns)}/hello/status").status_code == 200
    r = http.put(f"{templates(ns)}/hello/status", json={**obj, "status": {"phase": "x"}})
    assert r.status_code == 403 and r.json()["reason"] == "Forbidden"


def test_delete_returns_the_object_and_it_is_gone(http: httpx.Client, ns: str) -> None:
    http.post(templates(ns), json=template("hello", ["true"]))
    r = http.delete(f"{templates(ns)}/hello")
    assert r.status_code == 200 and r.json()["metadata"]["name"] == "hello"
    assert http.get(f"{templates(ns)}/hello").status_code == 404


def test_delete_cascades_to_owned_objects(http: httpx.Client, ns: str) -> None:
    owner = http.post(templates(ns), json=template("owner", ["true"])).json()
    ref = {
        "apiVersion": GV,
        "kind": "WorkflowTemplate",
        "name": "owner",
        "uid": owner["metadata"]["uid"],
    }
    child = configmap("child")
    child["metadata"]["ownerReferences"] = [ref]  # type: ignore[index]
    assert http.post(configmaps(ns), json=child).status_code == 201
    http.delete(f"{templates(ns)}/owner")
    assert http.get(f"{configmaps(ns)}/child").status_code == 404


def test_list_has_kubernetes_shape(http: httpx.Client, ns: str) -> None:
    http.post(templates(ns), json=template("a", ["true"]))
    body = http.get(templates(ns)).json()
    assert body["kind"] == "WorkflowTemplateList" and body["apiVersion"] == GV
    assert body["metadata"]["resourceVersion"]
    assert [o["metadata"]["name"] for o in body["items"]] == ["a"]


def test_pages_follow_continue_tokens(http: httpx.Client, ns: str) -> None:
    for i in range(7):
        http.post(configmaps(ns), json=configmap(f"cm-{i}"))
    names: list[str] = []
    params: dict[str, Any] = {"limit": 3}
    pages = 0
    while True:
        body = http.get(configmaps(ns), params=params).json()
        names += [o["metadata"]["name"] for o in body["items"]]
        pages += 1
        token = body["metadata"].get("continue")
        if not token:
            break
        params = {"limit": 3, "continue": token}
    assert names == [f"cm-{i}" for i in range(7)] and pages == 3


def test_bad_continue_token_is_400(http: httpx.Client, ns: str) -> None:
    assert http.get(configmaps(ns), params={"continue": "garbage!"}).status_code == 400


def test_label_selector_filters_the_list(http: httpx.Client, ns: str) -> None:
    http.post(configmaps(ns), json=configmap("red", {"color": "red"}))
    http.post(configmaps(ns), json=configmap("blue", {"color": "blue"}))
    http.post(configmaps(ns), json=configmap("none"))
    body = http.get(configmaps(ns), params={"labelSelector": "color in (red,blue),color!=blue"})
    assert [o["metadata"]["name"] for o in body.json()["items"]] == ["red"]


def test_field_selector_filters_the_list(http: httpx.Client, ns: str) -> None:
    http.post(configmaps(ns), json=configmap("one"))
    http.post(configmaps(ns), json=configmap("two"))
    body = http.get(configmaps(ns), params={"fieldSelector": "metadata.name!=one"})
    assert [o["metadata"]["name"] for o in body.json()["items"]] == ["two"]


def test_unsupported_field_selector_is_400(http: httpx.Client, ns: str) -> None:
    r = http.get(configmaps(ns), params={"fieldSelector": "spec.x=1"})
    assert r.status_code == 400 and "spec.x" in r.json()["message"]


def test_cluster_wide_list_spans_namespaces(http: httpx.Client, ns: str) -> None:
    http.post(configmaps(ns + "-a"), json=configmap("x", {"test": ns}))
    http.post(configmaps(ns + "-b"), json=configmap("x", {"test": ns}))
    body = http.get("/api/v1/configmaps", params={"labelSelector": f"test={ns}"}).json()
    assert [o["metadata"]["namespace"] for o in body["items"]] == [ns + "-a", ns + "-b"]


def test_other_groups_are_served_under_their_path(http: httpx.Client, ns: str) -> None:
    listener = {
        "apiVersion": "tensorstack.dev/v1beta1",
        "kind": "EventListener",
        "metadata": {"name": "hook"},
        "spec": {},
    }
    path = f"/apis/tensorstack.dev/v1beta1/namespaces/{ns}/eventlisteners"
    assert http.post(path, json=listener).status_code == 201
    assert http.get(f"{path}/hook").json()["kind"] == "EventListener"
