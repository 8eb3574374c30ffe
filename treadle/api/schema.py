"""JSON Schema and CRD `openAPIV3Schema` generated from the API types: one source
of truth for the console's editor and the cluster's CRDs."""

from __future__ import annotations

import copy
from typing import Any

from .base import UNKNOWN_FIELDS_KEYWORD
from .kinds import WORKFLOW_KINDS, KindInfo


def json_schema(info: KindInfo) -> dict[str, Any]:
    """Draft 2020-12 JSON Schema of one kind, as written by users (camelCase).

    Each field the API defines on a type Treadle models is a property: typed, or
    (listed in the type's `UNTYPED_FIELDS`) taking any value. Other properties are
    allowed (`additionalProperties: true`): validation accepts them with a warning,
    which JSON Schema cannot express, and an editor must not call a document
    invalid that `apply` accepts."""
    assert info.model is not None
    schema = info.model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{info.group}/{info.version}/{info.kind}"
    return schema


def openapi_v3_schema(info: KindInfo) -> dict[str, Any]:
    """The structural schema a CRD wants: refs inlined, `nullable` instead of null
    unions, `enum` instead of `const`, no titles and no null defaults, every node
    typed, and unknown fields preserved wherever validation keeps them: in every
    object of the API, ours and the embedded Kubernetes ones (SPEC §13), so a
    cluster does not prune what Treadle stores. A text field that also takes a
    number is `x-kubernetes-int-or-string`."""
    schema = json_schema(info)
    defs = schema.pop("$defs", {})
    schema.pop("$schema", None)
    schema.pop("$id", None)
    result: dict[str, Any] = _structural(schema, defs)
    return result


def _structural(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """One schema node made structural; only schema-valued keywords are walked."""
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
    # A CRD schema takes only the keywords Kubernetes knows.
    for key in ("title", "discriminator", UNKNOWN_FIELDS_KEYWORD):
        node.pop(key, None)
    if "default" in node and node["default"] is None:
        node.pop("default")
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("type"), list):
        node.pop("type")
        node["x-kubernetes-int-or-string"] = True
    extra = node.get("additionalProperties")
    if extra is True:
        node.pop("additionalProperties")
        node["x-kubernetes-preserve-unknown-fields"] = True
    elif extra is False:
        # Structural schemas drop unknown fields anyway; `false` is not allowed.
        node.pop("additionalProperties")
    if not node or set(node) <= {"description", "nullable"}:
        node["x-kubernetes-preserve-unknown-fields"] = True
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            node[key] = _structural(node[key], defs)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            node[key] = [_structural(n, defs) for n in node[key]]
    if "properties" in node:
        node["properties"] = {k: _structural(v, defs) for k, v in node["properties"].items()}
    return node


def crd(info: KindInfo) -> dict[str, Any]:
    """A CustomResourceDefinition for one kind, with the status subresource."""
    schema = openapi_v3_schema(info)
    props = schema.setdefault("properties", {})
    # The API server owns these three at the root: plain types, no defaults or enums.
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
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
