"""WorkflowTemplate: a reusable, static definition of a unit of work (SPEC §3)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Open, Strict, Text
from .k8s import POD_SPEC_WITHOUT_CONTAINERS_FIELDS, Container, PodSpec, ReplicaSpec
from .meta import ObjectMeta

TemplateType = Literal[
    "Pod",
    "SeqPod",
    "Resource",
    "DAG",
    "GenericJob",
    "TensorFlowTrainingJob",
    "PyTorchTrainingJob",
    "XGBoostTrainingJob",
    "ColossalAIJob",
    "DeepSpeedJob",
    "MPIJob",
    "BeamJob",
]

JOB_FIELDS: dict[str, str] = {
    "GenericJob": "genericJob",
    "TensorFlowTrainingJob": "tensorflowTrainingJob",
    "PyTorchTrainingJob": "pytorchTrainingJob",
    "XGBoostTrainingJob": "xgboostTrainingJob",
    "ColossalAIJob": "colossalaiJob",
    "DeepSpeedJob": "deepspeedJob",
    "MPIJob": "mpiJob",
    "BeamJob": "beamJob",
}
"""T9k job kind -> the template field that holds it."""

TYPE_FIELDS: dict[str, str] = {
    "Pod": "pod",
    "SeqPod": "seqPod",
    "Resource": "resource",
    "DAG": "dag",
    **JOB_FIELDS,
}
"""Template type -> the one spec field that must be set for it."""

T9K_JOB_API_VERSION = "batch.tensorstack.dev/v1beta1"

MAX_RETRIES = 100
"""The most `retries` a DAG node may ask for (docs/admission.md): each retry is a
whole new child run, kept in the run's history."""


class ParamSpec(Strict):
    name: str
    description: str | None = None
    default: Text | None = None

    @property
    def required(self) -> bool:
        return self.default is None


class WorkspaceDeclaration(Strict):
    name: str
    description: str | None = None
    mount_path: str | None = None
    read_only: bool = False
    optional: bool = False


class ResultDeclaration(Strict):
    name: str
    description: str | None = None
    value: Text | None = None


class Step(Container):
    """A SeqPod step: a Container plus an optional `script`. The platform's console
    also writes the `language` its script is in (`Python`, `Shell`)."""

    script: str | None = None
    language: str | None = None


class SeqPodSpec(PodSpec):
    """The platform's SeqPod: its `PodSpecWithoutContainers` plus `steps`."""

    UNTYPED_FIELDS = POD_SPEC_WITHOUT_CONTAINERS_FIELDS

    steps: list[Step] = Field(default_factory=list)


class ConditionSelector(Strict):
    type: str
    status: Literal["True", "False", "Unknown"]


class Rules(Strict):
    field_selector: str | None = None
    condition_selector: ConditionSelector | None = None


class ResourceSpec(Strict):
    manifest: str
    success_rules: Rules | None = None
    failure_rules: Rules | None = None


class ParamValue(Strict):
    name: str
    value: Text = ""


class WorkspaceMapping(Strict):
    name: str
    workspace: str
    sub_path: str | None = None


class WhenExpression(Strict):
    input: Text = ""
    operator: Literal["in", "notin"]
    values: list[Text]


class DagNode(Strict):
    name: str
    workflow_template_ref: str
    dependencies: list[str] = Field(default_factory=list)
    params: list[ParamValue] = Field(default_factory=list)
    workspaces: list[WorkspaceMapping] = Field(default_factory=list)
    when: list[WhenExpression] = Field(default_factory=list)
    retries: int = 0


FailureStrategy = Literal["StopAllWorkflowTemplates", "StopDependentWorkflowTemplates"]


class DagSpec(Strict):
    templates: list[DagNode] = Field(default_factory=list)
    failure_strategy: FailureStrategy = "StopAllWorkflowTemplates"


class JobSpec(Open):
    """The `spec` of a T9k job: replica groups typed, the rest kept verbatim."""

    # The job kinds' own specs are still to be typed (a separate change); until
    # then no field under one is reported as unknown, since most of them are not
    # modelled at all.
    REPORT_UNKNOWN = False

    replica_specs: list[ReplicaSpec] | None = None


class JobTemplate(Strict):
    """`metadata` + `spec` of a T9k job kind embedded in a template."""

    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: JobSpec


class WorkflowTemplateSpec(Strict):
    description: str | None = None
    params: list[ParamSpec] = Field(default_factory=list)
    workspaces: list[WorkspaceDeclaration] = Field(default_factory=list)
    results: list[ResultDeclaration] = Field(default_factory=list)
    type: TemplateType | None = None
    pod: PodSpec | None = None
    seq_pod: SeqPodSpec | None = None
    resource: ResourceSpec | None = None
    dag: DagSpec | None = None
    generic_job: JobTemplate | None = None
    tensorflow_training_job: JobTemplate | None = None
    pytorch_training_job: JobTemplate | None = None
    xgboost_training_job: JobTemplate | None = None
    colossalai_job: JobTemplate | None = None
    deepspeed_job: JobTemplate | None = None
    mpi_job: JobTemplate | None = None
    beam_job: JobTemplate | None = None

    def set_fields(self) -> list[str]:
        """The type-specific fields that are present, in wire names."""
        data = self.model_dump(by_alias=True, exclude_none=True, include=_TYPED_ATTRS)
        return [name for name in TYPE_FIELDS.values() if name in data]

    @property
    def effective_type(self) -> str | None:
        """`type`, or the first of pod/seqPod/resource/dag that is set (SPEC §3)."""
        if self.type:
            return self.type
        for kind in ("Pod", "SeqPod", "Resource", "DAG"):
            if TYPE_FIELDS[kind] in self.set_fields():
                return kind
        return None

    def body(self, type_: str) -> Any:
        """The object held by the field of `type_`."""
        return getattr(self, _ATTR_BY_FIELD[TYPE_FIELDS[type_]])


_ATTR_BY_FIELD = {
    info.alias or name: name
    for name, info in WorkflowTemplateSpec.model_fields.items()
    if (info.alias or name) in TYPE_FIELDS.values()
}
_TYPED_ATTRS = set(_ATTR_BY_FIELD.values())


class WorkflowTemplate(Strict):
    api_version: Literal["batch.tensorstack.dev/v1beta1"] = "batch.tensorstack.dev/v1beta1"
    kind: Literal["WorkflowTemplate"] = "WorkflowTemplate"
    metadata: ObjectMeta
    spec: WorkflowTemplateSpec
    status: dict[str, Any] | None = None
