"""Embedded volumes over HTTP: create, list, upload, browse, download, delete."""

from __future__ import annotations

import httpx

from .conftest import Served


def volumes(ns: str) -> str:
    return f"/treadle/v1/namespaces/{ns}/volumes"


def files(ns: str, name: str = "data") -> str:
    return f"{volumes(ns)}/{name}/files"


def make(http: httpx.Client, ns: str, name: str = "data") -> None:
    assert http.post(volumes(ns), json={"name": name}).status_code == 201


def test_created_volume_is_listed_empty(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    assert http.get(volumes(ns)).json()["items"] == [{"name": "data", "files": 0, "bytes": 0}]


def test_volume_lives_in_the_data_directory(http: httpx.Client, ns: str, served: Served) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/a.txt", content=b"abc")
    assert (served.home.volume(ns, "data") / "a.txt").read_bytes() == b"abc"


def test_creating_an_existing_volume_is_409(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    assert http.post(volumes(ns), json={"name": "data"}).status_code == 409


def test_invalid_volume_name_is_422(http: httpx.Client, ns: str) -> None:
    r = http.post(volumes(ns), json={"name": "Not_A_Name"})
    assert r.status_code == 422 and r.json()["details"]["causes"][0]["field"] == "name"


def test_upload_then_download_gives_the_same_bytes(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    payload = bytes(range(256)) * 1000
    r = http.put(f"{files(ns)}/dir/sub/blob.bin", content=payload)
    assert r.status_code == 201 and r.json()["size"] == len(payload)
    assert http.get(f"{files(ns)}/dir/sub/blob.bin").content == payload


def test_upload_over_an_existing_file_replaces_it(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/f", content=b"old")
    assert http.put(f"{files(ns)}/f", content=b"new").status_code == 200
    assert http.get(f"{files(ns)}/f").content == b"new"


def test_download_flag_sets_content_disposition(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/report.csv", content=b"a,b\n")
    r = http.get(f"{files(ns)}/report.csv", params={"download": "true"})
    assert r.headers["content-disposition"].startswith("attachment")
    assert "report.csv" in r.headers["content-disposition"]


def test_browsing_a_directory_lists_dirs_then_files(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/z.txt", content=b"12345")
    http.put(f"{files(ns)}/a/inner.txt", content=b"x")
    items = http.get(files(ns)).json()["items"]
    assert [(i["name"], i["type"]) for i in items] == [("a", "dir"), ("z.txt", "file")]
    assert items[1]["size"] == 5 and items[1]["modified"].endswith("Z")
    assert http.get(f"{files(ns)}/a").json()["items"][0]["name"] == "inner.txt"


def test_volume_list_counts_files_and_bytes(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/one", content=b"123")
    http.put(f"{files(ns)}/d/two", content=b"4567")
    assert http.get(volumes(ns)).json()["items"] == [{"name": "data", "files": 2, "bytes": 7}]


def test_dot_dot_paths_are_rejected(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    make(http, ns, "other")
    http.put(f"{files(ns, 'other')}/secret", content=b"s")
    for path in ("%2E%2E/other/files/secret", "a/%2e%2e/%2e%2e/other/secret"):
        assert http.get(f"{files(ns)}/{path}").status_code == 400
        assert http.put(f"{files(ns)}/{path}", content=b"x").status_code == 400
        assert http.delete(f"{files(ns)}/{path}").status_code == 400
    assert http.get(f"{files(ns, 'other')}/secret").content == b"s"


def test_symlinks_out_of_the_volume_are_rejected(
    http: httpx.Client, ns: str, served: Served
) -> None:
    make(http, ns)
    (served.home.volume(ns, "data") / "escape").symlink_to("/etc")
    assert http.get(f"{files(ns)}/escape/hostname").status_code == 400


def test_deleting_a_file_and_a_directory(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/d/f", content=b"1")
    http.put(f"{files(ns)}/g", content=b"2")
    assert http.delete(f"{files(ns)}/g").status_code == 200
    assert http.delete(f"{files(ns)}/d").status_code == 200
    assert http.get(files(ns)).json()["items"] == []
    assert http.delete(f"{files(ns)}/g").status_code == 404


def test_deleting_a_volume_removes_its_files(http: httpx.Client, ns: str, served: Served) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/f", content=b"1")
    assert http.delete(f"{volumes(ns)}/data").status_code == 200
    assert not served.home.volume(ns, "data").exists()
    assert http.get(files(ns)).status_code == 404


def test_missing_file_is_404(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    assert http.get(f"{files(ns)}/nothing").status_code == 404


def test_a_symlink_that_stays_inside_the_volume_is_followed(
    http: httpx.Client, ns: str, served: Served
) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/run-3/out.txt", content=b"result")
    (served.home.volume(ns, "data") / "latest").symlink_to("run-3")
    assert http.get(f"{files(ns)}/latest/out.txt").content == b"result"
    items = http.get(files(ns)).json()["items"]
    assert [(i["name"], i["type"]) for i in items] == [("latest", "dir"), ("run-3", "dir")]


def test_uploading_below_a_file_is_400(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/f", content=b"1")
    assert http.put(f"{files(ns)}/f/g", content=b"2").status_code == 400
    assert http.get(f"{files(ns)}/f/g").status_code == 400


def test_uploading_onto_a_directory_is_400(http: httpx.Client, ns: str) -> None:
    make(http, ns)
    http.put(f"{files(ns)}/d/f", content=b"1")
    assert http.put(f"{files(ns)}/d", content=b"2").status_code == 400
