"""DAG runs: each node execution is a child WorkflowRun (SPEC §3.5).

The node states are read back from the children every pass (level-triggered), so
a restarted controller picks up exactly where it was. Child names are derived
from (run uid, node, attempt): creating one twice is an AlreadyExists, never a
second execution.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pydantic

from ..api.k8s import EmptyDirSource
from ..api.objects import (
    ATTEMPT_LABEL,
    GROUP_VERSION,
    NODE_LABEL,
    RUN_LABEL,
    STOP_ANNOTATION,
    TEMPLATE_LABEL,
    label_value,
    owner_reference,
)
from ..api.rules.run import params_against_template
from ..api.run import (
    NodeStatus,
    ResultValue,
    RetriedStatus,
    WorkflowRunSpec,
    WorkflowRunStatus,
    WorkspaceBinding,
)
from ..api.template import DagNode, WorkflowTemplateSpec
from ..core.dag import NodeState, Plan, plan
from ..core.pods import param_values
from ..errors import AlreadyExists, NotFound, split_warnings
from ..store.base import Obj
from .context import Context
from .handlers import Outcome

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def child_name(run: Obj, node: str, attempt: int) -> str:
    """`<run>-<node>-<5 chars>`, the suffix fixed by (run uid, node, attempt)."""
    digest = hashlib.sha256(f"{run['metadata']['uid']}/{node}/{attempt}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    suffix = ""
    for _ in range(5):
        number, i = divmod(number, 36)
        suffix += _ALPHABET[i]
    return f"{run['metadata']['name']}-{node}-{suffix}"


def children_by_node(ctx: Context, run: Obj) -> dict[str, list[Obj]]:
    """The run's child runs per node, oldest attempt first."""
    namespace = run["metadata"].get("namespace", "default")
    uid = run["metadata"]["uid"]
    found: dict[str, list[Obj]] = {}
    token = None
    while True:
        page = ctx.store.list(
            GROUP_VERSION,
            "WorkflowRun",
            namespace,
            label_selector=f"{RUN_LABEL}={label_value(run['metadata']['name'])}",
            limit=1000,
            continue_token=token,
        )
        for child in page.items:
            meta = child["metadata"]
            if not any(r.get("uid") == uid for r in meta.get("ownerReferences") or []):
                continue
            node = (meta.get("labels") or {}).get(NODE_LABEL)
            if node:
                found.setdefault(node, []).append(child)
        token = page.continue_token
        if not token:
            break
    for kids in found.values():
        kids.sort(key=lambda c: int((c["metadata"].get("labels") or {}).get(ATTEMPT_LABEL, "1")))
    return found


def _attempt(child: Obj) -> int:
    return int((child["metadata"].get("labels") or {}).get(ATTEMPT_LABEL, "1"))


def _node_states(
    run: Obj, template: WorkflowTemplateSpec, children: dict[str, list[Obj]]
) -> dict[str, NodeState]:
    recorded = (run.get("status") or {}).get("nodes") or {}
    assert template.dag is not None
    states = {}
    for node in template.dag.templates:
        kids = children.get(node.name)
        if not kids:
            phase = (recorded.get(node.name) or {}).get("phase")
            if phase in ("Skipped", "Failed"):
                states[node.name] = NodeState(phase=phase)
            continue
        latest = kids[-1].get("status") or {}
        phase = latest.get("phase")
        results = {r["name"]: r.get("value", "") for r in latest.get("results") or []}
        states[node.name] = NodeState(
            phase=phase if phase in ("Running", "Succeeded", "Failed") else "Pending",
            attempts=_attempt(kids[-1]),
            results=results,
        )
    return states


def _child_workspaces(node: DagNode, bindings: list[WorkspaceBinding]) -> list[dict[str, Any]]:
    by_name = {b.name: b for b in bindings}
    out = []
    for mapping in node.workspaces:
        parent = by_name.get(mapping.workspace)
        if parent is None:
            continue
        binding = parent.dump()
        binding["name"] = mapping.name
        parts = [p for p in (parent.sub_path, mapping.sub_path) if p]
        if parts:
            binding["subPath"] = "/".join(p.strip("/") for p in parts)
        out.append(binding)
    return out


