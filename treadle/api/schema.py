"""JSON Schema and CRD `openAPIV3Schema` generated from the API types: one source
of truth for the console's editor and the cluster's CRDs."""

from __future__ import annotations

import copy
from typing import Any

from .kinds import WORKFLOW_KINDS, KindInfo


def json_schema(info: KindInfo) -> dict[str, Any]:
    """Draft 2020-12 JSON Schema of one kind, as written by users (camelCase)."""
    assert info.model is not None
    schema = info.model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{info.group}/{info.version}/{info.kind}"
    return schema


def openapi_v3_schema(info: KindInfo) -> dict[str, Any]:
    """The structural schema a CRD wants: refs inlined, nullable instead of null
    unions, no titles, unknown fields preserved where we keep them."""
    schema = json_schema(info)
    defs = schema.pop("$defs", {})
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return _structural(schema, defs)


def _structural(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_structural(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    node = copy.copy(node)
    if "$ref" in node:
        target = defs[node.pop("$ref").rsplit("/", 1)[1]]
        node = {**copy.deepcopy(target), **node}
    options = node.get("anyOf")
    if options is not None:
        real = [o for o in options if o.get("type") != "null"]
        if len(real) == 1:
            node.pop("anyOf")
            node = {**_structural(real[0], defs), **node, "nullable": True}
    for key in ("title", "discriminator"):
        node.pop(key, None)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if node.get("additionalProperties") is True:
        node.pop("additionalProperties")
        node["x-kubernetes-preserve-unknown-fields"] = True
    return {k: _structural(v, defs) for k, v in node.items()}


def crd(info: KindInfo) -> dict[str, Any]:
    """A CustomResourceDefinition for one kind, with the status subresource."""
    schema = openapi_v3_schema(info)
    props = schema.setdefault("properties", {})
    props["metadata"] = {"type": "object"}
    props["status"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{info.plural}.{info.group}"},
        "spec": {
            "group": info.group,
            "scope": "Namespaced",
            "names": {
                "kind": info.kind,
                "plural": info.plural,
                "singular": info.singular,
                "shortNames": list(info.short_names),
            },
            "versions": [
                {
                    "name": info.version,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


__all__ = ["WORKFLOW_KINDS", "crd", "json_schema", "openapi_v3_schema"]
