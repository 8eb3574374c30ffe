"""The platform's own kinds that Treadle runs (SPEC §12): the eight T9k jobs
(`batch.tensorstack.dev/v1beta1`) and SimpleMLService (`tensorstack.dev/v1beta1`),
typed field for field as the platform's API reference has them.

Their rules (replica types, the rules of a GenericJob, one serving framework …)
are in api/rules/t9k.py; a job spec is checked by them wherever it appears: the
job applied by itself, a Resource template's manifest, a job-typed template."""

from __future__ import annotations

from pydantic import BaseModel

from .beam import BeamJob, BeamJobSpec
from .common import T9K_JOB_API_VERSION
from .generic import GenericJob, GenericJobSpec
from .mpi import (
    ColossalAIJob,
    ColossalAIJobSpec,
    DeepSpeedJob,
    DeepSpeedJobSpec,
    MPIJob,
    MPIJobSpec,
)
from .serving import SERVING_API_VERSION, SimpleMLService, SimpleMLServiceSpec
from .training import (
    PyTorchTrainingJob,
    PyTorchTrainingJobSpec,
    TensorFlowTrainingJob,
    TensorFlowTrainingJobSpec,
    XGBoostTrainingJob,
    XGBoostTrainingJobSpec,
)

T9kJob = (
    GenericJob
    | TensorFlowTrainingJob
    | PyTorchTrainingJob
    | XGBoostTrainingJob
    | MPIJob
    | DeepSpeedJob
    | ColossalAIJob
    | BeamJob
)

JOB_MODELS: dict[str, type[BaseModel]] = {
    "GenericJob": GenericJob,
    "TensorFlowTrainingJob": TensorFlowTrainingJob,
    "PyTorchTrainingJob": PyTorchTrainingJob,
    "XGBoostTrainingJob": XGBoostTrainingJob,
    "MPIJob": MPIJob,
    "DeepSpeedJob": DeepSpeedJob,
    "ColossalAIJob": ColossalAIJob,
    "BeamJob": BeamJob,
}
"""Job kind -> its model; every one is served at `T9K_JOB_API_VERSION`."""

JOB_SPECS: dict[str, type[BaseModel]] = {
    "GenericJob": GenericJobSpec,
    "TensorFlowTrainingJob": TensorFlowTrainingJobSpec,
    "PyTorchTrainingJob": PyTorchTrainingJobSpec,
    "XGBoostTrainingJob": XGBoostTrainingJobSpec,
    "MPIJob": MPIJobSpec,
    "DeepSpeedJob": DeepSpeedJobSpec,
    "ColossalAIJob": ColossalAIJobSpec,
    "BeamJob": BeamJobSpec,
}
"""Job kind -> the model of its `spec`."""

T9K_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    **{(T9K_JOB_API_VERSION, kind): model for kind, model in JOB_MODELS.items()},
    (SERVING_API_VERSION, "SimpleMLService"): SimpleMLService,
}
"""(apiVersion, kind) -> model, for every kind of this package."""

SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "GenericJob": ("gj",),
    "TensorFlowTrainingJob": ("tj",),
    "PyTorchTrainingJob": ("pj",),
    "XGBoostTrainingJob": ("xj",),
    "MPIJob": ("mj",),
    "DeepSpeedJob": ("dj",),
    "ColossalAIJob": ("caij",),
    "BeamJob": ("bj",),
    "SimpleMLService": ("smls",),
}
"""The abbreviations the platform's `t9k` CLI accepts for each kind."""

__all__ = [
    "JOB_MODELS",
    "JOB_SPECS",
    "SERVING_API_VERSION",
    "SHORT_NAMES",
    "T9K_JOB_API_VERSION",
    "T9K_MODELS",
    "BeamJob",
    "ColossalAIJob",
    "DeepSpeedJob",
    "GenericJob",
    "MPIJob",
    "PyTorchTrainingJob",
    "SimpleMLService",
    "SimpleMLServiceSpec",
    "T9kJob",
    "TensorFlowTrainingJob",
    "XGBoostTrainingJob",
]
