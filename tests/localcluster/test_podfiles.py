"""The files the kubelet writes into and reads out of a pod's volumes, on the host."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from treadle.localcluster.podfiles import ConfigError, data_of, read_results, write_beneath


def test_results_are_read_from_regular_files_only(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("host secret")
    results = tmp_path / "results"
    results.mkdir()
    (results / "a").write_text("1")
    (results / "leak").symlink_to(tmp_path / "secret")
    os.mkfifo(results / "pipe")
    (results / "dir").mkdir()
    assert read_results(results, 4096) == (1, {"a": b"1"})


def test_results_over_the_limit_are_counted_not_read(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 10)
    (tmp_path / "b").write_bytes(b"y" * 1_000_000)
    (tmp_path / "c").write_bytes(b"z" * 10)
    total, files = read_results(tmp_path, 100)
    assert total == 1_000_020
    assert files["a"] == b"x" * 10 and len(files["b"]) <= 101 and files["c"] == b""


def test_a_file_written_replaces_a_symlink_instead_of_following_it(tmp_path: Path) -> None:
    (tmp_path / "outside").write_text("untouched")
    volume = tmp_path / "volume"
    volume.mkdir()
    (volume / "key").symlink_to(tmp_path / "outside")
    top = os.open(volume, os.O_PATH | os.O_DIRECTORY)
    try:
        write_beneath(top, "key", b"value")
        write_beneath(top, "deeper/key", b"value")
    finally:
        os.close(top)
    assert (tmp_path / "outside").read_text() == "untouched"
    assert (volume / "key").read_bytes() == b"value" and not (volume / "key").is_symlink()
    assert (volume / "deeper" / "key").read_bytes() == b"value"


def test_secret_data_is_base64() -> None:
    secret = {"kind": "Secret", "data": {"k": base64.b64encode(b"v").decode()}}
    assert data_of(secret, "Secret", "s") == {"k": b"v"}
    with pytest.raises(ConfigError, match=r'Secret "s": data\["k"\] is not valid base64'):
        data_of({"kind": "Secret", "data": {"k": "not base64!"}}, "Secret", "s")


def test_data_that_is_not_a_map_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match='ConfigMap "c": data must be a map'):
        data_of({"kind": "ConfigMap", "data": "x"}, "ConfigMap", "c")
