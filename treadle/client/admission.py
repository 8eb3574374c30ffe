"""What happens to an object on its way into the store: validation against the
store's current state, defaults, and immutability rules. Every face goes through here."""

from __future__ import annotations

import copy
from typing import Any, NamedTuple, Protocol

import pydantic

from ..api.limits import limit_errors
from ..api.objects import GROUP_VERSION, TEMPLATE_LABEL, label_value
from ..api.policy import DEFAULT_POLICY, Policy
from ..api.template import WorkflowTemplateSpec
from ..api.validate import check, describe, kind_of
from ..errors import FieldError, FieldWarning, NotFound, ValidationError
from ..store.base import Obj


class TemplateSource(Protocol):
    """Where admission finds the templates runs refer to: a store, or the
    documents of the files being checked (client/offline.py)."""

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj: ...


def template_resolver(store: TemplateSource) -> Any:
    def resolve(namespace: str | None, name: str) -> WorkflowTemplateSpec | None:
        try:
            obj = store.get(GROUP_VERSION, "WorkflowTemplate", namespace or "default", name)
        except NotFound:
            return None
        try:
            return WorkflowTemplateSpec.model_validate(obj.get("spec") or {})
        except pydantic.ValidationError:
            return None

    return resolve


class Prepared(NamedTuple):
    """An object ready to store, and the warnings its author should see."""

    obj: Obj
    warnings: list[FieldWarning]


def prepare(
    store: TemplateSource,
    doc: Any,
    namespace: str | None = None,
    policy: Policy = DEFAULT_POLICY,
    *,
    strict: bool = False,
) -> Prepared:
    """Validate `doc` and return it ready to store: namespace set, run labels added.
    `policy` is what the data directory's owner allows beyond the API (a Home's
    `policy`); `strict` makes warnings errors. Raises ValidationError naming every
    problem; nothing is stored here. Unknown fields stay in the object as written."""
    info = kind_of(doc)
    too_big = limit_errors(doc)
    if too_big:
        # Before the copy: copying is recursive, and the limits keep it finite.
        raise ValidationError(too_big, describe(doc))
    obj = copy.deepcopy(doc)
    meta = obj.setdefault("metadata", {}) or {}
    obj["metadata"] = meta
    if info.namespaced:
        if namespace and meta.get("namespace") and meta["namespace"] != namespace:
            raise ValidationError(
                [
                    FieldError(
                        "metadata.namespace",
                        f'"{meta["namespace"]}" does not match the request namespace "{namespace}"',
                    )
                ]
            )
        meta["namespace"] = meta.get("namespace") or namespace or "default"
    checked = check(obj, template_resolver(store), policy=policy, strict=strict)
    if info.kind == "WorkflowRun":
        ref = (obj.get("spec") or {}).get("workflowTemplateRef")
        if ref:
            meta.setdefault("labels", {})
            meta["labels"] = {**(meta.get("labels") or {}), TEMPLATE_LABEL: label_value(ref)}
    return Prepared(obj, checked.warnings)


APPLY_NEEDS_A_NAME = (
    "cannot be used with apply, which finds the object again by metadata.name: "
    "give a name, or create the object with `treadle create -f` (as kubectl create)"
)


def refuse_generated_name(doc: Any) -> None:
    """`apply` of a document that has `generateName` and no `name`: refused, as
    kubectl refuses it ("cannot use generate name with apply"): every apply would
    create yet another object."""
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    if isinstance(meta, dict) and not meta.get("name") and meta.get("generateName"):
        raise ValidationError(
            [FieldError("metadata.generateName", APPLY_NEEDS_A_NAME)], describe(doc)
        )


REPLACE_NEEDS_A_NAME = "is required: a replace finds the stored object by its name"


def name_to_replace(doc: Any) -> str:
    """The `metadata.name` of a document to replace, or a ValidationError: without
    one there is no stored object to replace (`generateName` names new objects)."""
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    if not name or not isinstance(name, str):
        raise ValidationError([FieldError("metadata.name", REPLACE_NEEDS_A_NAME)], describe(doc))
    return name


def merge_applied(existing: Obj, doc: Obj) -> Obj:
    """What `apply` makes of a stored object: labels and annotations from `doc` when it
    has them, everything outside metadata and status from `doc`; the stored metadata
    (uid, resourceVersion …) and status stay."""
    merged = copy.deepcopy(existing)
    meta = doc.get("metadata") or {}
    for field in ("labels", "annotations"):
        if field in meta:
            merged["metadata"][field] = meta[field]
    fixed = ("metadata", "status", "apiVersion", "kind")
    for key in [k for k in merged if k not in fixed and k not in doc]:
        merged.pop(key)
    merged.update({k: v for k, v in doc.items() if k not in fixed})
    return merged


def check_update(existing: Obj, new: Obj) -> None:
    """A run's spec is fixed once created; only metadata may change."""
    if existing.get("kind") == "WorkflowRun" and (existing.get("spec") != new.get("spec")):
        raise ValidationError(
            [
                FieldError(
                    "spec",
                    "a WorkflowRun's spec cannot change once "
                    "created; create a new run (or rerun this one)",
                )
            ]
        )
