"""Admission without a store: what `treadle validate` and `--dry-run=client` check.

It is the admission every write goes through (`prepare`, then the metadata rules the
store applies on create), with the templates of the documents being checked in
place of the stored ones. So a file `validate` calls valid is one `apply` admits on
an empty data directory, and what `apply` may still refuse depends only on what is
stored (a run of a stored template, a name taken, a run's spec changed), which a
server dry run checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..api.objects import GROUP_VERSION
from ..api.policy import DEFAULT_POLICY, Policy
from ..api.validate import describe
from ..errors import NotFound, TreadleError, ValidationError
from ..store import _metadata as store_metadata
from ..store.base import Obj
from .admission import Prepared, TemplateSource, prepare

_Key = tuple[str, str]
"""(namespace, name) of a template."""


class _NoTemplates:
    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        raise NotFound(f'WorkflowTemplate "{name}" not found')


class _FileTemplates:
    """The templates of the documents as `apply` would find them stored when it
    reaches document `index`: the nearest one before it; failing that, the first
    one after it (stored once the apply is done)."""

    def __init__(self, found: dict[_Key, list[tuple[int, Obj]]], index: int) -> None:
        self._found = found
        self._index = index

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Obj:
        versions = self._found.get((namespace or "default", name), [])
        if kind != "WorkflowTemplate":
            versions = []
        before = [doc for i, doc in versions if i < self._index]
        after = [doc for i, doc in versions if i > self._index]
        if before:
            return before[-1]
        if after:
            return after[0]
        raise NotFound(f'WorkflowTemplate "{name}" not found')


class OfflineAdmission:
    """Admission of `docs` (raw documents, in the order they would be written) into
    `namespace` under `policy`, with no store."""

    def __init__(
        self,
        docs: Sequence[Any],
        namespace: str | None = None,
        policy: Policy = DEFAULT_POLICY,
    ) -> None:
        self._docs = list(docs)
        self._namespace = namespace
        self._policy = policy
        self._templates: dict[_Key, list[tuple[int, Obj]]] = {}
        for i, doc in enumerate(self._docs):
            if not _is_template(doc):
                continue
            try:
                # Without the other templates: a template that is only valid given
                # itself is not one to check runs against.
                obj = self._admit(doc, _NoTemplates(), strict=False).obj
            except TreadleError:
                continue
            meta = obj["metadata"]
            if meta.get("name"):
                self._templates.setdefault((meta["namespace"], meta["name"]), []).append((i, doc))

    def check(self, index: int, *, strict: bool = False) -> Prepared:
        """Document `index` as admission would make it, with its warnings; raises
        ValidationError (or BadRequest) as admission would."""
        return self._admit(self._docs[index], _FileTemplates(self._templates, index), strict=strict)

    def _admit(self, doc: Any, templates: TemplateSource, *, strict: bool) -> Prepared:
        prepared = prepare(templates, doc, self._namespace, self._policy, strict=strict)
        try:
            store_metadata.prepare_create(prepared.obj)
        except ValidationError as exc:
            raise ValidationError(exc.causes, exc.subject or describe(doc)) from None
        return prepared


def _is_template(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and doc.get("apiVersion") == GROUP_VERSION
        and doc.get("kind") == "WorkflowTemplate"
    )


__all__ = ["OfflineAdmission"]
