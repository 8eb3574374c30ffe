"""Every kind Treadle knows: its apiVersion, REST plural, short names and model."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from .cron import CronWorkflowRun
from .run import WorkflowRun
from .t9k import SERVING_API_VERSION, SHORT_NAMES
from .template import JOB_FIELDS, T9K_JOB_API_VERSION, WorkflowTemplate
from .trigger import EventListener, WorkflowTrigger


@dataclass(frozen=True)
class KindInfo:
    kind: str
    api_version: str
    plural: str
    short_names: tuple[str, ...] = ()
    model: type[BaseModel] | None = None
    namespaced: bool = True
    aliases: tuple[str, ...] = field(default=())

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def singular(self) -> str:
        return self.kind.lower()

    def names(self) -> set[str]:
        """Every name a user may type for this kind (case-insensitive)."""
        return {self.singular, self.plural, *self.short_names, *self.aliases}


WORKFLOW_KINDS: tuple[KindInfo, ...] = (
    KindInfo(
        "WorkflowTemplate",
        "batch.tensorstack.dev/v1beta1",
        "workflowtemplates",
        ("wt",),
        WorkflowTemplate,
    ),
    KindInfo("WorkflowRun", "batch.tensorstack.dev/v1beta1", "workflowruns", ("wr",), WorkflowRun),
    KindInfo(
        "CronWorkflowRun",
        "batch.tensorstack.dev/v1beta1",
        "cronworkflowruns",
        ("cwr",),
        CronWorkflowRun,
    ),
    KindInfo("EventListener", "tensorstack.dev/v1beta1", "eventlisteners", ("el",), EventListener),
    KindInfo(
        "WorkflowTrigger", "tensorstack.dev/v1beta1", "workflowtriggers", ("wtr",), WorkflowTrigger
    ),
)

FRAMEWORK_JOB_NAMES: dict[str, tuple[str, ...]] = {
    "TensorFlowTrainingJob": ("tfjob",),
    "PyTorchTrainingJob": ("pytorchjob",),
    "XGBoostTrainingJob": ("xgboostjob",),
}
"""The words the frameworks' own Kubernetes operators use for these jobs, which users
of those type out of habit."""

BUILTIN_KINDS: tuple[KindInfo, ...] = (
    KindInfo("Pod", "v1", "pods", ("po",)),
    KindInfo("ConfigMap", "v1", "configmaps", ("cm",)),
    KindInfo("Secret", "v1", "secrets"),
    KindInfo("PersistentVolumeClaim", "v1", "persistentvolumeclaims", ("pvc",)),
    KindInfo("Event", "v1", "events", ("ev",)),
    KindInfo("Namespace", "v1", "namespaces", ("ns",), namespaced=False),
    KindInfo("Job", "batch/v1", "jobs"),
    KindInfo("Lease", "coordination.k8s.io/v1", "leases"),
    *(
        KindInfo(
            kind,
            T9K_JOB_API_VERSION,
            kind.lower() + "s",
            SHORT_NAMES[kind],
            aliases=FRAMEWORK_JOB_NAMES.get(kind, ()),
        )
        for kind in JOB_FIELDS
    ),
    KindInfo(
        "SimpleMLService", SERVING_API_VERSION, "simplemlservices", SHORT_NAMES["SimpleMLService"]
    ),
)

ALL_KINDS = WORKFLOW_KINDS + BUILTIN_KINDS
_BY_KIND = {(k.api_version, k.kind): k for k in ALL_KINDS}


def by_kind(api_version: str, kind: str) -> KindInfo | None:
    return _BY_KIND.get((api_version, kind))


def lookup(name: str) -> KindInfo | None:
    """Resolve what a user typed (`wr`, `workflowruns`, `WorkflowRun`) to a kind.

    Workflow kinds win over built-in ones with the same word.
    """
    word = name.lower().split(".")[0]
    for info in ALL_KINDS:
        if word in info.names():
            return info
    return None


def by_plural(group: str, version: str, plural: str) -> KindInfo | None:
    api_version = f"{group}/{version}" if group else version
    for info in ALL_KINDS:
        if info.api_version == api_version and info.plural == plural:
            return info
    return None
