"""The server's OpenAPI document, as precise as the API it describes.

The REST handlers are generic (`/apis/{group}/{version}/…/{plural}`, as on a
Kubernetes API server), so FastAPI alone would describe every create as "any JSON
object" under a path that accepts any plural. A client generator or a fuzzer given
that learns nothing. This module rewrites the document: one path per kind the server
serves, each write taking that kind's JSON Schema (the same schema `treadle schema`
prints and the console's editor uses), and every operation listing the Status
responses it can really answer with.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..api.kinds import ALL_KINDS, KindInfo
from ..api.schema import json_schema

GENERIC_PREFIXES = ("/api/{version}", "/apis/{group}/{version}")
"""Where the generic handlers are mounted (server/resources.py)."""
_OWN_ROUTES = frozenset({"Namespace"})
"""Kinds with routes of their own (server/namespaces.py), not the generic ones."""
_PATH_PARAMS = ("group", "version", "plural")

STATUS_SCHEMA = "Status"
MERGE_PATCH = "application/merge-patch+json"
_REF = re.compile(r"#/\$defs/([^/]+)$")

DNS_LABEL = {
    "type": "string",
    "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    "maxLength": 63,
}
"""Namespaces, and the names of the objects written through these paths."""

_HELLO_POD = {
    "type": "Pod",
    "pod": {"containers": [{"name": "main", "image": "ubuntu", "command": ["echo", "hello"]}]},
}
EXAMPLES: dict[str, dict[str, Any]] = {
    "WorkflowTemplate": {"metadata": {"name": "hello"}, "spec": _HELLO_POD},
    "WorkflowRun": {
        "metadata": {"generateName": "hello-"},
        "spec": {"workflowTemplateRef": "hello"},
    },
    "CronWorkflowRun": {
        "metadata": {"name": "hello-nightly"},
        "spec": {
            "schedule": "0 3 * * *",
            "workflowRun": {"spec": {"workflowTemplateRef": "hello"}},
        },
    },
    "EventListener": {"metadata": {"name": "hooks"}, "spec": {}},
    "WorkflowTrigger": {
        "metadata": {"name": "on-push"},
        "spec": {
            "eventSources": [{"eventListenerName": "hooks"}],
            "workflowRunSpec": {"workflowTemplateRef": "hello"},
        },
    },
    "ConfigMap": {"metadata": {"name": "settings"}, "data": {"mode": "fast"}},
    "Secret": {"metadata": {"name": "credentials"}, "stringData": {"password": "s3cret"}},
    "PersistentVolumeClaim": {
        "metadata": {"name": "data"},
        "spec": {"resources": {"requests": {"storage": "1Gi"}}},
    },
}
"""A real object of each kind, shown in the docs and sent first by fuzzers."""

_REASONS = {
    "400": "Bad request: a malformed parameter or body",
    "401": "A valid token is required",
    "403": "The token may not do this",
    "404": "No such object, namespace or resource",
    "405": "Method not allowed",
    "409": "Conflict: the object exists, or its resourceVersion is stale",
    "410": "Expired: the resourceVersion is too old to watch from",
    "413": "The request body is too large",
    "415": "Unsupported content type",
    "422": "Invalid: the object failed validation; causes name the fields",
    "503": "Service unavailable",
    "507": "The data directory's disk is full",
}
_EVERYWHERE = ("400", "401", "403", "503")
_WRITES = ("404", "409", "413", "415", "422", "507")


def install(app: FastAPI) -> None:
    """Make `app.openapi()` return the precise document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            base = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = precise(base)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def precise(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with the generic resource paths replaced by one path per kind, kind
    schemas as request bodies, and the Status responses on every operation."""
    doc = copy.deepcopy(doc)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components[STATUS_SCHEMA] = _status_schema()
    # Every API path wants the token (server/auth.py); saying so lets /docs send it.
    doc["components"]["securitySchemes"] = {"token": {"type": "http", "scheme": "bearer"}}
    doc["security"] = [{"token": []}]
    paths: dict[str, Any] = {}
    generic = {p: ops for p, ops in doc["paths"].items() if p.startswith(GENERIC_PREFIXES)}
    for path, ops in doc["paths"].items():
        if path not in generic:
            paths[path] = ops
    for info in ALL_KINDS:
        if info.kind in _OWN_ROUTES:
            continue
        schema_name = _kind_schema(info, components)
        prefix = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
        for path, ops in generic.items():
            if info.group and not path.startswith("/apis/"):
                continue
            if not info.group and not path.startswith("/api/"):
                continue
            concrete = _concrete(path, info, prefix)
            paths[concrete] = {
                method: _for_kind(op, info, schema_name, method) for method, op in ops.items()
            }
    for ops in paths.values():
        for method, op in ops.items():
            _document_errors(op, method)
    doc["paths"] = paths
    return doc


def _concrete(path: str, info: KindInfo, prefix: str) -> str:
    rest = path.split("{version}", 1)[1]
    return prefix + rest.replace("{plural}", info.plural)


def _for_kind(op: dict[str, Any], info: KindInfo, schema_name: str, method: str) -> dict[str, Any]:
    op = copy.deepcopy(op)
    op["parameters"] = [
        p for p in op.get("parameters", []) if not (p["in"] == "path" and p["name"] in _PATH_PARAMS)
    ]
    op["operationId"] = f"{op.get('operationId', method)}_{info.plural}_{info.version}"
    op["tags"] = [info.kind]
    op["summary"] = f"{op.get('summary', method)}: {info.kind}"
    for param in op["parameters"]:
        if param["in"] == "path" and param["name"] in ("namespace", "name"):
            param["schema"] = {**param.get("schema", {}), **DNS_LABEL}
    if method in ("post", "put") and "requestBody" in op:
        media: dict[str, Any] = {"schema": {"$ref": _ref(schema_name)}}
        if info.kind in EXAMPLES and method == "post":
            media["example"] = {
                "apiVersion": info.api_version,
                "kind": info.kind,
                **EXAMPLES[info.kind],
            }
        op["requestBody"] = {"required": True, "content": {"application/json": media}}
    elif method == "patch" and "requestBody" in op:
        op["requestBody"] = {
            "required": True,
            "content": {MERGE_PATCH: {"schema": {"type": "object"}}},
        }
    return op


def _kind_schema(info: KindInfo, components: dict[str, Any]) -> str:
    """Add `info`'s schema (and the definitions it uses) to `components`; its name."""
    name = _unique(info.kind, components)
    if info.model is None:
        components[name] = {
            "type": "object",
            "description": f"A {info.api_version} {info.kind}, as Kubernetes defines it",
            "properties": {
                "apiVersion": {"type": "string", "enum": [info.api_version]},
                "kind": {"type": "string", "enum": [info.kind]},
                "metadata": {"type": "object"},
            },
            "additionalProperties": True,
        }
        return name
    schema = json_schema(info)
    defs = schema.pop("$defs", {})
    schema.pop("$schema", None)
    schema.pop("$id", None)
    renamed = _names_for(info, defs, components)
    for old, new in renamed.items():
        components[new] = _rewrite_refs(defs[old], renamed)
    components[name] = _rewrite_refs(schema, renamed)
    return name


def _names_for(info: KindInfo, defs: dict[str, Any], components: dict[str, Any]) -> dict[str, str]:
    """A component name for each of `info`'s definitions: its own name where that is
    free or holds the same schema (kinds share ObjectMeta, PodSpec …), else one
    prefixed with the kind. Renaming one definition changes those that refer to it,
    hence the loop."""
    renamed = {d: d for d in defs}
    changed = True
    while changed:
        changed = False
        for d, body in defs.items():
            if renamed[d] != d:
                continue
            held = components.get(d)
            if held is not None and held != _rewrite_refs(body, renamed):
                renamed[d] = f"{info.kind}.{d}"
                changed = True
    return renamed


def _unique(name: str, components: dict[str, Any]) -> str:
    candidate, n = name, 2
    while candidate in components:
        candidate, n = f"{name}{n}", n + 1
    return candidate


def _rewrite_refs(node: Any, renamed: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and (m := _REF.search(value)):
                out[key] = _ref(renamed.get(m[1], m[1]))
            else:
                out[key] = _rewrite_refs(value, renamed)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renamed) for v in node]
    return node


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _document_errors(op: dict[str, Any], method: str) -> None:
    responses = op.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's own parameter errors; ours are 400s
    codes = [*_EVERYWHERE, "404"]
    if method in ("post", "put", "patch", "delete"):
        codes += _WRITES
    if method == "get" and any(p.get("name") == "watch" for p in op.get("parameters", [])):
        codes.append("410")
    for code in codes:
        responses.setdefault(
            code,
            {
                "description": _REASONS[code],
                "content": {"application/json": {"schema": {"$ref": _ref(STATUS_SCHEMA)}}},
            },
        )


def _status_schema() -> dict[str, Any]:
    """Kubernetes' `Status`, as every error answers."""
    cause = {
        "type": "object",
        "properties": {
            "field": {"type": "string"},
            "message": {"type": "string"},
            "reason": {"type": "string"},
        },
    }
    return {
        "type": "object",
        "required": ["kind", "status", "message", "code"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string", "enum": ["Status"]},
            "status": {"type": "string"},
            "message": {"type": "string"},
            "reason": {"type": "string"},
            "code": {"type": "integer"},
            "details": {
                "type": "object",
                "properties": {"causes": {"type": "array", "items": cause}},
            },
        },
    }


__all__ = ["install", "precise"]
