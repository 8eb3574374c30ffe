"""The spec of a `batch/v1` Job, on its own: a `v1` Job created directly
(api/builtin.py) and the submitter of a BeamJob (api/t9k/beam.py) both have one."""

from __future__ import annotations

from pydantic import Field

from .base import Open
from .k8s import PodTemplateSpec


class BatchJobSpec(Open):
    UNTYPED_FIELDS = frozenset(
        {
            "backoffLimitPerIndex",
            "completionMode",
            "managedBy",
            "manualSelector",
            "maxFailedIndexes",
            "podFailurePolicy",
            "podReplacementPolicy",
            "selector",
            "successPolicy",
            "suspend",
        }
    )

    template: PodTemplateSpec
    parallelism: int | None = Field(default=None, ge=0)
    completions: int | None = Field(default=None, ge=0)
    backoff_limit: int | None = Field(default=None, ge=0)
    active_deadline_seconds: int | None = Field(default=None, ge=0)
    ttl_seconds_after_finished: int | None = Field(default=None, ge=0)


__all__ = ["BatchJobSpec"]
