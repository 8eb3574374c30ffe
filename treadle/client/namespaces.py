"""Namespaces as every face shows them, stored or implicit.

A namespace exists once an object lives in it, as Treadle has always let one be
used without creating it first; a stored v1 Namespace object (with labels, say) is
shown as it is. `default` is always there. The server's namespace API and
`treadle get ns` on a data directory answer alike from here.
"""

from __future__ import annotations

from ..api.objects import SYSTEM_NAMESPACE
from ..errors import NotFound
from ..store.base import Obj, Store
from ..store.fields import object_filter
from .storeinfo import all_objects, namespaces_in_use

DEFAULT_NAMESPACE = "default"


def implicit(name: str) -> Obj:
    """A namespace no Namespace object was stored for."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name},
        "status": {"phase": "Active"},
    }


def shown(obj: Obj) -> Obj:
    """A stored Namespace object, Active unless its status says otherwise."""
    return {**obj, "status": {"phase": "Active", **(obj.get("status") or {})}}


def stored_namespace(store: Store, name: str) -> Obj | None:
    try:
        return store.get("v1", "Namespace", None, name)
    except NotFound:
        return None


def find_namespace(store: Store, name: str) -> Obj:
    """The namespace as an object, stored or implicit. Raises NotFound."""
    stored = stored_namespace(store, name)
    if stored is not None:
        return shown(stored)
    if name == DEFAULT_NAMESPACE or name in namespaces_in_use(store):
        return implicit(name)
    raise NotFound(f'namespace "{name}" not found')


def all_namespaces(
    store: Store, label_selector: str | None = None, field_selector: str | None = None
) -> list[Obj]:
    """Every namespace, by name, that the selectors match. Raises BadRequest."""
    matches = object_filter("v1", "Namespace", label_selector, field_selector)
    stored = {o["metadata"]["name"]: shown(o) for o in all_objects(store, "v1", "Namespace", None)}
    names = set(stored) | namespaces_in_use(store) | {DEFAULT_NAMESPACE}
    found = [stored.get(n) or implicit(n) for n in sorted(names)]
    return [o for o in found if matches(o)]


__all__ = [
    "DEFAULT_NAMESPACE",
    "SYSTEM_NAMESPACE",
    "all_namespaces",
    "find_namespace",
    "implicit",
    "shown",
    "stored_namespace",
]
