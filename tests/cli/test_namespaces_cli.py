"""`treadle get ns` on a data directory lists what the server's API lists."""

from __future__ import annotations

from pathlib import Path

from tests.support import treadle_cli

CONFIG_MAP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-a}\ndata: {k: v}\n"
)
LABELLED = "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b, labels: {tier: gold}}\n"


def test_a_namespace_in_use_is_listed_though_no_namespace_object_was_stored(
    tmp_path: Path,
) -> None:
    assert treadle_cli("apply", "-f", "-", home=tmp_path, stdin=CONFIG_MAP).returncode == 0
    done = treadle_cli("get", "ns", "-o", "name", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["namespace/default", "namespace/team-a"]


def test_a_label_selector_keeps_the_stored_namespaces_it_matches(tmp_path: Path) -> None:
    for doc in (CONFIG_MAP, LABELLED):
        assert treadle_cli("apply", "-f", "-", home=tmp_path, stdin=doc).returncode == 0
    done = treadle_cli("get", "ns", "-l", "tier=gold", "-o", "name", home=tmp_path)
    assert done.stdout.split() == ["namespace/team-b"]
