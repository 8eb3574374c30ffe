"""The EventListener endpoint (SPEC §8): `POST /t9k/workflow/triggers/{ns}/{listener}`.

Each accepted request becomes a CloudEvent stored as one `ListenerEvent` object
(below) in the listener's namespace, owned by the listener, before the answer
`success` goes out: the store commits durably, so an acknowledged event survives a
crash. The trigger controller consumes these objects (it watches the kind, creates
the runs the WorkflowTriggers ask for, then deletes the event); deleting the
listener deletes its pending events.

    apiVersion: treadle.dev/v1alpha1
    kind: ListenerEvent
    metadata: {name: <listener>-xxxxx, namespace, labels: {tensorstack.dev/eventListener}}
    spec:
      listener: <listener name>
      cloudEvent: {specversion: "1.0", id, source, type, time, datacontenttype,
                   data: {body: <the JSON body>, header: {Name: [values…]}}}

Headers keep every value, under their canonical names (`X-Github-Event`), as the
platform's Go listener sees them. Bad JSON (or none) is 400, a body over
`MAX_EVENT_BYTES` 413, any method but POST 405, an unknown listener 404; none of
these stores anything. A store with no `ListenerEvent` kind (a Kubernetes cluster,
where Treadle installs no CRD for it) cannot queue events: 501, saying so.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from ..api.objects import label_value, owner_reference
from ..errors import BadRequest, NotFound, TreadleError
from ..store.base import Obj, Store
from .state import ServerState, server_state
from .status import NotOnThisHome, status_response

EVENT_API_VERSION = "treadle.dev/v1alpha1"
EVENT_KIND = "ListenerEvent"
LISTENER_LABEL = "tensorstack.dev/eventListener"
LISTENER_API_VERSION = "tensorstack.dev/v1beta1"
EVENT_TYPE = "dev.tensorstack.workflow.trigger.event"
MAX_EVENT_BYTES = 10 * 1024 * 1024
PATH = "/t9k/workflow/triggers/{namespace}/{listener}"

router = APIRouter(tags=["triggers"])


class PayloadTooLarge(TreadleError):
    http_status = 413
    reason = "RequestEntityTooLarge"


def canonical_header(name: str) -> str:
    """`x-github-event` -> `X-Github-Event`."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def event_object(
    listener: Obj, body: Any, headers: dict[str, list[str]], now: datetime | None = None
) -> Obj:
    meta = listener["metadata"]
    namespace, name = meta.get("namespace") or "default", meta["name"]
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "apiVersion": EVENT_API_VERSION,
        "kind": EVENT_KIND,
        "metadata": {
            "generateName": f"{name[:200].rstrip('-.')}-",
            "namespace": namespace,
            "labels": {LISTENER_LABEL: label_value(name)},
            "ownerReferences": [owner_reference(listener)],
        },
        "spec": {
            "listener": name,
            "cloudEvent": {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": PATH.format(namespace=namespace, listener=name),
                "type": EVENT_TYPE,
                "time": stamp,
                "datacontenttype": "application/json",
                "data": {"body": body, "header": headers},
            },
        },
    }


def queue_event(
    store: Store, namespace: str, listener: str, body: Any, headers: dict[str, list[str]]
) -> Obj:
    """Store the event durably. Raises NotFound for an unknown listener,
    NotOnThisHome where the store has no kind to queue events in."""
    try:
        owner = store.get(LISTENER_API_VERSION, "EventListener", namespace, listener)
    except NotFound:
        raise NotFound(f'EventListener "{namespace}/{listener}" not found') from None
    try:
        return store.create(event_object(owner, body, headers))
    except NotFound as exc:
        # The listener was just read, so what is missing is the events' kind.
        raise NotOnThisHome(
            f"this server cannot queue events for EventListener {namespace}/{listener}: "
            f"its store has no {EVENT_KIND} kind ({EVENT_API_VERSION}), in which events "
            f"wait for the trigger controller ({exc})"
        ) from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@router.api_route(
    PATH, methods=["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], include_in_schema=False
)
async def wrong_method(namespace: str, listener: str, request: Request) -> Response:
    return status_response(
        405,
        f"an EventListener accepts POST with a JSON body, not {request.method}",
        headers={"Allow": "POST"},
    )


@router.post(
    PATH,
    summary="Send a JSON event to an EventListener; answers `success`",
    response_class=PlainTextResponse,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}
    },
)
async def receive_event(namespace: str, listener: str, request: Request) -> Response:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_EVENT_BYTES:
            raise PayloadTooLarge(f"the event is larger than {MAX_EVENT_BYTES} bytes")
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as e:
        what = "the request has no body" if not raw.strip() else f"bad JSON: {e}"
        raise BadRequest(f"{what}; an EventListener accepts a JSON body") from None
    headers: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        headers.setdefault(canonical_header(key), []).append(value)
    state: ServerState = server_state(request)
    await run_in_threadpool(queue_event, state.store, namespace, listener, body, headers)
    return PlainTextResponse("success")


__all__ = [
    "EVENT_API_VERSION",
    "EVENT_KIND",
    "LISTENER_LABEL",
    "event_object",
    "queue_event",
    "router",
]
