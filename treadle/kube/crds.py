"""The CustomResourceDefinitions of Treadle's kinds, generated from the API types:
the five workflow kinds, and the platform's job and serving kinds for clusters
without the platform's operators (SPEC §12)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..api.kinds import BUILTIN_KINDS, WORKFLOW_KINDS, KindInfo
from ..api.t9k import JOB_SPECS, T9K_MODELS
from .schema import FREE_FORM, structural_schema

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = {MANAGED_BY_LABEL: "treadle"}
"""On every object Treadle installs: how `--platform-kinds` tells Treadle's CRDs of
the platform's kinds from the platform's own."""

CATEGORIES = ["treadle"]
"""`kubectl get treadle` lists every Treadle object of a namespace."""

PLATFORM_CATEGORIES = ["treadle", "t9k"]

_KEPT_AS_WRITTEN = frozenset(model.__name__ for model in JOB_SPECS.values())
"""A job embedded in a template is kept as written and judged after substitution
(`replicas: $(params.n)`, api/template.py), so its CRD schema must not type it."""

_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
_PHASE = {"name": "Phase", "type": "string", "jsonPath": ".status.phase"}
_URL = {"name": "URL", "type": "string", "jsonPath": ".status.address.url"}

_COLUMNS: dict[str, list[dict[str, Any]]] = {
    "WorkflowTemplate": [
        {"name": "Type", "type": "string", "jsonPath": ".spec.type"},
        {
            "name": "Description",
            "type": "string",
            "jsonPath": ".spec.description",
            "priority": 1,
        },
    ],
    "WorkflowRun": [
        _PHASE,
        {"name": "Template", "type": "string", "jsonPath": ".spec.workflowTemplateRef"},
    ],
    "CronWorkflowRun": [
        {"name": "Schedule", "type": "string", "jsonPath": ".spec.schedule"},
        {"name": "Suspend", "type": "boolean", "jsonPath": ".spec.suspend"},
        {"name": "Last Schedule", "type": "date", "jsonPath": ".status.lastScheduleTime"},
    ],
    "EventListener": [_URL],
    "WorkflowTrigger": [
        {
            "name": "Template",
            "type": "string",
            "jsonPath": ".spec.workflowRunSpec.workflowTemplateRef",
        }
    ],
    "SimpleMLService": [
        _URL,
        {
            "name": "Ready",
            "type": "string",
            "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
        },
    ],
}
"""`kubectl get` columns besides NAME and AGE; a T9k job shows its phase."""


def treadle_crds() -> list[dict[str, Any]]:
    """The CRDs of the five workflow kinds."""
    out = []
    for info in WORKFLOW_KINDS:
        assert info.model is not None
        out.append(crd(info, info.model, _KEPT_AS_WRITTEN, CATEGORIES))
    return out


def platform_kinds() -> list[KindInfo]:
    """The eight T9k job kinds and SimpleMLService."""
    return [info for info in BUILTIN_KINDS if (info.api_version, info.kind) in T9K_MODELS]


def platform_crds() -> list[dict[str, Any]]:
    """The CRDs of the platform's kinds, for a cluster without its operators."""
    return [
        crd(info, T9K_MODELS[(info.api_version, info.kind)], frozenset(), PLATFORM_CATEGORIES)
        for info in platform_kinds()
    ]


def all_crds(*, platform: bool = False) -> list[dict[str, Any]]:
    """What `treadle install --kube` (and `treadle schema --crd`) installs."""
    return treadle_crds() + (platform_crds() if platform else [])


def crd(
    info: KindInfo,
    model: type[BaseModel],
    free_form: frozenset[str],
    categories: list[str],
) -> dict[str, Any]:
    """One namespaced CRD serving `info`'s version with the status subresource."""
    schema = structural_schema(model, free_form)
    props = schema.setdefault("properties", {})
    # The API server owns these at the root, and only the controller writes status.
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
    props["metadata"] = {"type": "object"}
    props["status"] = dict(FREE_FORM)
    schema.pop("nullable", None)
    columns = _COLUMNS.get(info.kind, [_PHASE])
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{info.plural}.{info.group}", "labels": dict(MANAGED_BY)},
        "spec": {
            "group": info.group,
            "scope": "Namespaced",
            "names": {
                "kind": info.kind,
                "listKind": f"{info.kind}List",
                "plural": info.plural,
                "singular": info.singular,
                "shortNames": list(info.short_names),
                "categories": categories,
            },
            "versions": [
                {
                    "name": info.version,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [*columns, _AGE],
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


__all__ = [
    "CATEGORIES",
    "MANAGED_BY",
    "MANAGED_BY_LABEL",
    "all_crds",
    "crd",
    "platform_crds",
    "platform_kinds",
    "treadle_crds",
]
