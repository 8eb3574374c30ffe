"""Container paths made host paths, for a runtime without a sandbox: only whole paths."""

from __future__ import annotations

import pytest

from treadle.localcluster.hostpaths import HostPaths, MountPathError, mount_point

DATA = "/t9k/workspaces/data"
HOST = HostPaths(
    {
        DATA: "/h/vol/sub",
        "/t9k/results": "/h/scratch/u/t9k-results",
        "/t9k/workspaces/data/inner": "/h/inner",
    }
)


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        pytest.param(DATA, "/h/vol/sub", id="the mount path itself"),
        pytest.param(f"{DATA}/", "/h/vol/sub/", id="with a trailing slash"),
        pytest.param(f"{DATA}/x/y.txt", "/h/vol/sub/x/y.txt", id="a path beneath it"),
        pytest.param("/t9k/workspaces/database", "/t9k/workspaces/database", id="a longer name"),
        pytest.param(f"{DATA}.old", f"{DATA}.old", id="a name with a dot after it"),
        pytest.param(f"{DATA}-2/x", f"{DATA}-2/x", id="a name with a dash after it"),
        pytest.param(f"{DATA}_x", f"{DATA}_x", id="a name with an underscore after it"),
        pytest.param(f"/x{DATA}", f"/x{DATA}", id="the path inside a longer one"),
        pytest.param(f".{DATA}", f".{DATA}", id="a relative path ending alike"),
        pytest.param(f"a{DATA}", f"a{DATA}", id="glued to a word"),
        pytest.param(f"ls {DATA} > {DATA}/l", "ls /h/vol/sub > /h/vol/sub/l", id="twice"),
        pytest.param(f'"{DATA}"', '"/h/vol/sub"', id="quoted"),
        pytest.param(f"--out={DATA}/o", "--out=/h/vol/sub/o", id="after an equals sign"),
        pytest.param(f"{DATA}:/t9k/results", "/h/vol/sub:/h/scratch/u/t9k-results", id="a list"),
        pytest.param(f"cd {DATA};pwd", "cd /h/vol/sub;pwd", id="before a semicolon"),
        pytest.param(f"$({DATA})", "$(/h/vol/sub)", id="in parentheses"),
        pytest.param(f"{DATA}/inner/f", "/h/inner/f", id="an inner mount wins"),
        pytest.param(f"{DATA}/innermost", "/h/vol/sub/innermost", id="not the inner mount"),
        pytest.param("/t9k/results/n", "/h/scratch/u/t9k-results/n", id="the results dir"),
        pytest.param("/t9k/resultsx", "/t9k/resultsx", id="not the results dir"),
        pytest.param("/t9k/workspaces", "/t9k/workspaces", id="above every mount"),
        pytest.param("no paths at all", "no paths at all", id="nothing to rewrite"),
    ],
)
def test_a_container_path_is_rewritten_only_as_a_whole_path(text: str, rewritten: str) -> None:
    assert HOST.rewrite(text) == rewritten


def test_without_mounts_nothing_is_rewritten() -> None:
    assert HostPaths({}).rewrite(DATA) == DATA


def test_a_host_path_is_not_rewritten_again() -> None:
    """One pass: a host directory that holds a mount path is left as it is."""
    nested = HostPaths({"/data": "/srv/data/data"})
    assert nested.rewrite("/data/f") == "/srv/data/data/f"


def test_a_container_s_strings_are_rewritten_and_the_rest_kept() -> None:
    container = {
        "name": "c",
        "image": f"img{DATA}",
        "command": ["sh", "-c", f"ls {DATA}"],
        "args": [f"{DATA}/a", 7],
        "workingDir": f"{DATA}/w",
        "env": [
            {"name": "OUT", "value": "/t9k/results/n"},
            {"name": "U", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
        ],
        "volumeMounts": [{"name": "ws-data", "mountPath": DATA}],
    }
    out = HOST.container(container)
    assert out["command"] == ["sh", "-c", "ls /h/vol/sub"]
    assert out["args"] == ["/h/vol/sub/a", "7"]
    assert out["workingDir"] == "/h/vol/sub/w"
    assert out["env"] == [
        {"name": "OUT", "value": "/h/scratch/u/t9k-results/n"},
        {"name": "U", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
    ]
    assert out["image"] == container["image"]
    assert out["volumeMounts"] == container["volumeMounts"]
    assert container["command"] == ["sh", "-c", f"ls {DATA}"]  # the pod's own is unchanged


@pytest.mark.parametrize(
    ("path", "point"),
    [
        pytest.param("/data", "/data", id="plain"),
        pytest.param("/data/", "/data", id="a trailing slash"),
        pytest.param("/a//b/./c", "/a/b/c", id="doubled slashes and dots"),
        pytest.param("//data", "/data", id="a leading double slash"),
    ],
)
def test_a_mount_point_is_normalised(path: str, point: str) -> None:
    assert mount_point(path) == point


@pytest.mark.parametrize("path", ["data", "/a/../b", "/", "//", "/a\x00b", ""])
def test_a_mount_point_no_host_directory_can_stand_for_is_refused(path: str) -> None:
    with pytest.raises(MountPathError, match="mount at"):
        mount_point(path)
