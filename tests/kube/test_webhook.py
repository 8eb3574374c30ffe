"""The validating admission webhook: Treadle's own admission behind an AdmissionReview,
first as a pure function, then registered with a real API server and met through
kubectl."""

from __future__ import annotations

import copy
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.api.samples import Doc, dag_template, node, pod_template, run
from tests.kube_cluster import KubeCluster
from tests.support import TREADLE, free_port, treadle_cli
from treadle.api.policy import Policy
from treadle.errors import NotFound
from treadle.kube.admission import review
from treadle.kube.manifests import WEBHOOK


def dag(name: str, *nodes: Doc) -> Doc:
    return {**dag_template(*nodes), "metadata": {"name": name}}


CYCLE = dag("cycle", node("a", "b"), node("b", "a"))
CYCLE_MESSAGE = 'WorkflowTemplate "cycle": spec.dag.templates: dependency cycle: a -> b -> a'
GREET = {**pod_template(params=[{"name": "who"}]), "metadata": {"name": "greet"}}
GREET_RUN = run({"workflowTemplateRef": "greet", "params": [{"name": "who", "value": "x"}]})


class Templates:
    """Stored templates, as the webhook finds them in the cluster."""

    def __init__(self, *docs: Doc) -> None:
        self.docs = {d["metadata"]["name"]: d for d in docs}

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> Doc:
        if name not in self.docs:
            raise NotFound(f'{kind} "{name}" not found')
        return self.docs[name]


def admission_review(
    obj: Any, operation: str = "CREATE", old: Doc | None = None, uid: str = "u-1"
) -> Doc:
    request: Doc = {"uid": uid, "operation": operation, "namespace": "default", "object": obj}
    if old is not None:
        request["oldObject"] = old
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def with_changes(doc: Doc, **changes: Any) -> Doc:
    out = copy.deepcopy(doc)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = out
        for step in parents:
            target = target.setdefault(step, {})
        target[last] = value
    return out


@dataclass(frozen=True)
class Case:
    body: Any
    allowed: bool
    message: str = ""
    """Expected in the refusal's message."""
    warnings: list[str] = field(default_factory=list)
    templates: tuple[Doc, ...] = ()


