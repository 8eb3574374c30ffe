"""YAML and JSON round trips: what a user wrote comes back field for field, user
lists in their order, unknown Kubernetes fields kept, no defaults added."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from treadle.api.base import Strict
from treadle.api.documents import dump_yaml, parse_documents
from treadle.api.kinds import by_kind
from treadle.api.template import WorkflowTemplate
from treadle.api.validate import validate

from .samples import (
    Doc,
    container_doc,
    needs_conformance,
    needs_seed,
    seed_documents,
    template,
    valid_documents,
)


def model_of(doc: Doc) -> type[BaseModel]:
    info = by_kind(doc["apiVersion"], doc["kind"])
    assert info is not None and info.model is not None
    return info.model


def roundtrip(doc: Doc) -> Doc:
    obj = model_of(doc).model_validate(doc)
    assert isinstance(obj, Strict)
    return obj.dump()


def ordered(value: Any) -> Any:
    """Every list of `value`, in order, with mappings made comparable key by key."""
    if isinstance(value, dict):
        return {k: ordered(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


CORPUS = [
    *(pytest.param(doc, id=where) for where, doc in valid_documents()),
    *(pytest.param(doc, id=where) for where, doc in seed_documents()),
]


@needs_conformance
@needs_seed
@pytest.mark.parametrize("doc", CORPUS)
def test_model_dump_gives_back_the_document(doc: Doc) -> None:
    assert roundtrip(doc) == doc


@needs_conformance
@needs_seed
@pytest.mark.parametrize("doc", CORPUS)
def test_yaml_round_trip_keeps_every_field_and_list_order(doc: Doc) -> None:
    text = dump_yaml(roundtrip(doc))
    [again] = parse_documents(text)
    assert ordered(again.data) == ordered(doc)
    assert ordered(roundtrip(again.data)) == ordered(doc)


@needs_conformance
@needs_seed
@pytest.mark.parametrize("doc", CORPUS)
def test_json_round_trip_keeps_every_field_and_list_order(doc: Doc) -> None:
    text = json.dumps(roundtrip(doc))
    [again] = parse_documents(text, "doc.json")
    assert ordered(again.data) == ordered(doc)
    assert roundtrip(json.loads(text)) == doc


def test_validate_returns_a_model_that_dumps_the_document() -> None:
    doc = template(
        {
            "type": "Pod",
            "pod": {
                "containers": [
                    container_doc(
                        securityContext={"runAsUser": 1000, "capabilities": {"add": ["NET_ADMIN"]}},
                        ports=[{"containerPort": 8080, "name": "http"}],
                        env=[{"name": "B", "value": "2"}, {"name": "A", "value": "1"}],
                    )
                ],
                "hostNetwork": True,
                "affinity": {"nodeAffinity": {"x": [3, 1, 2]}},
                "tolerations": [{"key": "b"}, {"key": "a"}],
            },
        }
    )
    obj = validate(doc)
    assert isinstance(obj, WorkflowTemplate)
    assert obj.dump() == doc


def test_unknown_fields_of_a_container_are_kept_beside_typed_ones() -> None:
    doc = template({"type": "Pod", "pod": {"containers": [container_doc(stdin=True, tty=True)]}})
    obj = validate(doc)
    assert isinstance(obj, WorkflowTemplate) and obj.spec.pod is not None
    assert obj.spec.pod.containers[0].model_extra == {"stdin": True, "tty": True}
    assert obj.dump()["spec"]["pod"]["containers"][0] == doc["spec"]["pod"]["containers"][0]


def test_unknown_fields_deep_in_a_job_spec_are_kept() -> None:
    job = {
        "metadata": {"name": "mnist", "annotations": {"a": "b"}},
        "spec": {
            "tensorboardSpec": {"trainingLogFilesets": ["t9k://pvc/mnist/log"]},
            "replicaSpecs": [
                {
                    "type": "worker",
                    "replicas": 4,
                    "restartPolicy": "ExitCode",
                    "template": {
                        "spec": {
                            "securityContext": {"runAsUser": 1000},
                            "containers": [container_doc(workingDir="/mnt", env=[])],
                        }
                    },
                }
            ],
        },
    }
    doc = template({"type": "TensorFlowTrainingJob", "tensorflowTrainingJob": job})
    assert roundtrip(doc) == doc


def test_a_given_empty_list_is_kept_and_an_absent_one_is_not_added() -> None:
    doc = template({"params": [], "type": "Pod", "pod": {"containers": [container_doc()]}})
    out = roundtrip(doc)
    assert out["spec"]["params"] == []
    assert "workspaces" not in out["spec"] and "env" not in out["spec"]["pod"]["containers"][0]


# --- property: any template built from these parts round-trips ----------------------

names = st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True)
texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12
) | st.sampled_from(["$(params.p)", "$((1+2))", "", "yes", "null", "1.0", "0x10", "~"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), texts)
unknown = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def containers(draw: st.DrawFn) -> Doc:
    out: Doc = {"name": draw(names), "image": draw(texts)}
    if draw(st.booleans()):
        out["command"] = draw(st.lists(texts, max_size=3))
    if draw(st.booleans()):
        out["env"] = [
            {"name": n, "value": v} for n, v in draw(st.lists(st.tuples(names, texts), max_size=3))
        ]
    extra = draw(
        st.dictionaries(
            st.sampled_from(["stdin", "ports", "livenessProbe", "lifecycle"]), unknown, max_size=2
        )
    )
    return {**out, **extra}


@st.composite
def templates(draw: st.DrawFn) -> Doc:
    spec: Doc = {}
    if draw(st.booleans()):
        spec["description"] = draw(texts)
    if draw(st.booleans()):
        spec["params"] = [
            {"name": n, **({"default": d} if d is not None else {})}
            for n, d in draw(st.lists(st.tuples(names, st.none() | texts), max_size=3))
        ]
    if draw(st.booleans()):
        spec["workspaces"] = [
            {"name": n, "readOnly": r}
            for n, r in draw(st.lists(st.tuples(names, st.booleans()), max_size=2))
        ]
    kind = draw(st.sampled_from(["Pod", "SeqPod", "DAG"]))
    spec["type"] = kind
    if kind == "Pod":
        spec["pod"] = {"containers": draw(st.lists(containers(), min_size=1, max_size=3))}
    elif kind == "SeqPod":
        steps = draw(st.lists(containers(), min_size=1, max_size=3))
        spec["seqPod"] = {
            "steps": [{**s, "script": draw(texts)} if i % 2 else s for i, s in enumerate(steps)]
        }
    else:
        nodes = [
            {
                "name": n,
                "workflowTemplateRef": draw(names),
                "dependencies": draw(st.lists(names, max_size=3)),
            }
            for n in draw(st.lists(names, min_size=1, max_size=4))
        ]
        spec["dag"] = {"templates": nodes}
    return template(spec)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
def test_any_template_survives_yaml_and_json_round_trips(doc: Doc) -> None:
    assert roundtrip(doc) == doc
    [from_yaml] = parse_documents(dump_yaml(roundtrip(doc)))
    assert from_yaml.data == doc
    assert json.loads(json.dumps(roundtrip(doc))) == doc
