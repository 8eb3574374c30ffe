"""The pod of a Pod or SeqPod run, built from its template without I/O."""

from __future__ import annotations

from typing import Any

from treadle.api.run import WorkspaceBinding
from treadle.api.template import WorkflowTemplateSpec
from treadle.core.pods import (
    INIT_CONTAINER,
    RESULTS_DIR,
    SCRIPT_ENV,
    STEP,
    build_pod,
    container_kinds,
    param_values,
    pod_name,
    script_text,
    workspace_of_volume,
)

RUN: dict[str, Any] = {
    "apiVersion": "batch.tensorstack.dev/v1beta1",
    "kind": "WorkflowRun",
    "metadata": {"name": "r", "namespace": "ns", "uid": "u-1"},
    "spec": {"workflowTemplateRef": "t"},
}


def spec(doc: dict[str, Any]) -> WorkflowTemplateSpec:
    return WorkflowTemplateSpec.model_validate(doc)


SEQ = spec(
    {
        "params": [{"name": "who", "default": "world"}],
        "workspaces": [{"name": "data"}],
        "results": [{"name": "out"}],
        "seqPod": {
            "steps": [
                {"name": "a", "image": "ubuntu", "command": ["echo", "$(params.who)"]},
                {"name": "b", "image": "python", "script": "print('$(params.who)')", "args": ["x"]},
                {
                    "name": "c",
                    "image": "ubuntu",
                    "command": ["sh", "-c"],
                    "args": ["echo 1 > $(results.out.path); ls $(workspaces.data.path)"],
                    "env": [{"name": "E", "value": "$(params.who)"}],
                },
            ]
        },
    }
)
PVC = [
    WorkspaceBinding.model_validate(
        {"name": "data", "persistentVolumeClaim": {"claimName": "c1"}, "subPath": "sub"}
    )
]


