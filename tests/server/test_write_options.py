"""Kubernetes' write parameters over HTTP: `dryRun=All` admits and answers but stores
nothing; `fieldValidation` makes warnings errors (Strict), `Warning` headers (Warn,
the default) or nothing (Ignore); and the HTTP client hands those warnings back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from treadle.client.http import HttpClient
from treadle.errors import FieldWarning, ValidationError

from .conftest import WF, Served, template

UNDECLARED_ERROR = 'spec.params[1].name: param "extra" is not declared by template "greet"'
"""What strict validation says of the param: the problem, without the warning's note."""
UNDECLARED = f"{UNDECLARED_ERROR} (accepted: substituted only where the template references it)"


def greet() -> dict[str, Any]:
    doc = template("greet", ["echo", "$(params.who)"])
    doc["spec"]["params"] = [{"name": "who"}]
    return doc


def run(name: str, **params: str) -> dict[str, Any]:
    return {
        "apiVersion": "batch.tensorstack.dev/v1beta1",
        "kind": "WorkflowRun",
        "metadata": {"name": name},
        "spec": {
            "workflowTemplateRef": "greet",
            "params": [{"name": k, "value": v} for k, v in params.items()],
        },
    }


def templates(ns: str) -> str:
    return f"{WF}/namespaces/{ns}/workflowtemplates"


def runs(ns: str) -> str:
    return f"{WF}/namespaces/{ns}/workflowruns"


def warnings_of(response: httpx.Response) -> list[str]:
    return response.headers.get_list("warning")


@pytest.fixture
def with_greet(http: httpx.Client, ns: str) -> str:
    assert http.post(templates(ns), json=greet()).status_code == 201
    return ns


@pytest.fixture
def client(served: Served) -> Iterator[HttpClient]:
    c = HttpClient(served.url, token=served.token)
    yield c
    c.close()


# -- dryRun ------------------------------------------------------------------------


def test_a_dry_run_create_answers_the_object_and_stores_nothing(
    http: httpx.Client, ns: str
) -> None:
    r = http.post(templates(ns), params={"dryRun": "All"}, json=greet())
    assert r.status_code == 201, r.text
    meta = r.json()["metadata"]
    assert meta["name"] == "greet" and meta["namespace"] == ns and meta["uid"]
    assert "resourceVersion" not in meta  # it names no version of the store
    assert http.get(f"{templates(ns)}/greet").status_code == 404


def test_a_dry_run_create_answers_the_name_it_would_generate(http: httpx.Client, ns: str) -> None:
    doc = greet()
    doc["metadata"] = {"generateName": "greet-"}
    r = http.post(templates(ns), params={"dryRun": "All"}, json=doc)
    assert r.status_code == 201, r.text
    name = r.json()["metadata"]["name"]
    assert name.startswith("greet-") and len(name) == len("greet-") + 5
    assert http.get(templates(ns)).json()["items"] == []


def test_a_dry_run_create_is_admitted_against_the_stored_template(
    http: httpx.Client, with_greet: str
) -> None:
    r = http.post(runs(with_greet), params={"dryRun": "All"}, json=run("r"))
    assert r.status_code == 422
    assert r.json()["details"]["causes"][0]["message"] == (
        'missing required param "who" of template "greet"'
    )


def test_a_dry_run_create_of_a_name_taken_is_a_conflict(
    http: httpx.Client, with_greet: str
) -> None:
    r = http.post(templates(with_greet), params={"dryRun": "All"}, json=greet())
    assert r.status_code == 409 and r.json()["reason"] == "AlreadyExists"


