"""`HttpClient`: the Client protocol over HTTP, with the embedded client's errors."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from treadle.api.kinds import KindInfo, lookup
from treadle.client.http import HttpClient, ServerError
from treadle.errors import AlreadyExists, BadRequest, NotFound, Unauthorized, ValidationError

from .conftest import Served, run_of, serve, template


def kind(word: str) -> KindInfo:
    info = lookup(word)
    assert info is not None
    return info


WT = kind("workflowtemplate")
CM = kind("configmap")


@pytest.fixture
def client(served: Served) -> Iterator[HttpClient]:
    c = HttpClient(served.url, token=served.token)
    yield c
    c.close()


def test_create_then_get(client: HttpClient, ns: str) -> None:
    created = client.create(template("hello", ["true"]), ns).obj
    assert client.get(WT, ns, "hello") == created


def test_apply_reports_created_unchanged_configured(client: HttpClient, ns: str) -> None:
    doc = template("hello", ["true"])
    assert client.apply(doc, ns)[1] == "created"
    assert client.apply(doc, ns)[1] == "unchanged"
    doc["spec"]["description"] = "changed"
    obj, verb, _ = client.apply(doc, ns)
    assert verb == "configured" and obj["spec"]["description"] == "changed"


def test_apply_of_a_run_twice_is_unchanged(client: HttpClient, ns: str) -> None:
    client.create(template("hello", ["true"]), ns)
    run = run_of("hello", "r")
    client.apply(run, ns)
    assert client.apply(run, ns)[1] == "unchanged"


def test_invalid_object_raises_validation_error_with_causes(client: HttpClient, ns: str) -> None:
    doc = template("bad", ["true"])
    doc["spec"]["params"] = [{"name": "p"}, {"name": "p"}]
    with pytest.raises(ValidationError) as raised:
        client.create(doc, ns)
    assert raised.value.causes and raised.value.causes[0].path.startswith("spec.params")
    assert raised.value.subject == 'WorkflowTemplate "bad"'


def test_duplicate_raises_already_exists(client: HttpClient, ns: str) -> None:
    client.create(template("hello", ["true"]), ns)
    with pytest.raises(AlreadyExists):
        client.create(template("hello", ["true"]), ns)


def test_missing_object_raises_not_found(client: HttpClient, ns: str) -> None:
    with pytest.raises(NotFound):
        client.get(WT, ns, "ghost")


def test_list_pages_with_continue(client: HttpClient, ns: str) -> None:
    for i in range(3):
        client.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}"}}, ns)
    first = client.list(CM, ns, limit=2)
    assert len(first.items) == 2 and first.continue_token
    rest = client.list(CM, ns, limit=2, continue_token=first.continue_token)
    assert [o["metadata"]["name"] for o in rest.items] == ["c2"] and rest.continue_token is None


def test_watch_yields_changes_after_since_and_ends_when_idle(client: HttpClient, ns: str) -> None:
    since = client.list(CM, ns).resource_version
    client.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w"}}, ns)
    client.delete(CM, ns, "w")
    events = list(client.watch(CM, ns, since=since, timeout=1.5))
    assert [e.type for e in events] == ["ADDED", "DELETED"]
    assert events[0].resource_version == events[0].object["metadata"]["resourceVersion"]


def test_run_logs_follow_to_the_end(client: HttpClient, ns: str) -> None:
    client.create(template("hello", ["sh", "-c", "echo a; sleep 0.3; echo b"]), ns)
    client.create(run_of("hello", "r"), ns)
    lines = list(client.run_logs(ns, "r", follow=True))
    assert [(line.source, line.text) for line in lines] == [("main", "a"), ("main", "b")]


def test_stop_of_a_finished_run_raises_bad_request(client: HttpClient, ns: str) -> None:
    client.create(template("hello", ["true"]), ns)
    client.create(run_of("hello", "r"), ns)
    list(client.run_logs(ns, "r", follow=True))
    with pytest.raises(BadRequest):
        client.stop_run(ns, "r")


def test_events_of_an_object_without_any_are_empty(client: HttpClient, ns: str) -> None:
    obj = client.create(template("hello", ["true"]), ns).obj
    assert client.events_for(obj) == []


def test_volume_path_is_the_volume_files_url(client: HttpClient, ns: str, served: Served) -> None:
    url = client.volume_path(ns, "data")
    assert url == f"{served.url}/treadle/v1/namespaces/{ns}/volumes/data/files/"
    assert served.home.volume(ns, "data").is_dir()
    assert client.volume_path(ns, "data") == url


def test_missing_token_raises_unauthorized(tmp_path_factory: pytest.TempPathFactory) -> None:
    with serve(tmp_path_factory.mktemp("tok"), run_controller=False) as s:
        with pytest.raises(Unauthorized):
            HttpClient(s.url).list(CM, "default")
        token = s.state.auth.admin_token
        assert HttpClient(s.url, token=token).list(CM, "default").items == []


def test_unreachable_server_raises_server_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(ServerError, match="cannot reach"):
        HttpClient(f"http://127.0.0.1:{port}").get(CM, "default", "x")


def test_an_object_over_the_size_limit_is_a_refused_request_not_a_server_failure(
    client: HttpClient, ns: str
) -> None:
    big = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "big"},
        "data": {"blob": "x" * (4 * 1024 * 1024)},
    }
    with pytest.raises(BadRequest, match="3 MiB"):
        client.create(big, ns)


def test_statuses_the_client_has_no_class_for_keep_their_meaning() -> None:
    from treadle.client.http import error_from_status
    from treadle.errors import DiskFull

    def status(code: int) -> dict[str, object]:
        return {"kind": "Status", "code": code, "message": f"said {code}"}

    assert isinstance(error_from_status(415, status(415), ""), BadRequest)
    assert isinstance(error_from_status(421, status(421), ""), BadRequest)
    assert isinstance(error_from_status(507, status(507), ""), DiskFull)
    assert isinstance(error_from_status(502, status(502), ""), ServerError)
