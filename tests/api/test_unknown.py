"""Unknown fields (SPEC §13): kept as written, reported with their path in the
order the document has them, errors only under strict checking. The cases of each
place a field may be unknown are in test_validation.py; these are the properties."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from treadle.api import base, builtin, cron, k8s, meta, run, trigger
from treadle.api import template as template_types
from treadle.api.base import Strict
from treadle.api.template import WorkflowTemplate
from treadle.api.validate import check
from treadle.errors import ValidationError

from .samples import GROUP, Doc, container_doc, dag_template, node, pod_template, template

BOGUS = "zz"
"""Every unknown key these tests write starts with it; no API field does."""

names = st.from_regex(r"zz[A-Z][a-z]{0,6}", fullmatch=True)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=5)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | texts,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(names, inner, max_size=2),
    max_leaves=4,
)


def scatter(draw: st.DrawFn, mapping: Doc) -> Doc:
    """`mapping` with up to two unknown keys put anywhere among its own."""
    items = list(mapping.items())
    for name in draw(st.lists(names, max_size=2, unique=True)):
        items.insert(draw(st.integers(0, len(items))), (name, draw(values)))
    return dict(items)


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    """A SeqPod or DAG template with unknown keys at every level it has."""
    params = [scatter(draw, {"name": f"p{i}"}) for i in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        steps = [
            scatter(draw, container_doc(f"s{i}", command=["true"]))
            for i in range(draw(st.integers(1, 3)))
        ]
        body: Doc = {"type": "SeqPod", "seqPod": scatter(draw, {"steps": steps})}
    else:
        nodes = [
            scatter(
                draw,
                {
                    "name": f"n{i}",
                    "workflowTemplateRef": "x",
                    "when": [scatter(draw, {"input": "a", "operator": "in", "values": ["a"]})],
                },
            )
            for i in range(draw(st.integers(1, 3)))
        ]
        body = {"type": "DAG", "dag": scatter(draw, {"templates": nodes})}
    return scatter(
        draw,
        {
            "apiVersion": GROUP,
            "kind": "WorkflowTemplate",
            "metadata": scatter(draw, {"name": "t"}),
            "spec": scatter(draw, {"params": params, **body}),
        },
    )


def bogus_paths(value: Any, where: str = "") -> list[str]:
    """The path of every unknown key of `value`, in the order it is written."""
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            at = f"{where}.{key}" if where else key
            out += [at] if key.startswith(BOGUS) else bogus_paths(item, at)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += bogus_paths(item, f"{where}[{i}]")
    return out


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(documents())
def test_unknown_fields_are_reported_in_document_order(doc: Doc) -> None:
    assert [w.path for w in check(doc).warnings] == bogus_paths(doc)


@PROPERTY
@given(documents())
def test_unknown_fields_survive_in_the_dump(doc: Doc) -> None:
    obj = check(doc).obj
    assert isinstance(obj, Strict)
    assert obj.dump() == doc


@PROPERTY
@given(documents())
def test_strict_checking_refuses_exactly_the_unknown_fields(doc: Doc) -> None:
    expected = bogus_paths(doc)
    if not expected:
        check(doc, strict=True)
        return
    with pytest.raises(ValidationError) as caught:
        check(doc, strict=True)
    assert [e.path for e in caught.value.causes] == expected


KEPT = [
    pytest.param(
        template({"type": "SeqPod", "seqPod": {"steps": [container_doc("s", zzStep=1)]}}),
        id="on_a_step",
    ),
    pytest.param(dag_template(node("a", zzNode=[1, 2])), id="on_a_dag_node"),
    pytest.param(pod_template(params=[{"name": "p", "zzParam": {"a": None}}]), id="on_a_param"),
    pytest.param(pod_template(zzSpec="x"), id="at_spec_level"),
    pytest.param({**pod_template(), "metadata": {"name": "t", "zzMeta": 1}}, id="in_metadata"),
]


@pytest.mark.parametrize("doc", KEPT)
def test_an_unknown_field_is_kept_in_the_model_dump(doc: Doc) -> None:
    assert WorkflowTemplate.model_validate(doc).dump() == doc


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: reversed_keys(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


def test_models_of_the_same_content_are_equal_whatever_the_order_of_keys() -> None:
    doc = pod_template(zzA=1, params=[{"name": "p", "default": "d"}])
    assert WorkflowTemplate.model_validate(doc) == WorkflowTemplate.model_validate(
        reversed_keys(doc)
    )


def api_types() -> list[type[BaseModel]]:
    modules = (base, builtin, cron, k8s, meta, run, template_types, trigger)
    found = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Strict)
    }
    return sorted(found, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", api_types(), ids=lambda cls: cls.__name__)
def test_an_untyped_field_is_not_also_a_typed_one(cls: type[Strict]) -> None:
    typed = {field.alias or name for name, field in cls.model_fields.items()}
    assert cls.UNTYPED_FIELDS.isdisjoint(typed)
