"""Stopping a pod that is deleted at the same moment (a deleted run takes its pod
along) is not an error: there is nothing left to stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from treadle.client.embedded import EmbeddedClient
from treadle.config import Home
from treadle.controller.context import Context
from treadle.controller.podrun import STOP_DEADLINE_SECONDS, stop_pod
from treadle.errors import NotFound
from treadle.store.base import Obj
from treadle.store.sqlite import SqliteStore

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "default"},
    "spec": {"containers": [{"name": "c", "image": "x", "command": ["true"]}]},
}


class DeletedBetweenReadAndWrite(SqliteStore):
    """A store where another writer deletes the pod right after it is read."""

    def get(self, *args: Any, **kwargs: Any) -> Obj:
        obj = super().get(*args, **kwargs)
        super().delete("v1", "Pod", "default", "p")
        return obj


def test_a_pod_deleted_while_it_is_stopped_is_left_alone(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    client = EmbeddedClient(home)
    try:
        store = DeletedBetweenReadAndWrite(home.database)
        store.create(POD)
        stop_pod(Context(store, client.runtime, home), "default", "p")  # does not raise
        with pytest.raises(NotFound):
            client.store.get("v1", "Pod", "default", "p")
    finally:
        client.close()


def test_a_running_pod_is_given_the_stop_deadline(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    client = EmbeddedClient(home)
    try:
        client.store.create(POD)
        stop_pod(Context(client.store, client.runtime, home), "default", "p")
        pod = client.store.get("v1", "Pod", "default", "p")
        assert pod["spec"]["activeDeadlineSeconds"] == STOP_DEADLINE_SECONDS
    finally:
        client.close()
