"""The system namespace, which holds the API tokens and the controller lease, may not
be deleted through any face: the API refuses it (tests/server/test_namespaces.py), and
so do the embedded client and the CLI on a data directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support import TREADLE
from treadle.api.kinds import by_kind
from treadle.api.objects import SYSTEM_NAMESPACE
from treadle.client.embedded import EmbeddedClient
from treadle.config import Home
from treadle.errors import Forbidden

REFUSAL = f'namespace "{SYSTEM_NAMESPACE}" is the system\'s own and may not be deleted'
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SYSTEM_NAMESPACE}}


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A data directory whose system namespace is a stored Namespace object."""
    home = Home(tmp_path / "home").ensure()
    client = EmbeddedClient(home)
    try:
        client.apply(NAMESPACE)
    finally:
        client.close()
    return home


def test_the_embedded_client_refuses_to_delete_it(home: Home) -> None:
    info = by_kind("v1", "Namespace")
    assert info is not None
    client = EmbeddedClient(home)
    try:
        with pytest.raises(Forbidden) as refused:
            client.delete(info, None, SYSTEM_NAMESPACE)
        assert str(refused.value) == REFUSAL
        assert client.get(info, None, SYSTEM_NAMESPACE)["metadata"]["name"] == SYSTEM_NAMESPACE
    finally:
        client.close()


def test_the_cli_refuses_to_delete_it(home: Home) -> None:
    done = subprocess.run(
        [str(TREADLE), "--home", str(home.root), "delete", "ns", SYSTEM_NAMESPACE],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TREADLE_NO_AUTOSTART": "1", "NO_COLOR": "1"},
    )
    assert done.returncode != 0
    assert REFUSAL in done.stderr
