"""Console-facing list extensions: newest first, and a name substring filter."""

from __future__ import annotations

from typing import Any

import pytest

from treadle.errors import BadRequest
from treadle.store.base import Store

GV = "batch.tensorstack.dev/v1beta1"


def _run(name: str, namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": GV,
        "kind": "WorkflowRun",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"workflowTemplateRef": "t"},
    }


def _names(store: Store, **options: Any) -> list[str]:
    page = store.list(GV, "WorkflowRun", options.pop("namespace", None), **options)
    return [o["metadata"]["name"] for o in page.items]


def test_newest_first_lists_in_reverse_creation_order(store: Store) -> None:
    for name in ("b", "c", "a"):
        store.create(_run(name))
    assert _names(store, newest_first=True) == ["a", "c", "b"]


def test_newest_first_pages_continue_where_they_stopped(store: Store) -> None:
    for i in range(7):
        store.create(_run(f"r{i}"))
    seen, token = [], None
    while True:
        page = store.list(
            GV, "WorkflowRun", "default", newest_first=True, limit=3, continue_token=token
        )
        seen += [o["metadata"]["name"] for o in page.items]
        token = page.continue_token
        if not token:
            break
    assert seen == [f"r{i}" for i in reversed(range(7))]


def test_name_contains_keeps_names_with_the_substring(store: Store) -> None:
    for name in ("train-1", "eval-1", "train-2", "xtrain.9"):
        store.create(_run(name))
    assert _names(store, name_contains="train") == ["train-1", "train-2", "xtrain.9"]
    assert _names(store, name_contains=".") == ["xtrain.9"]


def test_name_contains_combines_with_newest_first(store: Store) -> None:
    for name in ("train-1", "eval-1", "train-2"):
        store.create(_run(name))
    assert _names(store, name_contains="train", newest_first=True) == ["train-2", "train-1"]


def test_a_token_from_one_order_is_refused_in_the_other(store: Store) -> None:
    for i in range(3):
        store.create(_run(f"r{i}"))
    newest = store.list(GV, "WorkflowRun", "default", newest_first=True, limit=1)
    by_name = store.list(GV, "WorkflowRun", "default", limit=1)
    with pytest.raises(BadRequest, match="another order"):
        store.list(GV, "WorkflowRun", "default", limit=1, continue_token=newest.continue_token)
    with pytest.raises(BadRequest, match="another order"):
        store.list(
            GV,
            "WorkflowRun",
            "default",
            newest_first=True,
            limit=1,
            continue_token=by_name.continue_token,
        )
