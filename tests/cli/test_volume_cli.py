"""`treadle volume path|ls|rm`: the directories behind PVC names."""

from __future__ import annotations

from pathlib import Path

from tests.support import treadle_cli


def test_volume_path_creates_the_directory_and_prints_it(tmp_path: Path) -> None:
    done = treadle_cli("volume", "path", "data", home=tmp_path)
    path = Path(done.stdout.strip())
    assert done.returncode == 0
    assert path.is_dir()
    assert path == tmp_path.resolve() / "volumes" / "default" / "data"


def test_volume_ls_lists_volumes_and_their_files(tmp_path: Path) -> None:
    path = Path(treadle_cli("volume", "path", "data", home=tmp_path).stdout.strip())
    (path / "sub").mkdir()
    (path / "run.py").write_text("print(1)\n")
    assert treadle_cli("volume", "ls", home=tmp_path).stdout.splitlines() == [
        "NAME   FILES   BYTES",
        "data   1       9",
    ]
    assert treadle_cli("volume", "ls", "data", home=tmp_path).stdout.split("\n")[:2] == [
        "sub/",
        "run.py  9",
    ]


def test_volume_rm_deletes_and_a_missing_volume_is_an_error(tmp_path: Path) -> None:
    treadle_cli("volume", "path", "data", home=tmp_path)
    assert treadle_cli("volume", "rm", "data", home=tmp_path).returncode == 0
    again = treadle_cli("volume", "rm", "data", home=tmp_path)
    assert again.returncode != 0
    assert 'volume "data" not found' in again.stderr
