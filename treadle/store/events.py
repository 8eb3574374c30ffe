"""Kubernetes Events (core v1) about stored objects: "created", "step started",
"retried" … as `kubectl describe` and the console show them.

Repeats aggregate as Kubernetes' event recorder does: the same reason, message and
type about the same object update one Event (`count` + 1, new `lastTimestamp`)
instead of adding another. Each Event is owned by its object, so deleting a run
deletes its events.
"""

from __future__ import annotations

import hashlib
import socket
from datetime import UTC, datetime
from typing import Literal

from treadle.errors import AlreadyExists, Conflict, NotFound

from .base import Obj, Store

EventKind = Literal["Normal", "Warning"]

DEFAULT_COMPONENT = "treadle-controller"
MAX_MESSAGE_LENGTH = 1024
"""Bytes of a message, as an API server counts them."""
_NAME_PREFIX_LENGTH = 200
_ATTEMPTS = 8


def event_name(obj: Obj, reason: str, message: str, type: str) -> str:
    """`<object name>.<digest>`: one name per (object, reason, message, type)."""
    meta = obj["metadata"]
    key = "\0".join((meta.get("uid", ""), meta["name"], reason, type, message))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    prefix = meta["name"][:_NAME_PREFIX_LENGTH].rstrip("-.")
    return f"{prefix}.{digest}"


def record_event(
    store: Store,
    obj: Obj,
    reason: str,
    message: str,
    type: str = "Normal",
    *,
    component: str = DEFAULT_COMPONENT,
    now: datetime | None = None,
) -> Obj:
    """Record that `reason` (a CamelCase word such as `StepStarted`) happened to the
    stored object `obj`, explained by `message` (cut to 1024 characters). Returns
    the Event as stored. Raises ValueError for a `type` other than Normal/Warning
    (see `EventKind`).
    """
    if type not in ("Normal", "Warning"):
        raise ValueError(f'event type must be "Normal" or "Warning", got "{type}"')
    if len(message.encode()) > MAX_MESSAGE_LENGTH:
        # The limit is the API server's, in bytes of UTF-8.
        room = MAX_MESSAGE_LENGTH - len("…".encode())
        message = message.encode()[:room].decode(errors="ignore") + "…"
    moment = now or datetime.now(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = obj["metadata"]
    name = event_name(obj, reason, message, type)
    namespace = meta.get("namespace") or "default"
    for _ in range(_ATTEMPTS):
        # Created first: a name is one (object, reason, message), so most events are
        # new, and a store over the network is asked once instead of twice.
        try:
            return store.create(
                {
                    **_new_event(obj, name, namespace, reason, message, type, component, stamp),
                    "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                }
            )
        except AlreadyExists:
            pass  # recorded before: count it
        try:
            existing = store.get("v1", "Event", namespace, name)
        except NotFound:
            continue  # deleted meanwhile: record it anew
        existing["count"] = int(existing.get("count", 1)) + 1
        existing["lastTimestamp"] = stamp
        try:
            return store.update(existing)
        except (Conflict, NotFound):
            continue
    raise Conflict(f'event "{namespace}/{name}" kept changing; gave up after {_ATTEMPTS} tries')


_INSTANCE = socket.gethostname()[:128] or "treadle"


def _new_event(
    obj: Obj,
    name: str,
    namespace: str,
    reason: str,
    message: str,
    type: str,
    component: str,
    stamp: str,
) -> Obj:
    meta = obj["metadata"]
    involved = {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": meta["name"],
        "namespace": meta.get("namespace"),
        "uid": meta.get("uid"),
        "resourceVersion": meta.get("resourceVersion"),
    }
    event: Obj = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {k: v for k, v in involved.items() if v},
        "reason": reason,
        "message": message,
        "type": type,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "source": {"component": component},
        # An event with an eventTime must say who reported it and what was done
        # (the API server refuses it otherwise).
        "reportingComponent": component,
        "reportingInstance": _INSTANCE,
        "action": reason,
    }
    if meta.get("uid"):
        event["metadata"]["ownerReferences"] = [
            {
                "apiVersion": obj["apiVersion"],
                "kind": obj["kind"],
                "name": meta["name"],
                "uid": meta["uid"],
            }
        ]
    return event


def events_for(store: Store, obj: Obj) -> list[Obj]:
    """The Events about `obj` (matched by uid, so not those of an earlier object of
    the same name), oldest first by `firstTimestamp` then `lastTimestamp`."""
    meta = obj["metadata"]
    uid = meta.get("uid")
    if not uid:
        return []
    events: list[Obj] = []
    token: str | None = None
    while True:
        page = store.list(
            "v1",
            "Event",
            meta.get("namespace") or "default",
            field_selector=f"involvedObject.uid={uid}",
            limit=500,
            continue_token=token,
        )
        events += page.items
        token = page.continue_token
        if not token:
            break
    # eventTime has microseconds; firstTimestamp only seconds, too coarse to order
    # the many events of one quick run.
    events.sort(
        key=lambda e: (
            e.get("eventTime") or e.get("firstTimestamp", ""),
            e.get("lastTimestamp", ""),
        )
    )
    return events


__all__ = ["EventKind", "event_name", "events_for", "record_event"]
