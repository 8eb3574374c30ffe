"""WorkflowTemplate: a reusable, static definition of a unit of work (SPEC §3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, GetJsonSchemaHandler, create_model
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .base import Open, Strict, Text
from .k8s import POD_SPEC_WITHOUT_CONTAINERS_FIELDS, Container, PodSpec
from .meta import ObjectMeta
from .t9k import JOB_SPECS
from .t9k import T9K_JOB_API_VERSION as T9K_JOB_API_VERSION  # where it was always imported from

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


class JobSpecAsWritten(Open):
    """The `spec` of a T9k job in a template, kept exactly as written. Substitution
    may still have to give its values (`replicas: $(params.n)`), so it is checked
    as a job of its kind by the template's rules (rules/template.py), which leave
    such values for after substitution, as for a Resource template's manifest."""

    # Reported by those rules, against the kind's own model.
    REPORT_UNKNOWN = False


class JobTemplate(Strict):
    """`metadata` + `spec` of a T9k job kind embedded in a template."""

    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: JobSpecAsWritten


class _SchemaOf:
    """Describe a field in JSON Schema as `model` describes it, whatever type holds
    it: an editor completes and checks a job template as a job of its kind."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(self.model.__pydantic_core_schema__)


def _as_job(kind: str) -> _SchemaOf:
    """Describe a `JobTemplate` as `metadata` and the `spec` of job kind `kind`."""
    body = create_model(
        f"{kind}Template",
        __base__=Strict,
        __doc__=f"`metadata` + `spec` of a {kind}.",
        metadata=(ObjectMeta, Field(default_factory=ObjectMeta)),
        spec=(JOB_SPECS[kind], ...),
    )
    return _SchemaOf(body)


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
    generic_job: Annotated[JobTemplate, _as_job("GenericJob")] | None = None
    tensorflow_training_job: Annotated[JobTemplate, _as_job("TensorFlowTrainingJob")] | None = None
    pytorch_training_job: Annotated[JobTemplate, _as_job("PyTorchTrainingJob")] | None = None
    xgboost_training_job: Annotated[JobTemplate, _as_job("XGBoostTrainingJob")] | None = None
    colossalai_job: Annotated[JobTemplate, _as_job("ColossalAIJob")] | None = None
    deepspeed_job: Annotated[JobTemplate, _as_job("DeepSpeedJob")] | None = None
    mpi_job: Annotated[JobTemplate, _as_job("MPIJob")] | None = None
    beam_job: Annotated[JobTemplate, _as_job("BeamJob")] | None = None

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
