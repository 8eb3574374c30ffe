"""storeinfo answers the same whether the store summarises itself (StoreSummary) or
has only the Store interface to be listed through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from treadle.api.objects import GROUP_VERSION
from treadle.client.storeinfo import count_by_phase, kinds_in, namespaces_in_use
from treadle.store.base import Obj, Page, StoreSummary
from treadle.store.sqlite import SqliteStore


class PlainStore:
    """Only what the Store interface has: no summaries, so storeinfo must list."""

    def __init__(self, inner: SqliteStore) -> None:
        self._inner = inner

    def list(self, api_version: str, kind: str, namespace: str | None = None, **kw: Any) -> Page:
        return self._inner.list(api_version, kind, namespace, **kw)


def _config(namespace: str, name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {},
    }


def test_summaries_match_listing(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "db.sqlite") as store:
        store.create(_config("a", "one"))
        store.create(_config("b", "two"))
        run = store.create(
            {
                "apiVersion": GROUP_VERSION,
                "kind": "WorkflowRun",
                "metadata": {"name": "r", "namespace": "a"},
                "spec": {},
            }
        )
        store.update_status({**run, "status": {"phase": "Running"}})
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c"}})
        plain = PlainStore(store)
        assert isinstance(store, StoreSummary)
        assert not isinstance(plain, StoreSummary)
        # PlainStore has only the part of the Store interface the fallbacks use.
        stores: list[Any] = [store, plain]
        for s in stores:
            assert namespaces_in_use(s) == {"a", "b"}
            assert kinds_in(s, "a") == [(GROUP_VERSION, "WorkflowRun"), ("v1", "ConfigMap")]
            assert count_by_phase(s, GROUP_VERSION, "WorkflowRun") == {"Running": 1}
