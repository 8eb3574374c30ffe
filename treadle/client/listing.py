"""Treadle's list extensions (docs/api.md, Resources): newest first, and a name
substring filter, served above the Store, which lists only as Kubernetes does.

A store that pages them itself (store/base.py `OrderedListing`: SQLite walks an
index) is asked to. Any other Store is listed whole, within the namespace and
selectors, and the objects are ordered, filtered and paged here, with a continue
token of this module's own. That reads every object of the kind for every page,
which a console's run list can afford where a Kubernetes API server offers no
other order.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from ..errors import BadRequest
from ..store.base import Obj, OrderedListing, Page, Store

READ_PAGE = 500
"""How many objects each request reads from a store without OrderedListing."""

_TOKEN_VERSION = 1
_NEWEST = "newest"
_BY_NAME = "name"

Position = tuple[Any, ...]
"""Where an object stands in a list's order; a page continues after one."""


def list_objects(
    store: Store,
    api_version: str,
    kind: str,
    namespace: str | None = None,
    *,
    label_selector: str | None = None,
    field_selector: str | None = None,
    limit: int | None = None,
    continue_token: str | None = None,
    newest_first: bool = False,
    name_contains: str | None = None,
) -> Page:
    """`store.list`, or, with `newest_first`, by creation, newest first; with
    `name_contains`, only the names holding that text (literally, case-sensitive;
    empty: no filter). Pages as `store.list` does: `limit` (None or 0: everything)
    and an opaque continue token, which belongs to its order (BadRequest in the
    other). Newest first, an object created after a page was listed is not on the
    pages after it, and no object is listed twice.

    Raises BadRequest for a malformed selector, limit or continue token."""
    name_contains = name_contains or None
    if not newest_first and name_contains is None:
        return store.list(
            api_version,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_token,
        )
    if isinstance(store, OrderedListing):
        return store.list_ordered(
            api_version,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_token,
            newest_first=newest_first,
            name_contains=name_contains,
        )
    return _list_in_memory(
        store,
        api_version,
        kind,
        namespace,
        label_selector=label_selector,
        field_selector=field_selector,
        limit=limit,
        continue_token=continue_token,
        newest_first=newest_first,
        name_contains=name_contains,
    )


def _list_in_memory(
    store: Store,
    api_version: str,
    kind: str,
    namespace: str | None,
    *,
    label_selector: str | None,
    field_selector: str | None,
    limit: int | None,
    continue_token: str | None,
    newest_first: bool,
    name_contains: str | None,
) -> Page:
    """`list_objects` over a plain Store: every object the selectors keep, then
    filtered, ordered and cut into a page here."""
    if limit is not None and limit < 0:
        raise BadRequest(f"limit must not be negative, got {limit}")
    order = _NEWEST if newest_first else _BY_NAME
    after = _decode(continue_token, order) if continue_token else None
    items, resource_version = _read_all(
        store, api_version, kind, namespace, label_selector, field_selector
    )
    if name_contains is not None:
        items = [o for o in items if name_contains in o["metadata"]["name"]]
    position = _newest_first if newest_first else _by_name
    ordered = sorted(items, key=position)
    if after is not None:
        ordered = [o for o in ordered if position(o) > after]
    token = None
    if limit and len(ordered) > limit:
        ordered = ordered[:limit]
        token = _encode(order, position(ordered[-1]))
    return Page(ordered, resource_version, token)


def _read_all(
    store: Store,
    api_version: str,
    kind: str,
    namespace: str | None,
    label_selector: str | None,
    field_selector: str | None,
) -> tuple[list[Obj], str]:
    """Every object the selectors keep, and the resourceVersion of the first page:
    a watch from there misses nothing that changed while the later pages were read."""
    items: list[Obj] = []
    resource_version: str | None = None
    token: str | None = None
    while True:
        page = store.list(
            api_version,
            kind,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=READ_PAGE,
            continue_token=token,
        )
        items += page.items
        if resource_version is None:
            resource_version = page.resource_version
        token = page.continue_token
        if not token:
            return items, resource_version


def _by_name(obj: Obj) -> Position:
    meta = obj["metadata"]
    return (meta.get("namespace") or "", meta["name"])


def _newest_first(obj: Obj) -> Position:
    """Newest first. Kubernetes keeps creation times to the second, so objects
    created within one second follow each other by namespace and name."""
    return (-_created(obj), *_by_name(obj))


def _created(obj: Obj) -> float:
    """Seconds since the epoch. Every store sets creationTimestamp; an object
    without a readable one counts as created at the epoch, so it lists last."""
    text = obj["metadata"].get("creationTimestamp")
    try:
        return datetime.fromisoformat(text).timestamp() if isinstance(text, str) else 0.0
    except ValueError:
        return 0.0


_SHAPES: dict[str, tuple[type | tuple[type, ...], ...]] = {
    _NEWEST: ((int, float), str, str),
    _BY_NAME: (str, str),
}
"""What each part of a position is, per order: a token is checked against it."""


def _encode(order: str, position: Position) -> str:
    raw = json.dumps({"v": _TOKEN_VERSION, "order": order, "after": list(position)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, order: str) -> Position:
    """The position `token` continues after. Raises BadRequest for a token not made
    here, or made for a list in the other order."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        made_for, after = data["order"], data["after"]
        if data.get("v") != _TOKEN_VERSION or made_for not in _SHAPES:
            raise ValueError("not a list position")
        shape = _SHAPES[made_for]
        if not isinstance(after, list) or len(after) != len(shape):
            raise ValueError("bad position")
        if not all(isinstance(part, kind) for kind, part in zip(shape, after, strict=True)):
            raise ValueError("bad position")
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError) as e:
        raise BadRequest(f'invalid continue token "{token}": {e}') from e
    if made_for != order:
        # A token marks a place in one order; in the other it means nothing.
        raise BadRequest(
            "the continue token belongs to a list in another order: page on with the same order"
        )
    return tuple(after)
