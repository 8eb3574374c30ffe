"""Treadle's list extensions (docs/api.md, Resources): `order=newest` and
`nameContains`, over HTTP, through the HTTP client, and in `treadle get wr`."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import httpx

from treadle.api.kinds import by_kind
from treadle.client.http import HttpClient

from .conftest import GV, WF, Served

# Created in this order, so newest first is the reverse; by name they sort otherwise.
NAMES = ["delta", "alpha", "echo", "charlie", "bravo", "alpha-two", "foxtrot"]


def configmaps(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def make_configmaps(http: httpx.Client, ns: str, names: list[str] = NAMES) -> None:
    for name in names:
        r = http.post(configmaps(ns), json={"metadata": {"name": name}, "data": {"k": name}})
        assert r.status_code == 201, r.text


def names_of(body: dict[str, Any]) -> list[str]:
    return [o["metadata"]["name"] for o in body["items"]]


def all_pages(http: httpx.Client, path: str, **params: Any) -> tuple[list[str], int]:
    """Every name a list answers, following continue tokens; and how many pages."""
    names: list[str] = []
    pages = 0
    token = None
    while True:
        query = dict(params, **({"continue": token} if token else {}))
        r = http.get(path, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        names += names_of(body)
        pages += 1
        token = body["metadata"].get("continue")
        if not token:
            return names, pages


def test_order_newest_lists_by_creation_newest_first(http: httpx.Client, ns: str) -> None:
    make_configmaps(http, ns)
    body = http.get(configmaps(ns), params={"order": "newest"}).json()
    assert names_of(body) == NAMES[::-1]
    assert names_of(http.get(configmaps(ns)).json()) == sorted(NAMES)  # unchanged default


def test_order_newest_pages_with_continue(http: httpx.Client, ns: str) -> None:
    make_configmaps(http, ns)
    names, pages = all_pages(http, configmaps(ns), order="newest", limit=3)
    assert names == NAMES[::-1] and pages == 3


def test_a_newer_object_does_not_shift_the_next_page(http: httpx.Client, ns: str) -> None:
    make_configmaps(http, ns)
    first = http.get(configmaps(ns), params={"order": "newest", "limit": 3}).json()
    make_configmaps(http, ns, ["golf"])
    token = first["metadata"]["continue"]
    rest = http.get(configmaps(ns), params={"order": "newest", "limit": 3, "continue": token})
    assert names_of(rest.json()) == NAMES[::-1][3:6]


def test_order_newest_works_cluster_wide(http: httpx.Client, ns: str) -> None:
    labels = {"test": ns}
    for namespace, name in [(ns + "-b", "one"), (ns + "-a", "two"), (ns + "-b", "three")]:
        doc = {"metadata": {"name": name, "labels": labels}}
        assert http.post(configmaps(namespace), json=doc).status_code == 201
    names, pages = all_pages(
        http, "/api/v1/configmaps", order="newest", labelSelector=f"test={ns}", limit=2
    )
    assert names == ["three", "two", "one"] and pages == 2


def test_name_contains_keeps_matching_names(http: httpx.Client, ns: str) -> None:
    make_configmaps(http, ns)
    body = http.get(configmaps(ns), params={"nameContains": "alpha"}).json()
    assert names_of(body) == ["alpha", "alpha-two"]
    body = http.get(configmaps(ns), params={"nameContains": "h"}).json()
    assert names_of(body) == ["alpha", "alpha-two", "charlie", "echo"]
    assert names_of(http.get(configmaps(ns), params={"nameContains": "zulu"}).json()) == []
    assert names_of(http.get(configmaps(ns), params={"nameContains": ""}).json()) == sorted(NAMES)


def test_name_contains_takes_text_literally(http: httpx.Client, ns: str) -> None:
    make_configmaps(http, ns, ["a-b", "a.b", "axb"])
    for text, expected in [("a.b", ["a.b"]), ("%", []), ("_", []), ("a-", ["a-b"])]:
        body = http.get(configmaps(ns), params={"nameContains": text}).json()
        assert names_of(body) == expected, text


def test_name_contains_combines_with_order_paging_and_selectors(
    http: httpx.Client, ns: str
) -> None:
    make_configmaps(http, ns)
    names, pages = all_pages(
        http,
        configmaps(ns),
        order="newest",
        nameContains="o",
        fieldSelector="metadata.name!=echo",
        limit=1,
    )
    assert names == ["foxtrot", "alpha-two", "bravo"] and pages == 3


def test_name_contains_on_a_workflow_kind(http: httpx.Client, ns: str) -> None:
    path = f"{WF}/namespaces/{ns}/workflowtemplates"
    for name in ("train-a", "eval", "train-b"):
        doc = {
            "apiVersion": GV,
            "kind": "WorkflowTemplate",
            "metadata": {"name": name},
            "spec": {"pod": {"containers": [{"name": "c", "image": "busybox"}]}},
        }
        assert http.post(path, json=doc).status_code == 201
    body = http.get(path, params={"nameContains": "train", "order": "newest"}).json()
    assert names_of(body) == ["train-b", "train-a"]


def test_a_bad_order_is_400(http: httpx.Client, ns: str) -> None:
    for value in ("oldest", "", "NEWEST"):
        r = http.get(configmaps(ns), params={"order": value})
        assert r.status_code == 400, value
        body = r.json()
        assert body["reason"] == "BadRequest" and '"newest"' in body["message"]
    assert http.get("/api/v1/configmaps", params={"order": "name"}).status_code == 400


def test_extensions_are_not_for_watches(http: httpx.Client, ns: str) -> None:
    for params in ({"order": "newest"}, {"nameContains": "a"}):
        r = http.get(configmaps(ns), params={"watch": "true", **params})
        assert r.status_code == 400 and "watch" in r.json()["message"]


def test_the_openapi_schema_shows_them(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    lists = [p for p in paths if p.endswith(("/configmaps", "/workflowruns"))]
    assert len(lists) == 4  # a core kind and a workflow kind, namespaced and cluster-wide
    for path in lists:
        params = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert params["order"]["schema"]["enum"] == ["newest"]
        assert "nameContains" in params


def test_the_http_client_passes_them(served: Served, http: httpx.Client, ns: str) -> None:
    make_configmaps(http, ns)
    info = by_kind("v1", "ConfigMap")
    assert info is not None
    client = HttpClient(served.url, token=served.token)
    try:
        page = client.list(info, ns, newest_first=True, limit=4)
        assert [o["metadata"]["name"] for o in page.items] == NAMES[::-1][:4]
        rest = client.list(info, ns, newest_first=True, continue_token=page.continue_token)
        assert [o["metadata"]["name"] for o in rest.items] == NAMES[::-1][4:]
        found = client.list(info, ns, name_contains="alpha")
        assert [o["metadata"]["name"] for o in found.items] == ["alpha", "alpha-two"]
    finally:
        client.close()


def test_get_wr_lists_runs_newest_first(served: Served, http: httpx.Client, ns: str) -> None:
    runs = ["b-run", "c-run", "a-run"]
    for name in runs:
        doc = {
            "apiVersion": GV,
            "kind": "WorkflowRun",
            "metadata": {"name": name},
            "spec": {"workflowTemplateRef": "no-such-template"},
        }
        assert http.post(f"{WF}/namespaces/{ns}/workflowruns", json=doc).status_code == 201
    make_configmaps(http, ns, ["b-cm", "c-cm", "a-cm"])
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("TREADLE_HOME", None)
    cli = [sys.executable, "-m", "treadle.cli.main", "--home", str(served.home.root)]
    cli += ["--server", served.url]

    def get(kind: str) -> list[str]:
        done = subprocess.run(
            [*cli, "get", kind, "-n", ns, "-o", "name"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        return [line.rsplit("/", 1)[-1] for line in done.stdout.split()]

    assert get("wr") == runs[::-1]
    assert get("cm") == ["a-cm", "b-cm", "c-cm"]  # other kinds stay by name
