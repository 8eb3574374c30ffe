"""The OpenAPI document describes each kind's paths with that kind's schema, real
examples and the Status responses the server answers with."""

from __future__ import annotations

from typing import Any

import pytest

from treadle.api.kinds import ALL_KINDS
from treadle.server.openapi import EXAMPLES
from treadle.server.tokens import load_admin_token

from .conftest import Served

CREATE_TEMPLATE = "/apis/batch.tensorstack.dev/v1beta1/namespaces/{namespace}/workflowtemplates"


@pytest.fixture(scope="module")
def document(served: Served) -> dict[str, Any]:
    with served.client(load_admin_token(served.home)) as http:
        body: dict[str, Any] = http.get("/openapi.json").json()
    return body


def test_a_create_takes_the_kinds_own_schema(document: dict[str, Any]) -> None:
    create = document["paths"][CREATE_TEMPLATE]["post"]
    media = create["requestBody"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/WorkflowTemplate"}
    assert "spec" in document["components"]["schemas"]["WorkflowTemplate"]["properties"]


def test_no_path_leaves_the_kind_open(document: dict[str, Any]) -> None:
    assert not [p for p in document["paths"] if "{plural}" in p or "{group}" in p]


def test_every_operation_lists_the_errors_every_request_can_get(document: dict[str, Any]) -> None:
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert {"400", "401", "403"} <= set(op["responses"]), (method, path)


def test_writes_list_invalid_and_conflict(document: dict[str, Any]) -> None:
    create = document["paths"][CREATE_TEMPLATE]["post"]
    assert {"409", "413", "415", "422"} <= set(create["responses"])


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_documented_example_is_a_real_object(served: Served, kind: str) -> None:
    info = next(k for k in ALL_KINDS if k.kind == kind)
    prefix = f"/apis/{info.api_version}" if info.group else f"/api/{info.version}"
    namespace = f"examples-{kind.lower()}"
    body = {"apiVersion": info.api_version, "kind": kind, **EXAMPLES[kind]}
    with served.client(load_admin_token(served.home)) as http:
        response = http.post(f"{prefix}/namespaces/{namespace}/{info.plural}", json=body)
    assert response.status_code == 201, response.text
