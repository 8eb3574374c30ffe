"""Building the v1 Pod of a Pod or SeqPod run from its template (SPEC §3.1, §3.2, §4).

Pure: the same run, template and bindings always give the same pod. The pod is a
plain Kubernetes object, so the embedded kubelet and a real cluster run the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..api.objects import RUN_LABEL, label_value
from ..api.run import WorkspaceBinding
from ..api.template import Container, WorkflowTemplateSpec
from .substitution import substitute

WORKSPACES_ROOT = "/t9k/workspaces"
RESULTS_DIR = "/t9k/results"
RESULTS_VOLUME = "t9k-results"
WORKSPACE_VOLUME_PREFIX = "ws-"
SCRIPT_ENV = "T9K_SCRIPT"
SCRIPT_PROLOGUE = "#!/bin/bash\nset -e\n"
QUEUE_ANNOTATION = "scheduling.tensorstack.dev/queue"

# Runs the step's script with the step's args: written to a private temp file so
# any interpreter named by its `#!` line works, and removed from the environment
# so the script does not see itself.
SCRIPT_LAUNCHER = (
    'f="$(mktemp)" && printf "%s" "$T9K_SCRIPT" > "$f" && chmod +x "$f" '
    '&& exec env -u T9K_SCRIPT "$f" "$@"'
)

SUBSTITUTED_FIELDS = ("command", "args", "workingDir", "image")


INIT_CONTAINER = "initContainer"
STEP = "step"
CONTAINER = "container"
KIND_WORDS = {INIT_CONTAINER: "init container", STEP: "step", CONTAINER: "container"}
"""The kinds of entry in a run's `status.steps`, and how messages name them."""


def script_text(script: str) -> str:
    """A script as it runs: with the bash prologue unless it names its interpreter."""
    return script if script.startswith("#!") else SCRIPT_PROLOGUE + script


def param_values(spec: WorkflowTemplateSpec, given: Mapping[str, str]) -> dict[str, str]:
    """Each param's value for a run: given, else its declared default. A given
    param the template does not declare is a value too: the platform substitutes
    it where the template references it (SPEC §13)."""
    out = {p.name: p.default for p in spec.params if p.default is not None}
    out.update(given)
    return out


def workspace_paths(spec: WorkflowTemplateSpec) -> dict[str, str]:
    """Where each declared workspace appears in the pod's containers."""
    return {w.name: w.mount_path or f"{WORKSPACES_ROOT}/{w.name}" for w in spec.workspaces}


def reference_values(spec: WorkflowTemplateSpec, params: Mapping[str, str]) -> dict[str, str]:
    """The values of every `$(…)` a Pod or SeqPod template may use: the paths are
    the pod's own, wherever the cluster keeps the volumes behind them."""
    values = {f"params.{k}": v for k, v in param_values(spec, params).items()}
    for name, path in workspace_paths(spec).items():
        values[f"workspaces.{name}.path"] = path
    for r in spec.results:
        values[f"results.{r.name}.path"] = f"{RESULTS_DIR}/{r.name}"
    return values


def _volume_name(workspace: str) -> str:
    return WORKSPACE_VOLUME_PREFIX + re.sub(r"[^a-z0-9-]", "-", workspace.lower())[:60]


def workspace_of_volume(volume: str) -> str | None:
    """The workspace a volume of `build_pod` holds (as its name spells it: lower
    case, at most 60 characters), or None for a volume of the template's own."""
    if volume.startswith(WORKSPACE_VOLUME_PREFIX):
        return volume[len(WORKSPACE_VOLUME_PREFIX) :] or None
    return None


def _workspace_volume(binding: WorkspaceBinding) -> dict[str, Any]:
    source = binding.dump()
    source.pop("name", None)
    source.pop("subPath", None)
    return source


def _container(
    c: Container, values: Mapping[str, str], mounts: Sequence[dict[str, Any]], script: str | None
) -> dict[str, Any]:
    body = c.dump()
    body.pop("script", None)
    for key in SUBSTITUTED_FIELDS:
        if isinstance(body.get(key), str):
            body[key] = substitute(body[key], values)
        elif isinstance(body.get(key), list):
            body[key] = [substitute(str(v), values) for v in body[key]]
    env = [dict(e) for e in body.get("env", [])]
    for e in env:
        if isinstance(e.get("value"), str):
            e["value"] = substitute(e["value"], values)
    if script is not None:
        body["command"] = ["/bin/sh", "-c", SCRIPT_LAUNCHER, c.name]
        env.append({"name": SCRIPT_ENV, "value": script_text(substitute(script, values))})
    if env:
        body["env"] = env
    if mounts:
        body["volumeMounts"] = [*body.get("volumeMounts", []), *mounts]
    return body


