"""A pydantic model's JSON Schema made into the structural OpenAPI v3 schema a
CustomResourceDefinition wants.

The schema gives structure only: types, and which fields a type defines. Values
(enums, bounds), references between objects and every other rule of SPEC §11 are
judged by the admission webhook, with the same field-path messages as `treadle
validate`; so the API server never refuses a document Treadle accepts, nor says it
in other words. No defaults either: the API server would write them into the
stored object, and an object is stored as written, as in embedded mode.

Unknown fields are kept wherever validation keeps them (every object, SPEC §13).
The Kubernetes types Treadle embeds (PodSpec, Container …) are free-form objects:
typing them adds hundreds of kilobytes per CRD (kubectl's client-side apply keeps
a copy of the CRD in an annotation of at most 256 KiB) and checks nothing the
webhook does not check better.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from ..api.base import Open

PRESERVE = "x-kubernetes-preserve-unknown-fields"
INT_OR_STRING = "x-kubernetes-int-or-string"

FREE_FORM: dict[str, Any] = {"type": "object", PRESERVE: True}
"""An object whose fields are not described: kept as written."""

ANY_VALUE: dict[str, Any] = {PRESERVE: True}
"""Any JSON value (a structural schema's untyped node)."""

_DESCRIPTION_LIMIT = 200
"""Longer descriptions are cut at their first sentence: `kubectl explain` shows
them, the size limits count them."""


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def kubernetes_types() -> frozenset[str]:
    """Names of the embedded Kubernetes types (`Open` models)."""
    return frozenset(cls.__name__ for cls in _subclasses(Open))


def structural_schema(
    model: type[BaseModel], free_form: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The structural schema of `model`. The types named in `free_form` (and the
    Kubernetes types) become objects kept as written."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.pop("$defs", {})
    converter = _Converter(defs, kubernetes_types() | free_form)
    return converter.node(schema)


class _Converter:
    def __init__(self, defs: Mapping[str, Any], free_form: frozenset[str]) -> None:
        self._defs = defs
        self._free_form = free_form

    def node(self, node: Mapping[str, Any]) -> dict[str, Any]:
        description = _short(node.get("description"))
        out = self._typed(node)
        # A field's own description says more than its type's.
        return {"description": description, **out} if description else out

    def _typed(self, node: Mapping[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            name = str(node["$ref"]).rsplit("/", 1)[1]
            # pydantic prefixes a name shared by two types with their modules.
            if name.rsplit("__", 1)[-1] in self._free_form:
                return dict(FREE_FORM)
            target = self.node(self._defs[name])
            if "description" in node:
                target.pop("description", None)
            return target
        options = node.get("anyOf") or node.get("oneOf")
        if options is not None:
            return self._union(options)
        if "allOf" in node and len(node["allOf"]) == 1:
            return self._typed(node["allOf"][0])
        kind = node.get("type")
        if isinstance(kind, list):
            return self._union([{"type": k} for k in kind])
        if kind == "object":
            return self._object(node)
        if kind == "array":
            items = node.get("items")
            return {"type": "array", "items": self.node(items) if items else ANY_VALUE}
        if kind in ("string", "integer", "number", "boolean"):
            return {"type": kind}
        if "const" in node or "enum" in node:
            values = node.get("enum", [node.get("const")])
            return self._union([{"type": _json_type(v)} for v in values])
        return dict(ANY_VALUE)

    def _object(self, node: Mapping[str, Any]) -> dict[str, Any]:
        props = node.get("properties")
        extra = node.get("additionalProperties")
        if props:
            out: dict[str, Any] = {
                "type": "object",
                "properties": {k: self.node(v) for k, v in props.items()},
            }
            # Fields a type does not define are kept (`extra="allow"`), as written.
            if extra is not False:
                out[PRESERVE] = True
            return out
        if isinstance(extra, dict):
            return {"type": "object", "additionalProperties": self.node(extra)}
        return dict(FREE_FORM)

    def _union(self, options: list[Any]) -> dict[str, Any]:
        real = [o for o in options if o.get("type") != "null"]
        nullable = len(real) < len(options)
        if len(real) == 1:
            out = self.node(real[0])
        else:
            out = self._alternatives([self._typed(o) for o in real])
        return {**out, "nullable": True} if nullable else out

    @staticmethod
    def _alternatives(options: list[dict[str, Any]]) -> dict[str, Any]:
        kinds = {o.get("type") for o in options}
        if len(kinds) == 1 and None not in kinds:
            [kind] = kinds
            # Two object types in one place (a discriminated union): kept as written.
            return dict(FREE_FORM) if kind in ("object", "array") else {"type": kind}
        if kinds == {"integer", "string"}:
            return {INT_OR_STRING: True}
        return dict(ANY_VALUE)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _short(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    text = " ".join(text.split())
    if len(text) <= _DESCRIPTION_LIMIT:
        return text
    first = text.split(". ", 1)[0].rstrip(".") + "."
    return first if len(first) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"


def walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node under `node` with its path (`.spec.params[]`)."""
    if not isinstance(node, dict):
        return
    yield path, node
    for name, child in (node.get("properties") or {}).items():
        yield from walk(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield from walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from walk(node["additionalProperties"], f"{path}{{}}")


__all__ = [
    "ANY_VALUE",
    "FREE_FORM",
    "INT_OR_STRING",
    "PRESERVE",
    "kubernetes_types",
    "structural_schema",
    "walk",
]