def test_a_dry_run_replace_answers_the_change_and_keeps_what_is_stored(
    http: httpx.Client, with_greet: str
) -> None:
    stored = http.get(f"{templates(with_greet)}/greet").json()
    changed = {**stored, "spec": {**stored["spec"], "description": "changed"}}
    r = http.put(f"{templates(with_greet)}/greet", params={"dryRun": "All"}, json=changed)
    assert r.status_code == 200, r.text
    assert r.json()["spec"]["description"] == "changed"
    assert r.json()["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert http.get(f"{templates(with_greet)}/greet").json() == stored


def test_a_dry_run_patch_changes_nothing(http: httpx.Client, with_greet: str) -> None:
    stored = http.get(f"{templates(with_greet)}/greet").json()
    r = http.patch(
        f"{templates(with_greet)}/greet",
        params={"dryRun": "All"},
        json={"spec": {"description": "patched"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["spec"]["description"] == "patched"
    assert http.get(f"{templates(with_greet)}/greet").json() == stored


def test_a_dry_run_namespace_is_not_made(http: httpx.Client, ns: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
    r = http.post("/api/v1/namespaces", params={"dryRun": "All"}, json=body)
    assert r.status_code == 201, r.text
    assert http.get(f"/api/v1/namespaces/{ns}").status_code == 404


@pytest.mark.parametrize("value", ["true", "all", "", "server"])
def test_a_dry_run_other_than_all_is_400_naming_the_parameter(
    http: httpx.Client, ns: str, value: str
) -> None:
    r = http.post(templates(ns), params={"dryRun": value}, json=greet())
    assert r.status_code == 400
    assert r.json()["message"].startswith(f'dryRun: unsupported value "{value}"')
    assert http.get(f"{templates(ns)}/greet").status_code == 404


def test_a_delete_with_dry_run_is_refused_and_deletes_nothing(
    http: httpx.Client, with_greet: str
) -> None:
    r = http.delete(f"{templates(with_greet)}/greet", params={"dryRun": "All"})
    assert r.status_code == 400 and "dryRun" in r.json()["message"]
    assert http.get(f"{templates(with_greet)}/greet").status_code == 200


# -- fieldValidation and Warning headers -------------------------------------------


def test_warnings_come_back_as_warning_headers_by_default(
    http: httpx.Client, with_greet: str
) -> None:
    r = http.post(runs(with_greet), json=run("r", who="x", extra="y"))
    assert r.status_code == 201, r.text
    escaped = UNDECLARED.replace('"', '\\"')
    assert warnings_of(r) == [f'299 - "{escaped}"']
    assert http.get(f"{runs(with_greet)}/r").status_code == 200


def test_strict_field_validation_refuses_an_object_with_a_warning(
    http: httpx.Client, with_greet: str
) -> None:
    r = http.post(
        runs(with_greet), params={"fieldValidation": "Strict"}, json=run("r", who="x", extra="y")
    )
    assert r.status_code == 422
    (cause,) = r.json()["details"]["causes"]
    assert f"{cause['field']}: {cause['message']}" == UNDECLARED_ERROR
    assert http.get(f"{runs(with_greet)}/r").status_code == 404


def test_ignore_field_validation_stores_and_says_nothing(
    http: httpx.Client, with_greet: str
) -> None:
    r = http.post(
        runs(with_greet), params={"fieldValidation": "Ignore"}, json=run("r", who="x", extra="y")
    )
    assert r.status_code == 201, r.text
    assert warnings_of(r) == []


def test_a_replace_returns_its_warnings(http: httpx.Client, ns: str) -> None:
    doc = template("t", ["echo", "$(params.nope)"])
    assert http.post(templates(ns), json=doc).status_code == 201
    r = http.put(f"{templates(ns)}/t", json=doc)
    assert r.status_code == 200, r.text
    (warning,) = warnings_of(r)
    assert warning.startswith('299 - "spec.pod.containers[0].command[1]: ')


@pytest.mark.parametrize("value", ["strict", "Loud"])
def test_an_unknown_field_validation_is_400_naming_the_parameter(
    http: httpx.Client, ns: str, value: str
) -> None:
    r = http.post(templates(ns), params={"fieldValidation": value}, json=greet())
    assert r.status_code == 400
    assert r.json()["message"].startswith(f'fieldValidation: unsupported value "{value}"')
    assert http.get(f"{templates(ns)}/greet").status_code == 404


def test_many_warnings_are_capped_with_a_count_of_the_rest(
    http: httpx.Client, with_greet: str
) -> None:
    extras = {f"extra{i}": "v" for i in range(30)}
    r = http.post(runs(with_greet), json=run("r", who="x", **extras))
    assert r.status_code == 201, r.text
    shown = warnings_of(r)
    assert len(shown) == 21
    assert shown[-1] == '299 - "and 10 more warnings"'


# -- the HTTP client -----------------------------------------------------------------


def test_the_client_returns_the_warnings_of_a_create(client: HttpClient, with_greet: str) -> None:
    created = client.create(run("r", who="x", extra="y"), with_greet)
    assert created.obj["metadata"]["name"] == "r"
    path, _, message = UNDECLARED.partition(": ")
    assert created.warnings == [FieldWarning(path, message)]


def test_the_client_returns_the_warnings_of_an_apply_even_unchanged(
    client: HttpClient, with_greet: str
) -> None:
    doc = run("r", who="x", extra="y")
    assert client.apply(doc, with_greet).verb == "created"
    again = client.apply(doc, with_greet)
    assert again.verb == "unchanged"
    assert [str(w) for w in again.warnings] == [UNDECLARED]


def test_the_client_refuses_in_strict_mode(client: HttpClient, with_greet: str) -> None:
    with pytest.raises(ValidationError) as raised:
        client.apply(run("r", who="x", extra="y"), with_greet, validation="Strict")
    assert [str(c) for c in raised.value.causes] == [UNDECLARED_ERROR]


def test_the_client_dry_run_apply_says_configured_and_changes_nothing(
    client: HttpClient, http: httpx.Client, with_greet: str
) -> None:
    doc = greet()
    doc["spec"]["description"] = "changed"
    applied = client.apply(doc, with_greet, dry_run=True)
    assert applied.verb == "configured" and applied.obj["spec"]["description"] == "changed"
    assert "description" not in http.get(f"{templates(with_greet)}/greet").json()["spec"]