CASES: dict[str, Case] = {
    "a valid template is admitted": Case(admission_review(GREET), allowed=True),
    "a DAG with a cycle is refused naming the cycle": Case(
        admission_review(CYCLE), allowed=False, message=CYCLE_MESSAGE
    ),
    "an unknown field is admitted with a warning": Case(
        admission_review(with_changes(GREET, spec__colour="red")),
        allowed=True,
        warnings=['WorkflowTemplate "greet": spec.colour: unknown field'],
    ),
    "a run is judged against its stored template": Case(
        admission_review(run({"workflowTemplateRef": "greet"})),
        allowed=False,
        message='param "who"',
        templates=(GREET,),
    ),
    "a run of a template not stored yet is admitted": Case(
        admission_review(GREET_RUN), allowed=True
    ),
    "an UPDATE to an invalid template is refused": Case(
        admission_review(CYCLE, "UPDATE", old=dag("cycle", node("a"))),
        allowed=False,
        message="dependency cycle",
    ),
    "an UPDATE of a run's spec is refused": Case(
        admission_review(
            with_changes(GREET_RUN, spec__params=[{"name": "who", "value": "y"}]),
            "UPDATE",
            old=GREET_RUN,
        ),
        allowed=False,
        message="spec cannot change once created",
    ),
    "an UPDATE of a run's labels is admitted": Case(
        admission_review(with_changes(GREET_RUN, metadata__labels={"a": "b"}), "UPDATE", GREET_RUN),
        allowed=True,
    ),
    "the controller's status is not judged": Case(
        admission_review(with_changes(GREET_RUN, status={"phase": 7}), "UPDATE", GREET_RUN),
        allowed=True,
    ),
    "an object being deleted is admitted whatever it holds": Case(
        admission_review(with_changes(CYCLE, metadata__deletionTimestamp="2024-01-01T00:00:00Z")),
        allowed=True,
    ),
    "a hostPath volume is refused as by apply": Case(
        admission_review(
            pod_template(
                pod={
                    "containers": [{"name": "c", "image": "ubuntu"}],
                    "volumes": [{"name": "h", "hostPath": {"path": "/etc"}}],
                }
            )
        ),
        allowed=False,
        message="hostPath",
    ),
    "a DELETE is let through": Case(admission_review(None, "DELETE"), allowed=True),
    "a body that is not JSON is refused saying so": Case(
        b"{not json", allowed=False, message="cannot read the AdmissionReview: not JSON"
    ),
    "a body of another kind is refused saying so": Case(
        {"apiVersion": "v1", "kind": "Pod"}, allowed=False, message='not "v1"/"Pod"'
    ),
    "a review without a request uid is refused saying so": Case(
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}},
        allowed=False,
        message="request.uid is missing",
    ),
    "an object that is not a mapping is refused": Case(
        admission_review([1, 2]), allowed=False, message="must be a YAML/JSON object"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_admission(case: Case) -> None:
    answer = review(case.body, Templates(*case.templates), Policy())
    assert (answer["apiVersion"], answer["kind"]) == ("admission.k8s.io/v1", "AdmissionReview")
    response = answer["response"]
    assert response["allowed"] is case.allowed, response
    if case.message:
        assert case.message in response["status"]["message"]
    for expected in case.warnings:
        assert any(w.startswith(expected) for w in response["warnings"]), response
    if not case.warnings:
        assert "warnings" not in response


def test_the_response_answers_the_request_s_uid() -> None:
    assert (
        review(admission_review(GREET, uid="abc-123"), Templates(), Policy())["response"]["uid"]
        == "abc-123"
    )


def test_a_refusal_carries_each_field_as_a_cause() -> None:
    status = review(admission_review(CYCLE), Templates(), Policy())["response"]["status"]
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert status["details"]["causes"] == [
        {
            "field": "spec.dag.templates",
            "message": "dependency cycle: a -> b -> a",
            "reason": "FieldValueInvalid",
        }
    ]


def test_a_refusal_says_what_treadle_validate_says(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(json.dumps(CYCLE))
    validated = treadle_cli("validate", "-f", str(path), home=tmp_path / "home")
    message = review(admission_review(CYCLE), Templates(), Policy())["response"]["status"][
        "message"
    ]
    assert validated.stderr.strip().endswith(message)


# --- registered with a real API server ------------------------------------------------------

NAMESPACE = "webhook-tests"


@dataclass
class Webhook:
    cluster: KubeCluster
    url: str

    def apply(self, doc: Doc) -> subprocess.CompletedProcess[str]:
        return self.cluster.kubectl(
            "apply", "-n", NAMESPACE, "-f", "-", input=json.dumps(doc), check=False
        )


@contextmanager
def registration_restored(cluster: KubeCluster) -> Iterator[None]:
    """The webhook's registration and certificates as they were before: other tests
    of the session may have registered a webhook of their own, which must judge
    their objects again afterwards. None before: none after (with failurePolicy Fail
    a registration nobody answers refuses every write of Treadle's kinds)."""
    saved = [
        _saved(cluster, "secret", "treadle-webhook-tls", "-n", "treadle-system"),
        _saved(cluster, "validatingwebhookconfiguration", WEBHOOK),
    ]
    try:
        yield
    finally:
        cluster.kubectl("delete", "validatingwebhookconfiguration", WEBHOOK, "--ignore-not-found")
        for obj in saved:
            if obj is not None:
                cluster.kubectl("apply", "-f", "-", input=json.dumps(obj))


def _saved(cluster: KubeCluster, *what: str) -> Doc | None:
    done = cluster.kubectl("get", *what, "-o", "json", check=False)
    if done.returncode != 0:
        return None
    obj: Doc = json.loads(done.stdout)
    meta = obj["metadata"]
    obj["metadata"] = {k: meta[k] for k in ("name", "namespace", "labels") if k in meta}
    return obj


def _read_address(process: subprocess.Popen[str], found: list[str], ready: threading.Event) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if "listening on" in line:
            found.append(line.split("listening on", 1)[1].strip())
            ready.set()
            return
    ready.set()


@pytest.fixture(scope="module")
def webhook(
    kube_cluster: KubeCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Webhook]:
    """The webhook running on this machine and registered by `treadle install --kube
    --webhook-url`. Its registration goes (the one before it comes back) before the
    process stops: nothing would answer it."""
    env = {"TREADLE_KUBECONFIG": str(kube_cluster.kubeconfig)}
    port = free_port()
    url = f"https://127.0.0.1:{port}/validate"
    certs = tmp_path_factory.mktemp("webhook-certs")
    process: subprocess.Popen[str] | None = None
    try:
        with registration_restored(kube_cluster):
            installed = _treadle(env, "install", "--kube", "--no-deployments", "--webhook-url", url)
            assert installed.returncode == 0, installed.stderr
            made = _treadle(env, "webhook", "certs", "--out", str(certs))
            assert made.returncode == 0, made.stderr
            process = subprocess.Popen(
                [
                    str(TREADLE), "webhook", "serve", "--tls-cert", str(certs / "tls.crt"),
                    "--tls-key", str(certs / "tls.key"), "--port", str(port),
                ],
                env={**_environ(), **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            found: list[str] = []
            ready = threading.Event()
            threading.Thread(
                target=_read_address, args=(process, found, ready), daemon=True
            ).start()
            assert ready.wait(30) and found, "the webhook did not say it was listening"
            kube_cluster.kubectl("create", "namespace", NAMESPACE, check=False)
            yield Webhook(kube_cluster, found[0])
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)


def _environ() -> dict[str, str]:
    import os

    return {**os.environ, "NO_COLOR": "1", "TREADLE_NO_AUTOSTART": "1"}


def _treadle(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TREADLE), *args],
        env={**_environ(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_webhook_says_where_it_listens(webhook: Webhook) -> None:
    assert webhook.url.startswith("https://127.0.0.1:")


def test_kubectl_apply_of_a_template_with_a_cycle_is_refused_naming_it(webhook: Webhook) -> None:
    done = webhook.apply(CYCLE)
    assert done.returncode != 0
    assert "dependency cycle: a -> b -> a" in done.stderr
    assert 'WorkflowTemplate "cycle"' in done.stderr


def test_kubectl_apply_of_a_valid_template_is_accepted(webhook: Webhook) -> None:
    done = webhook.apply(with_changes(GREET, metadata__name="accepted"))
    assert done.returncode == 0, done.stderr


def test_kubectl_apply_of_an_update_to_an_invalid_template_is_refused(webhook: Webhook) -> None:
    first = dag("becomes-cyclic", node("a"), node("b"))
    assert webhook.apply(first).returncode == 0
    done = webhook.apply(dag("becomes-cyclic", node("a", "b"), node("b", "a")))
    assert done.returncode != 0
    assert "dependency cycle: a -> b -> a" in done.stderr


def test_kubectl_shows_the_warnings_of_an_admitted_object(webhook: Webhook) -> None:
    done = webhook.apply(with_changes(GREET, metadata__name="warned", spec__colour="red"))
    assert done.returncode == 0, done.stderr
    assert 'Warning: WorkflowTemplate "warned": spec.colour: unknown field' in done.stderr


def test_a_run_is_judged_against_the_template_stored_in_the_cluster(webhook: Webhook) -> None:
    assert webhook.apply(with_changes(GREET, metadata__name="stored")).returncode == 0
    done = webhook.apply(run({"workflowTemplateRef": "stored"}, name="missing-param"))
    assert done.returncode != 0
    assert 'param "who"' in done.stderr