def build_pod(
    run: Mapping[str, Any],
    spec: WorkflowTemplateSpec,
    params: Mapping[str, str],
    bindings: Sequence[WorkspaceBinding],
) -> dict[str, Any]:
    """The pod for `run` (a WorkflowRun in wire form) of a Pod or SeqPod template.

    SeqPod steps become init containers, which run in order and stop at the first
    failure: exactly the SeqPod contract; the last step is the pod's one container.
    The template's own init containers go before them, so they run first, as in a
    Pod (SPEC §3.2).

    The pod is the one a Kubernetes cluster would be given, whatever runs it: its
    paths are the container paths, its volumes the bindings' own sources. A kubelet
    without a sandbox maps those paths to host directories itself.
    """
    meta = run["metadata"]
    values = reference_values(spec, params)
    decls = {w.name: w for w in spec.workspaces}
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for binding in bindings:
        decl = decls.get(binding.name)
        if decl is None:
            continue
        path = values[f"workspaces.{binding.name}.path"]
        volumes.append({"name": _volume_name(binding.name), **_workspace_volume(binding)})
        mount: dict[str, Any] = {"name": _volume_name(binding.name), "mountPath": path}
        if binding.sub_path:
            mount["subPath"] = binding.sub_path
        if decl.read_only:
            mount["readOnly"] = True
        mounts.append(mount)
    if spec.results:
        volumes.append({"name": RESULTS_VOLUME, "emptyDir": {}})
        mounts.append({"name": RESULTS_VOLUME, "mountPath": RESULTS_DIR})

    if spec.effective_type == "SeqPod":
        assert spec.seq_pod is not None
        pod_spec = spec.seq_pod.dump()
        pod_spec.pop("steps", None)
        steps = [_container(s, values, mounts, s.script) for s in spec.seq_pod.steps]
        # Kubernetes wants at least one container: the last step is the pod's
        # container, which runs only once every init container has succeeded.
        init = [*(_container(c, values, mounts, None) for c in spec.seq_pod.init_containers)]
        pod_spec["initContainers"] = [*init, *steps[:-1]]
        if not pod_spec["initContainers"]:
            pod_spec.pop("initContainers")
        pod_spec["containers"] = steps[-1:]
    else:
        assert spec.pod is not None
        pod_spec = spec.pod.dump()
        pod_spec["containers"] = [_container(c, values, mounts, None) for c in spec.pod.containers]
        if spec.pod.init_containers:
            pod_spec["initContainers"] = [
                _container(c, values, mounts, None) for c in spec.pod.init_containers
            ]
    pod_spec["restartPolicy"] = "Never"
    pod_spec["volumes"] = [*pod_spec.get("volumes", []), *volumes]
    if not pod_spec["volumes"]:
        pod_spec.pop("volumes")
    run_spec = run.get("spec", {})
    if run_spec.get("serviceAccountName"):
        pod_spec["serviceAccountName"] = run_spec["serviceAccountName"]
    annotations = {}
    queue = ((run_spec.get("scheduler") or {}).get("t9kScheduler") or {}).get("queue")
    if queue:
        annotations[QUEUE_ANNOTATION] = queue
    pod_meta: dict[str, Any] = {
        "name": pod_name(meta["name"]),
        "namespace": meta.get("namespace", "default"),
        "labels": {RUN_LABEL: label_value(meta["name"])},
    }
    if annotations:
        pod_meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec}


def container_kinds(spec: WorkflowTemplateSpec) -> list[tuple[str, str]]:
    """(name, kind) of every container the template's pod runs, in the order
    `build_pod` puts them: init containers, then the steps or the containers."""
    if spec.effective_type == "SeqPod" and spec.seq_pod is not None:
        init, main = spec.seq_pod.init_containers, [(s.name, STEP) for s in spec.seq_pod.steps]
    elif spec.pod is not None:
        init, main = spec.pod.init_containers, [(c.name, CONTAINER) for c in spec.pod.containers]
    else:
        return []
    return [*((c.name, INIT_CONTAINER) for c in init), *main]


def pod_name(run_name: str) -> str:
    """The one pod name of a run: fixed, so creating it twice is harmless."""
    return f"{run_name}-pod"