def in_order(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a pod in the order it runs."""
    return [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]


def test_seqpod_steps_become_init_containers_in_order_and_the_last_the_container() -> None:
    pod = build_pod(RUN, SEQ, {}, PVC)
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["a", "b"]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["c"]


def test_a_one_step_seqpod_is_a_pod_of_one_container() -> None:
    one = spec({"seqPod": {"steps": [{"name": "only", "image": "ubuntu", "command": ["true"]}]}})
    pod = build_pod(RUN, one, {}, [])
    assert "initContainers" not in pod["spec"]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["only"]


def test_params_take_given_values_over_defaults() -> None:
    assert param_values(SEQ, {"who": "bob"}) == {"who": "bob"}
    assert param_values(SEQ, {}) == {"who": "world"}


def test_params_are_substituted_in_command_args_and_env() -> None:
    pod = build_pod(RUN, SEQ, {"who": "bob"}, PVC)
    a, _, c = in_order(pod)
    assert a["command"] == ["echo", "bob"]
    assert c["env"] == [{"name": "E", "value": "bob"}]


def test_workspace_and_result_paths_are_the_pod_paths() -> None:
    pod = build_pod(RUN, SEQ, {}, PVC)
    c = in_order(pod)[2]
    assert c["args"] == [f"echo 1 > {RESULTS_DIR}/out; ls /t9k/workspaces/data"]
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert mounts["/t9k/workspaces/data"]["subPath"] == "sub"
    assert RESULTS_DIR in mounts


def test_a_workspace_binding_becomes_a_volume_of_its_source() -> None:
    pod = build_pod(RUN, SEQ, {}, PVC)
    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert vols["ws-data"] == {"name": "ws-data", "persistentVolumeClaim": {"claimName": "c1"}}


def test_script_step_runs_through_the_launcher_with_its_args() -> None:
    pod = build_pod(RUN, SEQ, {"who": "bob"}, PVC)
    b = pod["spec"]["initContainers"][1]
    assert b["command"][:2] == ["/bin/sh", "-c"]
    assert b["args"] == ["x"]
    env = {e["name"]: e["value"] for e in b["env"]}
    assert env[SCRIPT_ENV] == "#!/bin/bash\nset -e\nprint('bob')"


def test_a_script_with_its_own_interpreter_gets_no_prologue() -> None:
    assert script_text("#!/usr/bin/env python3\nprint(1)") == "#!/usr/bin/env python3\nprint(1)"


def test_shell_arithmetic_is_left_as_written() -> None:
    t = spec(
        {
            "params": [{"name": "a"}],
            "pod": {
                "containers": [
                    {"name": "c", "command": ["sh", "-c", "echo $((${A}+1)) $(date) $(params.a)"]}
                ]
            },
        }
    )
    pod = build_pod(RUN, t, {"a": "7"}, [])
    assert pod["spec"]["containers"][0]["command"][2] == "echo $((${A}+1)) $(date) 7"


def test_restart_policy_is_forced_to_never() -> None:
    t = spec({"pod": {"restartPolicy": "Always", "containers": [{"name": "c", "command": ["x"]}]}})
    assert build_pod(RUN, t, {}, [])["spec"]["restartPolicy"] == "Never"


def test_the_pod_name_is_fixed_by_the_run_name() -> None:
    pod = build_pod(RUN, SEQ, {}, PVC)
    assert pod["metadata"]["name"] == pod_name("r") == "r-pod"
    assert pod["metadata"]["namespace"] == "ns"
    assert pod["metadata"]["labels"] == {"batch.tensorstack.dev/workflowRun": "r"}


def test_the_queue_is_passed_to_the_pod_as_a_scheduler_hint() -> None:
    run = {**RUN, "spec": {"scheduler": {"t9kScheduler": {"queue": "gpu"}}}}
    pod = build_pod(run, SEQ, {}, PVC)
    assert pod["metadata"]["annotations"] == {"scheduling.tensorstack.dev/queue": "gpu"}


def test_the_pod_names_no_host_directory() -> None:
    """Whatever runs it, the pod is the one Kubernetes would be given: workspaces and
    results are volumes of their own sources, seen at the container paths."""
    pod = build_pod(RUN, SEQ, {}, PVC)
    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert vols["t9k-results"] == {"name": "t9k-results", "emptyDir": {}}
    assert not [v for v in vols.values() if "hostPath" in v]


def test_a_workspace_volume_names_its_workspace() -> None:
    pod = build_pod(RUN, SEQ, {}, PVC)
    names = [v["name"] for v in pod["spec"]["volumes"]]
    assert [workspace_of_volume(n) for n in names] == ["data", None]


def with_init_containers(t: WorkflowTemplateSpec, *init: dict[str, Any]) -> WorkflowTemplateSpec:
    doc = t.dump()
    doc["seqPod"]["initContainers"] = list(init)
    return spec(doc)


SEQ_WITH_INIT = with_init_containers(
    SEQ,
    {"name": "fetch", "image": "ubuntu", "command": ["echo", "$(params.who)"]},
    {
        "name": "prepare",
        "image": "ubuntu",
        "command": ["sh", "-c"],
        "args": ["touch $(workspaces.data.path)/x $(results.out.path)"],
        "env": [{"name": "E", "value": "$(params.who)"}],
    },
)


def test_seqpod_init_containers_run_before_the_steps_in_order() -> None:
    pod = build_pod(RUN, SEQ_WITH_INIT, {}, PVC)
    names = [c["name"] for c in in_order(pod)]
    assert names == ["fetch", "prepare", "a", "b", "c"]


def test_seqpod_init_containers_are_substituted_like_steps() -> None:
    pod = build_pod(RUN, SEQ_WITH_INIT, {"who": "bob"}, PVC)
    fetch, prepare = pod["spec"]["initContainers"][:2]
    assert fetch["command"] == ["echo", "bob"]
    assert prepare["args"] == [f"touch /t9k/workspaces/data/x {RESULTS_DIR}/out"]
    assert prepare["env"] == [{"name": "E", "value": "bob"}]


def test_seqpod_init_containers_mount_the_workspaces_and_results() -> None:
    pod = build_pod(RUN, SEQ_WITH_INIT, {}, PVC)
    mounts = {m["mountPath"]: m for m in pod["spec"]["initContainers"][0]["volumeMounts"]}
    assert mounts["/t9k/workspaces/data"]["subPath"] == "sub"
    assert RESULTS_DIR in mounts


def test_pod_init_containers_are_substituted_and_run_before_the_containers() -> None:
    t = spec(
        {
            "params": [{"name": "who"}],
            "workspaces": [{"name": "data"}],
            "pod": {
                "initContainers": [
                    {"name": "i", "command": ["echo", "$(params.who) $(workspaces.data.path)"]}
                ],
                "containers": [{"name": "c", "command": ["true"]}],
            },
        }
    )
    pod = build_pod(RUN, t, {"who": "bob"}, PVC)
    (init,) = pod["spec"]["initContainers"]
    assert init["command"] == ["echo", "bob /t9k/workspaces/data"]
    assert [m["mountPath"] for m in init["volumeMounts"]] == ["/t9k/workspaces/data"]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["c"]


def test_container_kinds_name_init_containers_before_steps() -> None:
    assert container_kinds(SEQ_WITH_INIT) == [
        ("fetch", INIT_CONTAINER),
        ("prepare", INIT_CONTAINER),
        ("a", STEP),
        ("b", STEP),
        ("c", STEP),
    ]