def _retried_status(children: dict[str, list[Obj]]) -> list[RetriedStatus]:
    """Every attempt of a node that a later attempt replaced, oldest first."""
    out = []
    for node, kids in children.items():
        for kid in kids[:-1]:
            st = kid.get("status") or {}
            out.append(
                RetriedStatus(
                    node=node,
                    attempt=_attempt(kid),
                    workflow_run_name=kid["metadata"]["name"],
                    phase=st.get("phase"),
                    message=st.get("message"),
                    start_time=st.get("startTime"),
                    completion_time=st.get("completionTime"),
                )
            )
    return out


ALL_SUCCEEDED = "All nodes in DAG have succeeded"

_RECORDED_NODES = pydantic.TypeAdapter(dict[str, NodeStatus])


class DagHandler:
    def preflight(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> str | None:
        """Every node's template exists and gets the params and workspaces it needs."""
        assert template.dag is not None
        namespace = run["metadata"].get("namespace", "default")
        problems = []
        cache: dict[str, WorkflowTemplateSpec | None] = {}
        for node in template.dag.templates:
            ref = node.workflow_template_ref
            if ref not in cache:
                try:
                    body = ctx.store.get(GROUP_VERSION, "WorkflowTemplate", namespace, ref)
                    cache[ref] = WorkflowTemplateSpec.model_validate(body.get("spec") or {})
                except (NotFound, pydantic.ValidationError):
                    cache[ref] = None
            spec = cache[ref]
            if spec is None:
                problems.append(
                    f'node "{node.name}": WorkflowTemplate "{ref}" not found '
                    f'in namespace "{namespace}"'
                )
                continue
            wanted = WorkflowRunSpec(
                workflow_template_ref=ref,
                params=node.params,
                workspaces=[
                    WorkspaceBinding(name=w.name, empty_dir=EmptyDirSource())
                    for w in node.workspaces
                ],
            )
            # A param the node's template does not declare is the child run's
            # warning to record, not a reason to refuse the DAG (SPEC §13).
            errors, _ = split_warnings(params_against_template(wanted, spec, "params", ref))
            for p in errors:
                problems.append(f'node "{node.name}": {p.message}')
        return "; ".join(problems) or None

    def notes(self, template: WorkflowTemplateSpec) -> list[str]:
        return []

    def progress(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> Outcome:
        assert template.dag is not None
        spec = WorkflowRunSpec.model_validate(run.get("spec") or {})
        params = param_values(template, {p.name: p.value for p in spec.params})
        children = children_by_node(ctx, run)
        states = _node_states(run, template, children)
        decided = plan(template.dag, params, states, template.results)
        nodes = self._apply(ctx, run, template, spec, decided, children)
        status = WorkflowRunStatus(nodes=nodes)
        retried = _retried_status(children)
        if retried:
            status.retried_status = retried
        if decided.finished:
            status.results = [ResultValue(name=n, value=v) for n, v in decided.results]
            return Outcome(
                status,
                decided.phase,
                decided.phase,
                decided.message,
                # The platform's words, for tools that read its conditions.
                completed_message=ALL_SUCCEEDED if decided.phase == "Succeeded" else None,
            )
        return Outcome(status, message=decided.message)

    def _apply(
        self,
        ctx: Context,
        run: Obj,
        template: WorkflowTemplateSpec,
        spec: WorkflowRunSpec,
        decided: Plan,
        children: dict[str, list[Obj]],
    ) -> dict[str, NodeStatus]:
        assert template.dag is not None
        # Only the nodes are read here: the whole status (the frozen template and
        # all) is loaded once per pass, where the outcome is merged into it.
        recorded = _RECORDED_NODES.validate_python((run.get("status") or {}).get("nodes") or {})
        nodes: dict[str, NodeStatus] = {}
        for node in template.dag.templates:
            kids = children.get(node.name) or []
            if kids:
                latest = kids[-1]
                st = latest.get("status") or {}
                child_phase = st.get("phase")
                entry = NodeStatus(
                    phase=child_phase
                    if child_phase in ("Succeeded", "Failed", "Running")
                    else "Running",
                    workflow_run_name=latest["metadata"]["name"],
                    attempts=_attempt(latest),
                )
                if len(kids) > 1:
                    entry.retried_run_names = [k["metadata"]["name"] for k in kids[:-1]]
                # The child's own fields, once it has them: an unset field is not written.
                if st.get("startTime"):
                    entry.start_time = st["startTime"]
                if st.get("completionTime"):
                    entry.completion_time = st["completionTime"]
                if st.get("message"):
                    entry.message = st["message"]
                nodes[node.name] = entry
            elif node.name in recorded:
                nodes[node.name] = recorded[node.name]
        for fail in decided.fail:
            nodes[fail.name] = NodeStatus(phase="Failed", message=fail.reason)
            ctx.event(run, "NodeFailed", f'node "{fail.name}": {fail.reason}', "Warning")
        for skip in decided.skip:
            nodes[skip.name] = NodeStatus(
                phase="Skipped", message=skip.reason, when_expressions=skip.when_expressions
            )
            ctx.event(run, "NodeSkipped", f'node "{skip.name}" skipped: {skip.reason}')
        by_name = {n.name: n for n in template.dag.templates}
        for start in decided.start:
            node = by_name[start.name]
            name = self._create_child(ctx, run, spec, node, start.attempt, start.params)
            previous = nodes.get(start.name) or NodeStatus()
            retried = [*previous.retried_run_names]
            if previous.workflow_run_name:
                retried.append(previous.workflow_run_name)
            nodes[start.name] = NodeStatus(
                phase="Running",
                workflow_run_name=name,
                attempts=start.attempt,
                start_time=ctx.now(),
            )
            if retried:
                nodes[start.name].retried_run_names = retried
            if start.attempt > 1:
                ctx.event(
                    run,
                    "NodeRetried",
                    f'node "{start.name}" retried (attempt {start.attempt} of '
                    f"{node.retries + 1}): {name}",
                )
            else:
                ctx.event(run, "NodeStarted", f'node "{start.name}" started: {name}')
        return nodes

    def _create_child(
        self,
        ctx: Context,
        run: Obj,
        spec: WorkflowRunSpec,
        node: DagNode,
        attempt: int,
        params: dict[str, str],
    ) -> str:
        name = child_name(run, node.name, attempt)
        child_spec: dict[str, Any] = {
            "workflowTemplateRef": node.workflow_template_ref,
            "params": [{"name": k, "value": v} for k, v in params.items()],
            "workspaces": _child_workspaces(node, spec.workspaces),
            "depth": (spec.depth or 0) + 1,
        }
        if spec.service_account_name:
            child_spec["serviceAccountName"] = spec.service_account_name
        if spec.scheduler is not None:
            child_spec["scheduler"] = spec.scheduler.dump()
        child = {
            "apiVersion": GROUP_VERSION,
            "kind": "WorkflowRun",
            "metadata": {
                "name": name,
                "namespace": run["metadata"].get("namespace", "default"),
                "labels": {
                    RUN_LABEL: label_value(run["metadata"]["name"]),
                    NODE_LABEL: node.name,
                    ATTEMPT_LABEL: str(attempt),
                    TEMPLATE_LABEL: label_value(node.workflow_template_ref),
                },
                "ownerReferences": [owner_reference(run)],
            },
            "spec": child_spec,
        }
        try:
            ctx.store.create(child)
        except AlreadyExists:
            pass
        return name

    def stop(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> None:
        for kids in children_by_node(ctx, run).values():
            for child in kids:
                if (child.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                    continue
                meta = dict(child["metadata"])
                notes = dict(meta.get("annotations") or {})
                if notes.get(STOP_ANNOTATION):
                    continue
                notes[STOP_ANNOTATION] = f'parent run "{run["metadata"]["name"]}" stopped'
                meta["annotations"] = notes
                meta.pop("resourceVersion", None)
                ctx.store.update({**child, "metadata": meta})
                ctx.enqueue(("WorkflowRun", meta.get("namespace", "default"), meta["name"]))
