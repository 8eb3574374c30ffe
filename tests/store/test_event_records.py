"""Kubernetes Events recorded about stored objects (store/events.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from treadle.store.base import Obj, Store
from treadle.store.events import event_name, events_for, record_event

API = "batch.tensorstack.dev/v1beta1"
T0 = datetime(2026, 11, 25, 14, 0, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 14, 5, 0, tzinfo=UTC)


@pytest.fixture
def run(store: Store) -> Obj:
    return store.create(
        {
            "apiVersion": API,
            "kind": "WorkflowRun",
            "metadata": {"name": "train", "namespace": "ml"},
            "spec": {},
        }
    )


def test_an_event_names_the_object_reason_message_and_type(store: Store, run: Obj) -> None:
    event = record_event(store, run, "StepStarted", "step prepare started", now=T0)
    assert event["apiVersion"] == "v1" and event["kind"] == "Event"
    assert event["metadata"]["namespace"] == "ml"
    assert event["involvedObject"] == {
        "apiVersion": API,
        "kind": "WorkflowRun",
        "name": "train",
        "namespace": "ml",
        "uid": run["metadata"]["uid"],
        "resourceVersion": run["metadata"]["resourceVersion"],
    }
    assert (event["reason"], event["message"], event["type"]) == (
        "StepStarted",
        "step prepare started",
        "Normal",
    )
    assert (event["firstTimestamp"], event["lastTimestamp"], event["count"]) == (
        "2026-11-25T14:00:00Z",
        "2026-11-25T14:00:00Z",
        1,
    )


def test_a_repeated_event_counts_up_instead_of_adding_another(store: Store, run: Obj) -> None:
    record_event(store, run, "Retried", "node a failed; retrying", "Warning", now=T0)
    again = record_event(store, run, "Retried", "node a failed; retrying", "Warning", now=T1)
    assert again["count"] == 2
    assert (again["firstTimestamp"], again["lastTimestamp"]) == (
        "2026-11-25T14:00:00Z",
        "2026-11-25T14:05:00Z",
    )
    assert len(events_for(store, run)) == 1


def test_events_for_lists_the_events_of_one_object_oldest_first(store: Store, run: Obj) -> None:
    other = store.create(
        {
            "apiVersion": API,
            "kind": "WorkflowRun",
            "metadata": {"name": "other", "namespace": "ml"},
            "spec": {},
        }
    )
    record_event(store, run, "Started", "b", now=T1)
    record_event(store, run, "Created", "a", now=T0)
    record_event(store, other, "Created", "not this one", now=T0)
    assert [e["reason"] for e in events_for(store, run)] == ["Created", "Started"]


def test_events_are_deleted_with_their_object(store: Store, run: Obj) -> None:
    record_event(store, run, "Created", "run created")
    store.delete(API, "WorkflowRun", "ml", "train")
    assert store.list("v1", "Event", "ml").items == []


def test_an_event_type_must_be_normal_or_warning(store: Store, run: Obj) -> None:
    with pytest.raises(ValueError, match="Normal"):
        record_event(store, run, "Created", "x", "Error")


def test_a_long_message_is_cut_to_1024_bytes(store: Store, run: Obj) -> None:
    event = record_event(store, run, "Failed", "é" * 5000)
    assert len(event["message"].encode()) <= 1024 and event["message"].endswith("…")
    assert len(event["message"].encode()) > 1020


def test_event_names_are_valid_even_for_long_object_names() -> None:
    obj = {"metadata": {"name": "a" * 199 + "-" + "b" * 53, "uid": "u"}}
    name = event_name(obj, "Created", "m", "Normal")
    assert len(name) <= 253 and name.split(".")[0].endswith("a")
