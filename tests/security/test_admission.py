"""Admission is the wall: every input that would reach past what a workflow is given
is refused when it is created, with the field path and the reason, and nothing of
it is stored.

1. hostPath volumes, wherever a pod spec can be, unless the owner allows them;
2. names and paths that climb out of their volume;
3. documents that cost more to read than they are worth (aliases, size, depth,
   keys given twice);
4. values that are not what their field holds;
5. built-in objects that are not the shape of their kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.support import Engine
from treadle.api.documents import parse_documents
from treadle.api.limits import MAX_OBJECT_BYTES
from treadle.client.embedded import EmbeddedClient
from treadle.config import Home, resolve_home
from treadle.errors import BadRequest, ValidationError

GV = "batch.tensorstack.dev/v1beta1"
CONTAINER = {"name": "c", "image": "ubuntu", "command": ["true"]}
HOST_ROOT = {"name": "host", "hostPath": {"path": "/"}}
REFUSAL = "hostPath volumes are refused"
OPT_IN = "--allow-host-path"

Doc = dict[str, Any]


# -- helpers -------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[EmbeddedClient]:
    c = EmbeddedClient(Home(tmp_path / "home"))
    yield c
    c.close()


def refused(client: EmbeddedClient, doc: Doc) -> dict[str, str]:
    """Each field path admission names for `doc`, with its message; and proof that
    nothing of `doc` was stored."""
    with pytest.raises(ValidationError) as caught:
        client.create(doc)
    stored = client.store.list(doc["apiVersion"], doc["kind"], None).items
    assert stored == [], "a refused object was stored"
    return {cause.path: cause.message for cause in caught.value.causes}


def template(spec: Doc, name: str = "t") -> Doc:
    return {"apiVersion": GV, "kind": "WorkflowTemplate", "metadata": {"name": name}, "spec": spec}


def pod_template(**pod: Any) -> Doc:
    return template({"type": "Pod", "pod": {"containers": [CONTAINER], **pod}})


def container_template(**fields: Any) -> Doc:
    return pod_template(containers=[{**CONTAINER, **fields}])


def core(kind: str, api_version: str = "v1", **fields: Any) -> Doc:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, **fields}


def run(**spec: Any) -> Doc:
    return {"apiVersion": GV, "kind": "WorkflowRun", "metadata": {"name": "r"}, "spec": spec}


def resource_template(manifest: str, **spec: Any) -> Doc:
    return template({"type": "Resource", "resource": {"manifest": manifest}, **spec})


# -- 1. hostPath volumes -------------------------------------------------------------


def test_a_host_path_volume_in_a_pod_template_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, pod_template(volumes=[HOST_ROOT]))
    assert REFUSAL in causes["spec.pod.volumes[0].hostPath"]
    assert OPT_IN in causes["spec.pod.volumes[0].hostPath"]


def test_a_host_path_volume_in_a_seq_pod_is_refused(client: EmbeddedClient) -> None:
    doc = template({"type": "SeqPod", "seqPod": {"steps": [CONTAINER], "volumes": [HOST_ROOT]}})
    assert REFUSAL in refused(client, doc)["spec.seqPod.volumes[0].hostPath"]


def test_a_host_path_volume_in_a_bare_pod_is_refused(client: EmbeddedClient) -> None:
    doc = core("Pod", spec={"containers": [CONTAINER], "volumes": [HOST_ROOT]})
    assert REFUSAL in refused(client, doc)["spec.volumes[0].hostPath"]


def test_a_host_path_volume_in_a_job_is_refused(client: EmbeddedClient) -> None:
    pod = {"containers": [CONTAINER], "volumes": [HOST_ROOT]}
    doc = core("Job", "batch/v1", spec={"template": {"spec": pod}})
    assert REFUSAL in refused(client, doc)["spec.template.spec.volumes[0].hostPath"]


def test_a_host_path_volume_in_a_t9k_job_is_refused(client: EmbeddedClient) -> None:
    pod = {"containers": [CONTAINER], "volumes": [HOST_ROOT]}
    replica = {"type": "worker", "replicas": 1, "template": {"spec": pod}}
    doc = core("GenericJob", GV, spec={"replicaSpecs": [replica]})
    assert REFUSAL in refused(client, doc)["spec.replicaSpecs[0].template.spec.volumes[0].hostPath"]


def test_a_host_path_volume_in_a_job_type_template_is_refused(client: EmbeddedClient) -> None:
    pod = {"containers": [CONTAINER], "volumes": [HOST_ROOT]}
    job = {"spec": {"replicaSpecs": [{"type": "worker", "template": {"spec": pod}}]}}
    doc = template({"type": "TensorFlowTrainingJob", "tensorflowTrainingJob": job})
    path = "spec.tensorflowTrainingJob.spec.replicaSpecs[0].template.spec.volumes[0].hostPath"
    assert REFUSAL in refused(client, doc)[path]


def test_a_host_path_volume_in_a_manifest_pod_is_refused(client: EmbeddedClient) -> None:
    manifest = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  containers: [{name: c, image: ubuntu}]\n"
        "  volumes: [{name: host, hostPath: {path: /}}]\n"
    )
    message = refused(client, resource_template(manifest))["spec.resource.manifest"]
    assert message.startswith(f"spec.volumes[0].hostPath: {REFUSAL}")


def test_a_host_path_volume_in_a_manifest_job_is_refused(client: EmbeddedClient) -> None:
    manifest = (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n"
        "      containers: [{name: c, image: ubuntu}]\n"
        "      volumes: [{name: host, hostPath: {path: /etc}}]\n"
    )
    message = refused(client, resource_template(manifest))["spec.resource.manifest"]
    assert message.startswith(f"spec.template.spec.volumes[0].hostPath: {REFUSAL}")


def test_a_host_path_volume_in_a_manifest_of_any_kind_is_refused(client: EmbeddedClient) -> None:
    manifest = (
        "apiVersion: tensorstack.dev/v1beta1\nkind: SimpleMLService\nmetadata: {name: s}\n"
        "spec:\n  custom:\n    spec:\n      volumes: [{name: host, hostPath: {path: /}}]\n"
    )
    message = refused(client, resource_template(manifest))["spec.resource.manifest"]
    assert message.startswith(f"spec.custom.spec.volumes[0].hostPath: {REFUSAL}")


def test_a_host_path_volume_in_a_run_s_own_template_is_refused(client: EmbeddedClient) -> None:
    embedded = {"type": "Pod", "pod": {"containers": [CONTAINER], "volumes": [HOST_ROOT]}}
    causes = refused(client, run(workflowTemplateSpec=embedded))
    assert REFUSAL in causes["spec.workflowTemplateSpec.pod.volumes[0].hostPath"]


def test_a_host_path_volume_in_a_cron_run_s_template_is_refused(client: EmbeddedClient) -> None:
    embedded = {"type": "Pod", "pod": {"containers": [CONTAINER], "volumes": [HOST_ROOT]}}
    doc = {
        "apiVersion": GV,
        "kind": "CronWorkflowRun",
        "metadata": {"name": "c"},
        "spec": {
            "schedule": "*/5 * * * *",
            "workflowRun": {"spec": {"workflowTemplateSpec": embedded}},
        },
    }
    path = "spec.workflowRun.spec.workflowTemplateSpec.pod.volumes[0].hostPath"
    assert REFUSAL in refused(client, doc)[path]


def test_a_host_path_volume_a_param_puts_in_a_manifest_fails_the_run(engine: Engine) -> None:
    manifest = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  containers: [{name: c, image: ubuntu, command: [cat, /host/etc/hostname]}]\n"
        "  volumes: $(params.volumes)\n"
    )
    spec = {"params": [{"name": "volumes"}], "resource": {"manifest": manifest}}
    engine.client.create(template(spec, "m"))
    injected = "[{name: host, hostPath: {path: /}}]"
    engine.client.create(
        run(workflowTemplateRef="m", params=[{"name": "volumes", "value": injected}])
    )
    status = engine.wait("r")["status"]
    assert status["phase"] == "Failed"
    assert f"spec.volumes[0].hostPath: {REFUSAL}" in status["message"]
    assert engine.store.list("v1", "Pod", "default").items == []


def test_the_owner_may_allow_host_path_volumes(tmp_path: Path) -> None:
    owner = EmbeddedClient(Home(tmp_path / "home", allow_host_path=True))
    try:
        stored = owner.create(pod_template(volumes=[HOST_ROOT])).obj
    finally:
        owner.close()
    assert stored["spec"]["pod"]["volumes"] == [HOST_ROOT]


def test_an_allowed_host_path_volume_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TREADLE_SANDBOX", "off")  # the host path is seen where it is
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "note").write_text("from the host")
    engine = Engine(tmp_path / "home", allow_host_path=True)
    try:
        mount = {"name": "host", "mountPath": str(shared), "readOnly": True}
        reader = {**CONTAINER, "command": ["cat", f"{shared}/note"], "volumeMounts": [mount]}
        volume = {"name": "host", "hostPath": {"path": str(shared)}}
        engine.client.create(pod_template(containers=[reader], volumes=[volume]))
        engine.client.create(run(workflowTemplateRef="t"))
        status = engine.wait("r")["status"]
        assert status["phase"] == "Succeeded", status
        assert engine.logs("r") == "from the host"
    finally:
        engine.close()


def test_host_paths_are_allowed_by_an_explicit_environment_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TREADLE_ALLOW_HOST_PATH", raising=False)
    assert not resolve_home(tmp_path).allow_host_path
    monkeypatch.setenv("TREADLE_ALLOW_HOST_PATH", "1")
    assert resolve_home(tmp_path).allow_host_path


def test_the_server_option_allows_host_paths_in_its_admission(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import treadle.server
    from treadle.cli.main import app

    homes: list[Home] = []

    def app_of(home: Home, **options: Any) -> Any:
        homes.append(home)
        raise SystemExit(0)  # what the server is started with is all this test needs

    monkeypatch.delenv("TREADLE_ALLOW_HOST_PATH", raising=False)
    monkeypatch.setattr(treadle.server, "create_app", app_of)
    runner = CliRunner()
    runner.invoke(app, ["server", "--home", str(tmp_path), "--allow-host-path"])
    runner.invoke(app, ["server", "--home", str(tmp_path)])
    assert [h.policy.allow_host_path for h in homes] == [True, False]


def test_an_unsandboxed_run_needs_no_host_path_volume(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Unsandboxed, the kubelet shows the results directory at its host path itself:
    # the pod the controller stores asks for no hostPath volume admission would refuse.
    monkeypatch.setenv("TREADLE_SANDBOX", "off")
    engine = Engine(tmp_path / "home")
    try:
        step = {**CONTAINER, "command": ["sh", "-c", "printf 42 > $(results.n.path)"]}
        engine.client.create(
            template({"results": [{"name": "n"}], "seqPod": {"steps": [step]}}, "sum")
        )
        engine.client.create(run(workflowTemplateRef="sum"))
        status = engine.wait("r")["status"]
        assert status["phase"] == "Succeeded", status
        assert status["results"] == [{"name": "n", "value": "42"}]
        (pod,) = engine.store.list("v1", "Pod", "default").items
        assert not any("hostPath" in v for v in pod["spec"]["volumes"])
    finally:
        engine.close()


# -- 2. names and paths that climb -----------------------------------------------------


@pytest.mark.parametrize("claim", ["../../etc", "../victim/vdata", ".."])
def test_a_claim_name_that_climbs_is_refused(client: EmbeddedClient, claim: str) -> None:
    volume = {"name": "v", "persistentVolumeClaim": {"claimName": claim}}
    causes = refused(client, pod_template(volumes=[volume]))
    assert (
        f'invalid claim name "{claim}"'
        in causes["spec.pod.volumes[0].persistentVolumeClaim.claimName"]
    )


def test_a_config_map_name_that_climbs_is_refused(client: EmbeddedClient) -> None:
    volume = {"name": "v", "configMap": {"name": "../victim/vdata"}}
    causes = refused(client, pod_template(volumes=[volume]))
    assert "invalid ConfigMap name" in causes["spec.pod.volumes[0].configMap.name"]


def test_a_secret_name_that_climbs_is_refused(client: EmbeddedClient) -> None:
    volume = {"name": "v", "secret": {"secretName": ".."}}
    causes = refused(client, pod_template(volumes=[volume]))
    assert "invalid Secret name" in causes["spec.pod.volumes[0].secret.secretName"]


def test_a_volume_name_that_is_a_path_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, pod_template(volumes=[{"name": "../v", "emptyDir": {}}]))
    assert "invalid volume name" in causes["spec.pod.volumes[0].name"]


def test_a_volume_mount_name_that_is_a_path_is_refused(client: EmbeddedClient) -> None:
    doc = container_template(volumeMounts=[{"name": "../v", "mountPath": "/data"}])
    causes = refused(client, doc)
    assert "invalid volume name" in causes["spec.pod.containers[0].volumeMounts[0].name"]


@pytest.mark.parametrize(
    ("source", "field"),
    [
        (
            {"persistentVolumeClaim": {"claimName": "../victim/vdata"}},
            "persistentVolumeClaim.claimName",
        ),
        ({"configMap": {"name": "../../etc"}}, "configMap.name"),
        ({"secret": {"secretName": ".."}}, "secret.secretName"),
    ],
)
def test_a_run_s_workspace_source_that_climbs_is_refused(
    client: EmbeddedClient, source: Doc, field: str
) -> None:
    causes = refused(client, run(workflowTemplateRef="t", workspaces=[{"name": "w", **source}]))
    assert "invalid" in causes[f"spec.workspaces[0].{field}"]


def test_a_run_s_workspace_name_that_is_a_path_is_refused(client: EmbeddedClient) -> None:
    binding = {"name": "../w", "emptyDir": {}}
    causes = refused(client, run(workflowTemplateRef="missing", workspaces=[binding]))
    assert "invalid workspace name" in causes["spec.workspaces[0].name"]


def test_a_claim_name_a_param_gives_a_job_template_is_checked_when_the_run_starts(
    engine: Engine,
) -> None:
    volume = {"name": "d", "persistentVolumeClaim": {"claimName": "$(params.pvc)"}}
    pod = {"containers": [CONTAINER], "volumes": [volume]}
    job = {"spec": {"replicaSpecs": [{"type": "worker", "template": {"spec": pod}}]}}
    spec = {"params": [{"name": "pvc"}], "type": "GenericJob", "genericJob": job}
    engine.client.create(template(spec, "job"))
    engine.client.create(
        run(workflowTemplateRef="job", params=[{"name": "pvc", "value": "../victim/vdata"}])
    )
    status = engine.wait("r")["status"]
    assert status["phase"] == "Failed"
    assert (
        "spec.replicaSpecs[0].template.spec.volumes[0].persistentVolumeClaim.claimName: "
        'invalid claim name "../victim/vdata"'
    ) in status["message"]
    assert engine.store.list(GV, "GenericJob", "default").items == []


@pytest.mark.parametrize("sub_path", ["../../etc", "/etc", "a/../../b"])
def test_a_mount_sub_path_outside_its_volume_is_refused(
    client: EmbeddedClient, sub_path: str
) -> None:
    mount = {"name": "v", "mountPath": "/data", "subPath": sub_path}
    doc = pod_template(
        containers=[{**CONTAINER, "volumeMounts": [mount]}], volumes=[{"name": "v", "emptyDir": {}}]
    )
    assert sub_path in refused(client, doc)["spec.pod.containers[0].volumeMounts[0].subPath"]


@pytest.mark.parametrize("item_path", ["../../etc/passwd", "/etc/passwd", "a/../../b"])
def test_a_config_map_item_path_outside_its_volume_is_refused(
    client: EmbeddedClient, item_path: str
) -> None:
    items = [{"key": "k", "path": item_path}]
    volume = {"name": "v", "configMap": {"name": "cm", "items": items}}
    causes = refused(client, pod_template(volumes=[volume]))
    assert item_path in causes["spec.pod.volumes[0].configMap.items[0].path"]


def test_a_secret_item_path_outside_its_volume_is_refused(client: EmbeddedClient) -> None:
    items = [{"key": "k", "path": "../k"}]
    volume = {"name": "v", "secret": {"secretName": "s", "items": items}}
    causes = refused(client, pod_template(volumes=[volume]))
    assert '".."' in causes["spec.pod.volumes[0].secret.items[0].path"]


def test_a_config_map_key_that_climbs_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, core("ConfigMap", data={"../../escape": "x"}))
    assert "invalid key" in causes["data.../../escape"]


# -- 3. documents that cost more than they are worth ---------------------------------------

BILLION_LAUGHS = "".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
        *(
            f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def test_a_billion_laughs_file_is_refused_before_it_expands() -> None:
    assert len(BILLION_LAUGHS) < 1000
    with pytest.raises(BadRequest, match=r"aliases \(\*name\) expand it to more than 3 MiB"):
        parse_documents(BILLION_LAUGHS, "laughs.yaml")


def test_a_billion_laughs_manifest_is_refused(client: EmbeddedClient) -> None:
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
        + "data:\n"
        + "".join(f"  {line}" for line in BILLION_LAUGHS.splitlines(keepends=True))
    )
    message = refused(client, resource_template(manifest))["spec.resource.manifest"]
    assert "expand it to more than 3 MiB" in message


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(BadRequest, match="an alias refers to a node it is part of"):
        parse_documents("a: &loop [*loop]\n", "loop.yaml")


def test_an_object_over_three_mebibytes_is_refused(client: EmbeddedClient) -> None:
    doc = core("ConfigMap", data={"blob": "x" * MAX_OBJECT_BYTES})
    (message,) = refused(client, doc).values()
    said = re.fullmatch(r"the object is (\d+) bytes; at most 3 MiB \(3145728 bytes\)", message)
    assert said is not None, message
    assert int(said.group(1)) > MAX_OBJECT_BYTES


def test_an_object_nested_past_the_limit_is_refused(client: EmbeddedClient) -> None:
    deep: Any = "bottom"
    for _ in range(500):
        deep = {"d": deep}
    (message,) = refused(client, pod_template(nodeSelector=deep)).values()
    assert "nested more than 100 levels deep" in message


def test_a_yaml_key_given_twice_is_refused_with_its_line() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
    with pytest.raises(BadRequest) as caught:
        parse_documents(text, "twice.yaml")
    assert str(caught.value) == (
        'twice.yaml:5:3: invalid YAML: duplicate key "name" (first at line 4)'
    )


def test_a_json_file_key_given_twice_is_refused() -> None:
    text = '{"apiVersion": "v1", "kind": "ConfigMap",\n "kind": "Secret"}'
    with pytest.raises(BadRequest, match=r'x.json:2:2: invalid YAML: duplicate key "kind"'):
        parse_documents(text, "x.json")


CONFIG_MAPS = "/api/v1/namespaces/default/configmaps"


def test_a_request_body_over_three_mebibytes_is_413(http: httpx.Client) -> None:
    body = b'{"metadata": {"name": "big"}, "data": {"x": "' + b"x" * MAX_OBJECT_BYTES + b'"}}'
    r = http.post(CONFIG_MAPS, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "at most 3 MiB" in r.json()["message"]
    assert http.get(f"{CONFIG_MAPS}/big").status_code == 404


def test_a_json_body_key_given_twice_is_refused_with_its_path(http: httpx.Client) -> None:
    body = b'{"metadata": {"name": "twice", "name": "other"}, "data": {}}'
    r = http.post(CONFIG_MAPS, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["details"]["causes"] == [
        {"field": "metadata", "message": 'duplicate key "name"', "reason": "FieldValueInvalid"}
    ]
    assert http.get(f"{CONFIG_MAPS}/twice").status_code == 404
    assert http.get(f"{CONFIG_MAPS}/other").status_code == 404


def test_a_json_body_nested_past_the_limit_is_refused(http: httpx.Client) -> None:
    body = b'{"metadata": {"name": "deep"}, "data": ' + b'{"d": ' * 900 + b"1" + b"}" * 901
    r = http.post(CONFIG_MAPS, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "nested more than 100 levels deep" in r.json()["message"]


def test_a_merge_patch_is_read_with_the_same_care(http: httpx.Client) -> None:
    assert http.post(CONFIG_MAPS, json={"metadata": {"name": "patched"}}).status_code == 201
    body = b'{"data": {"k": "a", "k": "b"}}'
    r = http.patch(
        f"{CONFIG_MAPS}/patched",
        content=body,
        headers={"content-type": "application/merge-patch+json"},
    )
    assert r.status_code == 422
    assert "data" not in http.get(f"{CONFIG_MAPS}/patched").json()


# -- 4. values that are not what their field holds -----------------------------------------


def dag_node(**fields: Any) -> Doc:
    node = {"name": "a", "workflowTemplateRef": "x", **fields}
    return template({"type": "DAG", "dag": {"templates": [node]}})


def test_retries_written_as_text_are_refused(client: EmbeddedClient) -> None:
    causes = refused(client, dag_node(retries="3"))
    assert causes["spec.dag.templates[0].retries"] == 'must be an integer, got "3"'


def test_retries_past_the_maximum_are_refused(client: EmbeddedClient) -> None:
    causes = refused(client, dag_node(retries=10**9))
    assert causes["spec.dag.templates[0].retries"] == "must be at most 100, got 1000000000"


def test_a_timeout_longer_than_a_duration_can_be_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, run(workflowTemplateRef="t", timeout="9999999999999h"))
    assert causes["spec.timeout"] == (
        'invalid duration "9999999999999h": longer than the maximum 2562047h47m16.854775807s'
    )


@pytest.mark.parametrize(
    ("amount", "reason"),
    [("-1Gi", "must not be negative"), ("lots", "must start with a number")],
)
def test_a_memory_limit_that_is_not_an_amount_is_refused(
    client: EmbeddedClient, amount: str, reason: str
) -> None:
    doc = container_template(resources={"limits": {"memory": amount}})
    assert reason in refused(client, doc)["spec.pod.containers[0].resources.limits.memory"]


def test_an_environment_name_with_an_equals_sign_is_refused(client: EmbeddedClient) -> None:
    doc = container_template(env=[{"name": "PATH=/evil:$PATH", "value": "x"}])
    assert "invalid name" in refused(client, doc)["spec.pod.containers[0].env[0].name"]


@pytest.mark.parametrize("field", ["command", "args"])
def test_a_nul_in_a_command_line_is_refused(client: EmbeddedClient, field: str) -> None:
    doc = container_template(**{field: ["echo", "safe\0; rm -rf /"]})
    assert refused(client, doc)[f"spec.pod.containers[0].{field}[1]"] == (
        "must not contain a NUL character"
    )


def test_a_nul_in_a_script_is_refused(client: EmbeddedClient) -> None:
    step = {"name": "s", "image": "ubuntu", "script": "echo hi\0"}
    doc = template({"type": "SeqPod", "seqPod": {"steps": [step]}})
    assert "NUL" in refused(client, doc)["spec.seqPod.steps[0].script"]


def test_a_nul_in_an_environment_value_is_refused(client: EmbeddedClient) -> None:
    doc = container_template(env=[{"name": "A", "value": "x\0y"}])
    assert "NUL" in refused(client, doc)["spec.pod.containers[0].env[0].value"]


def test_a_nul_in_a_param_value_is_refused(client: EmbeddedClient) -> None:
    doc = run(workflowTemplateRef="t", params=[{"name": "p", "value": "x\0"}])
    assert "NUL" in refused(client, doc)["spec.params[0].value"]


def test_a_relative_working_dir_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, container_template(workingDir="../.."))
    assert causes["spec.pod.containers[0].workingDir"] == 'must be an absolute path, got "../.."'


def test_a_relative_mount_path_is_refused(client: EmbeddedClient) -> None:
    doc = pod_template(
        containers=[{**CONTAINER, "volumeMounts": [{"name": "v", "mountPath": "data"}]}],
        volumes=[{"name": "v", "emptyDir": {}}],
    )
    causes = refused(client, doc)
    assert "absolute" in causes["spec.pod.containers[0].volumeMounts[0].mountPath"]


def test_a_negative_active_deadline_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, pod_template(activeDeadlineSeconds=-1))
    assert "greater than or equal to 0" in causes["spec.pod.activeDeadlineSeconds"]


# -- 5. built-in objects of the wrong shape ------------------------------------------------


def test_a_pod_whose_containers_are_not_objects_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, core("Pod", spec={"containers": ["x"]}))
    assert causes["spec.containers[0]"] == 'must be a mapping, got "x"'


def test_a_config_map_whose_data_is_not_a_mapping_is_refused(client: EmbeddedClient) -> None:
    assert refused(client, core("ConfigMap", data="x"))["data"] == 'must be a mapping, got "x"'


def test_a_config_map_value_that_is_not_text_is_refused(client: EmbeddedClient) -> None:
    assert refused(client, core("ConfigMap", data={"n": 1}))["data.n"] == "must be a string, got 1"


def test_a_config_map_binary_value_that_is_not_base64_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, core("ConfigMap", binaryData={"b": "not base64!"}))
    assert "must be base64" in causes["binaryData.b"]


def test_a_secret_whose_data_is_not_base64_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, core("Secret", data={"password": "hunter2!"}))
    assert "must be base64" in causes["data.password"]


def test_a_secret_s_string_data_is_plain_text(client: EmbeddedClient) -> None:
    stored = client.create(
        core("Secret", data={"a": "aHVudGVyMg=="}, stringData={"b": "hunter2!"})
    ).obj
    assert stored["stringData"] == {"b": "hunter2!"}


def test_a_claim_with_a_negative_size_is_refused(client: EmbeddedClient) -> None:
    spec = {"resources": {"requests": {"storage": "-5Gi"}}}
    causes = refused(client, core("PersistentVolumeClaim", spec=spec))
    assert "must not be negative" in causes["spec.resources.requests.storage"]


def test_a_job_without_a_pod_template_is_refused(client: EmbeddedClient) -> None:
    causes = refused(client, core("Job", "batch/v1", spec={"completions": 1}))
    assert causes["spec.template"] == "required field is missing"
