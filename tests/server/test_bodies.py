"""An object body is parsed once, by the rules of server/bodies.py (size, repeated
keys, depth), and that parse is what the route writes; nothing parses it again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request

import treadle.server.bodies as bodies

from .conftest import WF, template

CONFIG_MAPS = "/api/v1/namespaces/{ns}/configmaps"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What parses request bodies during the test: ours, or Starlette's own."""
    seen: list[str] = []
    ours = bodies.parse_json

    def counted(raw: bytes | str) -> Any:
        seen.append("object body")
        return ours(raw)

    async def starlette_json(self: Request) -> Any:
        seen.append("Request.json")
        raise AssertionError("a route parsed the body again")

    monkeypatch.setattr(bodies, "parse_json", counted)
    monkeypatch.setattr(Request, "json", starlette_json)
    yield seen


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_each_write_parses_its_body_once(
    http: httpx.Client, ns: str, parses: list[str], method: str
) -> None:
    one = f"{WF}/namespaces/{ns}/workflowtemplates/hello"
    if method != "POST":
        assert http.post(
            f"{WF}/namespaces/{ns}/workflowtemplates", json=template("hello", ["true"])
        )
        parses.clear()
    doc = template("hello", ["echo", "hi"])
    if method == "POST":
        r = http.post(f"{WF}/namespaces/{ns}/workflowtemplates", json=doc)
    elif method == "PUT":
        r = http.put(one, json=doc)
    else:
        r = http.patch(one, json={"spec": doc["spec"]})
    assert r.is_success, r.text
    assert parses == ["object body"]
    assert http.get(one).json()["spec"] == doc["spec"]


def test_a_namespace_body_is_parsed_once(http: httpx.Client, ns: str, parses: list[str]) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
    assert http.post("/api/v1/namespaces", json=body).status_code == 201
    assert parses == ["object body"]


def test_a_write_without_a_body_is_400(http: httpx.Client, ns: str) -> None:
    r = http.post(
        CONFIG_MAPS.format(ns=ns), content=b"", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert "no body" in r.json()["message"]


def test_a_body_that_is_not_an_object_is_400(http: httpx.Client, ns: str) -> None:
    r = http.post(CONFIG_MAPS.format(ns=ns), json=["not", "an", "object"])
    assert r.status_code == 400
    assert r.json()["message"] == "the request body must be a JSON object"
