"""JSON Schema generated from the API types, for the console's editor, the server's
OpenAPI document and `treadle schema`. The CRDs' structural schemas are made from
the same models in treadle/kube/schema.py."""

from __future__ import annotations

from typing import Any

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


__all__ = ["WORKFLOW_KINDS", "json_schema"]
