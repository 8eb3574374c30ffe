"""Resource runs and the T9k job types: create an object, judge it by rules (SPEC §3.3, §3.4)."""

from __future__ import annotations

import yaml

from ..api.objects import RUN_LABEL, label_value, owner_reference
from ..api.policy import Policy
from ..api.rules.builtin import object_errors
from ..api.rules.pods import Scope
from ..api.rules.template import manifest_errors
from ..api.run import ResourceStatus, WorkflowRunSpec, WorkflowRunStatus
from ..api.template import (
    JOB_FIELDS,
    T9K_JOB_API_VERSION,
    ConditionSelector,
    Rules,
    WorkflowTemplateSpec,
)
from ..core.pods import param_values
from ..core.selectors import SelectorSyntaxError, rules_verdict
from ..core.substitution import substitute, substitute_tree
from ..errors import AlreadyExists, NotFound, TreadleError, split_warnings
from ..store.base import Obj
from .context import Context
from .handlers import Outcome

PASSIVE_KINDS = {("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "PersistentVolumeClaim")}
"""Kinds that are only data: storing them is all there is to do."""

_DEFAULT_RULES: dict[tuple[str, str], tuple[Rules, Rules]] = {
    ("v1", "Pod"): (
        Rules(field_selector="status.phase == Succeeded"),
        Rules(field_selector="status.phase == Failed"),
    ),
    ("batch/v1", "Job"): (
        Rules(condition_selector=ConditionSelector(type="Complete", status="True")),
        Rules(condition_selector=ConditionSelector(type="Failed", status="True")),
    ),
}
_T9K_JOB_RULES = (
    Rules(condition_selector=ConditionSelector(type="Succeeded", status="True")),
    Rules(condition_selector=ConditionSelector(type="Failed", status="True")),
)


def _manifest(run: Obj, template: WorkflowTemplateSpec, policy: Policy) -> Obj | str:
    """The object to create, after substitution, or why there is none (checked as
    admission checks a manifest, now that its references have values)."""
    spec = WorkflowRunSpec.model_validate(run.get("spec") or {})
    values = {
        f"params.{k}": v
        for k, v in param_values(template, {p.name: p.value for p in spec.params}).items()
    }
    type_ = template.effective_type or ""
    if type_ == "Resource":
        assert template.resource is not None
        text = substitute(template.resource.manifest, values)
        # Unknown fields were the template author's warnings; they do not stop a run.
        problems, _ = split_warnings(manifest_errors(text, "manifest", Scope(policy)))
        if problems:
            return str(problems[0])
        obj = yaml.safe_load(text)
        assert isinstance(obj, dict)
        return obj
    job = template.body(type_)
    metadata = substitute_tree(job.metadata.dump(), values)
    if not metadata.get("name") and not metadata.get("generateName"):
        # A job-typed template need not name its job: it is named after the run.
        metadata["name"] = run["metadata"]["name"]
    obj = {
        "apiVersion": T9K_JOB_API_VERSION,
        "kind": type_,
        "metadata": metadata,
        "spec": substitute_tree(job.spec.dump(), values),
    }
    problems, _ = split_warnings(object_errors(obj, Scope(policy)))
    return str(problems[0]) if problems else obj


def _rules(template: WorkflowTemplateSpec, obj: Obj) -> tuple[Rules | None, Rules | None]:
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    given = template.resource
    success = given.success_rules if given else None
    failure = given.failure_rules if given else None
    if success is None and failure is None:
        if key[0] == T9K_JOB_API_VERSION and key[1] in JOB_FIELDS:
            return _T9K_JOB_RULES
        return _DEFAULT_RULES.get(key, (None, None))
    return success, failure


def _owned(ctx: Context, run: Obj, api_version: str, kind: str) -> Obj | None:
    namespace = run["metadata"].get("namespace", "default")
    page = ctx.store.list(
        api_version,
        kind,
        namespace,
        label_selector=f"{RUN_LABEL}={label_value(run['metadata']['name'])}",
    )
    uid = run["metadata"]["uid"]
    for obj in page.items:
        if any(r.get("uid") == uid for r in obj["metadata"].get("ownerReferences") or []):
            return obj
    return None


class ResourceHandler:
    def preflight(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> str | None:
        manifest = _manifest(run, template, ctx.home.policy)
        if isinstance(manifest, str):
            return f"invalid manifest: {manifest}"
        key = (manifest.get("apiVersion", ""), manifest.get("kind", ""))
        if key in PASSIVE_KINDS:
            return None
        # Which kinds something acts on is the cluster's to say, not this reconciler's.
        return ctx.cluster.cannot_run(*key)

    def notes(self, template: WorkflowTemplateSpec) -> list[str]:
        return []

    def progress(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> Outcome:
        manifest = _manifest(run, template, ctx.home.policy)
        if isinstance(manifest, str):
            return Outcome(phase="Failed", reason="InvalidManifest", message=manifest)
        api_version, kind = manifest["apiVersion"], manifest["kind"]
        # Its changes must wake this run: watched from before it is created, and on
        # every pass, so that a restarted controller watches the kind again.
        ctx.watch_kind(api_version, kind)
        obj = _owned(ctx, run, api_version, kind)
        if obj is None:
            if (run.get("status") or {}).get("resource"):
                return Outcome(
                    phase="Failed",
                    reason="ResourceDeleted",
                    message=f"{kind} was deleted before it finished",
                )
            return self._create(ctx, run, manifest)
        ref = ResourceStatus(api_version=api_version, kind=kind, name=obj["metadata"]["name"])
        success, failure = _rules(template, obj)
        try:
            verdict = rules_verdict(obj, success, failure)
        except SelectorSyntaxError as exc:
            return Outcome(phase="Failed", reason="InvalidRules", message=str(exc))
        status = WorkflowRunStatus(resource=ref)
        what = f'{kind} "{ref.name}"'
        if verdict == "succeeded":
            return Outcome(status, "Succeeded", "Succeeded", f"{what} matched the success rules")
        if verdict == "failed":
            return Outcome(status, "Failed", "ResourceFailed", f"{what} matched the failure rules")
        if success is None and failure is None:
            # A service, say: nothing says when it is done, so the run lasts until it
            # is stopped or times out (SPEC §3.3), and the message says so.
            return Outcome(
                status, message=f"{what} created; with no rules to match, it runs until stopped"
            )
        return Outcome(status, message=f"{what} created; waiting for its rules to match")

    def _create(self, ctx: Context, run: Obj, manifest: Obj) -> Outcome:
        meta = dict(manifest.get("metadata") or {})
        meta["namespace"] = run["metadata"].get("namespace", "default")
        meta["labels"] = {
            **(meta.get("labels") or {}),
            RUN_LABEL: label_value(run["metadata"]["name"]),
        }
        meta["ownerReferences"] = [*(meta.get("ownerReferences") or []), owner_reference(run)]
        account = (run.get("spec") or {}).get("serviceAccountName")
        store = ctx.store_as(meta["namespace"], account if isinstance(account, str) else None)
        try:
            created = store.create({**manifest, "metadata": meta})
        except AlreadyExists:
            return Outcome(
                phase="Failed",
                reason="CreateFailed",
                message=f'{manifest["kind"]} "{meta.get("name")}" already exists',
            )
        except TreadleError as exc:
            return Outcome(
                phase="Failed",
                reason="CreateFailed",
                message=f"cannot create {manifest['kind']}: {exc}",
            )
        name = created["metadata"]["name"]
        ctx.event(run, "ResourceCreated", f'created {manifest["kind"]} "{name}"')
        ref = ResourceStatus(api_version=manifest["apiVersion"], kind=manifest["kind"], name=name)
        return Outcome(
            WorkflowRunStatus(resource=ref), message=f'{manifest["kind"]} "{name}" created'
        )

    def stop(self, ctx: Context, run: Obj, template: WorkflowTemplateSpec) -> None:
        ref = (run.get("status") or {}).get("resource")
        if not ref:
            return
        try:
            ctx.store.delete(
                ref["apiVersion"],
                ref["kind"],
                run["metadata"].get("namespace", "default"),
                ref["name"],
            )
        except NotFound:
            pass
