"""How a list request (`Store.list`, and the newest-first and name-filtered lists
of `OrderedListing`, store/base.py) becomes one SQL query over the embedded
store's tables, and the continue token that carries a page's position.

Every filter is written so that SQLite can still walk `objects_key` (or
`objects_phase`) in (namespace, name) order and stop after `limit` rows: labels
are `id IN (SELECT object_id FROM labels …)` sets, and the page position is a
row-value range `(namespace, name) > (?, ?)`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from treadle.core.labels import LabelSelector, Operator, parse_label_selector
from treadle.errors import BadRequest

from .fields import FieldRequirement, parse_field_selector, selectable_fields

_TOKEN_VERSION = 1

_COLUMNS = {
    "metadata.name": "o.name",
    "metadata.namespace": "o.namespace",
    "status.phase": "o.phase",
}


def encode_continue(namespace: str, name: str, created: int | None = None) -> str:
    """An opaque token for "the page after (namespace, name)", or, for newest-first
    lists, "the page after the object created as number `created`"."""
    data: dict[str, Any] = {"v": _TOKEN_VERSION, "ns": namespace, "name": name}
    if created is not None:
        data["id"] = created
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_continue(token: str) -> tuple[str, str, int | None]:
    """Raises BadRequest for a token this store did not make."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        if data.get("v") != _TOKEN_VERSION:
            raise ValueError("unknown version")
        namespace, name, created = data["ns"], data["name"], data.get("id")
        if not isinstance(namespace, str) or not isinstance(name, str):
            raise ValueError("bad position")
        if created is not None and not isinstance(created, int):
            raise ValueError("bad position")
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError) as e:
        raise BadRequest(f'invalid continue token "{token}": {e}') from e
    return namespace, name, created


@dataclass
class ListQuery:
    """The WHERE clause of a list, built up filter by filter."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    newest_first: bool = False
    index: str | None = None
    """An index to force: the planner, without statistics, prefers `objects_key`
    even where a far more selective index applies."""

    def add(self, clause: str, *params: Any) -> None:
        self.where.append(clause)
        self.params.extend(params)

    def sql(self, limit: int | None) -> tuple[str, list[Any]]:
        text = (
            "SELECT o.namespace, o.name, o.body, o.id FROM objects AS o"
            + (f" INDEXED BY {self.index}" if self.index else "")
            + f" WHERE {' AND '.join(self.where)} ORDER BY "
            + ("o.id DESC" if self.newest_first else "o.namespace, o.name")
        )
        params = list(self.params)
        if limit is not None:
            text += " LIMIT ?"
            params.append(limit)
        return text, params


def build_list_query(
    api_version: str,
    kind: str,
    namespace: str | None,
    *,
    label_selector: str | None,
    field_selector: str | None,
    after: tuple[str, str] | None,
    newest_first: bool = False,
    created_before: int | None = None,
    name_contains: str | None = None,
) -> ListQuery:
    """Raises BadRequest for a selector that does not parse or names a field that
    cannot be selected on."""
    try:
        labels = parse_label_selector(label_selector or "")
        fields = parse_field_selector(field_selector or "", selectable_fields(api_version, kind))
    except ValueError as e:
        raise BadRequest(str(e)) from e

    query = ListQuery()
    query.add("o.api_version = ?", api_version)
    # A literal, not a parameter, so SQLite may use the partial index on Events.
    if kind == "Event":
        query.add("o.kind = 'Event'")
    else:
        query.add("o.kind = ?", kind)
    for r in fields:
        if r.field == "metadata.namespace" and not r.negated and namespace is None:
            namespace = r.value  # as an equality it can narrow the index range
    if namespace is not None:
        query.add("o.namespace = ?", namespace)
    _add_labels(query, labels)
    for requirement in fields:
        _add_field(query, requirement)
    if name_contains:
        # instr, not LIKE: no wildcard characters to escape in what a user typed.
        query.add("instr(o.name, ?) > 0", name_contains)
    if newest_first:
        query.newest_first = True
        if created_before is not None:
            query.add("o.id < ?", created_before)
    elif after is not None:
        _add_position(query, namespace, after)
    return query


def _add_position(query: ListQuery, namespace: str | None, after: tuple[str, str]) -> None:
    """Only rows after `after` in (namespace, name) order. Within one namespace the
    range is on name alone: a row-value range there would make SQLite scan on into
    the following namespaces and sort."""
    if namespace is None:
        query.add("(o.namespace, o.name) > (?, ?)", *after)
    elif after[0] == namespace:
        query.add("o.name > ?", after[1])
    elif after[0] > namespace:
        query.add("0")  # the position is past this namespace: nothing is left


def _add_labels(query: ListQuery, selector: LabelSelector) -> None:
    for r in selector.requirements:
        values = r.values
        subquery = "SELECT object_id FROM labels WHERE key = ?"
        if values:
            subquery += f" AND value IN ({', '.join('?' * len(values))})"
        negated = r.operator in (Operator.NOT_EQUALS, Operator.NOT_IN, Operator.DOES_NOT_EXIST)
        query.add(f"o.id {'NOT IN' if negated else 'IN'} ({subquery})", r.key, *values)


def _add_field(query: ListQuery, r: FieldRequirement) -> None:
    op = "!=" if r.negated else "="
    column = _COLUMNS.get(r.field)
    if column is not None:
        query.add(f"{column} {op} ?", r.value)
        return
    # Event fields live in the JSON body; a missing field reads as "".
    expression = f"json_extract(o.body, '$.{r.field}')"
    if r.value and not r.negated:
        query.add(f"{expression} = ?", r.value)
        if r.field == "involvedObject.uid":
            query.index = "objects_involved_uid"  # a handful of rows out of every Event
    else:
        query.add(f"coalesce({expression}, '') {op} ?", r.value)
